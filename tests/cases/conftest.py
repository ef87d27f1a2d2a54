"""Fixtures for the case-management tests: a registry, a clock, stores and actors."""

import datetime as dt
import sys
import types
from collections.abc import Callable, Iterator

import pytest

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.testing.sample import SamplePlugin

START = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)
NIK = "3674011234560001"
PHONE = "081234567890"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, days: int) -> None:
        self.now += dt.timedelta(days=days)

    @property
    def today(self) -> dt.date:
        return self.now.date()


def sqlite_store() -> mk.EventStore:
    from mentorkit.store import open_store

    store: mk.EventStore = open_store(":memory:")
    return store


STORES: dict[str, Callable[[], mk.EventStore]] = {
    "memory": mk.InMemoryEventStore,
    "sqlite": sqlite_store,
}


@pytest.fixture(scope="session")
def kit() -> types.ModuleType:
    """This module: its helpers (actors, builders) for the tests."""
    return sys.modules[__name__]


@pytest.fixture(scope="session")
def registry() -> mk.Registry:
    return mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=sorted(STORES))
def store(request: pytest.FixtureRequest) -> Iterator[mk.EventStore]:
    made = STORES[request.param]()
    yield made
    close = getattr(made, "close", None)
    if close is not None:
        close()


@pytest.fixture
def service(store: mk.EventStore, registry: mk.Registry, clock: Clock) -> mc.CaseService:
    return mc.CaseService(store, registry, clock=clock)


@pytest.fixture
def memory_service(registry: mk.Registry, clock: Clock) -> mc.CaseService:
    return mc.CaseService(mk.InMemoryEventStore(), registry, clock=clock)


COORDINATOR = mc.Actor("u-coord", mc.Role.COORDINATOR)
MENTOR = mc.Actor("u-sari", mc.Role.MENTOR, mentor_id="m-sari")
OTHER_MENTOR = mc.Actor("u-budi", mc.Role.MENTOR, mentor_id="m-budi")
CAPITAL_OFFICER = mc.Actor("u-fas", mc.Role.UNIT_OFFICER, unit="capital")
COOP_OFFICER = mc.Actor("u-kop", mc.Role.UNIT_OFFICER, unit="cooperative")


def mentor(mentor_id: str = "m-sari", *, capacity: int = 5, district: str = "Setu") -> mk.Mentor:
    return mk.Mentor(
        id=mentor_id,
        name="Sari" if mentor_id == "m-sari" else "Budi",
        kind=mk.MentorKind.ACADEMIC,
        expertise=("accounting", "finance"),
        districts=(district,),
        capacity=capacity,
        phone="081298765432",
    )


def business(business_id: str = "b-1", *, district: str = "Setu") -> mk.Business:
    return mk.Business(
        id=business_id,
        name="Warung Bu Ani",
        owner=mk.Person(name="Ani", nik=NIK, phone=PHONE, gender=mk.Gender.FEMALE),
        sector=mk.Sector.CULINARY,
        district=district,
        founded=dt.date(2020, 1, 15),
        financing_need=25_000_000,
        nib="1234567890123",
    )


def observations(
    business_id: str, day: dt.date, *, money: bool, records: int, pricing: str
) -> list[mk.Observation]:
    rubric = "sample-bookkeeping"
    return [
        mk.Observation(business_id, rubric, "separate-money", money, day),
        mk.Observation(business_id, rubric, "cash-records", records, day),
        mk.Observation(business_id, rubric, "pricing", pricing, day),
    ]


def assessed_case(service: mc.CaseService, clock: Clock, business_id: str = "b-1") -> str:
    """Open a case, assign m-sari, record weak observations and assess it."""
    state = service.open_case(COORDINATOR, business(business_id), "p-2025").state
    service.assign_mentor(COORDINATOR, state.case_id, mentor())
    service.record_observations(
        MENTOR,
        state.case_id,
        observations(business_id, clock.today, money=False, records=1, pricing="guess"),
    )
    service.assess(MENTOR, state.case_id)
    return state.case_id


def referred_case(service: mc.CaseService, clock: Clock, business_id: str = "b-1") -> str:
    """A case in mentoring whose strong assessment proposed capital-1 and cooperative-2."""
    state = service.open_case(COORDINATOR, business(business_id), "p-2025").state
    service.assign_mentor(COORDINATOR, state.case_id, mentor())
    service.record_observations(
        MENTOR,
        state.case_id,
        observations(business_id, clock.today, money=True, records=3, pricing="copy"),
    )
    service.assess(MENTOR, state.case_id)
    service.start_mentoring(MENTOR, state.case_id)
    return state.case_id

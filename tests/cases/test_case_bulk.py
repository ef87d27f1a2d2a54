"""Bulk case commands (``open_cases``, ``record_observations_many``, ``assess_many``).

A bulk command must write exactly the events of the one-by-one commands,
answer the same outcomes, check access the same way, and on a store with
``append_many`` (the SQL stores) write every case or none.
"""

import datetime as dt
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from racing_store import RacingMany

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.store import SQLiteStore
from mentorkit.testing.sample import SamplePlugin

REGISTRY = mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)
BOSS = mc.Actor("u-coord", mc.Role.COORDINATOR)
SARI = mc.Actor("u-sari", mc.Role.MENTOR, mentor_id="m-sari")
PROGRAMME = "p-2025"
AT = dt.datetime(2025, 3, 3, 2, tzinfo=dt.UTC)
DAY = AT.date()
SETU = "Setu"


def business(business_id: str) -> mk.Business:
    return mk.Business(
        id=business_id,
        name=f"Kripik {business_id}",
        owner=mk.Person(name="Ani", nik="3674011234560001", phone="081234567890"),
        sector=mk.Sector.CULINARY,
        district=SETU,
        founded=dt.date(2019, 6, 1),
        financing_need=20_000_000,
    )


def observations(business_id: str, money: bool, records: int, pricing: str) -> list[mk.Observation]:
    rubric = "sample-bookkeeping"
    return [
        mk.Observation(business_id, rubric, "separate-money", money, DAY),
        mk.Observation(business_id, rubric, "cash-records", records, DAY),
        mk.Observation(business_id, rubric, "pricing", pricing, DAY),
        mk.Observation(business_id, "no-such-rubric", "x", True, DAY),
    ]


def sqlite() -> mk.EventStore:
    return SQLiteStore(":memory:")


STORES: dict[str, Callable[[], mk.EventStore]] = {
    "memory": mk.InMemoryEventStore,
    "sqlite": sqlite,
}

_CASES = st.lists(
    st.tuples(
        st.sampled_from([f"b-{n}" for n in range(1, 7)]),
        st.booleans(),
        st.integers(min_value=-1, max_value=6),
        st.sampled_from(["guess", "cost-plus", "not-an-answer"]),
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda t: t[0],
)


def history(store: mk.EventStore) -> list[tuple[str, int, str, str, dt.datetime, object]]:
    return [
        (e.stream, e.version, e.kind, e.actor, e.at, e.data)
        for s in store.streams()
        for e in store.read(s)
    ]


class TestBulkEqualsSequential:
    """Bulk commands write the same events and answer the same outcomes as one call per case."""

    @settings(max_examples=25, deadline=None)
    @given(cases=_CASES, backend=st.sampled_from(sorted(STORES)), cache=st.booleans())
    def test_same_events_and_outcomes(
        self, cases: list[tuple[str, bool, int, str]], backend: str, cache: bool
    ) -> None:
        one_store, bulk_store = STORES[backend](), STORES[backend]()
        one = mc.CaseService(one_store, REGISTRY, clock=lambda: AT, cache_states=cache)
        bulk = mc.CaseService(bulk_store, REGISTRY, clock=lambda: AT, cache_states=cache)
        ids = [f"{PROGRAMME}:{b}" for b, *_ in cases]
        obs = [(f"{PROGRAMME}:{b}", observations(b, m, r, p)) for b, m, r, p in cases]

        opened = [one.open_case(BOSS, business(b), PROGRAMME, on=DAY) for b, *_ in cases]
        recorded = [one.record_observations(BOSS, c, o) for c, o in obs]
        assessed = [one.assess(BOSS, c, on=DAY) for c in ids]

        assert bulk.open_cases(BOSS, [business(b) for b, *_ in cases], PROGRAMME, on=DAY) == opened
        assert bulk.record_observations_many(BOSS, obs) == recorded
        assert bulk.assess_many(BOSS, ids, on=DAY) == assessed
        assert history(bulk_store) == history(one_store)
        assert any(o.issues for o in recorded), "the unknown rubric is always an issue"


class TestBulkSafety:
    """Access checks, duplicates and conflicts: nothing is half written."""

    def opened(self, store: mk.EventStore, *ids: str) -> mc.CaseService:
        service = mc.CaseService(store, REGISTRY, clock=lambda: AT, cache_states=True)
        service.open_cases(BOSS, [business(b) for b in ids], PROGRAMME, on=DAY)
        return service

    def test_only_coordinators_open_cases(self) -> None:
        store = sqlite()
        service = mc.CaseService(store, REGISTRY, clock=lambda: AT)
        with pytest.raises(mk.AccessDeniedError):
            service.open_cases(SARI, [business("b-1")], PROGRAMME)
        assert store.streams() == []

    def test_an_existing_case_stops_the_whole_batch(self) -> None:
        store = sqlite()
        service = self.opened(store, "b-2")
        with pytest.raises(mk.ConflictError, match="b-2"):
            service.open_cases(BOSS, [business("b-1"), business("b-2")], PROGRAMME)
        assert store.version(mc.stream_name(f"{PROGRAMME}:b-1")) == 0

    def test_a_mentor_off_one_case_assesses_none(self) -> None:
        store = sqlite()
        service = self.opened(store, "b-1", "b-2")
        mentor = mk.Mentor("m-sari", "Sari", mk.MentorKind.PRACTITIONER, districts=(SETU,))
        service.assign_mentor(BOSS, f"{PROGRAMME}:b-1", mentor)
        before = history(store)
        with pytest.raises(mk.AccessDeniedError):
            service.assess_many(SARI, [f"{PROGRAMME}:b-1", f"{PROGRAMME}:b-2"], on=DAY)
        assert history(store) == before

    def test_a_case_twice_is_refused(self) -> None:
        service = self.opened(sqlite(), "b-1")
        with pytest.raises(ValueError, match="twice"):
            service.assess_many(BOSS, [f"{PROGRAMME}:b-1", f"{PROGRAMME}:b-1"], on=DAY)

    def test_a_conflict_on_one_case_writes_no_case(self) -> None:
        store = RacingMany(SQLiteStore(":memory:"))
        service = self.opened(store, "b-1", "b-2")
        other = mc.CaseService(store, REGISTRY, clock=lambda: AT)
        ids = [f"{PROGRAMME}:b-1", f"{PROGRAMME}:b-2"]
        store.before_append = lambda: other.record_observations(
            BOSS, ids[1], observations("b-2", True, 3, "guess")[:1]
        )
        with pytest.raises(mk.ConflictError, match="b-2"):
            service.record_observations_many(
                BOSS, [(c, observations(c.split(":")[1], True, 3, "guess")[:3]) for c in ids]
            )
        assert store.version(mc.stream_name(ids[0])) == 1
        assert store.version(mc.stream_name(ids[1])) == 2
        # The cache dropped both cases: the next command sees the other writer's event.
        assert len(service.state(BOSS, ids[1]).observations) == 1

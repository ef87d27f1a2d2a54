"""End to end: the case service of ``mentorkit.cases`` on the SQL stores.

User story: the office opens a case, assigns a mentor, assesses, refers the
business to the capital unit; the store's caseload and referral queue follow
every step, and a later erasure request leaves a case that still folds.
"""

import datetime as dt
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit._json import dumps_stdlib
from mentorkit.store import ERASED, PostgresStore, SQLiteStore
from mentorkit.testing.sample import SamplePlugin

NOW = dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)
NIK = "3674011234560001"
PHONE = "081234567890"
KEY = b"office-key-outside-the-database"
COORDINATOR = mc.Actor("u-coord", mc.Role.COORDINATOR)
MENTOR = mc.Actor("u-sari", mc.Role.MENTOR, mentor_id="m-sari")
CAPITAL = mc.Actor("u-fas", mc.Role.UNIT_OFFICER, unit="capital")


def referred(service: mc.CaseService) -> str:
    """A case in mentoring whose assessment proposed capital-1 and cooperative-2."""
    business = mk.Business(
        id="b-1",
        name="Warung Bu Ani",
        owner=mk.Person(name="Ani", nik=NIK, phone=PHONE, gender=mk.Gender.FEMALE),
        sector=mk.Sector.CULINARY,
        district="Setu",
        founded=dt.date(2020, 1, 15),
        financing_need=25_000_000,
        nib="1234567890123",
    )
    mentor = mk.Mentor(
        id="m-sari",
        name="Sari",
        kind=mk.MentorKind.ACADEMIC,
        expertise=("accounting", "finance"),
        districts=("Setu",),
        phone="081298765432",
    )
    case_id = service.open_case(COORDINATOR, business, "p-2025").state.case_id
    service.assign_mentor(COORDINATOR, case_id, mentor)
    rubric, day = "sample-bookkeeping", NOW.date()
    service.record_observations(
        MENTOR,
        case_id,
        [
            mk.Observation("b-1", rubric, "separate-money", True, day),
            mk.Observation("b-1", rubric, "cash-records", 3, day),
            mk.Observation("b-1", rubric, "pricing", "copy", day),
        ],
    )
    service.assess(MENTOR, case_id)
    service.start_mentoring(MENTOR, case_id)
    return case_id


class CaseServiceOnStore:
    """The store's projections agree with the case service's own views."""

    @pytest.fixture
    def store(self) -> Any:
        raise NotImplementedError

    @pytest.fixture
    def service(self, store: Any) -> mc.CaseService:
        registry = mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)
        return mc.CaseService(store, registry, clock=lambda: NOW)

    def test_caseload_and_queue_follow_the_case(self, store: Any, service: mc.CaseService) -> None:
        case_id = referred(service)
        stream = mc.stream_name(case_id)
        assert store.caseload("m-sari") == [stream]
        assert service.caseloads(COORDINATOR) == {"m-sari": 1}
        proposed = {(r["referral_id"], r["status"]) for r in store.referral_queue("capital")}
        assert proposed == {("capital-1", "proposed")}
        service.send_referral(MENTOR, case_id, "capital-1")
        (queued,) = store.referral_queue("capital")
        sent = service.referrals_for_unit(CAPITAL, "capital")
        assert [s.referral_id for s in sent] == [queued["referral_id"]]
        assert (queued["status"], queued["business_id"], queued["stream"]) == (
            "sent",
            "b-1",
            stream,
        )
        assert queued["due"] is not None
        service.accept_referral(CAPITAL, case_id, "capital-1")
        assert store.referral_queue("capital")[0]["status"] == "accepted"
        service.close_case(COORDINATOR, case_id, mc.CaseOutcome.CLOSED, "pindah kota")
        assert store.caseload("m-sari") == []
        assert store.referral_queue("capital") == []
        assert store.referral_queue("cooperative") == []

    def test_an_erased_owner_leaves_a_case_that_still_folds(
        self, store: Any, service: mc.CaseService
    ) -> None:
        case_id = referred(service)
        assert store.erase_person(COORDINATOR, KEY, NIK) >= 1
        view = service.get(COORDINATOR, case_id, reveal=True)
        assert view is not None
        state = mc.fold(store.read(mc.stream_name(case_id)))
        assert state is not None
        assert state.business.owner == mk.Person(name=ERASED)
        history = repr(service.history(COORDINATOR, case_id))
        assert NIK not in history
        assert PHONE not in history
        service.send_referral(MENTOR, case_id, "capital-1")  # the case goes on
        assert store.referral_queue("capital")[0]["status"] == "sent"


class TestSQLiteCaseService(CaseServiceOnStore):
    """The case service on an SQLite file."""

    @pytest.fixture
    def store(self, make_sqlite_store: Callable[..., SQLiteStore]) -> Any:
        return make_sqlite_store()

    def test_payloads_are_stored_as_the_standard_library_writes_them(
        self, store: Any, service: mc.CaseService
    ) -> None:
        """The service hands the store each payload's text: the bytes it would have written.

        That is ``dumps_stdlib`` of :func:`~mentorkit.cases.to_record`'s payload, for
        payloads without floats (written by orjson when installed) and with them (the
        assessment's scores and weights).
        """
        referred(service)
        conn = sqlite3.connect(store.path)
        rows = conn.execute(
            "SELECT stream, version, actor, at, data FROM events WHERE stream LIKE 'case/%'"
        ).fetchall()
        conn.close()
        assert {r.kind for r in store.read(rows[0][0])} >= {
            "case.opened",
            "observations.recorded",
            "assessment.recorded",
            "referral.proposed",
        }
        for stream, version, actor, _, data in rows:
            (stored,) = store.read(stream, after=version - 1)[:1]
            event = mc.from_record(stored)
            record = mc.to_record(stream, version, actor, stored.at, event)
            assert data == dumps_stdlib(dict(record.data))


@pytest.mark.postgres
class TestPostgresCaseService(CaseServiceOnStore):
    """The case service on PostgreSQL."""

    @pytest.fixture
    def store(self, make_pg_store: Callable[..., PostgresStore]) -> Any:
        return make_pg_store()

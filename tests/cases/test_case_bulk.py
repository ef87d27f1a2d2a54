"""Bulk case commands (``open_cases``, ``record_observations_many``, ``assess_many``).

A bulk command must write exactly the events of the one-by-one commands,
answer the same outcomes, check access the same way, and on a store with
``append_many`` (the SQL stores) write every case or none.
"""

import datetime as dt
from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from racing_store import RacingMany

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.reports import cohort_cases, cohort_indicators
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


def _lean(outcome: mc.Outcome | mk.TransitionError) -> object:
    """An outcome with its state's observations left out (as the bulk read gives it)."""
    if isinstance(outcome, mk.TransitionError):
        return str(outcome)
    return attrs.evolve(outcome, state=attrs.evolve(outcome.state, observations=()))


class TestBulkReadsAndReferrals:
    """``states`` and ``propose_referrals_many`` read in bulk, and agree with one call per case."""

    @settings(max_examples=25, deadline=None)
    @given(
        cases=_CASES,
        backend=st.sampled_from(sorted(STORES)),
        cache=st.booleans(),
        mentored=st.sets(st.integers(min_value=0, max_value=3)),
    )
    def test_referrals_many_equal_one_by_one(
        self,
        cases: list[tuple[str, bool, int, str]],
        backend: str,
        cache: bool,
        mentored: set[int],
    ) -> None:
        stores = STORES[backend](), STORES[backend]()
        one, bulk = (
            mc.CaseService(store, REGISTRY, clock=lambda: AT, cache_states=cache)
            for store in stores
        )
        ids = [f"{PROGRAMME}:{b}" for b, *_ in cases]
        mentor = mk.Mentor(
            "m-sari", "Sari", mk.MentorKind.PRACTITIONER, districts=(SETU,), capacity=50
        )
        for service in (one, bulk):
            service.open_cases(BOSS, [business(b) for b, *_ in cases], PROGRAMME, on=DAY)
            service.record_observations_many(
                BOSS, [(f"{PROGRAMME}:{b}", observations(b, m, r, p)) for b, m, r, p in cases]
            )
            service.assess_many(BOSS, ids, on=DAY)
            for index in sorted(mentored):
                if index < len(ids) and service.state(BOSS, ids[index]).status is not (
                    mc.CaseStatus.INTAKE
                ):
                    service.assign_mentor(BOSS, ids[index], mentor)
                    service.start_mentoring(BOSS, ids[index])

        expected: list[object] = []
        for case_id in ids:
            try:
                expected.append(_lean(one.propose_referrals(BOSS, case_id, on=DAY)))
            except mk.TransitionError as refused:
                expected.append(str(refused))
        # A fresh service: with the cache on, it starts cold and reads the cases lean.
        bulk = mc.CaseService(stores[1], REGISTRY, clock=lambda: AT, cache_states=cache)
        got = bulk.propose_referrals_many(BOSS, ids, on=DAY)

        assert [_lean(g) for g in got] == expected
        assert history(stores[1]) == history(stores[0])
        # The cache never keeps a state without its observations.
        assert [bulk.state(BOSS, c) for c in ids] == [one.state(BOSS, c) for c in ids]
        for case_id in ids:
            state = bulk.state(BOSS, case_id)
            if state.status is mc.CaseStatus.MENTORING:
                assert any(r.unit == "cooperative" for r in state.referrals), "mentored: referred"

    @settings(max_examples=25, deadline=None)
    @given(
        cases=_CASES,
        backend=st.sampled_from(sorted(STORES)),
        cache=st.booleans(),
        warm=st.booleans(),
        with_observations=st.booleans(),
    )
    def test_states_without_traces(
        self,
        cases: list[tuple[str, bool, int, str]],
        backend: str,
        cache: bool,
        warm: bool,
        with_observations: bool,
    ) -> None:
        store = STORES[backend]()
        writer = mc.CaseService(store, REGISTRY, clock=lambda: AT, cache_states=cache)
        ids = list(dict.fromkeys(f"{PROGRAMME}:{b}" for b, *_ in cases))
        writer.open_cases(BOSS, [business(c.split(":")[1]) for c in ids], PROGRAMME, on=DAY)
        writer.record_observations_many(
            BOSS,
            list({f"{PROGRAMME}:{b}": observations(b, m, r, p) for b, m, r, p in cases}.items()),
        )
        writer.assess_many(BOSS, ids, on=DAY)
        writer.propose_referrals_many(BOSS, ids, on=DAY)  # intake cases refuse, in their place
        whole = [writer.state(BOSS, c) for c in ids]
        # The writer's own cache (warm) or a cold reader (the report's case).
        reader = writer if warm else mc.CaseService(store, REGISTRY, clock=lambda: AT)
        got = list(reader.states(BOSS, ids, observations=with_observations, traces=False))

        held = warm and cache  # a cached state comes with its observations (as states() says)
        expected = [
            mc.without_traces(s if with_observations or held else attrs.evolve(s, observations=()))
            for s in whole
        ]
        assert got == expected
        for state in got:
            assert not any(r.assessment.criteria or r.assessment.receipt for r in state.assessments)
            assert not any(
                c.referral.reasons or c.referral.details or c.referral.receipt
                for c in state.referrals
            )
        # What is left out is what the cohort indicators never read.
        assert cohort_indicators(cohort_cases(got), as_of=DAY) == cohort_indicators(
            cohort_cases(whole), as_of=DAY
        )
        # Those states are not cached: the writer still gives the whole state afterwards.
        assert [writer.state(BOSS, c) for c in ids] == whole

    def test_states_without_traces_leave_out_real_traces(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = sqlite()
        service = mc.CaseService(store, REGISTRY, clock=lambda: AT)
        ids = [f"{PROGRAMME}:b-1"]
        service.open_cases(BOSS, [business("b-1")], PROGRAMME, on=DAY)
        service.record_observations(BOSS, ids[0], observations("b-1", True, 3, "cost-plus"))
        service.assess(BOSS, ids[0], on=DAY)
        service.propose_referrals(BOSS, ids[0], on=DAY)
        whole = service.state(BOSS, ids[0])
        assert whole.assessments[0].assessment.criteria  # there is a trace to leave out
        assert whole.assessments[0].assessment.receipt is not None
        assert whole.referrals
        assert whole.referrals[0].referral.reasons
        # The SQL store leaves the traces out in the database: nothing is left to strip.
        stripped: list[bool] = []

        def spy(state: mc.CaseState) -> mc.CaseState:
            out = mc.without_traces(state)
            stripped.append(out is not state)
            return out

        monkeypatch.setattr("mentorkit.cases._service.without_traces", spy)
        (lean,) = service.states(BOSS, ids, traces=False)
        assert stripped == [False]
        assert lean.assessments[0].assessment.criteria == ()
        assert lean.assessments[0].assessment.receipt is None
        assert lean.assessments[0].assessment.level == whole.assessments[0].assessment.level
        assert lean.referrals[0].referral.reasons == ()
        assert lean.referrals[0].referral.receipt is None
        assert lean.referrals[0].status is whole.referrals[0].status
        assert lean == mc.without_traces(whole)
        assert mc.without_traces(lean) is lean

    @pytest.mark.parametrize("backend", sorted(STORES))
    def test_states_without_observations(self, backend: str) -> None:
        store = STORES[backend]()
        service = mc.CaseService(store, REGISTRY, clock=lambda: AT)
        ids = [f"{PROGRAMME}:b-1", f"{PROGRAMME}:b-2"]
        service.open_cases(BOSS, [business("b-1"), business("b-2")], PROGRAMME, on=DAY)
        later = AT + dt.timedelta(hours=5)
        recorder = mc.CaseService(store, REGISTRY, clock=lambda: later)
        recorder.record_observations(BOSS, ids[1], observations("b-2", True, 3, "guess")[:3])

        whole = [service.state(BOSS, c) for c in ids]
        lean = list(service.states(BOSS, observations=False))
        # The observations event is the last one: it still moves the version and the time.
        assert lean[1].version == 2
        assert lean[1].updated_at == later
        assert lean == [attrs.evolve(s, observations=()) for s in whole]
        assert len(whole[1].observations) == 3
        assert list(service.states(BOSS, reversed(ids))) == whole[::-1]

    def test_states_checks_access_and_ids(self) -> None:
        service = mc.CaseService(sqlite(), REGISTRY, clock=lambda: AT)
        service.open_cases(BOSS, [business("b-1")], PROGRAMME, on=DAY)
        with pytest.raises(mk.AccessDeniedError):
            list(service.states(SARI))
        with pytest.raises(mk.NotFoundError, match="b-9"):
            list(service.states(BOSS, [f"{PROGRAMME}:b-9"]))

    def test_an_intake_case_refuses_in_its_place(self) -> None:
        service = mc.CaseService(sqlite(), REGISTRY, clock=lambda: AT)
        service.open_cases(BOSS, [business("b-1"), business("b-2")], PROGRAMME, on=DAY)
        ids = [f"{PROGRAMME}:b-1", f"{PROGRAMME}:b-2"]
        mentor = mk.Mentor(
            "m-sari", "Sari", mk.MentorKind.PRACTITIONER, districts=(SETU,), capacity=50
        )
        for case_id in ids:
            service.assign_mentor(BOSS, case_id, mentor)  # "mentored": the cooperative rule fires
        service.record_observations(BOSS, ids[1], observations("b-2", True, 4, "cost-plus")[:3])
        service.assess(BOSS, ids[1], on=DAY)  # b-1 stays at intake
        before = service.state(BOSS, ids[1]).referrals

        results = service.propose_referrals_many(BOSS, ids, on=DAY)

        assert isinstance(results[0], mk.TransitionError)
        assert "referrals are proposed after a complete assessment" in str(results[0])
        assert service.state(BOSS, ids[0]).referrals == ()
        assert isinstance(results[1], mc.Outcome)
        assert results[1].state == attrs.evolve(service.state(BOSS, ids[1]), observations=())
        assert len(results[1].state.referrals) >= len(before)

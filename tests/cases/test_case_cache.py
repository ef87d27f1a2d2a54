"""The case-state cache (``CaseService(cache_states=True)``) changes nothing but the work done.

A cached service must answer every command and view exactly as a service
without the cache, see every other writer's events, keep the optimistic
concurrency of the store (a stale writer still gets ConflictError), and
read only the events written since it last folded a case.
"""

import datetime as dt
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import partial
from typing import Any

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from racing_store import Counting, Racing

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.store import SQLiteStore
from mentorkit.testing.sample import SamplePlugin

REGISTRY = mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)
BOSS = mc.Actor("u-coord", mc.Role.COORDINATOR)
SARI = mc.Actor("u-sari", mc.Role.MENTOR, mentor_id="m-sari")
OFFICER = {
    "capital": mc.Actor("u-fas", mc.Role.UNIT_OFFICER, unit="capital"),
    "cooperative": mc.Actor("u-kop", mc.Role.UNIT_OFFICER, unit="cooperative"),
}
MENTORS = {
    m: mk.Mentor(m, m.title(), mk.MentorKind.PRACTITIONER, districts=("Setu",), capacity=2)
    for m in ("m-sari", "m-budi")
}
BUSINESS_IDS = ("b-1", "b-2", "b-3")
REFERRAL_IDS = ("capital-1", "capital-2", "cooperative-1", "cooperative-2", "cooperative-3")
PROGRAMME = "p-2025"
NIK = "3674011234560001"
START = dt.datetime(2025, 1, 6, 3, tzinfo=dt.UTC)


def business(business_id: str) -> mk.Business:
    return mk.Business(
        id=business_id,
        name=f"Kripik {business_id}",
        owner=mk.Person(name="Ani", nik=NIK, phone="081234567890"),
        sector=mk.Sector.CULINARY,
        district="Setu",
        founded=dt.date(2019, 6, 1),
        financing_need=20_000_000,
    )


def case_id(business_id: str) -> str:
    return f"{PROGRAMME}:{business_id}"


def observations(business_id: str, day: dt.date, strong: bool) -> list[mk.Observation]:
    rubric = "sample-bookkeeping"
    return [
        mk.Observation(business_id, rubric, "separate-money", strong, day),
        mk.Observation(business_id, rubric, "cash-records", 4 if strong else 1, day),
        mk.Observation(business_id, rubric, "pricing", "cost-plus" if strong else "guess", day),
    ]


def attempt(command: Callable[[], Any]) -> tuple[str, Any]:
    """What a command gave: its result, or its error's type and message."""
    try:
        return ("ok", command())
    except mk.MentorkitError as exc:
        return (type(exc).__name__, str(exc))


def views(service: mc.CaseService, on: dt.date) -> dict[str, Any]:
    """Everything the service can be asked about the cases, as comparable values."""
    out: dict[str, Any] = {
        "cases": service.cases(BOSS, reveal=True),
        "sari": service.cases(SARI),
        "caseloads": service.caseloads(BOSS),
        "progress": service.cohort_progress(BOSS),
        "overdue": service.overdue_at_units(BOSS, on=on),
        "proposals": service.propose_mentors(BOSS, list(MENTORS.values())),
    }
    for unit, officer in OFFICER.items():
        out[f"unit {unit}"] = service.referrals_for_unit(officer, unit, on=on)
    for business_id in BUSINESS_IDS:
        out[f"state {business_id}"] = attempt(partial(service.state, BOSS, case_id(business_id)))
    return out


class CacheMachine(RuleBasedStateMachine):
    """The same commands on two stores: one driven by cached services, one by plain ones.

    On each store a *main* service and a *second* service (another
    instance, as another process would be) write in turn; on store A both
    keep a cache, on store B neither does. Every command must give the
    same result on both sides, and every view of the cached main service
    must equal the plain one's and a fresh fold of its store.
    """

    def __init__(self) -> None:
        super().__init__()
        self.now = START
        clock = self.clock
        self.store_a = mk.InMemoryEventStore()
        self.store_b = mk.InMemoryEventStore()
        self.racing_a = Racing(self.store_a)
        self.racing_b = Racing(self.store_b)
        self.cached = mc.CaseService(self.racing_a, REGISTRY, clock=clock, cache_states=True)
        self.cached_second = mc.CaseService(self.store_a, REGISTRY, clock=clock, cache_states=True)
        self.plain = mc.CaseService(self.racing_b, REGISTRY, clock=clock)
        self.plain_second = mc.CaseService(self.store_b, REGISTRY, clock=clock)

    def clock(self) -> dt.datetime:
        return self.now

    def both(self, second: bool, command: Callable[[mc.CaseService], Any]) -> None:
        """Run ``command`` on each side (by the second services when ``second``)."""
        a = self.cached_second if second else self.cached
        b = self.plain_second if second else self.plain
        got_a, got_b = attempt(lambda: command(a)), attempt(lambda: command(b))
        event(f"{'second' if second else 'main'}: {got_b[0]}")
        assert got_a == got_b

    # ----------------------------------------------------------------------- rules

    @initialize()
    def open_first_case(self) -> None:
        self.both(False, lambda s: s.open_case(BOSS, business("b-1"), PROGRAMME))

    @rule(days=st.integers(min_value=0, max_value=40))
    def time_passes(self, days: int) -> None:
        self.now += dt.timedelta(days=days)

    @rule(second=st.booleans(), bid=st.sampled_from(BUSINESS_IDS))
    def open_case(self, second: bool, bid: str) -> None:
        self.both(second, lambda s: s.open_case(BOSS, business(bid), PROGRAMME))

    @rule(
        second=st.booleans(),
        bid=st.sampled_from(BUSINESS_IDS),
        name=st.sampled_from(sorted(MENTORS)),
        again=st.booleans(),
    )
    def assign(self, second: bool, bid: str, name: str, again: bool) -> None:
        if again:
            self.both(second, lambda s: s.reassign_mentor(BOSS, case_id(bid), MENTORS[name]))
        else:
            self.both(second, lambda s: s.assign_mentor(BOSS, case_id(bid), MENTORS[name]))

    @rule(second=st.booleans())
    def match_mentors(self, second: bool) -> None:
        mentors = list(MENTORS.values())
        self.both(
            second,
            lambda s: s.assign_proposals(BOSS, s.propose_mentors(BOSS, mentors), mentors),
        )

    @rule(second=st.booleans(), bid=st.sampled_from(BUSINESS_IDS), strong=st.booleans())
    def observe_and_assess(self, second: bool, bid: str, strong: bool) -> None:
        found = observations(bid, self.now.date(), strong)
        self.both(second, lambda s: s.record_observations(BOSS, case_id(bid), found))
        self.both(second, lambda s: s.assess(BOSS, case_id(bid)))

    @rule(second=st.booleans(), bid=st.sampled_from(BUSINESS_IDS))
    def start_mentoring(self, second: bool, bid: str) -> None:
        self.both(second, lambda s: s.start_mentoring(BOSS, case_id(bid)))

    @rule(
        second=st.booleans(),
        bid=st.sampled_from(BUSINESS_IDS),
        action=st.sampled_from(["add", "complete", "miss"]),
        number=st.integers(min_value=1, max_value=2),
    )
    def milestone(self, second: bool, bid: str, action: str, number: int) -> None:
        ident = f"ms-{number}"
        if action == "add":
            due = self.now.date() + dt.timedelta(days=30)
            milestone = mk.Milestone(id=ident, title="Catat kas harian", due=due)
            self.both(second, lambda s: s.add_milestones(BOSS, case_id(bid), [milestone]))
        elif action == "complete":
            self.both(second, lambda s: s.complete_milestone(BOSS, case_id(bid), ident))
        else:
            self.both(second, lambda s: s.miss_milestone(BOSS, case_id(bid), ident))

    @rule(second=st.booleans(), bid=st.sampled_from(BUSINESS_IDS), prospects=st.booleans())
    def log_and_judge(self, second: bool, bid: str, prospects: bool) -> None:
        session = mk.Session(
            id=f"s-{self.now:%j}", business_id=bid, mentor_id="m-sari", held_on=self.now.date()
        )
        self.both(second, lambda s: s.log_session(BOSS, case_id(bid), session))
        self.both(second, lambda s: s.record_prospects(BOSS, case_id(bid), prospects))

    @rule(
        second=st.booleans(),
        bid=st.sampled_from(BUSINESS_IDS),
        referral_id=st.sampled_from(REFERRAL_IDS),
        action=st.sampled_from(["propose", "send", "accept", "decline", "complete"]),
    )
    def referral_step(self, second: bool, bid: str, referral_id: str, action: str) -> None:
        officer = OFFICER[referral_id.rsplit("-", 1)[0]]
        cid = case_id(bid)
        commands: dict[str, Callable[[mc.CaseService], mc.Outcome]] = {
            "propose": lambda s: s.propose_referrals(BOSS, cid),
            "send": lambda s: s.send_referral(BOSS, cid, referral_id),
            "accept": lambda s: s.accept_referral(officer, cid, referral_id),
            "decline": lambda s: s.decline_referral(officer, cid, referral_id, "kuota"),
            "complete": lambda s: s.complete_referral(
                officer, cid, referral_id, mc.ReferralOutcome(True, loan_amount=10_000_000)
            ),
        }
        self.both(second, commands[action])

    @rule(
        second=st.booleans(),
        bid=st.sampled_from(BUSINESS_IDS),
        outcome=st.sampled_from(mc.CaseOutcome),
        gate=st.integers(min_value=0, max_value=1),
    )
    def close(self, second: bool, bid: str, outcome: mc.CaseOutcome, gate: int) -> None:
        if gate:  # closing ends a case's story: try it rarely
            return
        self.both(second, lambda s: s.close_case(BOSS, case_id(bid), outcome, "akhir program"))

    @rule(bid=st.sampled_from(BUSINESS_IDS), prospects=st.booleans())
    def stale_expected_version(self, bid: str, prospects: bool) -> None:
        """The cached service read a version, the second wrote: the stale write conflicts."""
        cid = case_id(bid)
        seen = attempt(lambda: self.cached.get(BOSS, cid).state.version)
        if seen[0] != "ok":
            return
        self.both(True, lambda s: s.record_prospects(BOSS, cid, prospects))
        before = self.store_a.version(mc.stream_name(cid))
        self.both(
            False,
            lambda s: s.record_prospects(BOSS, cid, not prospects, expected_version=seen[1]),
        )
        if before > seen[1]:  # the second's write went in: the stale one must not
            assert self.store_a.version(mc.stream_name(cid)) == before

    @rule(bid=st.sampled_from(BUSINESS_IDS), prospects=st.booleans())
    def overtaken_before_append(self, bid: str, prospects: bool) -> None:
        """The second writes between the main's read and its append: the store refuses."""
        cid = case_id(bid)
        self.racing_a.before_append = lambda: attempt(
            lambda: self.cached_second.record_prospects(BOSS, cid, prospects)
        )
        self.racing_b.before_append = lambda: attempt(
            lambda: self.plain_second.record_prospects(BOSS, cid, prospects)
        )
        self.both(False, lambda s: s.record_prospects(BOSS, cid, not prospects))
        self.racing_a.before_append = self.racing_b.before_append = None

    # ----------------------------------------------------------------------- invariants

    @invariant()
    def stores_hold_the_same_events(self) -> None:
        streams = self.store_a.streams()
        assert streams == self.store_b.streams()
        for stream in streams:
            assert self.store_a.read(stream) == self.store_b.read(stream)

    @invariant()
    def cached_views_equal_plain_views(self) -> None:
        on = self.now.date()
        assert views(self.cached, on) == views(self.plain, on)
        assert views(self.cached_second, on) == views(self.plain_second, on)

    @invariant()
    def cached_states_equal_a_fresh_fold(self) -> None:
        for stream in self.store_a.streams(mc.stream_name("")):
            folded = mc.fold(self.store_a.read(stream))
            assert folded is not None
            assert self.cached.state(BOSS, folded.case_id) == folded


TestCacheMachine = CacheMachine.TestCase
# Each step compares every view on four services: 30 steps keep the run short.
TestCacheMachine.settings = settings(stateful_step_count=30)


class TestIncrementalReads:
    """A cached service asks the store only for the events after the version it holds."""

    def test_reads_only_the_tail(self) -> None:
        store = Counting(mk.InMemoryEventStore())
        service = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        cid = service.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
        stream = mc.stream_name(cid)
        service.assign_mentor(BOSS, cid, MENTORS["m-sari"])
        store.reads.clear()
        service.record_prospects(BOSS, cid, True)
        # The service wrote version 2 itself: it asks only for what came after.
        assert store.reads == [(stream, 2)]
        other = mc.CaseService(store.inner, REGISTRY, clock=lambda: START)
        other.record_prospects(BOSS, cid, False)
        store.reads.clear()
        state = service.get(BOSS, cid).state
        assert store.reads == [(stream, 3)]
        assert (state.version, state.has_prospects) == (4, False)

    def test_without_the_cache_every_read_starts_at_the_beginning(self) -> None:
        store = Counting(mk.InMemoryEventStore())
        service = mc.CaseService(store, REGISTRY, clock=lambda: START)
        assert not service.caches_states
        cid = service.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
        service.record_prospects(BOSS, cid, True)
        service.get(BOSS, cid)
        assert {after for _, after in store.reads} == {0}

    def test_views_reuse_cached_states(self) -> None:
        store = Counting(mk.InMemoryEventStore())
        service = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        for bid in BUSINESS_IDS:
            service.open_case(BOSS, business(bid), PROGRAMME)
        store.reads.clear()
        assert len(service.cohort_progress(BOSS)) == 0  # nothing assessed yet
        assert service.caseloads(BOSS) == {}
        assert {after for _, after in store.reads} == {1}

    def test_caseloads_from_cached_states_skip_closed_cases(self) -> None:
        store = mk.InMemoryEventStore()
        cached = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        for bid in BUSINESS_IDS:
            cid = cached.open_case(BOSS, business(bid), PROGRAMME).state.case_id
            cached.assign_mentor(BOSS, cid, MENTORS["m-sari" if bid != "b-3" else "m-budi"])
        cached.close_case(BOSS, case_id("b-1"), mc.CaseOutcome.WITHDRAWN, "pindah")
        plain = mc.CaseService(store, REGISTRY, clock=lambda: START)
        # m-sari had two cases and one was withdrawn; m-budi keeps b-3.
        assert cached.caseloads(BOSS) == plain.caseloads(BOSS) == {"m-sari": 1, "m-budi": 1}

    def test_a_store_that_skips_ahead_is_folded_again(self) -> None:
        """A tail that does not continue the cached version is not trusted."""

        class Gappy(Racing):
            def read(self, stream: str, after: int = 0) -> list[mk.EventRecord]:
                records = self.inner.read(stream, 0)
                return records[after + 1 :] if after else records

        store = Gappy(mk.InMemoryEventStore())
        service = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        cid = service.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
        plain = mc.CaseService(store.inner, REGISTRY, clock=lambda: START)
        plain.record_prospects(BOSS, cid, True)
        plain.record_prospects(BOSS, cid, False)
        assert service.state(BOSS, cid) == plain.state(BOSS, cid)


class TestConflictsWithTheCache:
    """The cache keeps the store's optimistic concurrency exactly as it is."""

    def test_stale_expected_version_still_conflicts(self, store: mk.EventStore) -> None:
        cached = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        other = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        cid = cached.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
        seen = cached.get(BOSS, cid).state.version
        other.record_prospects(BOSS, cid, True)
        with pytest.raises(mk.ConflictError, match=f"is at version {seen + 1}"):
            cached.record_prospects(BOSS, cid, False, expected_version=seen)
        assert cached.get(BOSS, cid).state.has_prospects is True
        assert store.version(mc.stream_name(cid)) == seen + 1
        # What the cache holds is what the store gives back (SQLite included).
        written = cached.record_prospects(BOSS, cid, False).state
        assert written == mc.fold(store.read(mc.stream_name(cid)))
        assert cached.state(BOSS, cid) == written

    def test_overtaken_writer_conflicts_then_sees_the_winner(self) -> None:
        store = Racing(mk.InMemoryEventStore())
        cached = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        other = mc.CaseService(store.inner, REGISTRY, clock=lambda: START)
        cid = cached.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
        store.before_append = lambda: other.record_prospects(BOSS, cid, True)
        with pytest.raises(mk.ConflictError):
            cached.record_prospects(BOSS, cid, False)
        state = cached.state(BOSS, cid)
        assert (state.version, state.has_prospects) == (2, True)
        # Retried by the caller, the write now goes in on top of the winner's.
        assert cached.record_prospects(BOSS, cid, False).state.version == 3

    def test_opening_twice_conflicts(self) -> None:
        cached = mc.CaseService(
            mk.InMemoryEventStore(), REGISTRY, clock=lambda: START, cache_states=True
        )
        cached.open_case(BOSS, business("b-1"), PROGRAMME)
        with pytest.raises(mk.ConflictError, match="already exists"):
            cached.open_case(BOSS, business("b-1"), PROGRAMME)


class TestThreads:
    """Many threads on one cached service: no lost update, no stale state left behind."""

    def test_concurrent_writers_and_readers(self) -> None:
        store = mk.InMemoryEventStore()
        service = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        for bid in BUSINESS_IDS:
            service.open_case(BOSS, business(bid), PROGRAMME)
        written: list[int] = []
        errors: list[BaseException] = []
        lock = threading.Lock()

        def work(worker: int) -> None:
            try:
                for step in range(30):
                    cid = case_id(BUSINESS_IDS[(worker + step) % len(BUSINESS_IDS)])
                    if step % 3 == 0:
                        service.cohort_progress(BOSS)
                        service.caseloads(BOSS)
                        continue
                    seen = service.state(BOSS, cid).version
                    try:
                        service.record_prospects(BOSS, cid, step % 2 == 0, expected_version=seen)
                    except mk.ConflictError:
                        continue
                    with lock:
                        written.append(1)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        versions = [store.version(mc.stream_name(case_id(b))) for b in BUSINESS_IDS]
        # Every successful write is in the store, once (each case started at version 1).
        assert sum(versions) == len(BUSINESS_IDS) + len(written)
        plain = mc.CaseService(store, REGISTRY, clock=lambda: START)
        for bid in BUSINESS_IDS:
            assert service.state(BOSS, case_id(bid)) == plain.state(BOSS, case_id(bid))


class TestForget:
    """Events rewritten in place (erasure) are not appends: ``forget`` drops the cache."""

    def test_forget_after_erasure(self) -> None:
        from mentorkit.store import open_store

        store = open_store(":memory:")
        try:
            store.put_businesses([business("b-1")])
            cached = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
            cid = cached.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
            assert cached.state(BOSS, cid).business.owner.nik == NIK
            store.erase_person(BOSS, b"office-key-for-the-cache-test", NIK)
            # Same version, new payload: the cache cannot see it until told.
            assert cached.state(BOSS, cid).business.owner.nik == NIK
            cached.forget(cid)
            assert cached.state(BOSS, cid).business.owner.nik is None
            cached.forget()  # everything: a fresh fold gives the same
            assert cached.state(BOSS, cid) == mc.fold(store.read(mc.stream_name(cid)))
        finally:
            store.close()

    def test_forget_without_the_cache_is_harmless(self) -> None:
        service = mc.CaseService(mk.InMemoryEventStore(), REGISTRY, clock=lambda: START)
        cid = service.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
        service.forget(cid)
        service.forget()
        assert service.state(BOSS, cid).version == 1
        service.forget_many([cid, "p-2025:unknown"])
        assert service.state(BOSS, cid).version == 1

    def test_forget_many_drops_exactly_those_cases(self) -> None:
        """The dropped cases are folded again from their first event; the others are not."""
        store = Counting(mk.InMemoryEventStore())
        service = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
        for bid in BUSINESS_IDS:
            service.open_case(BOSS, business(bid), PROGRAMME)
        service.forget_many(iter([case_id("b-1"), case_id("b-3"), "p-2025:unknown"]))
        store.reads.clear()
        states = [service.state(BOSS, case_id(bid)) for bid in BUSINESS_IDS]
        assert store.reads == [
            (mc.stream_name(case_id("b-1")), 0),
            (mc.stream_name(case_id("b-2")), 1),
            (mc.stream_name(case_id("b-3")), 0),
        ]
        assert states == [mc.fold(store.read(mc.stream_name(case_id(b)))) for b in BUSINESS_IDS]


class TestState:
    """``CaseService.state`` gives the whole state, to coordinators only."""

    def test_only_coordinators(self) -> None:
        service = mc.CaseService(mk.InMemoryEventStore(), REGISTRY, clock=lambda: START)
        cid = service.open_case(BOSS, business("b-1"), PROGRAMME).state.case_id
        with pytest.raises(mk.AccessDeniedError):
            service.state(SARI, cid)
        assert service.state(BOSS, cid).business.owner.nik == NIK
        with pytest.raises(mk.NotFoundError):
            service.state(BOSS, case_id("b-9"))


class _BulkCounting(Counting):
    """:class:`Counting` over an SQL store, with its bulk reads and writes (also counted)."""

    def __init__(self, inner: SQLiteStore) -> None:
        super().__init__(inner)
        self.sql = inner
        self.version_queries: list[list[str]] = []

    def versions(self, streams: Sequence[str]) -> dict[str, int]:
        self.version_queries.append(list(streams))
        return self.sql.versions(streams)

    def read_many(
        self,
        streams: Sequence[str],
        *,
        bare_kinds: Collection[str] = (),
        without: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, list[mk.EventRecord]]:
        self.reads.extend((stream, 0) for stream in streams)
        return self.sql.read_many(streams, bare_kinds=bare_kinds, without=without)

    def append_many(
        self, batches: Sequence[tuple[str, int, Sequence[mk.EventRecord]]]
    ) -> list[int]:
        return self.sql.append_many(batches)


def _cached_and_another() -> tuple[SQLiteStore, _BulkCounting, mc.CaseService, mc.CaseService]:
    """An SQL store; a caching service counting its reads; another service on the same store."""
    sql = SQLiteStore(":memory:")
    store = _BulkCounting(sql)
    service = mc.CaseService(store, REGISTRY, clock=lambda: START, cache_states=True)
    other = mc.CaseService(sql, REGISTRY, clock=lambda: START)  # another process
    return sql, store, service, other


def _read_again_only(store: _BulkCounting, touched: set[str]) -> None:
    """Only the cases another writer moved on were read again, from the version cached."""
    assert sorted(stream for stream, _after in store.reads) == sorted(
        mc.stream_name(case_id(b)) for b in touched
    )
    assert {after for _stream, after in store.reads} <= {1}


class TestBulkLoads:
    """assess_many and record_observations_many check cached states with one version query."""

    @settings(max_examples=25, deadline=None)
    @given(touched=st.sets(st.sampled_from(BUSINESS_IDS)), bulk_record=st.booleans())
    def test_only_cases_written_by_someone_else_are_read_again(
        self, touched: set[str], bulk_record: bool
    ) -> None:
        sql, store, service, other = _cached_and_another()
        ids = [service.open_case(BOSS, business(b), PROGRAMME).state.case_id for b in BUSINESS_IDS]
        for bid in sorted(touched):
            other.record_prospects(BOSS, case_id(bid), True)
        store.reads.clear()
        if bulk_record:
            day = START.date()
            items = [
                (cid, observations(b, day, True)) for cid, b in zip(ids, BUSINESS_IDS, strict=True)
            ]
            outcomes = service.record_observations_many(BOSS, items)
        else:
            outcomes = service.assess_many(BOSS, ids, on=START.date())
        # One version query for the three cached cases; only those moved on are read again.
        assert store.version_queries == [[mc.stream_name(cid) for cid in ids]]
        _read_again_only(store, touched)
        for cid, outcome in zip(ids, outcomes, strict=True):
            stored = mc.fold(sql.read(mc.stream_name(cid)))
            assert outcome.state == stored  # the live state is what was stored
            assert outcome.state.has_prospects is (True if cid in map(case_id, touched) else None)
        sql.close()

    @settings(max_examples=25, deadline=None)
    @given(touched=st.sets(st.sampled_from(BUSINESS_IDS)), lean=st.booleans())
    def test_states_check_cached_cases_with_one_version_query(
        self, touched: set[str], lean: bool
    ) -> None:
        sql, store, service, other = _cached_and_another()
        businesses = [business(b) for b in BUSINESS_IDS]
        store.version_queries.clear()
        ids = [o.state.case_id for o in service.open_cases(BOSS, businesses, PROGRAMME)]
        streams = [mc.stream_name(cid) for cid in ids]
        # Opening checks that no case exists yet with one version query, not one per case.
        assert store.version_queries == [streams]
        for bid in sorted(touched):
            other.record_prospects(BOSS, case_id(bid), True)
        store.version_queries.clear()
        store.reads.clear()

        states = list(service.states(BOSS, ids, observations=not lean))

        assert store.version_queries == [streams]
        _read_again_only(store, touched)
        assert states == [mc.fold(sql.read(stream)) for stream in streams]
        with pytest.raises(mk.ConflictError, match="already exists"):
            service.open_cases(BOSS, businesses[-1:], PROGRAMME)
        sql.close()

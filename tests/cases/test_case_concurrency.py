"""No lost update: a stale writer gets ConflictError and the service never retries."""

import threading
from typing import Any

import pytest
from racing_store import Racing

import mentorkit as mk
from mentorkit import cases as mc


class TestConflicts:
    """Optimistic concurrency through any EventStore."""

    def test_stale_expected_version(self, service: mc.CaseService, kit: Any) -> None:
        case_id = kit.assessed_case(service, kit.Clock())
        seen = service.get(kit.MENTOR, case_id).state.version
        service.record_prospects(kit.MENTOR, case_id, True, expected_version=seen)
        with pytest.raises(mk.ConflictError, match=f"is at version {seen + 1}"):
            service.record_prospects(kit.MENTOR, case_id, False, expected_version=seen)
        assert service.get(kit.MENTOR, case_id).state.has_prospects is True

    def test_writer_overtaken_between_read_and_append(
        self, store: mk.EventStore, registry: mk.Registry, kit: Any
    ) -> None:
        assert isinstance(store, mk.EventStore)
        racing = Racing(store)
        assert isinstance(racing, mk.EventStore)
        first = mc.CaseService(racing, registry, clock=kit.Clock())
        second = mc.CaseService(store, registry, clock=kit.Clock())
        case_id = kit.assessed_case(first, kit.Clock())
        racing.before_append = lambda: second.record_prospects(kit.COORDINATOR, case_id, True)
        appends = racing.appends
        with pytest.raises(mk.ConflictError):
            first.record_prospects(kit.MENTOR, case_id, False)
        assert racing.appends == appends + 1, "the service must not retry on its own"
        final = mc.fold(store.read(mc.stream_name(case_id)))
        assert final is not None
        assert final.has_prospects is True  # the other writer's update is not lost
        assert final.version == store.version(mc.stream_name(case_id))

    def test_threads_racing_on_one_version(self, service: mc.CaseService, kit: Any) -> None:
        case_id = kit.assessed_case(service, kit.Clock())
        seen = service.get(kit.MENTOR, case_id).state.version
        barrier = threading.Barrier(6)
        results: list[str] = []
        lock = threading.Lock()

        def write(flag: bool) -> None:
            barrier.wait()
            try:
                service.record_prospects(kit.MENTOR, case_id, flag, expected_version=seen)
                outcome = "ok"
            except mk.ConflictError:
                outcome = "conflict"
            with lock:
                results.append(outcome)

        threads = [threading.Thread(target=write, args=(i % 2 == 0,)) for i in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # Exactly one writer wins; every other one is told, none is lost silently.
        assert sorted(results) == ["conflict"] * 5 + ["ok"]
        assert service.store.version(mc.stream_name(case_id)) == seen + 1


class TestMentorCapacityUnderConcurrency:
    """Two coordinators assigning to one mentor at once never push them over capacity."""

    def open(self, service: mc.CaseService, kit: Any, *ids: str) -> list[str]:
        return [
            service.open_case(kit.COORDINATOR, kit.business(b), "p-2025").state.case_id for b in ids
        ]

    def test_assignment_overtaken_between_count_and_write(
        self, store: mk.EventStore, registry: mk.Registry, kit: Any
    ) -> None:
        # The Racing wrapper has no append_many: the claim is its own append, first.
        racing = Racing(store)
        first = mc.CaseService(racing, registry, clock=kit.Clock())
        second = mc.CaseService(store, registry, clock=kit.Clock())
        one, two = self.open(second, kit, "b-1", "b-2")
        sari = kit.mentor(capacity=1)
        # The other coordinator assigns b-2 after `first` counted Sari's load (0 of 1).
        racing.before_append = lambda: second.assign_mentor(kit.COORDINATOR, two, sari)
        with pytest.raises(mk.ConflictError, match="mentor/m-sari"):
            first.assign_mentor(kit.COORDINATOR, one, sari)
        assert second.caseloads(kit.COORDINATOR) == {"m-sari": 1}
        assert second.state(kit.COORDINATOR, one).mentor_id is None  # nothing half-written
        # Asked again, the stale coordinator now sees the mentor is full.
        with pytest.raises(mk.TransitionError, match="at capacity"):
            first.assign_mentor(kit.COORDINATOR, one, sari)

    def test_proposals_overtaken(
        self, store: mk.EventStore, registry: mk.Registry, kit: Any
    ) -> None:
        racing = Racing(store)
        first = mc.CaseService(racing, registry, clock=kit.Clock())
        second = mc.CaseService(store, registry, clock=kit.Clock())
        self.open(second, kit, "b-1", "b-2", "b-3")
        sari = kit.mentor(capacity=2)
        proposals = first.propose_mentors(kit.COORDINATOR, [sari])
        assert [p.mentor_id for p in proposals] == ["m-sari", "m-sari", None]
        late = next(p for p in proposals if p.mentor_id is None).case_id
        racing.before_append = lambda: second.assign_mentor(kit.COORDINATOR, late, sari)
        with pytest.raises(mk.ConflictError):
            first.assign_proposals(kit.COORDINATOR, proposals, [sari])
        assert second.caseloads(kit.COORDINATOR) == {"m-sari": 1}

    def test_threads_assigning_to_one_mentor(self, service: mc.CaseService, kit: Any) -> None:
        capacity, writers = 3, 8
        ids = self.open(service, kit, *(f"b-{i}" for i in range(writers)))
        sari = kit.mentor(capacity=capacity)
        barrier = threading.Barrier(writers)
        outcomes: list[str] = []
        lock = threading.Lock()

        def assign(case_id: str) -> None:
            barrier.wait()
            while True:  # a coordinator who gets ConflictError reloads and tries again
                try:
                    service.assign_mentor(kit.COORDINATOR, case_id, sari)
                    outcome = "assigned"
                except mk.ConflictError:
                    continue
                except mk.TransitionError:
                    outcome = "full"
                break
            with lock:
                outcomes.append(outcome)

        threads = [threading.Thread(target=assign, args=(c,)) for c in ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["assigned"] * capacity + ["full"] * (writers - capacity)
        assert service.caseloads(kit.COORDINATOR) == {"m-sari": capacity}
        assert mc.mentor_stream("m-sari") not in service.store.streams(mc.stream_name(""))

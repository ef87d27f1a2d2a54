"""No lost update: a stale writer gets ConflictError and the service never retries."""

import threading
from collections.abc import Sequence
from typing import Any

import pytest

import mentorkit as mk
from mentorkit import cases as mc


class Interleaving:
    """An EventStore that lets another writer in just before the first append."""

    def __init__(self, inner: mk.EventStore) -> None:
        self.inner = inner
        self.before_append: Any = None
        self.appends = 0

    def append(self, stream: str, expected_version: int, events: Sequence[mk.EventRecord]) -> int:
        self.appends += 1
        hook, self.before_append = self.before_append, None
        if hook is not None:
            hook()
        return self.inner.append(stream, expected_version, events)

    def read(self, stream: str, after: int = 0) -> list[mk.EventRecord]:
        return self.inner.read(stream, after)

    def version(self, stream: str) -> int:
        return self.inner.version(stream)

    def streams(self, prefix: str = "") -> list[str]:
        return self.inner.streams(prefix)


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
        racing = Interleaving(store)
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

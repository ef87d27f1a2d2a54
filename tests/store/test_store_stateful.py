"""Stateful: random appends, stale writes and reads on SQLite agree with the in-memory oracle."""

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

import mentorkit as mk
from mentorkit.store import SQLiteStore

STREAMS = st.sampled_from(["case/C-1", "case/C-2", "wave/P-1", "'; DROP TABLE events; --"])
AT = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def records(stream: str, start: int, kinds: list[str]) -> list[mk.EventRecord]:
    """Events numbered from ``start + 1``."""
    return [
        mk.EventRecord(stream, start + i, kind, "u", AT, {"n": start + i, "kind": kind})
        for i, kind in enumerate(kinds, start=1)
    ]


class EventLogMachine(RuleBasedStateMachine):
    """The SQLite event log behaves exactly like InMemoryEventStore, call for call."""

    def __init__(self) -> None:
        super().__init__()
        self._dir = tempfile.TemporaryDirectory()
        self.store = SQLiteStore(Path(self._dir.name) / "log.db")
        self.oracle = mk.InMemoryEventStore()

    def both(self, method: str, *args: Any) -> tuple[Any, Any]:
        """Call ``method`` on both; return (result or exception type) of each."""
        outcomes = []
        for target in (self.store, self.oracle):
            try:
                outcomes.append(getattr(target, method)(*args))
            except (mk.ConflictError, ValueError) as exc:
                outcomes.append(type(exc))
        return outcomes[0], outcomes[1]

    @rule(stream=STREAMS, kinds=st.lists(st.sampled_from(["a", "b", "c"]), max_size=3))
    def append_current(self, stream: str, kinds: list[str]) -> None:
        version = self.oracle.version(stream)
        got, want = self.both("append", stream, version, records(stream, version, kinds))
        assert got == want

    @rule(stream=STREAMS, lag=st.integers(min_value=1, max_value=3))
    def append_stale_or_ahead(self, stream: str, lag: int) -> None:
        version = self.oracle.version(stream)
        for expected in (version - lag, version + lag):
            if expected >= 0:
                got, want = self.both("append", stream, expected, records(stream, expected, ["x"]))
                assert got == want == mk.ConflictError

    @rule(
        chosen=st.lists(
            st.tuples(
                STREAMS,
                st.sampled_from([0, 0, 0, -1, 1]),
                st.lists(st.sampled_from(["a", "b"]), max_size=2),
            ),
            max_size=4,
        )
    )
    def append_many(self, chosen: list[tuple[str, int, list[str]]]) -> None:
        # Mostly current, sometimes stale or ahead, sometimes a stream twice: all or nothing.
        batches = []
        for stream, lag, kinds in chosen:
            expected = max(self.oracle.version(stream) + lag, 0)
            batches.append((stream, expected, records(stream, expected, kinds)))
        got, want = self.both("append_many", batches)
        assert got == want

    @precondition(lambda self: bool(self.oracle.streams()))
    @rule(stream=STREAMS, after=st.integers(min_value=0, max_value=5))
    def read(self, stream: str, after: int) -> None:
        got, want = self.both("read", stream, after)
        assert got == want

    @invariant()
    def same_streams_and_versions(self) -> None:
        assert self.store.streams() == self.oracle.streams()
        for stream in self.oracle.streams():
            assert self.store.version(stream) == self.oracle.version(stream)

    def teardown(self) -> None:
        self.store.close()
        self._dir.cleanup()


EventLogMachine.TestCase.settings = settings(
    EventLogMachine.TestCase.settings,
    stateful_step_count=20,
    max_examples=min(settings.default.max_examples, 50),
)
TestEventLogMachine = EventLogMachine.TestCase

"""InMemoryEventStore.append_many: all or nothing, with errors that name the stream."""

import datetime as dt

import pytest

import mentorkit as mk

AT = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


def event(stream: str, version: int) -> mk.EventRecord:
    return mk.EventRecord(stream, version, "note.added", "u-1", AT, {"n": version})


class TestAppendMany:
    def test_writes_every_stream_and_returns_versions(self) -> None:
        store = mk.InMemoryEventStore()
        store.append("case/a", 0, [event("case/a", 1)])
        assert store.append_many(
            [("case/a", 1, [event("case/a", 2)]), ("case/b", 0, [event("case/b", 1)])]
        ) == [2, 1]
        assert [e.version for e in store.read("case/a")] == [1, 2]

    def test_one_stale_stream_stores_nothing(self) -> None:
        store = mk.InMemoryEventStore()
        store.append("case/a", 0, [event("case/a", 1)])
        with pytest.raises(mk.ConflictError, match="stream 'case/a' is at version 1"):
            store.append_many(
                [("case/b", 0, [event("case/b", 1)]), ("case/a", 0, [event("case/a", 1)])]
            )
        assert store.streams() == ["case/a"]

    def test_a_stream_twice_is_named(self) -> None:
        store = mk.InMemoryEventStore()
        with pytest.raises(ValueError, match="stream 'case/a' appears twice"):
            store.append_many([("case/a", 0, [event("case/a", 1)]), ("case/a", 1, [])])
        assert store.streams() == []

    def test_misnumbered_events_are_named(self) -> None:
        store = mk.InMemoryEventStore()
        with pytest.raises(ValueError, match="event 1 must be version 1 of stream 'case/a'"):
            store.append_many([("case/a", 0, [event("case/a", 2)])])
        assert store.version("case/a") == 0

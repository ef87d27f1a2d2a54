"""The event-log contract between case management and persistence.

A case's history is an append-only stream of events; its state is the fold
of those events. Stores implement :class:`EventStore`; appends are optimistic:
the writer says which version it read, and a stale version raises
:class:`~mentorkit.ConflictError`, so no update is ever lost.

Event payloads are JSON-ready mappings (the case module encodes and
decodes them with the strict converter), so a store never needs to know the
event classes.
"""

import datetime as dt
import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from attrs import frozen

from ._errors import ConflictError

__all__ = ["EventRecord", "EventStore", "InMemoryEventStore"]


@frozen
class EventRecord:
    """One stored event: the ``version``-th event (from 1) of stream ``stream``.

    ``actor`` is who did it (a user id, never personal data), ``at`` when
    (timezone-aware UTC), ``kind`` the event type and ``data`` its payload.
    """

    stream: str
    version: int
    kind: str
    actor: str
    at: dt.datetime
    data: Mapping[str, Any]


@runtime_checkable
class EventStore(Protocol):
    """Append-only event streams with optimistic concurrency.

    Implementations must be safe to share between threads, and ``append``
    must be atomic: all of ``events`` are stored, or none.
    """

    def append(self, stream: str, expected_version: int, events: Sequence[EventRecord]) -> int:
        """Append ``events`` to ``stream`` if its current version is ``expected_version``.

        The events' ``version`` fields must run ``expected_version + 1``
        upward. Returns the new version. Raises :class:`ConflictError` when
        the stream has moved on (someone else wrote first).
        """
        ...

    def read(self, stream: str, after: int = 0) -> list[EventRecord]:
        """The events of ``stream`` with version above ``after``, oldest first."""
        ...

    def version(self, stream: str) -> int:
        """The current version of ``stream`` (0 when it has no events)."""
        ...

    def streams(self, prefix: str = "") -> list[str]:
        """The names of the streams starting with ``prefix``, sorted."""
        ...


class InMemoryEventStore:
    """An :class:`EventStore` in memory, for tests and short-lived services."""

    def __init__(self) -> None:
        self._streams: dict[str, list[EventRecord]] = {}
        self._lock = threading.Lock()

    def append(self, stream: str, expected_version: int, events: Sequence[EventRecord]) -> int:
        """See :meth:`EventStore.append`."""
        return self.append_many([(stream, expected_version, events)])[0]

    def append_many(self, batches: Iterable[tuple[str, int, Sequence[EventRecord]]]) -> list[int]:
        """Append ``(stream, expected_version, events)`` batches atomically: all or nothing.

        The rules of :meth:`append` for each batch; a stream may appear once
        only. Returns the new versions in the order given.
        """
        given = [(stream, expected, list(events)) for stream, expected, events in batches]
        seen: set[str] = set()
        for stream, _, _ in given:
            if stream in seen:
                raise ValueError(f"stream {stream!r} appears twice in one append_many")
            seen.add(stream)
        with self._lock:
            for stream, expected, events in given:
                current = len(self._streams.get(stream, ()))
                if current != expected:
                    raise ConflictError(
                        f"stream {stream!r} is at version {current}, the write expected {expected}"
                    )
                for offset, event in enumerate(events, start=1):
                    if event.stream != stream or event.version != expected + offset:
                        raise ValueError(
                            f"event {offset} must be version {expected + offset} "
                            f"of stream {stream!r}"
                        )
            for stream, _, events in given:
                if events:
                    self._streams.setdefault(stream, []).extend(events)
            return [expected + len(events) for _, expected, events in given]

    def read(self, stream: str, after: int = 0) -> list[EventRecord]:
        """See :meth:`EventStore.read`."""
        with self._lock:
            return list(self._streams.get(stream, ())[after:])

    def version(self, stream: str) -> int:
        """See :meth:`EventStore.version`."""
        with self._lock:
            return len(self._streams.get(stream, ()))

    def streams(self, prefix: str = "") -> list[str]:
        """See :meth:`EventStore.streams`."""
        with self._lock:
            return sorted(
                s for s, events in self._streams.items() if events and s.startswith(prefix)
            )

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


class EncodedRecords(list[EventRecord]):
    """Private to mentorkit: a list of records that also knows each payload's stored text.

    The case service builds the records it appends into one of these, with
    ``dumps_stdlib(record.data)`` as it computed it once while making the
    record (see ``mentorkit._json.plain_and_text``). An SQL store writes that
    text instead of encoding the payload again; every other store sees a
    plain list of records. Texts are held by record identity: a record that
    was replaced, copied or evolved has none, and is encoded as usual. (A
    record's payload is never changed in place once made: records are
    frozen, and stores keep them as given.)
    """

    __slots__ = ("_texts",)

    def __init__(self) -> None:
        super().__init__()
        self._texts: dict[int, tuple[EventRecord, str]] = {}

    def add(self, record: EventRecord, text: str) -> None:
        """Append ``record``, whose payload's standard-library JSON text is ``text``."""
        self.append(record)
        self._texts[id(record)] = (record, text)

    def text_of(self, record: EventRecord) -> str | None:
        """The stored text of ``record``'s payload, or None when it was not added here."""
        entry = self._texts.get(id(record))
        return entry[1] if entry is not None and entry[0] is record else None


def payload_texts(events: Sequence[EventRecord], given: object) -> list[str | None]:
    """Each event's payload text when ``given`` is :class:`EncodedRecords`, else Nones."""
    if isinstance(given, EncodedRecords):
        return [given.text_of(e) for e in events]
    return [None] * len(events)


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

"""EventStore wrappers for the case tests: let another writer in just before an append.

Registered as ``racing_store`` by ``tests/conftest.py`` (tests are not a package).
"""

from collections.abc import Callable, Sequence

import mentorkit as mk
from mentorkit.store import SQLiteStore


class Racing:
    """An EventStore over ``inner`` whose next append first runs ``before_append``.

    The hook runs once (it is cleared first, so the writer it calls appends
    normally); ``appends`` counts the appends asked of this wrapper.
    """

    def __init__(self, inner: mk.EventStore) -> None:
        self.inner = inner
        self.before_append: Callable[[], object] | None = None
        self.appends = 0

    def _let_the_other_writer_in(self) -> None:
        self.appends += 1
        hook, self.before_append = self.before_append, None
        if hook is not None:
            hook()

    def append(self, stream: str, expected_version: int, events: Sequence[mk.EventRecord]) -> int:
        self._let_the_other_writer_in()
        return self.inner.append(stream, expected_version, events)

    def read(self, stream: str, after: int = 0) -> list[mk.EventRecord]:
        return self.inner.read(stream, after)

    def version(self, stream: str) -> int:
        return self.inner.version(stream)

    def streams(self, prefix: str = "") -> list[str]:
        return self.inner.streams(prefix)


class RacingMany(Racing):
    """:class:`Racing` over a store with ``append_many`` (one transaction for many cases)."""

    def __init__(self, inner: mk.InMemoryEventStore | SQLiteStore) -> None:
        super().__init__(inner)
        self.many = inner

    def append_many(
        self, batches: Sequence[tuple[str, int, Sequence[mk.EventRecord]]]
    ) -> list[int]:
        self._let_the_other_writer_in()
        return self.many.append_many(batches)


class Counting(Racing):
    """:class:`Racing` that also records each ``read``'s stream and ``after``."""

    def __init__(self, inner: mk.EventStore) -> None:
        super().__init__(inner)
        self.reads: list[tuple[str, int]] = []

    def read(self, stream: str, after: int = 0) -> list[mk.EventRecord]:
        self.reads.append((stream, after))
        return self.inner.read(stream, after)

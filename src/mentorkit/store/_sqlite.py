"""The SQLite store: one file, zero set-up, the default."""

import datetime as dt
import enum
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any

from ._base import SQLStore, Tx
from ._migrations import Migration
from ._schema import SQLITE_MIGRATIONS

__all__ = ["SQLiteStore", "Synchronous"]


class Synchronous(enum.StrEnum):
    """SQLite's ``synchronous`` setting: how hard a commit waits for the disk."""

    FULL = "FULL"  #: a commit survives power loss (the default)
    #: in WAL mode a commit survives a process crash; the last ones may be lost on power loss
    NORMAL = "NORMAL"
    EXTRA = "EXTRA"  #: FULL, and also syncs the directory after a journal change


class _SQLiteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, map(tuple, rows))


class SQLiteStore(SQLStore[sqlite3.Connection]):
    """A :class:`~mentorkit.store.Repository` in one SQLite file (stdlib ``sqlite3``).

    The database runs in WAL mode with foreign keys on, ``secure_delete`` on
    (erased data is zeroed, not just unlinked) and ``synchronous=FULL`` by
    default. Every write is one ``BEGIN IMMEDIATE`` transaction, so writers
    queue (up to ``busy_timeout`` seconds) instead of failing. Each thread
    gets its own connection; the store is safe to share between threads,
    and several processes may open the same file. ``":memory:"`` is one
    private in-memory database (one connection, serialised between threads).

    >>> store = SQLiteStore(":memory:")
    >>> store.schema_version()
    1
    """

    MIGRATIONS = SQLITE_MIGRATIONS

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        synchronous: Synchronous | str = Synchronous.FULL,
        busy_timeout: float = 30.0,
        migrations: Sequence[Migration] | None = None,
    ) -> None:
        super().__init__()
        self.path = os.fspath(path)
        self.synchronous = Synchronous(str(synchronous).upper())
        self.busy_timeout = busy_timeout
        # ":memory:" is one connection shared by every thread, used under a lock
        # (an in-memory database cannot be opened twice, and shared-cache mode
        # fails concurrent writers instead of queueing them).
        self._memory = self.path == ":memory:"
        self._memory_lock = threading.RLock()
        self._shared: sqlite3.Connection | None = self._connect() if self._memory else None
        try:
            self.migrate(migrations)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        return f"SQLiteStore({self.path!r})"

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA synchronous = {self.synchronous.value}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA secure_delete = ON")
        return conn

    def _conn(self) -> sqlite3.Connection:
        if not self._memory:
            return super()._conn()
        if self._closed or self._shared is None:
            raise RuntimeError("the store is closed")
        return self._shared

    def _close_connection(self, conn: sqlite3.Connection) -> None:
        with suppress(sqlite3.Error):
            conn.close()

    def close(self) -> None:
        """Close every connection the store opened (from any thread)."""
        super().close()
        with self._memory_lock:
            if self._shared is not None:
                self._close_connection(self._shared)
                self._shared = None

    def _serialised(self) -> AbstractContextManager[object]:
        """The lock of the shared in-memory connection; no lock for a file."""
        return self._memory_lock if self._memory else nullcontext()

    @contextmanager
    def _write_tx(self, conn: sqlite3.Connection) -> Iterator[Tx]:
        with self._serialised():
            yield from self._transaction(conn)

    def _transaction(self, conn: sqlite3.Connection) -> Iterator[Tx]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield _SQLiteTx(conn)
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    @contextmanager
    def _read_tx(self, conn: sqlite3.Connection) -> Iterator[Tx]:
        with self._serialised():
            yield _SQLiteTx(conn)

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, sqlite3.IntegrityError) and "UNIQUE" in str(exc).upper()

    def _lock_schema(self, tx: Tx) -> None:
        """``BEGIN IMMEDIATE`` already holds the write lock."""

    def _encode_at(self, at: dt.datetime) -> Any:
        return at.astimezone(dt.UTC).isoformat()

    def _decode_at(self, value: Any) -> dt.datetime:
        return dt.datetime.fromisoformat(value).astimezone(dt.UTC)

    def _json_out(self, column: str) -> str:
        return column

    def _json_without(self, column: str, paths: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        marks = ", ".join("?" * len(paths))
        return f"json_remove({column}, {marks})", tuple(f"$.{path}" for path in paths)

    def _json_values(self, column: str, paths: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        # json_extract with two paths or more gives a JSON array of the values' own text
        # (one path would give an SQL value instead): a single path is asked for twice, and
        # read_values keeps the first.
        wanted = [f"$.{path}" for path in paths] * (2 if len(paths) == 1 else 1)
        return f"json_extract({column}, {', '.join('?' * len(wanted))})", tuple(wanted)

    def _starts_with(self, column: str, prefix: str) -> tuple[str, tuple[Any, ...]]:
        if not prefix:
            return "1 = 1", ()
        return f"substr({column}, 1, length(?)) = ?", (prefix, prefix)

    def _contains(self, column: str, text: str) -> tuple[str, tuple[Any, ...]]:
        return f"instr({column}, ?) > 0", (text,)

    def _after_erase(self) -> None:
        if not self._memory:
            self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check``: ``["ok"]`` for a sound database file."""
        with self._read() as tx:
            return [str(r[0]) for r in tx.execute("PRAGMA integrity_check")]

"""The PostgreSQL store (psycopg 3), for services with several users."""

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from .._errors import MissingExtraError
from ._base import SQLStore, Tx
from ._migrations import Migration
from ._schema import POSTGRES_MIGRATIONS

if TYPE_CHECKING:
    import psycopg

__all__ = ["PostgresStore"]

_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: Any constant: the advisory lock key that serialises concurrent migrators.
_MIGRATION_LOCK = 0x6D656E746F72
#: Rows sent per ``executemany`` call: a long iterable is never held whole.
_EXECUTEMANY_ROWS = 10_000


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError("postgres", "PostgresStore (psycopg 3)") from exc
    return psycopg


class _PgTx:
    def __init__(self, conn: "psycopg.Connection[Any]") -> None:
        self._conn = conn

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._conn.cursor() as cur:
            cur.execute(self._sql(sql), tuple(params) if params else None)
            return list(cur.fetchall()) if cur.description is not None else []

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        query = self._sql(sql)
        iterator = iter(rows)
        with self._conn.cursor() as cur:
            while batch := [tuple(r) for r in itertools.islice(iterator, _EXECUTEMANY_ROWS)]:
                cur.executemany(query, batch)


class PostgresStore(SQLStore["psycopg.Connection[Any]"]):
    """A :class:`~mentorkit.store.Repository` in PostgreSQL, through psycopg 3.

    Needs the ``postgres`` extra (``pip install 'mentorkit[postgres]'``).
    Connections are autocommit; every write is an explicit
    ``conn.transaction()`` block (READ COMMITTED), and a UNIQUE (stream,
    version) key makes sure two concurrent appends cannot both win. Each
    thread gets its own connection. Run it as an ordinary role that owns its
    schema, never as a superuser.

    ``schema`` (default ``public``) is the schema that holds the tables: one
    database can host several offices, or tests, side by side.
    """

    MIGRATIONS = POSTGRES_MIGRATIONS

    def __init__(
        self,
        dsn: str,
        *,
        schema: str = "public",
        connect_timeout: int = 10,
        migrations: Sequence[Migration] | None = None,
    ) -> None:
        super().__init__()
        if not _SCHEMA_NAME.fullmatch(schema):
            raise ValueError("schema must be a lower-case SQL identifier (a-z, 0-9, _)")
        self._pg = _psycopg()
        self.dsn = dsn
        self.schema = schema
        self.connect_timeout = connect_timeout
        if schema != "public":
            with self._write() as tx:
                tx.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        try:
            self.migrate(migrations)
        except BaseException:
            self.close()
            raise

    def __repr__(self) -> str:
        # The DSN may hold a password: never show it.
        return f"PostgresStore(schema={self.schema!r})"

    def _connect(self) -> "psycopg.Connection[Any]":
        conn: psycopg.Connection[Any] = self._pg.connect(
            self.dsn, autocommit=True, connect_timeout=self.connect_timeout
        )
        conn.execute("SET TIME ZONE 'UTC'")
        conn.execute(f"SET search_path TO {self.schema}")
        return conn

    def _close_connection(self, conn: "psycopg.Connection[Any]") -> None:
        with suppress(Exception):  # closing is best effort
            conn.close()

    def _for_update(self) -> str:
        return " FOR UPDATE"

    def _usable(self, conn: "psycopg.Connection[Any]") -> bool:
        return not (conn.closed or conn.broken)

    @contextmanager
    def _write_tx(self, conn: "psycopg.Connection[Any]") -> Iterator[Tx]:
        with conn.transaction():
            yield _PgTx(conn)

    @contextmanager
    def _read_tx(self, conn: "psycopg.Connection[Any]") -> Iterator[Tx]:
        yield _PgTx(conn)

    def _is_unique_violation(self, exc: BaseException) -> bool:
        return isinstance(exc, self._pg.errors.UniqueViolation)

    def _lock_schema(self, tx: Tx) -> None:
        tx.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))

    def _encode_at(self, at: dt.datetime) -> Any:
        return at.astimezone(dt.UTC)

    def _decode_at(self, value: Any) -> dt.datetime:
        if not isinstance(value, dt.datetime):
            raise TypeError("expected a timestamp from PostgreSQL")
        return value.astimezone(dt.UTC)

    def _json_out(self, column: str) -> str:
        return f"{column}::text"

    def _json_without(self, column: str, paths: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        # ``#-`` through an array would read the next key as an index (an error for a name):
        # such a path removes nothing here, as in SQLite's json_remove (an empty path is a no-op).
        step = (
            f" #- (CASE WHEN jsonb_typeof({column}::jsonb #> ?::text[]) = 'array'"
            " THEN '{}'::text[] ELSE ?::text[] END)"
        )
        params: list[str] = []
        for path in paths:
            keys = path.split(".")
            params += ["{" + ",".join(keys[:-1]) + "}", "{" + ",".join(keys) + "}"]
        return f"({column}::jsonb{step * len(paths)})::text", tuple(params)

    def _json_values(self, column: str, paths: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        # ``#>`` on a json column gives the value's own text (NULL where the path is not there).
        items = ", ".join(f"{column} #> ?::text[]" for _ in paths)
        return f"json_build_array({items})::text", tuple(
            "{" + ",".join(path.split(".")) + "}" for path in paths
        )

    def _starts_with(self, column: str, prefix: str) -> tuple[str, tuple[Any, ...]]:
        if not prefix:
            return "TRUE", ()
        return f"starts_with({column}, ?)", (prefix,)

    def _contains(self, column: str, text: str) -> tuple[str, tuple[Any, ...]]:
        return f"strpos({column}::text, ?) > 0", (text,)

    def drop_schema(self) -> None:
        """Drop this store's schema and everything in it (tests; never ``public``)."""
        if self.schema == "public":
            raise ValueError("refusing to drop the public schema")
        with self._write() as tx:
            tx.execute(f"DROP SCHEMA {self.schema} CASCADE")

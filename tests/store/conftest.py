"""Fixtures for the store tests: an SQLite file per test, and PostgreSQL when configured.

PostgreSQL tests are marked ``postgres`` and use :func:`pg_dsn`, which skips
them when ``MENTORKIT_PG_DSN`` is not set (``source .ci/postgres.sh`` starts
a throwaway server and sets it; CI does). Each PostgreSQL store lives in its
own schema, dropped after the test.
"""

import os
import uuid
from collections.abc import Callable, Iterator

import pytest

from mentorkit.store import PostgresStore, SQLiteStore

PG_SKIP_REASON = (
    "MENTORKIT_PG_DSN is not set: `source .ci/postgres.sh` starts a throwaway PostgreSQL"
)


@pytest.fixture
def pg_dsn() -> str:
    """The DSN of the test PostgreSQL server (a non-superuser role); skips when unset."""
    dsn = os.environ.get("MENTORKIT_PG_DSN")
    if not dsn:
        pytest.skip(PG_SKIP_REASON)
    return dsn


@pytest.fixture
def pg_schema() -> str:
    """A fresh schema name for one test."""
    return f"t_{uuid.uuid4().hex[:16]}"


@pytest.fixture
def make_pg_store(pg_dsn: str, pg_schema: str) -> Iterator[Callable[..., PostgresStore]]:
    """Factory of PostgreSQL stores sharing one fresh schema; dropped afterwards."""
    opened: list[PostgresStore] = []

    def make(**kwargs: object) -> PostgresStore:
        store = PostgresStore(pg_dsn, schema=pg_schema, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()
    if opened:
        import psycopg

        with psycopg.connect(pg_dsn, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {pg_schema} CASCADE")


@pytest.fixture
def make_sqlite_store(tmp_path: os.PathLike[str]) -> Iterator[Callable[..., SQLiteStore]]:
    """Factory of SQLite stores on one fresh file; closed afterwards."""
    opened: list[SQLiteStore] = []
    path = os.path.join(os.fspath(tmp_path), "mentorkit.db")

    def make(**kwargs: object) -> SQLiteStore:
        store = SQLiteStore(path, **kwargs)  # type: ignore[arg-type]
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()

"""Schema migrations: versioned steps, each atomic with its version bump."""

from collections.abc import Callable
from typing import Any

import pytest

from mentorkit.store import Migration, MigrationError, PostgresStore, SQLiteStore

GOOD = "CREATE TABLE extra_notes (id TEXT PRIMARY KEY, body TEXT NOT NULL)"


def tables(store: Any) -> set[str]:
    """The names of the tables the store's connection sees."""
    with store._read() as tx:
        if isinstance(store, SQLiteStore):
            rows = tx.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        else:
            rows = tx.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = ?",
                (store.schema,),
            )
    return {r[0] for r in rows}


class MigrationContract:
    """The runner's promises, for any backend."""

    @pytest.fixture
    def make(self) -> Callable[..., Any]:
        raise NotImplementedError

    def test_a_new_database_reaches_the_latest_version(self, make: Callable[..., Any]) -> None:
        store = make()
        assert store.schema_version() == len(store.MIGRATIONS)
        assert {"businesses", "events", "audit", "projections", "schema_version"} <= tables(store)

    def test_migrating_again_changes_nothing(self, make: Callable[..., Any]) -> None:
        store = make()
        before = tables(store)
        assert store.migrate() == len(store.MIGRATIONS)
        assert tables(store) == before

    def test_a_new_step_applies_once(self, make: Callable[..., Any]) -> None:
        store = make()
        steps = (*store.MIGRATIONS, Migration(len(store.MIGRATIONS) + 1, "notes", (GOOD,)))
        assert store.migrate(steps) == len(steps)
        assert "extra_notes" in tables(store)
        assert store.migrate(steps) == len(steps)

    def test_a_failing_step_leaves_schema_and_version_unchanged(
        self, make: Callable[..., Any]
    ) -> None:
        store = make()
        version = store.schema_version()
        before = tables(store)
        failing = Migration(
            version + 1,
            "half-done step",
            (GOOD, "ALTER TABLE extra_notes ADD COLUMN body TEXT", "SELECT 1"),
        )
        with pytest.raises(MigrationError, match="half-done step") as caught:
            store.migrate((*store.MIGRATIONS, failing))
        assert "rolled back" in str(caught.value)
        assert store.schema_version() == version
        assert tables(store) == before  # extra_notes, created first in the step, is gone
        # The store still works, and a fixed step applies cleanly afterwards.
        fixed = Migration(version + 1, "fixed step", (GOOD,))
        assert store.migrate((*store.MIGRATIONS, fixed)) == version + 1

    def test_misnumbered_steps_are_refused(self, make: Callable[..., Any]) -> None:
        store = make()
        with pytest.raises(MigrationError, match="expected 2"):
            store.migrate((store.MIGRATIONS[0], Migration(3, "skips 2", (GOOD,))))

    def test_a_database_newer_than_the_code_is_refused(self, make: Callable[..., Any]) -> None:
        store = make()
        steps = (*store.MIGRATIONS, Migration(len(store.MIGRATIONS) + 1, "future", (GOOD,)))
        store.migrate(steps)
        with pytest.raises(MigrationError, match="newer"):
            store.migrate()

    def test_a_migration_needs_statements(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            Migration(1, "empty", ())


class TestSQLiteMigrations(MigrationContract):
    """Migrations on SQLite (transactional DDL)."""

    @pytest.fixture
    def make(self, make_sqlite_store: Callable[..., SQLiteStore]) -> Callable[..., Any]:
        return make_sqlite_store


@pytest.mark.postgres
class TestPostgresMigrations(MigrationContract):
    """Migrations on PostgreSQL (transactional DDL, an advisory lock against racing migrators)."""

    @pytest.fixture
    def make(self, make_pg_store: Callable[..., PostgresStore]) -> Callable[..., Any]:
        return make_pg_store

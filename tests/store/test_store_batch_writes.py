"""Batch writes of records taken step by step: what the former one-step write stored.

``put_businesses``, ``put_mentors``, ``put_programmes`` and
``put_cooperatives`` used to hold the whole batch, then read the rows it
replaced, write every row and every audit row in one go. They now take the
batch a few hundred records at a time inside the same transaction. Whatever
the step size, the outcome must be the former one: the same rows in the
same order, the same audit rows (an id given twice stored once, with its
last record, in the place of its first, audited once against what was
stored before), the same count, the same error, and nothing stored when the
batch fails part way. ``former_put`` below is the former write, kept as the
reference.
"""

import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._json import dumps_stdlib
from mentorkit.demo import generate_cohort
from mentorkit.store import SQLiteStore, _base
from mentorkit.testing import strategies as mks

_IDS = ("B-0", "B-1", "B-2", "B-3", "B-4", "B-5")


def former_put(store: Any, kind: Any, items: Iterable[Any], actor: str) -> int:
    """``SQLStore._put`` as it was before it took its batch step by step."""
    latest: dict[str, Any] = {}
    for index, item in enumerate(items):
        if not isinstance(item, kind.cls):
            raise TypeError(
                f"{kind.entity} batch item {index} is a {type(item).__name__},"
                f" not a {kind.cls.__name__}"
            )
        latest[item.id] = item
    if not latest:
        return 0
    encoded = {ident: mk.encode(item) for ident, item in latest.items()}
    columns = ("id", *kind.columns, "data")
    marks = ", ".join("?" * len(columns))
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
    sql = (
        f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({marks})"
        f" ON CONFLICT (id) DO UPDATE SET {updates}"
    )
    with store._write() as tx:
        old = store._fetch(tx, kind, list(latest), lock=True)
        rows = [
            (ident, *kind.values(latest[ident]), dumps_stdlib(data))
            for ident, data in encoded.items()
        ]
        tx.executemany(sql, rows)
        store._audit(
            tx,
            (
                (
                    actor,
                    "update" if ident in old else "create",
                    kind.entity,
                    ident,
                    None,
                    _base._changed_fields(old.get(ident), data),
                )
                for ident, data in encoded.items()
                if old.get(ident) != data
            ),
        )
    return len(latest)


class SourceError(Exception):
    """The batch's source failed part way (a file that went away)."""


def _batch(items: list[Any], fail_at: int | None) -> Iterator[Any]:
    """``items`` one by one, as a generator; raises :class:`SourceError` before item ``fail_at``."""
    for index, item in enumerate(items):
        if index == fail_at:
            raise SourceError(f"failed before item {index}")
        yield item


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[mk.Business], list[Any], int | None]:
    """Businesses stored first, then a batch over the same few ids (some given twice, some
    unchanged), maybe with an item that is not a business, maybe failing part way."""
    fresh = mks.businesses(ids=st.sampled_from(_IDS))
    stored = draw(st.lists(fresh, max_size=4))
    again = st.sampled_from(stored) if stored else fresh
    batch: list[Any] = draw(st.lists(st.one_of(fresh, again, again), max_size=10))
    if batch and draw(st.integers(min_value=0, max_value=9)) == 0:
        batch.insert(draw(st.integers(min_value=0, max_value=len(batch))), "B-9")
    fail_at = None
    if batch and draw(st.integers(min_value=0, max_value=9)) == 0:
        fail_at = draw(st.integers(min_value=0, max_value=len(batch) - 1))
    return stored, batch, fail_at


def _outcome(write: Callable[[], int]) -> tuple[str, object]:
    try:
        return "ok", write()
    except (TypeError, SourceError) as exc:
        return type(exc).__name__, str(exc)


def _rows(store: SQLiteStore, table: str) -> list[tuple[Any, ...]]:
    """Every row of ``table`` in rowid order (the order written), rowid included."""
    with closing(sqlite3.connect(store.path)) as conn:
        return conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()


def _trail(store: SQLiteStore) -> list[tuple[Any, ...]]:
    """The audit rows without their time, and how many times each write's rows carry."""
    with closing(sqlite3.connect(store.path)) as conn:
        rows = conn.execute(
            "SELECT seq, actor, action, entity, entity_id, subject, fields FROM audit ORDER BY seq"
        ).fetchall()
        times = conn.execute("SELECT actor, COUNT(DISTINCT at) FROM audit GROUP BY actor")
        return [*rows, *(("times", *t) for t in times)]


class TestStepByStep:
    """A batch taken step by step stores what the former one-step write stored."""

    @settings(
        max_examples=min(settings.default.max_examples, 60),
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(drawn=batches(), step=st.sampled_from([1, 2, 3, 400]), lazily=st.booleans())
    def test_rows_audit_count_and_errors_are_the_former_writes(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        drawn: tuple[list[mk.Business], list[Any], int | None],
        step: int,
        lazily: bool,
    ) -> None:
        stored, batch, fail_at = drawn
        folder = tmp_path_factory.mktemp("batch")
        former = SQLiteStore(folder / "former.db")
        now = SQLiteStore(folder / "now.db")
        try:
            for store in (former, now):
                former_put(store, _base._BUSINESS, stored, "before")
            expected = _outcome(
                lambda: former_put(former, _base._BUSINESS, _batch(batch, fail_at), "batch")
            )
            given_batch: Iterable[Any] = _batch(batch, fail_at)
            if not lazily and fail_at is None:
                given_batch = list(batch)
            with mock.patch.object(_base, "_CHUNK", step):
                got = _outcome(lambda: now.put_businesses(given_batch, actor="batch"))
            assert got == expected
            assert _rows(now, "businesses") == _rows(former, "businesses")
            assert _trail(now) == _trail(former)
        finally:
            former.close()
            now.close()

    @pytest.mark.parametrize("step", [1, 2, 400])
    def test_mentors_programmes_and_cooperatives_too(self, tmp_path: Any, step: int) -> None:
        cohort = generate_cohort(3, businesses=1, mentors=5)
        mentors = list(cohort.mentors)
        mentors.insert(4, attrs.evolve(mentors[0], name="Dr. Lain"))  # given twice, far apart
        cooperatives = list(cohort.cooperatives[:5])
        programmes = [cohort.programme, attrs.evolve(cohort.programme, id="p-2")]
        former, now = SQLiteStore(tmp_path / "former.db"), SQLiteStore(tmp_path / "now.db")
        try:
            writes = (
                (_base._MENTOR, "put_mentors", mentors),
                (_base._COOPERATIVE, "put_cooperatives", cooperatives),
                (_base._PROGRAMME, "put_programmes", programmes),
            )
            for kind, method, items in writes:
                expected = former_put(former, kind, iter(items), "batch")
                with mock.patch.object(_base, "_CHUNK", step):
                    assert getattr(now, method)(iter(items), actor="batch") == expected
            for table in ("mentors", "cooperatives", "programmes"):
                assert _rows(now, table) == _rows(former, table)
            assert _trail(now) == _trail(former)
            assert now.get_mentor(mentors[0].id).name == "Dr. Lain"
        finally:
            former.close()
            now.close()

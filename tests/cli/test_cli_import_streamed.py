"""Businesses, mentors and cooperatives stored as their file is read: what a whole load stored.

``mentorkit import`` used to read a businesses, mentors or cooperatives file
whole (``import_file``) and store its records in one write. ``Office.load``
now hands the :class:`~mentorkit.io.ImportStream` to the store, which takes
the records a few at a time inside one transaction. For random files,
damaged or not, the two must store the same rows and audit rows, report the
same errors (row, id, field path) and the same counts; and a file that
fails part way stores nothing.
"""

import csv
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorkit import Registry
from mentorkit.cli._office import Office
from mentorkit.demo import generate_cohort
from mentorkit.io import KINDS, ImportStream, import_file, record_to_row, stream_file
from mentorkit.store import SQLiteStore, _base
from mentorkit.testing.sample import SamplePlugin

REGISTRY = Registry.load(plugins=[SamplePlugin()], entry_points=False)
_COHORT = generate_cohort(17, businesses=12, mentors=8)
_RECORDS: dict[str, tuple[Any, ...]] = {
    "businesses": _COHORT.businesses,
    "mentors": _COHORT.mentors,
    "cooperatives": _COHORT.cooperatives[:10],
}
#: Cells that make a row bad in one field or another (never a NUL: CSV cannot hold it).
_BAD_CELLS = st.sampled_from(
    ["36740A0000000001", "3674", "08-12", "2.5", "-1", "2026-02-30", "mining", "maybe", "\u0663"]
)
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6
)


@st.composite
def record_files(draw: st.DrawFn) -> tuple[str, list[str], list[list[str]]]:
    """A kind, a CSV header (columns in any order) and rows: good ones, ids given again,
    cells blank, odd or bad, and blank rows."""
    kind = draw(st.sampled_from(sorted(_RECORDS)))
    names = list(draw(st.permutations(KINDS[kind].column_names)))
    rows: list[list[str]] = []
    for record in draw(st.lists(st.sampled_from(_RECORDS[kind]), max_size=12)):
        row = {k: "" if v is None else str(v) for k, v in record_to_row(record, kind).items()}
        damage = draw(st.sampled_from(["none", "none", "blank", "bad", "text", "repeat", "empty"]))
        name = draw(st.sampled_from(names))
        if damage == "blank":
            row[name] = ""
        elif damage == "bad":
            row[name] = draw(_BAD_CELLS)
        elif damage == "text":
            row[name] = draw(_TEXT)
        elif damage == "repeat" and rows:
            row["id"] = draw(st.sampled_from(rows))[names.index("id")]
        elif damage == "empty":
            row = dict.fromkeys(row, " ")
        rows.append([row[n] for n in names])
    return kind, names, rows


def _write(path: Path, names: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        writer.writerows(rows)
    return path


def _stored(path: Path) -> list[list[tuple[Any, ...]]]:
    """The record tables (rowid order) and the audit rows without their time."""
    with closing(sqlite3.connect(path)) as conn:
        tables = [
            conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
            for table in ("businesses", "mentors", "cooperatives")
        ]
        audit = conn.execute(
            "SELECT seq, actor, action, entity, entity_id, subject, fields FROM audit ORDER BY seq"
        ).fetchall()
        times = conn.execute("SELECT COUNT(DISTINCT at) FROM audit").fetchall()
    return [*tables, audit, times]


class TestStreamedLoad:
    """``Office.load`` of a stream stores what the load of the whole file stored."""

    @settings(
        max_examples=min(settings.default.max_examples, 60),
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(drawn=record_files(), step=st.sampled_from([1, 2, 5]))
    def test_rows_audit_errors_and_counts_are_the_whole_loads(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        drawn: tuple[str, list[str], list[list[str]]],
        step: int,
    ) -> None:
        kind, names, rows = drawn
        folder = tmp_path_factory.mktemp("load")
        path = _write(folder / f"{kind}.csv", names, rows)
        whole_store, streamed_store = SQLiteStore(folder / "whole.db"), SQLiteStore(folder / "s.db")
        try:
            whole = import_file(path)
            with mock.patch.object(_base, "_CHUNK", 10**9):  # one write: the former load
                loaded = Office(whole_store, REGISTRY).load(whole)
            stream = stream_file(path)
            with mock.patch.object(_base, "_CHUNK", step):
                assert Office(streamed_store, REGISTRY).load(stream) == loaded
            assert stream.result() == attrs.evolve(whole, records=())
            assert [str(e) for e in stream.errors] == [str(e) for e in whole.errors]
            assert loaded == (len(whole.records), 0)
        finally:
            whole_store.close()
            streamed_store.close()
        assert _stored(folder / "s.db") == _stored(folder / "whole.db")

    def test_the_file_is_read_as_it_is_stored(self, tmp_path: Path) -> None:
        """No record is held: each step is written before the next rows are read."""
        rows = [list(record_to_row(b, "businesses").values()) for b in _COHORT.businesses]
        names = list(KINDS["businesses"].column_names)
        path = _write(tmp_path / "businesses.csv", names, [[str(c or "") for c in r] for r in rows])
        store = SQLiteStore(tmp_path / "office.db")
        office = Office(store, REGISTRY)
        held: list[tuple[int, int]] = []  # (rows read, businesses written) as each is read

        def progress(done: int) -> None:
            held.append((done, len(store.business_ids())))

        try:
            stream = stream_file(path, progress=progress)
            with mock.patch.object(_base, "_CHUNK", 3):
                assert office.load(stream) == (12, 0)
        finally:
            store.close()
        assert held[-1] == (12, 9)  # the last step's rows were read after three steps written
        assert all(read - written <= 3 for read, written in held)

    def test_a_file_that_fails_part_way_stores_nothing(self, tmp_path: Path) -> None:
        """Reading stops with an error after steps were written: the file is all or nothing.

        (A file's bytes that are not UTF-8 no longer stop it: their rows are rejected.)
        """
        cohort = generate_cohort(5, businesses=80, mentors=1)  # more than one read buffer
        rows = [record_to_row(b, "businesses") for b in cohort.businesses]
        path = _write(
            tmp_path / "businesses.csv",
            list(KINDS["businesses"].column_names),
            [[str(c or "") for c in r.values()] for r in rows],
        )
        store = SQLiteStore(tmp_path / "office.db")
        held: list[int] = []  # businesses the write holds as each row is read

        def progress(done: int) -> None:
            held.append(len(store.business_ids()))
            if done == 70:
                raise OSError("the disk holding the file went away")

        try:
            stream = stream_file(path, progress=progress)
            with mock.patch.object(_base, "_CHUNK", 2), pytest.raises(OSError, match="went away"):
                Office(store, REGISTRY).load(stream)
            assert max(held) > 0  # steps were written in the transaction, then rolled back
            assert store.businesses() == []
            assert store.audit() == []
        finally:
            store.close()

    def test_an_import_result_is_still_loaded(self, tmp_path: Path) -> None:
        """Callers holding an ``ImportResult`` (``import_file``) load it as before."""
        rows = [record_to_row(m, "mentors") for m in _COHORT.mentors]
        path = _write(
            tmp_path / "mentors.csv",
            list(KINDS["mentors"].column_names),
            [[str(c or "") for c in r.values()] for r in rows],
        )
        result = import_file(path)
        assert not isinstance(result, ImportStream)
        assert len(result.records) == 8
        with SQLiteStore(tmp_path / "office.db") as store:
            assert Office(store, REGISTRY).load(result) == (8, 0)
            assert store.mentors() == sorted(result.records, key=lambda m: m.id)

"""``mentorkit import --workers 2``: files read in a worker process, stored in the command's.

The worker reads with the very import stream of one process and sends the
good records (observations as the rows the store inserts) with the bad rows
met on the way, a few thousand at a time. What is stored -- the rows in
their order, the audit rows -- and what is reported -- the counts, every
rejected row's message in file order -- must be exactly what one process
stores and reports, for good and damaged files of every kind and format,
whatever the batch size. A failure in the worker is an error naming the
file and how far it read; a failing write, a dead worker or Ctrl-C leave no
process behind.
"""

import csv
import json
import multiprocessing
import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorkit import MentorkitError, Registry, encode
from mentorkit.cli import EXIT_ERROR, main
from mentorkit.cli import _reading as reading
from mentorkit.cli._office import Office
from mentorkit.demo import generate_cohort, observations_for
from mentorkit.io import KINDS, record_to_row, stream_file, write_table
from mentorkit.store import SQLiteStore, SQLStore
from mentorkit.testing.sample import SAMPLE_RUBRIC, SamplePlugin

REGISTRY = Registry.load(plugins=[SamplePlugin()], entry_points=False)
_COHORT = generate_cohort(23, businesses=30, mentors=5)
_OBSERVATIONS = observations_for(_COHORT, [SAMPLE_RUBRIC], follow_up=False)
_HEADER = list(KINDS["observations"].column_names)


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["--lang", "en", *args], catch_exceptions=False)


def _cells(index: int) -> list[str]:
    row = record_to_row(_OBSERVATIONS[index % len(_OBSERVATIONS)], "observations")
    return ["" if row[n] is None else str(row[n]) for n in _HEADER]


#: Damages of an observation row: each is rejected (or, a stray, kept and counted).
_DAMAGES = {
    "date": lambda cells: [*cells[:4], "2026-02-30", *cells[5:]],
    "answer": lambda cells: [*cells[:3], "maybe", *cells[4:]],
    "blank": lambda cells: [*cells[:1], "", *cells[2:]],
    "short": lambda cells: cells[:4],
    "long": lambda cells: [*cells, "extra"],
    "stray": lambda cells: ["TSL-9999", *cells[1:]],
    "lines": lambda cells: [*cells[:5], "seen\non two lines", *cells[6:]],
    "blank row": lambda cells: [""] * len(cells),
    "not utf-8": lambda cells: [*cells[:5], "nota \udcb2", *cells[6:]],
    "not utf-8 id": lambda cells: ["TSL-\udce9", *cells[1:]],
}


def _observations_csv(path: Path, damages: list[str | None]) -> Path:
    """An observations file, one row per entry: good (None) or damaged as named."""
    with path.open("w", newline="", encoding="utf-8", errors="surrogateescape") as handle:
        writer = csv.writer(handle)
        writer.writerow(_HEADER)
        for index, damage in enumerate(damages):
            cells = _cells(index)
            writer.writerow(cells if damage is None else _DAMAGES[damage](cells))
    return path


def _files(folder: Path) -> list[Path]:
    """Every kind, CSV, JSON Lines and XLSX, with good and bad rows of each sort."""
    businesses = [record_to_row(b, "businesses") for b in _COHORT.businesses]
    businesses[2]["owner_nik"] = "3674"  # too short
    businesses[5]["sector"] = ""  # required
    businesses[9]["id"] = businesses[8]["id"]  # given again
    mentors = [record_to_row(m, "mentors") for m in _COHORT.mentors]
    mentors[1]["capacity"] = "many"
    lines = [encode(o) for o in _OBSERVATIONS[:40]]
    jsonl = folder / "more-observations.jsonl"
    text = [json.dumps(line, ensure_ascii=False) for line in lines]
    text[3] = "{oops"
    text[7] = ""  # a blank line
    text[11] = text[11].replace('"2026', '"x2026')
    jsonl.write_bytes("\n".join(text).encode() + b"\n" + b'{"business_id": "caf\xe9"}\n')
    damages: list[str | None] = [None] * 60
    for at, damage in enumerate(_DAMAGES):
        damages[3 + at * 5] = damage
    return [
        write_table(
            folder / "cooperatives.csv",
            KINDS["cooperatives"].column_names,
            [record_to_row(c, "cooperatives") for c in _COHORT.cooperatives],
        ),
        write_table(folder / "mentors.xlsx", KINDS["mentors"].column_names, mentors),
        write_table(folder / "businesses.csv", KINDS["businesses"].column_names, businesses),
        _observations_csv(folder / "observations.csv", damages),
        jsonl,
    ]


def _stored(db: Path) -> list[list[tuple[Any, ...]]]:
    """Every table a load writes, in insertion order; the audit rows without their time."""
    with closing(sqlite3.connect(db)) as conn:
        tables = [
            conn.execute(f"SELECT rowid, * FROM {table} ORDER BY rowid").fetchall()
            for table in ("cooperatives", "mentors", "businesses", "observations")
        ]
        audit = conn.execute(
            "SELECT seq, actor, action, entity, entity_id, subject, fields FROM audit ORDER BY seq"
        ).fetchall()
        times = conn.execute("SELECT COUNT(DISTINCT at) FROM audit").fetchall()
    return [*tables, audit, times]


@pytest.fixture
def worker_streams(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every file goes to the worker, in batches of 3; lists the kinds of the streams opened."""
    monkeypatch.setattr(reading, "WORTH_A_WORKER", 0)
    monkeypatch.setattr(reading, "_BATCH", 3)
    monkeypatch.setattr(reading, "_RECORD_BATCH", 3)
    opened: list[str] = []
    original = reading.open_stream

    def spied(*args: Any, **kwargs: Any) -> Any:
        stream = original(*args, **kwargs)
        opened.append(type(stream).__name__)
        return stream

    monkeypatch.setattr(reading, "open_stream", spied)
    return opened


@pytest.mark.usefixtures("only_sample_plugin")
class TestTheSameAsOneProcess:
    """The command with a worker stores and reports what it does in one process."""

    def test_stored_rows_audit_counts_and_messages(
        self, tmp_path: Path, worker_streams: list[str]
    ) -> None:
        files = [str(p) for p in _files(tmp_path)]
        results = {}
        for workers in ("1", "2"):
            db = tmp_path / f"w{workers}.db"
            assert run("init", "--db", str(db)).exit_code == 0
            results[workers] = run("import", "--db", str(db), "--workers", workers, *files)
        assert worker_streams == ["ImportStream"] * 5 + ["WorkerStream"] * 5
        one, two = results["1"], results["2"]
        assert (two.exit_code, two.stdout, two.stderr) == (one.exit_code, one.stdout, one.stderr)
        assert _stored(tmp_path / "w2.db") == _stored(tmp_path / "w1.db")
        # The files are what the test says: bad rows of every sort, in many batches of 3.
        for counts in (
            "mentors.xlsx: 4 of 5",
            "businesses.csv: 27 of 30",
            "observations.csv: 54 of 59",
            "more-observations.jsonl: 37 of 40",
        ):
            assert counts in one.stdout
        for message in (
            "repeats the id of an earlier row",
            "row 45 (TSL-0015): $.evidence: column evidence: not UTF-8 text",
            "row 50 (TSL-\ufffd): $.business_id",
            "row 41: $: not valid JSON (not UTF-8)",
            "9 observation(s) name a business that is not in the store",
        ):
            assert message in one.stderr
        assert len(_stored(tmp_path / "w1.db")[3]) == 54 + 37

    @settings(
        max_examples=min(settings.default.max_examples, 30),
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        deadline=None,
    )
    @given(
        damages=st.lists(st.none() | st.sampled_from(sorted(_DAMAGES)), max_size=25),
        batch=st.sampled_from([1, 2, 7, 4_000]),
    )
    def test_random_damaged_files(
        self,
        tmp_path_factory: pytest.TempPathFactory,
        reader: reading.FileReader,
        damages: list[str | None],
        batch: int,
    ) -> None:
        """``Office.load`` of the worker's stream, against one process's, on random files."""
        folder = tmp_path_factory.mktemp("random")
        path = _observations_csv(folder / "observations.csv", damages)
        loaded = {}
        for name in ("one", "worker"):
            store = SQLiteStore(folder / f"{name}.db")
            try:
                office = Office(store, REGISTRY)
                store.put_businesses(_COHORT.businesses[:20])
                if name == "one":
                    stream: Any = stream_file(path, rubrics=REGISTRY.rubrics)
                else:
                    with mock.patch.object(reading, "_BATCH", batch):
                        stream = reader.stream(path, "observations")
                counts = office.load(stream)
                loaded[name] = (counts, stream.result(), [str(e) for e in stream.errors])
            finally:
                store.close()
        assert loaded["worker"] == loaded["one"]
        assert _stored(folder / "worker.db") == _stored(folder / "one.db")


@pytest.fixture(scope="module")
def reader() -> Iterator[reading.FileReader]:
    """One worker for a module's tests (starting one costs about half a second)."""
    with reading.file_reader(REGISTRY.rubrics) as found:
        yield found


@pytest.mark.usefixtures("only_sample_plugin")
class TestFailures:
    """Errors in the worker are errors naming the file; no process is ever left behind."""

    def test_an_error_in_the_worker_names_the_file_and_the_rows_read(
        self, tmp_path: Path, reader: reading.FileReader
    ) -> None:
        path = _observations_csv(tmp_path / "observations.csv", [None] * 5)
        with path.open("a", encoding="utf-8") as handle:
            handle.write("TSL-0001," + "x" * (csv.field_size_limit() + 1) + "\n")
        store = SQLiteStore(tmp_path / "w.db")
        try:
            with pytest.raises(MentorkitError) as raised:
                Office(store, REGISTRY).load(reader.stream(path, "observations"))
            assert store.observations(_COHORT.businesses[0].id) == []  # the file: all or nothing
        finally:
            store.close()
        assert str(raised.value) == (
            "observations.csv: reading it failed in the worker process after 5 rows"
            " (Error: field larger than field limit (131072))"
        )

    def test_a_failing_write_stops_the_worker(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_streams: list[str]
    ) -> None:
        path = _observations_csv(tmp_path / "observations.csv", [None] * 40)
        taken: list[Any] = []

        def failing(self: SQLStore[Any], rows: Any, **_kw: Any) -> int:
            for row in rows:
                taken.append(row)
                if len(taken) == 5:
                    raise sqlite3.OperationalError("disk I/O error")
            return 0  # pragma: no cover - the write fails first

        monkeypatch.setattr(SQLStore, "add_observation_rows", failing)
        db = tmp_path / "w.db"
        assert run("init", "--db", str(db)).exit_code == 0
        before = set(multiprocessing.active_children())  # the module's reader, if started
        raised: list[BaseException] = []

        def command() -> None:
            try:
                run("import", "--db", str(db), "--workers", "2", str(path))
            except BaseException as exc:  # looked at below
                raised.append(exc)

        # In a thread: a command that waits for its worker for ever fails the test, not the run.
        thread = threading.Thread(target=command, daemon=True)
        thread.start()
        thread.join(timeout=60)
        if thread.is_alive():  # the test fails; its worker is not left behind
            for child in set(multiprocessing.active_children()) - before:
                child.kill()
            pytest.fail("the command still waits for its worker")
        assert [type(exc) for exc in raised] == [sqlite3.OperationalError]
        assert worker_streams == ["WorkerStream"]
        assert set(multiprocessing.active_children()) <= before

    def test_a_worker_that_dies_is_an_error(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, worker_streams: list[str]
    ) -> None:
        path = _observations_csv(tmp_path / "observations.csv", [None] * 40)
        original = SQLStore.add_observation_rows
        before = set(multiprocessing.active_children())  # the module's reader, if started

        def killing(self: SQLStore[Any], rows: Any, **kw: Any) -> int:
            def then_kill() -> Iterator[Any]:
                iterator = iter(rows)
                yield next(iterator)
                for child in set(multiprocessing.active_children()) - before:
                    os.kill(child.pid or 0, signal.SIGKILL)
                yield from iterator

            return original(self, then_kill(), **kw)

        monkeypatch.setattr(SQLStore, "add_observation_rows", killing)
        db = tmp_path / "w.db"
        assert run("init", "--db", str(db)).exit_code == 0
        result = run("import", "--db", str(db), "--workers", "2", str(path))
        assert result.exit_code == EXIT_ERROR
        assert re.fullmatch(
            "error: observations.csv: the worker process reading it stopped after [0-9]+ rows"
            r" \(BrokenProcessPool: .*\)\n",
            result.stderr,
        ), result.stderr
        assert set(multiprocessing.active_children()) <= before
        with SQLiteStore(db) as store:
            assert store.observations(_COHORT.businesses[0].id) == []

    def test_ctrl_c_leaves_no_process(self, tmp_path: Path) -> None:
        """Ctrl-C (SIGINT to the command's process group) while the worker is reading."""
        path = _observations_csv(tmp_path / "observations.csv", [None] * 200)
        db = tmp_path / "w.db"
        SQLiteStore(db).close()
        script = textwrap.dedent(
            f"""
            import multiprocessing, sys, time
            from mentorkit.cli import _reading, main
            from mentorkit.store import SQLStore

            def slow(self, rows, **kw):
                next(iter(rows))
                pids = [p.pid for p in multiprocessing.active_children()]
                print(*pids, flush=True)
                time.sleep(60)

            if __name__ == "__main__":
                _reading.WORTH_A_WORKER = 0
                _reading._BATCH = 3
                SQLStore.add_observation_rows = slow
                sys.argv = ["mentorkit", "import", "--db", {str(db)!r}, "--workers", "2",
                            {str(path)!r}]
                main()
            """
        )
        command = tmp_path / "command.py"
        command.write_text(script)
        env = {**os.environ, "MENTORKIT_LANG": "en", "MENTORKIT_PLUGINS": ""}
        with (tmp_path / "stderr.txt").open("w") as errors:
            process = subprocess.Popen(
                [sys.executable, str(command)],
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=env,
                start_new_session=True,  # its own process group, as a terminal's command
            )
            try:
                assert process.stdout is not None
                pids = [int(pid) for pid in process.stdout.readline().split()]
                assert pids, (tmp_path / "stderr.txt").read_text()
                os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
                process.communicate(timeout=30)
            finally:
                if process.poll() is None:  # still waiting: the test fails, nothing is left
                    os.killpg(process.pid, signal.SIGKILL)
                    process.communicate()
        assert process.returncode != 0
        assert "Aborted" in (tmp_path / "stderr.txt").read_text()
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(pid) for pid in pids)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone but for its exit status (its parent has not read it yet).
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


class TestWhenAWorker:
    """A worker only where it can pay: big files, a store other processes can open."""

    @pytest.mark.parametrize(
        ("asked", "target", "cores", "expected"),
        [
            (None, "office.db", 4, 2),
            (None, "office.db", 1, 1),
            (1, "office.db", 4, 1),
            (8, "office.db", 1, 2),
            (None, ":memory:", 4, 1),
            (3, "sqlite:///:memory:", 4, 1),
            (None, "postgresql://host/db", 2, 2),
        ],
    )
    def test_processes(
        self,
        monkeypatch: pytest.MonkeyPatch,
        asked: int | None,
        target: str,
        cores: int,
        expected: int,
    ) -> None:
        monkeypatch.setattr("mentorkit.cli._workers.default_workers", lambda: cores)
        assert reading.import_processes(asked, target) == expected

    def test_workers_must_be_one_or_more(self) -> None:
        with pytest.raises(ValueError, match="1 or more"):
            reading.import_processes(0, "office.db")

    @pytest.mark.usefixtures("only_sample_plugin")
    def test_small_files_are_read_here(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def no_worker(_rubrics: object) -> None:
            raise AssertionError("a worker was started")

        monkeypatch.setattr(reading, "file_reader", no_worker)
        path = _observations_csv(tmp_path / "observations.csv", [None] * 10)
        db = tmp_path / "w.db"
        assert run("init", "--db", str(db)).exit_code == 0
        result = run("import", "--db", str(db), "--workers", "2", str(path))
        assert "observations.csv: 10 of 10" in result.stdout

    def test_a_stream_is_read_once_and_as_its_kind(
        self, tmp_path: Path, reader: reading.FileReader
    ) -> None:
        path = _observations_csv(tmp_path / "observations.csv", [None] * 3)
        stream = reader.stream(path, "observations")
        with pytest.raises(MentorkitError, match="read as rows"):
            stream.records()
        with pytest.raises(MentorkitError, match="not been read to its end"):
            stream.result()
        assert len(list(stream.observation_rows())) == 3
        assert stream.result().rows == 3
        with pytest.raises(MentorkitError, match="only once"):
            list(stream.observation_rows())
        businesses = write_table(
            tmp_path / "businesses.csv",
            KINDS["businesses"].column_names,
            [record_to_row(b, "businesses") for b in _COHORT.businesses[:2]],
        )
        other = reader.stream(businesses, "businesses")
        with pytest.raises(MentorkitError, match="only observations"):
            other.observation_rows()
        assert list(other.records()) == list(_COHORT.businesses[:2])

"""Reliability: kill -9 mid-batch, concurrent edits of one case, and naive writers that fail.

Each check runs real writer processes (``_store_worker.py``) and verifies
the database afterwards. Each also runs a deliberately naive writer through
the same harness and shows that the check catches it: the tests can fail.
Bounded: a fixed number of kills and edits, each process with a timeout.
"""

import collections
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest

import mentorkit as mk
from mentorkit.store import PostgresStore, SQLiteStore

WORKER = Path(__file__).with_name("_store_worker.py")
KILLS = 24
BATCH_SIZE = 100
PROCESSES = 4
EDITS = 250
TIMEOUT = 120

_ID = re.compile(r"K(\d+)-(\d+)-(\d+)")


def worker(*args: str) -> list[str]:
    """The command line of one writer process."""
    return [sys.executable, str(WORKER), *args]


@attrs.frozen
class KillReport:
    """What the kill harness saw and what it found in the database afterwards."""

    kills: int
    mid_batch: int  # kills that landed after a "begin" and before its "commit"
    reported: int  # batches reported committed (printed after COMMIT returned)
    integrity: list[str]  # SQLite's integrity check (PostgreSQL: not applicable, "ok")
    batches_present: int
    partial: list[tuple[int, int, int]]  # (run, batch, rows found) with 0 < rows < size
    missing: list[tuple[int, int]]  # reported committed but not (fully) there
    audit_mismatch: int  # batches whose audit rows differ from their business rows


def kill_harness(
    target: str,
    open_store: Callable[[], SQLiteStore | PostgresStore],
    *,
    kills: int,
    naive: bool,
    seed: int,
    schema: str | None = None,
) -> KillReport:
    """Start a batch writer ``kills`` times, SIGKILL it mid-batch, then audit the database."""
    rng = random.Random(seed)
    reported: set[tuple[int, int]] = set()
    mid_batch = 0
    for run in range(kills):
        args = ["batches", target, str(run), "1000", str(BATCH_SIZE)]
        options = [*(["--naive"] if naive else []), *(["--schema", schema] if schema else [])]
        proc = subprocess.Popen(
            worker(*args, *options),
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        kill_at = rng.randrange(0, 3)
        lines: list[list[str]] = []
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.split())
            if line.startswith(f"begin {run} {kill_at}"):
                time.sleep(rng.uniform(0, 0.012))
                break
        os.kill(proc.pid, signal.SIGKILL)
        lines.extend(line.split() for line in proc.stdout.read().splitlines())
        proc.stdout.close()
        assert proc.wait(timeout=TIMEOUT) == -signal.SIGKILL
        for word, r, b in lines:
            if word == "commit":
                reported.add((int(r), int(b)))
        if lines and lines[-1][0] == "begin":
            mid_batch += 1
    store = open_store()
    try:
        integrity = store.integrity_check() if isinstance(store, SQLiteStore) else ["ok"]
        rows: collections.Counter[tuple[int, int]] = collections.Counter()
        for b in store.businesses():
            m = _ID.fullmatch(b.id)
            assert m is not None
            rows[int(m[1]), int(m[2])] += 1
        audited: collections.Counter[tuple[int, int]] = collections.Counter()
        for entry in store.audit():
            m = _ID.fullmatch(entry.entity_id)
            if m is not None and entry.action == "create":
                audited[int(m[1]), int(m[2])] += 1
    finally:
        store.close()
    return KillReport(
        kills=kills,
        mid_batch=mid_batch,
        reported=len(reported),
        integrity=integrity,
        batches_present=sum(1 for n in rows.values() if n == BATCH_SIZE),
        partial=sorted((r, b, n) for (r, b), n in rows.items() if n != BATCH_SIZE),
        missing=sorted(k for k in reported if rows[k] != BATCH_SIZE),
        audit_mismatch=sum(1 for k in rows.keys() | audited.keys() if rows[k] != audited[k]),
    )


class TestKillMidBatch:
    """SIGKILL of a writer mid-batch: the file stays sound and every batch is all or nothing."""

    def test_transactional_batches_survive_kill_9(self, tmp_path: Path) -> None:
        db = tmp_path / "kill.db"
        report = kill_harness(str(db), lambda: SQLiteStore(db), kills=KILLS, naive=False, seed=5)
        print(report)
        assert report.kills >= 20
        assert report.mid_batch >= 1, "no kill landed inside a batch: the test proved nothing"
        assert report.integrity == ["ok"]
        assert report.partial == []
        assert report.missing == []
        assert report.audit_mismatch == 0
        assert report.batches_present >= report.reported

    def test_the_harness_catches_a_writer_without_transactions(self, tmp_path: Path) -> None:
        db = tmp_path / "naive.db"
        report = kill_harness(str(db), lambda: SQLiteStore(db), kills=4, naive=True, seed=7)
        print(report)
        assert report.integrity == ["ok"]  # SQLite itself is fine ...
        assert report.partial != []  # ... but the naive writer leaves half-written batches
        assert report.missing == []

    @pytest.mark.postgres
    def test_postgres_rolls_back_a_killed_writer(
        self, make_pg_store: Callable[..., PostgresStore], pg_dsn: str
    ) -> None:
        store = make_pg_store()
        report = kill_harness(
            pg_dsn, make_pg_store, kills=8, naive=False, seed=11, schema=store.schema
        )
        print(report)
        assert report.mid_batch >= 1
        assert report.partial == []
        assert report.missing == []
        assert report.audit_mismatch == 0


@attrs.frozen
class EditReport:
    """Outcome of several processes editing one case at once."""

    attempts_ok: int
    conflicts: int
    final: int  # the stream's final version, or the naive counter's final value


def edit_harness(target: str, *, naive: bool, schema: str | None = None) -> EditReport:
    """Run PROCESSES writers of EDITS edits each against one case; collect what they saw."""
    extra = ["--schema", schema] if schema else []
    stream = "HOT" if naive else "case/hot"
    procs = [
        subprocess.Popen(
            worker(
                "edits", target, stream, str(EDITS), str(n), *extra, *(["--naive"] if naive else [])
            ),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    for proc in procs:  # wait until every writer has opened the store ...
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
    for proc in procs:  # ... then start them all at once
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0
        results.append(json.loads(out.strip().splitlines()[-1]))
    ok = sum(r["ok"] for r in results)
    conflicts = sum(r["conflicts"] for r in results)
    return EditReport(attempts_ok=ok, conflicts=conflicts, final=-1)


def hot_business() -> mk.Business:
    """The business the naive writers fight over (employees is their counter)."""
    return mk.Business(
        id="HOT",
        name="Usaha HOT",
        owner=mk.Person(name="Pemilik"),
        sector=mk.Sector.TRADE,
        district="Serpong",
    )


def run_concurrency(
    store: SQLiteStore | PostgresStore, target: str, schema: str | None = None
) -> tuple[EditReport, EditReport]:
    """Optimistic appends, then naive read-modify-write: PROCESSES x EDITS edits each."""
    store.put_businesses([hot_business()])
    safe = edit_harness(target, naive=False, schema=schema)
    safe = attrs.evolve(safe, final=store.version("case/hot"))
    events = store.read("case/hot")
    assert sorted((e.data["worker"], e.data["edit"]) for e in events) == [
        (n, i) for n in range(PROCESSES) for i in range(EDITS)
    ]
    naive = edit_harness(target, naive=True, schema=schema)
    naive = attrs.evolve(naive, final=store.get_business("HOT").employees)
    return safe, naive


def check_concurrency(safe: EditReport, naive: EditReport) -> None:
    """0 lost updates with version checks; stale writes were refused; naive writers lose some."""
    print("optimistic:", safe, "naive:", naive)
    total = PROCESSES * EDITS
    assert safe.attempts_ok == total
    assert safe.final == total  # every reported success is in the log: 0 lost updates
    assert safe.conflicts > 0  # stale writes happened and raised ConflictError
    assert naive.attempts_ok == total  # every naive write "succeeded" ...
    assert naive.final < total  # ... yet updates were lost: the harness can fail


class TestConcurrentEditsOfOneCase:
    """4 processes x 250 edits of one case: optimistic appends lose nothing."""

    def test_sqlite(self, tmp_path: Path) -> None:
        db = tmp_path / "hot.db"
        store = SQLiteStore(db)
        try:
            safe, naive = run_concurrency(store, str(db))
            assert store.integrity_check() == ["ok"]
        finally:
            store.close()
        check_concurrency(safe, naive)

    @pytest.mark.postgres
    def test_postgres(self, make_pg_store: Callable[..., PostgresStore], pg_dsn: str) -> None:
        store = make_pg_store()
        safe, naive = run_concurrency(store, pg_dsn, store.schema)
        check_concurrency(safe, naive)

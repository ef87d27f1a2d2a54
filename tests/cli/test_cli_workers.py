"""``mentorkit assess --workers``: chunks of cases assessed in worker processes.

The workers must store what one process stores -- the same events (kinds,
payloads, versions), projections and audit rows; only their order in the
tables and their times may differ -- and report the same problems in the
same order, the same summary counts and progress. The workers load the
installed plugins by name, as the command does, so these tests need them.
"""

import datetime as dt
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import mentorkit as mk
from mentorkit.cli import main
from mentorkit.cli._office import Office, Problem
from mentorkit.cli._workers import (
    assess_in_workers,
    default_workers,
    refer_in_workers,
    worker_count,
)
from mentorkit.demo import generate_cohort, observations_for, write_spreadsheets

pytest.importorskip("mentorkit_accounting", reason="the plugins under plugins/ are not installed")
pytest.importorskip("mentorkit_product_standards", reason="the plugins are not installed")
pytest.importorskip("mentorkit_referrals", reason="the plugins are not installed")

PLUGINS = ("accounting", "product_standards", "referrals")


def _office(db: Path) -> Office:
    return Office.open(db, registry=mk.Registry.load(allow=PLUGINS))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dt.date]:
    """A store with 120 businesses and their observations (some bad), cases not yet opened."""
    folder = tmp_path_factory.mktemp("city")
    cohort = generate_cohort(5, businesses=120, mentors=6)
    db = folder / "city.db"
    office = Office.open(db, create=True, registry=mk.Registry.load(allow=PLUGINS))
    try:
        office.store.put_programmes([cohort.programme])
        office.store.put_cooperatives(cohort.cooperatives)
        office.store.put_businesses(cohort.businesses)
        observed = list(observations_for(cohort, office.registry.rubrics.values()))
        # Answers that come back as problems: a criterion no rubric has, a choice that is not one.
        first = observed[0]
        observed.append(
            mk.Observation(first.business_id, first.rubric_id, "no-such", True, first.observed_on)
        )
        observed.append(
            mk.Observation(
                cohort.businesses[77].id, "accounting", "separate_money", "maybe", first.observed_on
            )
        )
        office.store.add_observations(observed)
    finally:
        office.close()
    return db, cohort.follow_up_on


def _copy(db: Path, to: Path) -> Path:
    with sqlite3.connect(db) as source, sqlite3.connect(to) as target:
        source.backup(target)
    return to


def _contents(db: Path) -> tuple[list[Any], Counter[Any], Counter[Any]]:
    """Events by stream and version (without their times), projections, audit rows (no times)."""
    with sqlite3.connect(db) as con:
        events = con.execute(
            "SELECT stream, version, kind, actor, data FROM events ORDER BY stream, version"
        ).fetchall()
        projections = Counter(con.execute("SELECT name, key, value FROM projections"))
        audit = Counter(
            con.execute("SELECT actor, action, entity, entity_id, subject, fields FROM audit")
        )
    return events, projections, audit


def _opened(db: Path, on: dt.date) -> tuple[Office, list[str]]:
    office = _office(db)
    programme = office.programme(None)
    office.open_cases(programme, on=on)
    return office, office.case_ids(programme)


class TestAssessInWorkers:
    """Against the command's own pass, on the same store."""

    def test_the_same_store_problems_counts_and_progress_as_one_process(
        self, city: tuple[Path, dt.date], tmp_path: Path
    ) -> None:
        source, on = city
        one, many = _copy(source, tmp_path / "one.db"), _copy(source, tmp_path / "many.db")

        office, ids = _opened(one, on)
        counts = [0, 0]

        def tally(case: mk.cases.CaseState) -> None:
            latest = case.latest_assessments().values()
            counts[0] += sum(1 for a in latest if a.status.value == "complete")
            counts[1] += len(latest)

        try:
            expected = office.assess(office.programme(None), on=on, keep_states=False, tally=tally)
        finally:
            office.close()

        office, ids_many = _opened(many, on)
        office.close()
        assert ids_many == ids
        progress: list[int] = []
        done = assess_in_workers(
            str(many), PLUGINS, ids, on=on, workers=2, progress=progress.append, chunk=25
        )

        assert done.problems == expected
        assert len(done.problems) == 2
        assert all(isinstance(p, Problem) for p in done.problems)
        assert (done.complete, done.total) == tuple(counts)
        assert done.total > 0
        assert done.opened == 0  # opened before, by this process
        assert progress == sorted(progress)
        assert progress[-1] == len(ids)
        assert len(progress) == -(-len(ids) // 25)  # one step per chunk
        assert _contents(many) == _contents(one)

    def test_workers_that_open_the_cases_store_what_one_process_stores(
        self, city: tuple[Path, dt.date], tmp_path: Path
    ) -> None:
        source, on = city
        one, many = _copy(source, tmp_path / "one.db"), _copy(source, tmp_path / "many.db")
        office = _office(one)
        try:
            programme = office.programme(None)
            # A few cases opened earlier (by an earlier run): only the others are opened now.
            early = office.store.businesses()[10:50:7]
            office.open_cases(programme, on=on, businesses=early)
            _copy(one, many)
            opened = office.open_cases(programme, on=on)
            expected = office.assess(programme, on=on, keep_states=False)
            ids = office.case_ids(programme)
        finally:
            office.close()

        office = _office(many)
        try:
            programme = office.programme(None)
            new = office.businesses_without_case(programme)
            assert len(new) == opened == 120 - len(early)
            office.store.enrol(programme.id, new)
            wanted = sorted(
                {*office.case_ids(programme), *(office.case_id(programme, b) for b in new)}
            )
        finally:
            office.close()
        assert wanted == ids
        done = assess_in_workers(
            str(many), PLUGINS, wanted, on=on, workers=2, chunk=25, open_for=programme.id
        )

        assert done.opened == opened
        assert done.problems == expected
        assert _contents(many) == _contents(one)

    def test_open_missing_refuses_a_case_of_another_programme(
        self, city: tuple[Path, dt.date], tmp_path: Path
    ) -> None:
        office = _office(_copy(city[0], tmp_path / "other.db"))
        try:
            programme = office.programme(None)
            with pytest.raises(ValueError, match="must start with"):
                office.open_missing(programme, ["elsewhere:B-1"], on=city[1])
        finally:
            office.close()

    def test_an_error_in_a_worker_names_the_chunk_and_keeps_the_field_path(
        self, city: tuple[Path, dt.date], tmp_path: Path
    ) -> None:
        db = _copy(city[0], tmp_path / "damaged.db")
        office, ids = _opened(db, city[1])
        office.close()
        with sqlite3.connect(db) as con:  # edited outside mentorkit: 1.5 is no answer
            con.execute(
                "UPDATE observations SET data = json_set(data, '$.value', 1.5)"
                " WHERE business_id = (SELECT MAX(business_id) FROM observations)"
            )
        with pytest.raises(mk.MentorkitError, match=r"cases .* to .*: DecodeError: .*\$\.value"):
            assess_in_workers(str(db), PLUGINS, ids, on=city[1], workers=2, chunk=40)


class TestReferInWorkers:
    def test_the_same_store_counts_and_problems_as_one_process(
        self, city: tuple[Path, dt.date], tmp_path: Path
    ) -> None:
        source, on = city
        office, _ = _opened(source_copy := _copy(source, tmp_path / "assessed.db"), on)
        try:
            office.assess(office.programme(None), on=on)
        finally:
            office.close()
        one, many = (
            _copy(source_copy, tmp_path / "one.db"),
            _copy(source_copy, tmp_path / "many.db"),
        )

        office = _office(one)
        try:
            programme = office.programme(None)
            ids = office.case_ids(programme)
            expected = office.refer(programme, on=on, send=True)
        finally:
            office.close()
        progress: list[int] = []
        got = refer_in_workers(
            str(many), PLUGINS, ids, on=on, workers=2, send=True, progress=progress.append, chunk=30
        )

        assert got == expected
        assert expected[1] > 0  # referrals were sent: events written by the workers
        assert progress == [30, 60, 90, 120]
        assert _contents(many) == _contents(one)


class TestCommand:
    """``mentorkit assess`` and ``refer --workers 2`` on two chunks, against ``--workers 1``."""

    def test_two_workers_store_and_say_what_one_process_does(self, tmp_path: Path) -> None:
        cohort = generate_cohort(8, businesses=2_050, mentors=20)
        registry = mk.Registry.load(allow=PLUGINS)
        observed = observations_for(cohort, registry.rubrics.values(), follow_up=False)
        files = write_spreadsheets(cohort, observed, tmp_path / "data")
        plugins = ["--lang", "en", "--plugins", ",".join(PLUGINS), "-q"]
        db = tmp_path / "one.db"
        runner = CliRunner()
        for args in (
            ["init", "--db", str(db), "--programme", cohort.programme.id],
            ["import", "--db", str(db), *map(str, files.values())],
        ):
            assert runner.invoke(main, [*plugins, *args]).exit_code == 0
        many = _copy(db, tmp_path / "many.db")
        said = {}
        for target, workers in ((db, "1"), (many, "2")):
            day = str(cohort.baseline_on)
            said[workers] = []
            for command in (["assess"], ["refer", "--send"]):
                args = [*command, "--db", str(target), "--on", day, "--workers", workers]
                result = runner.invoke(main, [*plugins, *args], catch_exceptions=False)
                said[workers].append((result.exit_code, result.output))
        assert said["2"] == said["1"]
        assert "2050 case(s) opened" in said["1"][0][1]
        assert "0 sent to the units" not in said["1"][1][1]
        assert _contents(many) == _contents(db)


class TestWorkerCount:
    def test_never_more_than_the_chunks_and_one_for_memory(self) -> None:
        assert worker_count(8, 2_000, "city.db") == 1  # one chunk: this process
        assert worker_count(8, 4_001, "city.db") == 3
        assert worker_count(2, 90_000, "city.db") == 2
        assert worker_count(None, 90_000, "city.db") == min(default_workers(), 45)
        assert worker_count(4, 90_000, ":memory:") == 1
        for memory in ("sqlite://", "sqlite:///:memory:", "sqlite:"):
            assert worker_count(4, 90_000, memory) == 1
        assert worker_count(4, 90_000, "sqlite:///city.db") == 4
        assert worker_count(4, 90_000, "postgresql://office@db.local/umkm") == 4

    def test_fewer_than_one_is_refused(self) -> None:
        with pytest.raises(ValueError, match="1 or more"):
            worker_count(0, 10, "city.db")

    def test_the_command_refuses_zero_workers(self) -> None:
        result = CliRunner().invoke(main, ["assess", "--db", "x.db", "--workers", "0"])
        assert result.exit_code == 2
        assert "--workers" in result.output

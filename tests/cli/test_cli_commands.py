"""The analyst's story through the ``mentorkit`` command (click's test runner)."""

import ast
import csv
import json
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from mentorkit import Registry, cases
from mentorkit.cli import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, main
from mentorkit.demo import generate_cohort, observations_for
from mentorkit.io import KINDS, record_to_row, write_table
from mentorkit.store import open_store
from mentorkit.testing.sample import SAMPLE_RUBRIC

BASELINE = "2026-02-02"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _spreadsheets(folder: Path) -> dict[str, Path]:
    """A small cohort as the office would hand it over, with two bad business rows."""
    cohort = generate_cohort(21, businesses=24, mentors=4)
    observations = observations_for(cohort, [SAMPLE_RUBRIC], follow_up=False)
    files = {}
    for kind, records in (
        ("cooperatives", cohort.cooperatives),
        ("mentors", cohort.mentors),
        ("businesses", cohort.businesses),
        ("observations", observations),
    ):
        rows = [record_to_row(r, kind) for r in records]
        if kind == "businesses":
            rows[2]["owner_nik"] = "3674"  # row 4: too short
            rows[5]["sector"] = ""  # row 7: required
        suffix = "xlsx" if kind == "mentors" else "csv"
        files[kind] = write_table(folder / f"{kind}.{suffix}", KINDS[kind].column_names, rows)
    return files


@pytest.mark.usefixtures("only_sample_plugin")
class TestStory:
    """init -> import -> assess -> match -> refer -> report -> export, on the sample plugin."""

    def test_whole_story(self, tmp_path: Path) -> None:
        db = str(tmp_path / "office.db")
        files = _spreadsheets(tmp_path)
        result = run(
            "--lang", "en", "init", "--db", db, "--programme", "p-2026", "--starts", BASELINE
        )
        assert result.exit_code == EXIT_OK, result.output
        assert "p-2026" in result.stdout

        result = run("--lang", "en", "import", "--db", db, *map(str, files.values()))
        assert result.exit_code == EXIT_PARTIAL
        assert "businesses.csv, row 4 (TSL-0003): $.owner.nik" in result.stderr
        assert "businesses.csv, row 7 (TSL-0006): $.sector" in result.stderr
        assert "22 of 24 businesses imported, 2 rejected" in result.stdout
        assert "0 rejected" in result.stdout  # the other files were clean
        # The rejected businesses' observations are kept, and the analyst is told.
        assert "name a business that is not in the store" in result.stderr
        with open_store(db) as store:
            assert len(store.businesses()) == 22
            assert len(store.mentors()) == 4

        result = run("--lang", "en", "assess", "--db", db, "--on", BASELINE)
        assert result.exit_code == EXIT_OK, result.output
        assert "22 case(s) opened" in result.stdout

        result = run("--lang", "en", "match", "--db", db, "--on", "2026-02-09")
        assert result.exit_code == EXIT_OK, result.output
        assigned = int(result.stdout.split()[0])
        assert assigned > 0

        result = run("--lang", "en", "refer", "--db", db, "--on", "2026-02-10", "--send")
        assert result.exit_code == EXIT_OK, result.output

        out = tmp_path / "report"
        result = run(
            "--lang", "en", "report", "--db", db, "--out", str(out), "--as-of", "2026-03-01"
        )
        assert result.exit_code == EXIT_OK, result.output
        indicators = json.loads((out / "report.json").read_text("utf-8"))
        assert indicators["businesses"]["total"] == 22
        assert indicators["mentors"]["assigned_cases"] == assigned
        assert "<svg" in (out / "report.html").read_text("utf-8")

        exports = tmp_path / "exports"
        result = run(
            "--lang", "en", "export", "--db", db, "--out", str(exports), "--as-of", "2026-03-01"
        )
        assert result.exit_code == EXIT_OK, result.output
        with (exports / "cooperative.csv").open(encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        assert rows, (
            "mentored businesses outside a cooperative are referred to the cooperative unit"
        )
        assert all(r["owner_nik"].startswith("3674****") for r in rows if r["owner_nik"])
        assert all(r["status"] == "sent" for r in rows)

        result = run(
            "--lang",
            "en",
            "export",
            "--db",
            db,
            "--out",
            str(exports),
            "--unit",
            "cooperative",
            "--format",
            "json",
            "--include-sensitive",
        )
        assert result.exit_code == EXIT_OK
        assert "personal data" in result.stderr
        clear = json.loads((exports / "cooperative.json").read_text("utf-8"))
        assert any(len(r["owner_nik"] or "") == 16 and "*" not in r["owner_nik"] for r in clear)

    def test_indonesian_messages(self, tmp_path: Path) -> None:
        db = str(tmp_path / "office.db")
        result = run("--lang", "id", "init", "--db", db)
        assert "dibuat dengan program" in result.stdout
        result = run("--lang", "id", "assess", "--db", str(tmp_path / "salah.db"))
        assert result.stderr.startswith("galat: ")

    def test_a_missing_store_names_the_command_that_creates_it(self, tmp_path: Path) -> None:
        db = tmp_path / "kantor dinas.db"  # a space: the hint must quote it
        result = run("--lang", "en", "assess", "--db", str(db))
        assert result.exit_code == EXIT_ERROR
        assert not db.exists()  # a typo never starts an empty office
        found = re.search(r"create it with (.+)$", result.stderr.strip())
        assert found is not None, result.stderr
        command = shlex.split(ast.literal_eval(found.group(1)))
        assert command[0] == "mentorkit"
        assert run(*command[1:]).exit_code == EXIT_OK
        assert db.exists()
        assert run("--lang", "en", "assess", "--db", str(db)).exit_code == EXIT_OK

    def test_progress_bars_on_a_terminal(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        import sys

        from mentorkit.cli._main import _State

        monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
        with _State("en", quiet=False).steps() as step:
            tick = step("open cases", 3)
            for done in (1, 2, 3):
                tick(done)
            step("report", 1)(1)
        with _State("en", quiet=True).steps() as step:
            step("report", 1)(1)  # quiet: no bar, no error

    def test_unknown_unit(self, tmp_path: Path) -> None:
        db = str(tmp_path / "office.db")
        run("init", "--db", db)
        result = run("--lang", "en", "export", "--db", db, "--unit", "nope", "--out", str(tmp_path))
        assert result.exit_code == EXIT_ERROR
        assert "nope" in result.stderr


class TestErrors:
    """Clear exit codes and messages when the command cannot run."""

    def test_missing_store_is_not_created_silently(self, tmp_path: Path) -> None:
        db = tmp_path / "typo.db"
        result = run("--lang", "en", "assess", "--db", str(db))
        assert result.exit_code == EXIT_ERROR
        assert "mentorkit init" in result.stderr
        assert not db.exists()

    def test_bad_date_is_a_usage_error(self, tmp_path: Path) -> None:
        result = run("assess", "--db", str(tmp_path / "x.db"), "--on", "01/02/2026")
        assert result.exit_code == 2
        assert "YYYY-MM-DD" in result.output

    def test_help_lists_the_commands(self) -> None:
        result = run("--help")
        assert result.exit_code == EXIT_OK
        for name in (
            "init",
            "import",
            "assess",
            "match",
            "refer",
            "report",
            "export",
            "plugins",
            "demo",
        ):
            assert f"  {name} " in result.stdout

    def test_batch_is_mounted(self) -> None:
        result = run("batch", "--help")
        assert result.exit_code == EXIT_OK
        assert "mentorkit batch" in result.stdout


class TestPlugins:
    """``mentorkit plugins`` lists what each plugin declares."""

    @pytest.mark.usefixtures("only_sample_plugin")
    def test_lists_declarations(self) -> None:
        result = run("--lang", "en", "plugins", "--json")
        assert result.exit_code == EXIT_OK
        (plugin,) = json.loads(result.stdout)["plugins"]
        assert plugin["rubrics"] == ["sample-bookkeeping 1.0"]
        assert plugin["units"] == ["capital", "cooperative"]
        assert "register_rubrics" in plugin["hooks"]
        assert sorted(plugin["rules"]) == ["sample-capital 1.0", "sample-cooperative 1.0"]
        text = run("--lang", "en", "plugins").stdout
        assert "sample-bookkeeping 1.0" in text

    @pytest.mark.usefixtures("no_plugins")
    def test_none_installed(self) -> None:
        result = run("--lang", "en", "plugins")
        assert "No mentorkit plugins are installed" in result.stdout


class TestDemo:
    """``mentorkit demo`` runs the whole story and says where the report is."""

    @pytest.mark.usefixtures("only_sample_plugin")
    def test_small_demo(self, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = run(
            "--lang", "en", "demo", "--out", str(out), "--businesses", "30", "--mentors", "4"
        )
        assert result.exit_code == EXIT_OK, result.output
        assert f"Report: {out / 'report.html'}" in result.stdout
        indicators = json.loads((out / "report.json").read_text("utf-8"))
        assert indicators["businesses"]["total"] == 30
        assert set(indicators["referrals"]) == {"capital", "cooperative"}
        assert (out / "units" / "capital.csv").exists()
        assert (out / "data" / "businesses.csv").exists()
        html = (out / "report.html").read_text("utf-8")
        assert '<html lang="en">' in html

    @pytest.mark.usefixtures("only_sample_plugin")
    def test_report_command_writes_the_demos_report(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The demo writes its report from the folded cases; ``mentorkit report`` reads the
        store's fields straight (no case folded): the same files, byte for byte."""
        from mentorkit.reports import _from_store

        out = tmp_path / "demo"
        demo = run(
            "--lang", "en", "demo", "--out", str(out), "--businesses", "80", "--mentors", "6"
        )
        assert demo.exit_code == EXIT_OK, demo.output
        written = json.loads((out / "report.json").read_text("utf-8"))
        assert written["referrals"]["capital"]["by_status"]  # a lived story: referrals answered
        assert written["milestones"]["total"]
        assert written["mentors"]["assigned_cases"]
        folded: list[object] = []
        monkeypatch.setattr(_from_store, "fold", lambda *a, **k: folded.append(a))
        again, db, as_of = tmp_path / "again", str(out / "mentorkit-demo.db"), written["as_of"]
        result = run("--lang", "en", "report", "--db", db, "--as-of", as_of, "--out", str(again))
        assert result.exit_code == EXIT_OK, result.output
        assert folded == []
        for name in ("report.json", "report.html"):
            assert (again / name).read_bytes() == (out / name).read_bytes()

    @pytest.mark.usefixtures("only_sample_plugin")
    def test_demo_is_reproducible(self, tmp_path: Path) -> None:
        first = run("demo", "--out", str(tmp_path / "a"), "--businesses", "12", "--mentors", "2")
        second = run("demo", "--out", str(tmp_path / "b"), "--businesses", "12", "--mentors", "2")
        assert first.exit_code == second.exit_code == EXIT_OK
        a = (tmp_path / "a" / "report.json").read_text("utf-8")
        b = (tmp_path / "b" / "report.json").read_text("utf-8")
        assert a == b

    @pytest.mark.usefixtures("no_plugins")
    def test_without_plugins_says_so(self, tmp_path: Path) -> None:
        result = run(
            "--lang", "en", "demo", "--out", str(tmp_path), "--businesses", "10", "--mentors", "2"
        )
        assert result.exit_code == EXIT_OK, result.output
        assert "No mentorkit plugins are installed" in result.stderr
        assert (tmp_path / "report.html").exists()

    def test_with_the_real_plugins(self, tmp_path: Path) -> None:
        registry = Registry.load()
        if not {"accounting", "product_standards"} <= set(registry.rubrics):
            pytest.skip("the mentorkit-accounting and -product-standards plugins are not installed")
        result = run(
            "--lang", "en", "demo", "--out", str(tmp_path), "--businesses", "60", "--mentors", "6"
        )
        assert result.exit_code == EXIT_OK, result.output
        indicators = json.loads((tmp_path / "report.json").read_text("utf-8"))
        assert {"accounting", "product_standards"} <= set(indicators["levels"])
        assert indicators["levels"]["accounting"]["moved"]["up"] > 0


class TestPluginAllowList:
    """`--plugins` / MENTORKIT_PLUGINS choose which installed plugins every command loads."""

    def test_only_named_plugins_load(self) -> None:
        from click.testing import CliRunner

        from mentorkit.cli import main

        result = CliRunner().invoke(main, ["--plugins", "accounting", "plugins", "--json"])
        assert result.exit_code == 0, result.output
        import json

        names = [row["name"] for row in json.loads(result.output)["plugins"]]
        assert names == ["accounting"]

    def test_env_var_and_unknown_name_warns(self) -> None:
        from click.testing import CliRunner

        from mentorkit.cli import main

        result = CliRunner().invoke(
            main, ["--lang", "en", "plugins", "--json"], env={"MENTORKIT_PLUGINS": "nope"}
        )
        assert result.exit_code == 0
        assert "plugin not installed: nope" in result.stderr


@pytest.mark.usefixtures("only_sample_plugin")
class TestAssessAgain:
    """A second `assess` opens no case twice and records follow-ups."""

    def test_second_run_opens_nothing(self, tmp_path: Path) -> None:
        db = str(tmp_path / "office.db")
        files = _spreadsheets(tmp_path)
        run("--lang", "en", "init", "--db", db, "--programme", "p", "--starts", BASELINE)
        run("--lang", "en", "import", "--db", db, *map(str, files.values()))
        first = run("--lang", "en", "assess", "--db", db, "--on", BASELINE)
        assert "22 case(s) opened" in first.stdout, first.output
        again = run("--lang", "en", "assess", "--db", db, "--on", "2026-03-02")
        assert again.exit_code == EXIT_OK, again.output
        assert "0 case(s) opened" in again.stdout
        with open_store(db) as store:
            assert len(store.streams("case/p:")) == 22

    def test_the_summary_counts_every_case_as_stored(
        self, tmp_path: Path, sample_registry: Registry
    ) -> None:
        """Counted as the pass goes (the cohort is not read again): a closed case counts too."""
        db = str(tmp_path / "office.db")
        files = _spreadsheets(tmp_path)
        run("--lang", "en", "init", "--db", db, "--programme", "p", "--starts", BASELINE)
        run("--lang", "en", "import", "--db", db, *map(str, files.values()))
        run("--lang", "en", "assess", "--db", db, "--on", BASELINE)
        boss = cases.Actor("u-test", cases.Role.COORDINATOR)
        with open_store(db) as store:
            service = cases.CaseService(store, sample_registry)
            first = next(service.states(boss)).case_id
            service.close_case(boss, first, cases.CaseOutcome.WITHDRAWN, "pindah")
        again = run("--lang", "en", "assess", "--db", db, "--on", "2026-03-02")
        with open_store(db) as store:
            states = list(cases.CaseService(store, sample_registry).states(boss))
        assert sum(1 for s in states if not s.is_open) == 1
        latest = [a for s in states for a in s.latest_assessments().values()]
        complete = sum(1 for a in latest if a.status.value == "complete")
        assert len(latest) == 22  # one rubric per case, the closed one's too
        assert complete > 0
        assert f"0 case(s) opened; {complete} of {len(latest)} assessments complete." in (
            again.stdout
        )


@pytest.mark.usefixtures("only_sample_plugin")
class TestReferSkipsUnassessed:
    """`refer` goes on past a case still at intake, reports it, and exits partial."""

    def test_intake_case_is_reported_not_fatal(self, tmp_path: Path) -> None:
        db = str(tmp_path / "office.db")
        files = _spreadsheets(tmp_path)
        with files["observations"].open(encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
        kept = [r for r in rows if r["business_id"] != "TSL-0001"]  # TSL-0001 stays at intake
        assert len(kept) < len(rows)
        write_table(files["observations"], KINDS["observations"].column_names, kept)
        assert (
            run(
                "--lang", "en", "init", "--db", db, "--programme", "p", "--starts", BASELINE
            ).exit_code
            == EXIT_OK
        )
        run("--lang", "en", "import", "--db", db, *map(str, files.values()))
        run("--lang", "en", "assess", "--db", db, "--on", BASELINE)
        run("--lang", "en", "match", "--db", db, "--on", "2026-02-09")

        result = run("--lang", "en", "refer", "--db", db, "--on", "2026-02-10", "--send")
        assert result.exit_code == EXIT_PARTIAL, result.output
        assert (
            "p:TSL-0001' (intake): referrals are proposed after a complete assessment"
            in result.stderr
        )
        sent = int(result.stdout.split("proposed, ")[1].split()[0])
        assert sent > 0, "the other cases were still referred"

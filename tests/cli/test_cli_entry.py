"""The command starts as `mentorkit` or `python -m mentorkit`, and says which extra is missing."""

import gc
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest.mock import patch

from click.testing import CliRunner

from mentorkit.cli import EXIT_ERROR, EXIT_MISSING_EXTRA, EXIT_OK, main


def run(*code_and_args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *code_and_args], capture_output=True, text=True, timeout=60
    )


def test_python_dash_m_runs_the_command() -> None:
    done = run("-m", "mentorkit", "--lang", "en", "--help")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stdout.startswith("Usage: mentorkit ")
    assert "demo" in done.stdout


def test_without_click_the_extra_is_named() -> None:
    # Simulate an install without the `cli` extra: importing click fails.
    code = (
        "import sys; sys.modules['click'] = None; sys.argv = ['mentorkit', '--help'];"
        "from mentorkit.cli import main; main()"
    )
    done = run("-c", code)
    assert done.returncode == EXIT_MISSING_EXTRA
    assert "pip install 'mentorkit[cli]'" in done.stderr
    assert "Traceback" not in done.stderr


class TestBulkGarbageCollection:
    """A command runs with rare cycle collections, and the thresholds come back after it."""

    def test_thresholds_during_and_after_a_command(self, tmp_path: Path) -> None:
        from mentorkit.cli import _main, _office

        seen: list[tuple[int, int, int]] = []
        before = gc.get_threshold()
        real = _office.Office.open

        def spy(*args: Any, **kwargs: Any) -> Any:
            seen.append(gc.get_threshold())
            return real(*args, **kwargs)

        db = str(tmp_path / "office.db")
        runner = CliRunner()
        assert runner.invoke(main, ["--lang", "en", "init", "--db", db]).exit_code == EXIT_OK
        with patch.object(_office.Office, "open", spy):
            done = runner.invoke(
                main, ["--lang", "en", "report", "--db", db, "--out", str(tmp_path)]
            )
        assert done.exit_code == EXIT_OK, done.output
        assert seen == [_main.BULK_GC_THRESHOLDS]
        assert gc.get_threshold() == before

    def test_thresholds_come_back_after_an_error(self, tmp_path: Path) -> None:
        before = gc.get_threshold()
        done = CliRunner().invoke(main, ["--lang", "en", "report", "--db", str(tmp_path / "x")])
        assert done.exit_code == EXIT_ERROR
        assert gc.get_threshold() == before

"""The command starts as `mentorkit` or `python -m mentorkit`, and says which extra is missing."""

import subprocess
import sys

from mentorkit.cli import EXIT_MISSING_EXTRA, EXIT_OK


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

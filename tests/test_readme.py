"""The README's Python example runs and prints what it says."""

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


class TestReadme:
    """Documentation examples are executed, so they cannot rot."""

    def test_python_example_runs(self) -> None:
        text = README.read_text(encoding="utf-8")
        (block,) = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), {})
        lines = out.getvalue().splitlines()
        assert lines[0] == "established 92.9"
        assert lines[1].startswith("capital [")

    def test_quick_start_has_exactly_two_commands(self) -> None:
        text = README.read_text(encoding="utf-8")
        section = text.split("## Quick start", 1)[1].split("##", 1)[0]
        (console,) = re.findall(r"```console\n(.*?)```", section, flags=re.DOTALL)
        assert console.strip().splitlines() == ["make demo", "make test"]

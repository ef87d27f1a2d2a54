"""The how-to guide's code runs as written, top to bottom."""

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).parents[2] / "docs" / "how-to" / "run-a-programme.md"


class TestRunAProgrammeGuide:
    """docs/how-to/run-a-programme.md is executed, so it cannot rot."""

    def test_guide_runs(self, capsys: pytest.CaptureFixture[str]) -> None:
        blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
        assert len(blocks) >= 8
        namespace: dict[str, object] = {"__name__": "guide"}
        for block in blocks:
            exec(compile(block, str(GUIDE), "exec"), namespace)  # our own docs, executed on purpose
        printed = capsys.readouterr().out
        assert "m-sari melayani Setu" in printed
        assert "3674011234560001" not in printed

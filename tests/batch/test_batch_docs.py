"""The batch how-to's Python example runs and prints what the page says."""

import contextlib
import io
import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[2] / "docs" / "how-to" / "run-a-batch.md"


class TestBatchHowTo:
    """The documented example cannot rot: it is executed here."""

    def test_example_prints_what_the_page_says(self) -> None:
        text = PAGE.read_text(encoding="utf-8")
        example = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)[0]
        expected = re.findall(r"prints\n\n```text\n(.*?)```", text, flags=re.DOTALL)[0]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(example, str(PAGE), "exec"), {})
        assert out.getvalue() == expected

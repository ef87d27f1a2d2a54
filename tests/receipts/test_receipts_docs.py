"""The what-if/why-not how-to runs as written, and the pages link to each other."""

import contextlib
import io
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
HOW_TO = DOCS / "how-to" / "what-if-and-why-not.md"


def _python_blocks(page: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S)


class TestHowToPage:
    """Every Python block of the how-to runs, in order, in one namespace."""

    def test_the_examples_run_and_print_what_the_page_says(self) -> None:
        namespace: dict[str, object] = {"__name__": "how_to_what_if"}
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            for block in _python_blocks(HOW_TO):
                exec(compile(block, str(HOW_TO), "exec"), namespace)  # our own docs
        printed = out.getvalue()
        page = HOW_TO.read_text(encoding="utf-8")
        for line in printed.splitlines()[:2]:  # the two why-not sentences
            assert f"# {line}" in page
        summary = "\n".join(f"# {line}" for line in namespace["report"].summary().splitlines())  # type: ignore[attr-defined]  # a WhatIfReport
        assert summary in page

    def test_the_linked_pages_exist(self) -> None:
        for page in (HOW_TO, DOCS / "explanation" / "receipts.md", DOCS / "reference" / "facts.md"):
            for target in re.findall(r"\]\(([^)#]+\.md)\)", page.read_text(encoding="utf-8")):
                assert (page.parent / target).resolve().exists(), f"{page.name} -> {target}"

"""The store's documentation runs and covers the public API."""

import re
from pathlib import Path

import pytest

import mentorkit.store

DOCS = Path(__file__).parents[2] / "docs"
HOW_TO = DOCS / "how-to" / "persistence.md"
REFERENCE = DOCS / "reference" / "store.md"


def python_blocks(page: Path) -> list[str]:
    """The ```python blocks of a Markdown page, in order."""
    return re.findall(r"^```python\n(.*?)^```$", page.read_text(encoding="utf-8"), re.S | re.M)


class TestStoreDocs:
    """docs/how-to/persistence.md runs as written; docs/reference/store.md names everything."""

    def test_the_how_to_runs(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        blocks = python_blocks(HOW_TO)
        assert len(blocks) >= 6
        namespace: dict[str, object] = {"__name__": "persistence_how_to"}
        for number, block in enumerate(blocks, start=1):
            exec(compile(block, f"{HOW_TO.name} block {number}", "exec"), namespace)
        assert (tmp_path / "mentorkit.db").exists()

    def test_every_public_name_is_in_the_reference(self) -> None:
        text = REFERENCE.read_text(encoding="utf-8")
        missing = [name for name in mentorkit.store.__all__ if f"`{name}" not in text]
        assert missing == []

    def test_every_public_name_has_a_docstring(self) -> None:
        for name in mentorkit.store.__all__:
            value = getattr(mentorkit.store, name)
            if callable(value):
                assert (value.__doc__ or "").strip(), name

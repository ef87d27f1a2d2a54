"""Every relative link in the docs and the README points at a file that exists."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([*ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"])
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


class TestDocsLinks:
    """Broken links in the documentation fail the build."""

    def test_pages_found(self) -> None:
        assert len(PAGES) > 10

    @pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
    def test_relative_links_resolve(self, page: Path) -> None:
        broken = [
            link
            for link in LINK.findall(page.read_text(encoding="utf-8"))
            if "://" not in link and not (page.parent / link).exists()
        ]
        assert broken == []

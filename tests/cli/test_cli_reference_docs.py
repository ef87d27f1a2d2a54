"""The generated references match the code (run docs/gen_cli_reference.py to refresh)."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_cli_reference", DOCS / "gen_cli_reference.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestGeneratedReference:
    """docs/reference/cli.md and spreadsheet-columns.md are what the generator writes."""

    @pytest.mark.parametrize(
        ("name", "render"),
        [("cli.md", "render_cli"), ("spreadsheet-columns.md", "render_columns")],
    )
    def test_up_to_date(self, name: str, render: str) -> None:
        expected = getattr(_generator(), render)()
        actual = (DOCS / "reference" / name).read_text("utf-8")
        assert actual == expected, f"docs/reference/{name} is stale: run docs/gen_cli_reference.py"

    def test_every_command_documented(self) -> None:
        text = (DOCS / "reference" / "cli.md").read_text("utf-8")
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
            "batch",
        ):
            assert f"## mentorkit {name}\n" in text

    def test_every_column_documented(self) -> None:
        from mentorkit.io import KINDS

        text = (DOCS / "reference" / "spreadsheet-columns.md").read_text("utf-8")
        for kind in KINDS.values():
            for column in kind.columns:
                assert f"| `{column.name}` |" in text

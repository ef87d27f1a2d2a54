"""The hook reference must document, and the tests must exercise, every hook."""

import inspect
import re
from pathlib import Path

import pytest

from mentorkit import hookspecs

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference" / "hooks.md"


def hook_names() -> list[str]:
    return sorted(
        name
        for name, func in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(func, "mentorkit_spec")
    )


def documented() -> dict[str, str]:
    text = REFERENCE.read_text(encoding="utf-8")
    sections = re.split(r"^### ", text, flags=re.MULTILINE)[1:]
    return {section.split("\n", 1)[0].strip(): section for section in sections}


class TestHookReference:
    """docs/reference/hooks.md documents exactly the hooks in mentorkit.hookspecs."""

    def test_hooks_exist(self) -> None:
        assert "register_rubrics" in hook_names()

    @pytest.mark.parametrize("name", hook_names())
    def test_hook_is_documented_with_its_signature(self, name: str) -> None:
        sections = documented()
        assert name in sections, f"hook {name!r} has no '### {name}' section in {REFERENCE}"
        params = list(inspect.signature(getattr(hookspecs, name)).parameters)
        signature = re.search(rf"def {name}\(([^)]*)\)", sections[name])
        assert signature, f"the section of {name!r} shows no signature"
        shown = [p.split(":")[0].strip() for p in signature.group(1).split(",") if p.strip()]
        assert shown == params

    @pytest.mark.parametrize("name", hook_names())
    def test_hook_has_a_docstring(self, name: str) -> None:
        assert inspect.getdoc(getattr(hookspecs, name))

    def test_no_documented_hook_is_missing(self) -> None:
        assert sorted(documented()) == hook_names()

    @pytest.mark.parametrize("name", hook_names())
    def test_hook_is_exercised_by_some_test(self, name: str) -> None:
        here = Path(__file__).resolve()
        roots = [ROOT / "tests", ROOT / "plugins", ROOT / "docs" / "examples"]
        for root in roots:
            for path in root.rglob("*.py"):
                if path.resolve() == here:
                    continue
                text = path.read_text(encoding="utf-8")
                if re.search(rf"\b{name}\b", text) and (
                    "test_" in path.name or "tests" in path.parts
                ):
                    return
        pytest.fail(f"no test implements or triggers hook {name!r}")

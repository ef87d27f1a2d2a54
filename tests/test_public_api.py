"""The public API: __all__ resolves, every public name documented, no heavy imports."""

import importlib
import inspect
import subprocess
import sys

import pytest

PUBLIC_MODULES = [
    "mentorkit",
    "mentorkit.batch",
    "mentorkit.cases",
    "mentorkit.cli",
    "mentorkit.demo",
    "mentorkit.hookspecs",
    "mentorkit.i18n",
    "mentorkit.io",
    "mentorkit.legal",
    "mentorkit.reports",
    "mentorkit.store",
    "mentorkit.testing.conformance",
    "mentorkit.testing.sample",
    "mentorkit.testing.strategies",
]


class TestPublicApi:
    """Checks every public module keeps its promises."""

    @pytest.mark.parametrize("module_name", PUBLIC_MODULES)
    def test_all_is_sorted_and_resolves(self, module_name: str) -> None:
        module = importlib.import_module(module_name)
        names = list(module.__all__)
        assert len(names) == len(set(names))  # order itself is kept by ruff's RUF022
        for name in names:
            assert hasattr(module, name), f"{module_name}.{name} is in __all__ but missing"

    @pytest.mark.parametrize("module_name", PUBLIC_MODULES)
    def test_public_names_documented(self, module_name: str) -> None:
        module = importlib.import_module(module_name)
        undocumented = []
        for name in module.__all__:
            obj = getattr(module, name)
            is_code = inspect.isclass(obj) or inspect.isfunction(obj)
            if is_code and not inspect.getdoc(obj):
                undocumented.append(name)
        assert undocumented == []

    def test_core_import_is_light(self) -> None:
        """Importing mentorkit pulls in none of the optional extras."""
        code = (
            "import sys, mentorkit; heavy = {'hypothesis', 'click', 'matplotlib', 'openpyxl',"
            " 'psycopg', 'dask', 'pytest'} & set(sys.modules); print(sorted(heavy))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "[]"

    def test_top_level_names_load_lazily(self) -> None:
        """`import mentorkit` loads no submodule until a public name is touched."""
        code = (
            "import sys, mentorkit; before = 'mentorkit._engine' in sys.modules;"
            " mentorkit.Engine; after = 'mentorkit._engine' in sys.modules;"
            " print(before, after, 'attrs' in dir(mentorkit) or 'Engine' in dir(mentorkit))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.split() == ["False", "True", "True"]

    def test_unknown_name_is_an_attribute_error(self) -> None:
        import mentorkit

        with pytest.raises(AttributeError, match="has no attribute 'Bussiness'"):
            _ = mentorkit.Bussiness  # type: ignore[attr-defined]  # the typo is the point

    def test_cli_help_imports_no_engine(self) -> None:
        """`mentorkit --help` stays fast: the engine, io and stores load only in commands."""
        code = (
            "import sys; from click.testing import CliRunner; from mentorkit.cli import main;"
            " r = CliRunner().invoke(main, ['--help']); assert r.exit_code == 0, r.output;"
            " heavy = {'mentorkit._engine', 'mentorkit.io', 'mentorkit.store', 'matplotlib',"
            " 'mentorkit.cases', 'openpyxl', 'hypothesis'} & set(sys.modules); print(sorted(heavy))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "[]"

"""The public modules io, reports, demo, i18n and cli: names resolve, documented, light imports."""

import importlib
import inspect
import subprocess
import sys

import pytest

MODULES = ["mentorkit.io", "mentorkit.reports", "mentorkit.demo", "mentorkit.i18n", "mentorkit.cli"]


class TestPublicModules:
    """Each module keeps the public-API promises of the core."""

    @pytest.mark.parametrize("module_name", MODULES)
    def test_names_resolve_and_are_documented(self, module_name: str) -> None:
        module = importlib.import_module(module_name)
        assert inspect.getdoc(module)
        names = list(module.__all__)
        assert len(names) == len(set(names))
        undocumented = []
        for name in names:
            obj = getattr(module, name)
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
                undocumented.append(name)
        assert undocumented == []

    def test_optional_dependencies_load_lazily(self) -> None:
        """Importing the modules (not running a command) pulls in no optional extra."""
        code = (
            "import sys, mentorkit.io, mentorkit.reports, mentorkit.demo, mentorkit.i18n, "
            "mentorkit.cli; print(sorted({'click', 'matplotlib', 'openpyxl'} & set(sys.modules)))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert out.stdout.strip() == "[]"

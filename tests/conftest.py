"""Shared test configuration: hypothesis profiles, helper modules, a clean environment.

``dev`` (default) is fast for local runs; ``ci`` (selected when CI=true or
HYPOTHESIS_PROFILE=ci) runs more examples.

Tests are not a package (``--import-mode=importlib``), so the helper modules
some test folders share are loaded by path once and registered in
``sys.modules`` under their file names: tests ``import batch_data``,
``import racing_store``, ``import fast_decoding`` or ``import receipts_pack``, and the CLI
tests can name plugins as ``receipts_pack:ReceiptsPlugin``.
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
_HELPERS = (
    Path("batch/batch_data.py"),
    Path("cases/racing_store.py"),
    Path("fast_decoding.py"),
    Path("receipts/receipts_pack.py"),
)


def _register_helpers() -> None:
    for relative in _HELPERS:
        name = relative.stem
        if name in sys.modules:
            continue
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent / relative)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)


_register_helpers()

settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)


#: The command's settings from the environment: a developer's own must not leak into tests.
_USER_SETTINGS = ("MENTORKIT_DB", "MENTORKIT_LANG", "MENTORKIT_PLUGINS")


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)

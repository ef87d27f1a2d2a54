"""Shared test configuration: hypothesis profiles.

``dev`` (default) is fast for local runs; ``ci`` (selected when CI=true or
HYPOTHESIS_PROFILE=ci) runs more examples.
"""

import os

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
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") == "true" else "dev")
)


#: The command's settings from the environment: a developer's own must not leak into tests.
_USER_SETTINGS = ("MENTORKIT_DB", "MENTORKIT_LANG", "MENTORKIT_PLUGINS")


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)

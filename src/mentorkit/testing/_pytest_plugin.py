"""pytest fixtures for plugin authors (loaded through the ``pytest11`` entry point).

Imports of mentorkit happen inside the fixtures, so merely having mentorkit
installed costs a pytest run nothing.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mentorkit import Engine, Registry


@pytest.fixture
def mentorkit_registry() -> "Callable[..., Registry]":
    """Factory: ``mentorkit_registry(plugin, ...)`` gives a strict registry of those plugins.

    No entry points are loaded, so the test sees only the plugins it names.
    """
    from mentorkit import Registry

    def make(*plugins: object) -> "Registry":
        return Registry.load(plugins=list(plugins), entry_points=False, strict=True)

    return make


@pytest.fixture
def mentorkit_engine(
    mentorkit_registry: "Callable[..., Registry]",
) -> "Callable[..., Engine]":
    """Factory: ``mentorkit_engine(plugin, ...)`` gives an engine over a strict registry."""
    from mentorkit import Engine

    def make(*plugins: object) -> "Engine":
        return Engine(mentorkit_registry(*plugins))

    return make

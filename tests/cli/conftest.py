"""Fixtures for the command line, io, reports, demo and i18n tests."""

import pytest

from mentorkit import Registry
from mentorkit.testing.sample import SamplePlugin


@pytest.fixture
def sample_registry() -> Registry:
    """A registry of the sample plugin only: tests do not depend on installed plugins."""
    return Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)


@pytest.fixture
def only_sample_plugin(monkeypatch: pytest.MonkeyPatch, sample_registry: Registry) -> Registry:
    """Make every ``Registry.load()`` the command line does return the sample registry."""

    def load(cls: type[Registry], **_kwargs: object) -> Registry:
        return sample_registry

    monkeypatch.setattr(Registry, "load", classmethod(load))
    return sample_registry


@pytest.fixture
def no_plugins(monkeypatch: pytest.MonkeyPatch) -> Registry:
    """Make every ``Registry.load()`` return a registry with no plugin at all."""
    empty = Registry.load(entry_points=False)

    def load(cls: type[Registry], **_kwargs: object) -> Registry:
        return empty

    monkeypatch.setattr(Registry, "load", classmethod(load))
    return empty

"""Which plugins a batch loads: a picklable, hashable description.

A :class:`~mentorkit.Registry` holds a live plugin manager and cannot be
sent to another process. A :class:`PluginSpec` can: each worker process
loads the same plugins from it, through the same allow-list.
"""

import importlib
from collections.abc import Iterable

from attrs import field, frozen

from .._errors import PluginError
from .._registry import Registry

__all__ = ["PluginSpec"]


def _names(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


def _plugin_refs(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@frozen
class PluginSpec:
    """How to load a batch's plugins, in this process or in a worker.

    ``allow`` is the entry-point allow-list passed to
    :meth:`mentorkit.Registry.load` (None: every installed ``mentorkit``
    plugin). ``plugins`` names plugins to register directly, each as
    ``"module"`` or ``"module:attribute"`` (loaded like an entry point; a
    class is instantiated without arguments). ``entry_points=False`` loads
    only ``plugins``. ``strict=True`` fails on the first broken plugin.
    """

    allow: tuple[str, ...] | None = field(default=None, converter=_names)
    plugins: tuple[str, ...] = field(default=(), converter=_plugin_refs)
    entry_points: bool = True
    strict: bool = False

    def load(self) -> Registry:
        """Import the named plugins and load a fresh :class:`~mentorkit.Registry`."""
        objects = [(ref, _resolve(ref)) for ref in self.plugins]
        return Registry.load(
            plugins=objects,
            allow=self.allow,
            entry_points=self.entry_points,
            strict=self.strict,
        )


def _resolve(ref: str) -> object:
    module_name, _, attribute = ref.partition(":")
    try:
        target: object = importlib.import_module(module_name)
        for part in attribute.split(".") if attribute else ():
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise PluginError(f"plugin {ref!r} could not be imported: {exc!r}") from exc
    if isinstance(target, type):
        target = target()
    return target

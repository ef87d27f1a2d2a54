"""Test kit for mentorkit and its plugins (needs the ``testing`` extra).

* :mod:`mentorkit.testing.strategies` — hypothesis strategies for every model.
* :mod:`mentorkit.testing.conformance` — the conformance kit any rubric or
  rule pack can run in its own tests (:func:`~mentorkit.testing.conformance.check_plugin`).
* :mod:`mentorkit.testing.sample` — a small sample plugin for tests and examples.
* A pytest plugin (registered through the ``pytest11`` entry point) with the
  fixtures ``mentorkit_registry`` and ``mentorkit_engine``.

Submodules are imported on use, so ``import mentorkit.testing`` stays cheap
and never imports hypothesis by itself.
"""

__all__ = ["conformance", "sample", "strategies"]


def __getattr__(name: str) -> object:
    if name in __all__:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

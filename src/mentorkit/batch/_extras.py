"""Optional dependencies, imported on use with an error that names the extra."""

import importlib
from types import ModuleType

from .._errors import MentorkitError

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(MentorkitError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module``, or raise :class:`MissingExtraError` naming ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(
            f"{purpose} needs the {extra!r} extra: pip install 'mentorkit[{extra}]'"
        ) from None

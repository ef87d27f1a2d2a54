"""The ``mentorkit`` command: from a spreadsheet to a report for the other units.

Install with the ``cli`` extra (``pip install 'mentorkit[cli]'``). The click
group is :func:`main`; it is imported on first use so that importing
:mod:`mentorkit.cli` stays cheap. See ``docs/reference/cli.md``.

Exit codes: 0 everything done; 1 done, but some rows or records were
rejected (each one reported); 2 wrong usage; 3 an error stopped the
command; 4 an optional dependency is missing.
"""

from typing import Any

__all__ = ["EXIT_ERROR", "EXIT_MISSING_EXTRA", "EXIT_OK", "EXIT_PARTIAL", "EXIT_USAGE", "main"]

#: Everything was done.
EXIT_OK = 0
#: Done, but some rows or records were rejected (each one is reported).
EXIT_PARTIAL = 1
#: Wrong usage (click's own code).
EXIT_USAGE = 2
#: An error stopped the command (a missing store, an unreadable file...).
EXIT_ERROR = 3
#: An optional dependency is missing; the message names the extra to install.
EXIT_MISSING_EXTRA = 4


def _missing_click(*args: Any, **kwargs: Any) -> None:
    """Stands in for :func:`main` when click is not installed: say which extra to install."""
    import sys

    sys.stderr.write(
        "mentorkit: the command line needs the 'cli' extra: pip install 'mentorkit[cli]'\n"
    )
    raise SystemExit(EXIT_MISSING_EXTRA)


def __getattr__(name: str) -> Any:
    if name == "main":
        try:
            from ._main import main
        except ModuleNotFoundError as exc:
            if exc.name != "click":
                raise
            return _missing_click
        return main
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

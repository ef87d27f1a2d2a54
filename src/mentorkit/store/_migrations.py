"""A small versioned schema-migration runner.

Each :class:`Migration` is applied in ONE transaction together with the bump
of ``schema_version``: a step that fails leaves both the schema and the
version exactly as they were (SQLite and PostgreSQL both have transactional
DDL).
"""

from collections.abc import Sequence

from attrs import field, frozen

from .._errors import MentorkitError

__all__ = ["Migration", "MigrationError", "check_steps"]


class MigrationError(MentorkitError, RuntimeError):
    """A schema migration failed (the database is left at its previous version)."""


def _non_empty(_inst: object, _attribute: object, value: tuple[str, ...]) -> None:
    if not value:
        raise ValueError("a migration needs at least one statement")


@frozen
class Migration:
    """One schema step: ``statements`` run in order in one transaction, which sets ``version``."""

    version: int
    description: str
    statements: tuple[str, ...] = field(validator=_non_empty)


def check_steps(steps: Sequence[Migration]) -> None:
    """Raise :class:`MigrationError` unless the steps are numbered 1, 2, 3, ... in order."""
    for expected, step in enumerate(steps, start=1):
        if step.version != expected:
            raise MigrationError(
                f"migration {step.description!r} has version {step.version}, expected {expected}"
            )

"""Open a store from a URL or a path."""

import os
from typing import Any
from urllib.parse import unquote, urlsplit

from ._base import SQLStore
from ._contract import Repository

__all__ = ["open_store"]


def open_store(target: str | os.PathLike[str]) -> SQLStore[Any]:
    """Open the store ``target`` names, creating its schema if needed.

    - ``postgresql://...`` or ``postgres://...``: a
      :class:`~mentorkit.store.PostgresStore` (needs the ``postgres`` extra);
    - ``sqlite:///relative/or/absolute/path.db`` (``sqlite:////abs`` for an
      absolute path, as in SQLAlchemy), ``sqlite://`` or ``:memory:`` for
      memory;
    - anything else: a path to an SQLite file.
    """
    from ._sqlite import SQLiteStore

    if isinstance(target, os.PathLike):
        return SQLiteStore(target)
    if target.startswith(("postgresql://", "postgres://")):
        from ._postgres import PostgresStore

        return PostgresStore(target)
    if target.startswith("sqlite:"):
        parts = urlsplit(target)
        if parts.netloc not in ("", "localhost"):
            raise ValueError("an sqlite: URL takes no host: use sqlite:///path/to/file.db")
        path = unquote(parts.path)
        if path in ("", "/", "/:memory:"):
            return SQLiteStore(":memory:")
        return SQLiteStore(path[1:])
    return SQLiteStore(target)


def _conforms(store: SQLStore[Any]) -> Repository:
    """Never called: makes mypy prove that the SQL stores satisfy :class:`Repository`."""
    return store

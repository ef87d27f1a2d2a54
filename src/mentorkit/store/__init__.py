"""Persistence: SQLite by default, PostgreSQL for multi-user services, one contract.

Stores hold businesses, mentors, programmes, cooperatives and observations,
the case event log (they are :class:`mentorkit.EventStore`\\ s), projections
fed from the events (referral queue per unit, caseload per mentor), an
append-only audit trail, and the personal-data duties of UU PDP 27/2022
(export, correct, erase).

>>> from mentorkit.store import open_store
>>> store = open_store(":memory:")
>>> store.version("case/C-1")
0
"""

from ._base import ERASED, SQLStore, observation_row
from ._contract import (
    AuditEntry,
    HasRole,
    ProjectionView,
    Projector,
    Repository,
    pseudonym,
)
from ._migrations import Migration, MigrationError
from ._open import open_store
from ._postgres import PostgresStore
from ._projections import (
    CASELOAD,
    REFERRAL_QUEUE,
    caseload_projector,
    referral_queue_projector,
)
from ._sqlite import SQLiteStore, Synchronous

__all__ = [
    "CASELOAD",
    "ERASED",
    "REFERRAL_QUEUE",
    "AuditEntry",
    "HasRole",
    "Migration",
    "MigrationError",
    "PostgresStore",
    "ProjectionView",
    "Projector",
    "Repository",
    "SQLStore",
    "SQLiteStore",
    "Synchronous",
    "caseload_projector",
    "observation_row",
    "open_store",
    "pseudonym",
    "referral_queue_projector",
]

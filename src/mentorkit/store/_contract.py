"""The repository contract shared by every store, and its small value types."""

import datetime as dt
import hashlib
import hmac
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from attrs import field, frozen

from .._errors import AccessDeniedError
from .._eventlog import EventRecord
from .._model import Business, Cooperative, Mentor, Observation, Programme

__all__ = [
    "COORDINATOR",
    "AuditEntry",
    "HasRole",
    "ProjectionView",
    "Projector",
    "Repository",
    "pseudonym",
    "require_coordinator",
]


@runtime_checkable
class HasRole(Protocol):
    """Anything naming the acting user and their role, such as ``mentorkit.cases.Actor``."""

    @property
    def id(self) -> str:
        """The user's id (never personal data)."""
        ...

    @property
    def role(self) -> str:
        """The role (a ``str`` or ``StrEnum``); ``"coordinator"`` may handle personal data."""
        ...


#: The role that may answer data-subject requests (``mentorkit.cases.Role.COORDINATOR``).
COORDINATOR = "coordinator"


def require_coordinator(actor: HasRole, action: str) -> None:
    """Raise :class:`~mentorkit.AccessDeniedError` unless ``actor`` is a coordinator."""
    if str(getattr(actor, "role", "")) != COORDINATOR:
        raise AccessDeniedError(
            f"{action} needs the {COORDINATOR!r} role; "
            f"actor {getattr(actor, 'id', '?')!r} does not have it"
        )


_MIN_KEY_BYTES = 16


def pseudonym(key: bytes, nik: str) -> str:
    """The pseudonym of a NIK: ``hmac-sha256:`` and the keyed HMAC-SHA256 in hex.

    A keyed HMAC, not a plain hash: the NIK space is small (region, birth
    date, serial) and a plain SHA-256 of every NIK is brute-forced in
    minutes. The office keeps ``key`` (at least 16 bytes) outside the
    database; without it the pseudonym cannot be linked back to a person.
    """
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"the pseudonym key must be at least {_MIN_KEY_BYTES} bytes")
    digest = hmac.new(key, nik.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"hmac-sha256:{digest}"


@frozen
class AuditEntry:
    """One row of the append-only audit trail (jejak audit).

    ``fields`` names the fields that changed (``owner.phone``), never their
    values; ``subject`` is a pseudonym (:func:`pseudonym`) for requests about
    a person, otherwise None. ``entity_id`` is a record id or a stream name.
    """

    seq: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    subject: str | None = None
    fields: tuple[str, ...] = field(default=())


class ProjectionView(Protocol):
    """One projection's key/value rows, inside the transaction of an append.

    Keys are strings (use ``/`` to nest: ``"unit/stream"``); values are
    JSON-ready data.
    """

    def get(self, key: str) -> Any | None:
        """The value stored under ``key``, or None."""
        ...

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` (replacing any old value)."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` (no error when it is absent)."""
        ...

    def keys(self, prefix: str = "") -> list[str]:
        """The keys starting with ``prefix``, sorted."""
        ...


class Projector(Protocol):
    """Folds one event into its projection (any function ``fn(event, view)``).

    Stores call it for every appended event inside the append's
    transaction: if it raises, the append is rolled back.
    """

    def __call__(self, event: EventRecord, view: ProjectionView, /) -> None:
        """Update ``view`` for ``event``."""
        ...


@runtime_checkable
class Repository(Protocol):
    """What every mentorkit store offers: records, event streams, projections, audit, PDP duties.

    It is an :class:`~mentorkit.EventStore` too. Every write is one
    transaction together with its audit rows; batch writes store the whole
    batch or nothing.
    """

    # --- event streams (mentorkit.EventStore)
    def append(self, stream: str, expected_version: int, events: Sequence[EventRecord]) -> int:
        """See :meth:`mentorkit.EventStore.append`; also runs the projectors and audits."""
        ...

    def read_many(
        self,
        streams: Sequence[str],
        *,
        bare_kinds: Collection[str] = (),
        without: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, list[EventRecord]]:
        """The events of each of ``streams`` (those that have any), in few queries.

        Events of a kind in ``bare_kinds`` come with an empty ``data``;
        ``without`` maps a kind to dotted key paths left out of its payloads.
        """
        ...

    def read_values(
        self, streams: Sequence[str], paths: Mapping[str, Sequence[str]]
    ) -> dict[str, list[tuple[str, list[Any] | None]]]:
        """Each event of ``streams`` as ``(kind, values)``, in few queries.

        ``values`` holds the payload's values at ``paths[kind]`` (None where
        a path is not there), or is None for a kind not in ``paths``, whose
        payload is not read.
        """
        ...

    def append_many(self, batches: Iterable[tuple[str, int, Sequence[EventRecord]]]) -> list[int]:
        """Append ``(stream, expected_version, events)`` batches in one transaction.

        All or nothing: one stale stream raises
        :class:`~mentorkit.ConflictError` and stores nothing. Returns the
        new versions in the order given.
        """
        ...

    def read(self, stream: str, after: int = 0) -> list[EventRecord]:
        """See :meth:`mentorkit.EventStore.read`."""
        ...

    def version(self, stream: str) -> int:
        """See :meth:`mentorkit.EventStore.version`."""
        ...

    def streams(self, prefix: str = "") -> list[str]:
        """See :meth:`mentorkit.EventStore.streams`."""
        ...

    # --- records
    def put_businesses(self, items: Iterable[Business], *, actor: str = "system") -> int:
        """Insert or replace businesses by id, all in one transaction; returns how many ids.

        ``items`` may be any iterable, consumed inside the transaction (memory
        stays flat); if it raises part way, nothing is stored. An id given
        twice is stored once, with its last record, and audited once.
        """
        ...

    def get_business(self, business_id: str) -> Business:
        """The business with ``business_id``; :class:`~mentorkit.NotFoundError` if none."""
        ...

    def businesses(
        self, *, district: str | None = None, sector: str | None = None
    ) -> list[Business]:
        """Businesses, optionally of one district (kecamatan) and/or sector, by id."""
        ...

    def business_ids(self) -> list[str]:
        """The id of every business, sorted."""
        ...

    def businesses_many(self, business_ids: Iterable[str]) -> dict[str, Business]:
        """:meth:`get_business` of each of ``business_ids``, keyed by id in the order given.

        An id given twice appears once; an unknown id raises
        :class:`~mentorkit.NotFoundError`.
        """
        ...

    def put_mentors(self, items: Iterable[Mentor], *, actor: str = "system") -> int:
        """Insert or replace mentors by id in one transaction, as :meth:`put_businesses`."""
        ...

    def get_mentor(self, mentor_id: str) -> Mentor:
        """The mentor with ``mentor_id``; :class:`~mentorkit.NotFoundError` if none."""
        ...

    def mentors(self) -> list[Mentor]:
        """Every mentor, by id."""
        ...

    def put_programmes(self, items: Iterable[Programme], *, actor: str = "system") -> int:
        """Insert or replace programmes by id in one transaction, as :meth:`put_businesses`."""
        ...

    def get_programme(self, programme_id: str) -> Programme:
        """The programme with ``programme_id``; :class:`~mentorkit.NotFoundError` if none."""
        ...

    def programmes(self) -> list[Programme]:
        """Every programme, by id."""
        ...

    def put_cooperatives(self, items: Iterable[Cooperative], *, actor: str = "system") -> int:
        """Insert or replace cooperatives by id in one transaction, as :meth:`put_businesses`."""
        ...

    def get_cooperative(self, cooperative_id: str) -> Cooperative:
        """The cooperative with ``cooperative_id``; :class:`~mentorkit.NotFoundError` if none."""
        ...

    def cooperatives(self, *, district: str | None = None) -> list[Cooperative]:
        """Cooperatives, optionally of one district, by id."""
        ...

    def add_observations(self, items: Iterable[Observation], *, actor: str = "system") -> int:
        """Append observations (they are never replaced) in one transaction; returns how many.

        ``items`` may be any iterable, consumed inside the transaction (memory
        stays flat); if it raises part way, nothing is stored.
        """
        ...

    def observations(self, business_id: str) -> list[Observation]:
        """The observations of one business, in the order they were added."""
        ...

    def observations_many(self, business_ids: Iterable[str]) -> dict[str, list[Observation]]:
        """:meth:`observations` of each of ``business_ids`` (``[]`` for none), in few queries."""
        ...

    def enrol(
        self, programme_id: str, business_ids: Iterable[str], *, actor: str = "system"
    ) -> int:
        """Enrol businesses in a programme's cohort (idempotent); returns how many are new."""
        ...

    def cohort(self, programme_id: str) -> list[str]:
        """The ids of the businesses enrolled in a programme (its cohort table), sorted."""
        ...

    # --- projections
    def register_projector(self, name: str, projector: Projector) -> None:
        """Feed every future append to ``projector``, in the append's transaction."""
        ...

    def rebuild_projection(self, name: str) -> None:
        """Clear projection ``name`` and replay every stored event through its projector."""
        ...

    def projection(self, name: str, prefix: str = "") -> dict[str, Any]:
        """The rows of projection ``name`` whose key starts with ``prefix``."""
        ...

    def caseload(self, mentor_id: str) -> list[str]:
        """The case streams a mentor holds open now, sorted."""
        ...

    def referral_queue(self, unit: str) -> list[dict[str, Any]]:
        """The referrals a unit has to act on, oldest first."""
        ...

    # --- audit and personal data
    def audit(self, entity_id: str | None = None) -> list[AuditEntry]:
        """The audit trail (of one record or stream), oldest first."""
        ...

    def export_person(self, actor: HasRole, key: bytes, nik: str) -> dict[str, Any]:
        """Everything held on the person with ``nik``, as JSON-ready data (coordinators only)."""
        ...

    def correct_person(
        self, actor: HasRole, key: bytes, nik: str, changes: Mapping[str, Any]
    ) -> int:
        """Correct the person's own fields on every record that holds them; returns how many."""
        ...

    def erase_person(self, actor: HasRole, key: bytes, nik: str) -> int:
        """Remove the person's data everywhere; the audit keeps only their pseudonym."""
        ...

    def close(self) -> None:
        """Close every connection the store opened."""
        ...

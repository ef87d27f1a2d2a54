"""The SQL store: everything both backends share.

A backend supplies connections, transactions and a few dialect
expressions; this class holds every query. SQL is written with ``?``
placeholders and no other ``?`` or ``%`` characters, so the PostgreSQL
backend can rewrite the placeholders mechanically.
"""

import abc
import datetime as dt
import itertools
import os
import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from operator import itemgetter
from typing import Any, ClassVar, Generic, Protocol, TypeVar

import attrs
from attrs import frozen

from .._errors import ConflictError, NotFoundError
from .._eventlog import EventRecord, payload_texts
from .._fastobs import business_fast, observations_fast
from .._json import dumpb, dumps_stdlib, loads, loads_many
from .._model import Business, Cooperative, Mentor, Observation, Person, Programme
from .._serialize import decode, encode, encode_observation
from ._contract import AuditEntry, HasRole, Projector, pseudonym, require_coordinator
from ._migrations import Migration, MigrationError, check_steps
from ._projections import (
    CASELOAD,
    REFERRAL_QUEUE,
    caseload_projector,
    referral_queue_projector,
)

__all__ = ["ERASED", "SQLStore", "Tx", "observation_row"]

T = TypeVar("T")
C = TypeVar("C")

#: What erased personal text is replaced with ("deleted" in Indonesian and English).
ERASED = "[dihapus/erased]"

#: Person fields a correction may change.
_PERSON_FIELDS = frozenset(a.name for a in attrs.fields(Person))

#: Keys whose string values are identifiers and are never redacted.
_ID_KEYS = frozenset({"id", "business_id", "mentor_id", "cooperative_id", "programme_id"})

#: Ids per ``IN (...)`` query, and records per step of a batch write (``put_businesses``).
_CHUNK = 400
#: Rows per ``executemany`` of an observations write (the rows are taken that many at a time).
_OBSERVATION_ROWS = 4_000
#: What ``read_many(without=...)`` accepts as a path: dotted lower-case object keys.
_JSON_PATH = re.compile(r"[a-z_]+(?:\.[a-z_]+)*")

#: The first column of a row.
_first = itemgetter(0)


def observation_row(item: Observation) -> tuple[str, str]:
    """``item`` as the ``observations`` table stores it: ``(business id, JSON text)``.

    What :meth:`SQLStore.add_observations` writes for ``item``, and what
    :meth:`SQLStore.add_observation_rows` takes. The text is compact JSON
    with control characters escaped: it never holds a raw line break.
    """
    # The common case: the converter's hook, direct (a subclass goes through the dispatch).
    data = encode_observation(item) if type(item) is Observation else encode(item)
    # No float in an answer (bool, int or text): orjson writes the same text, faster; a
    # float (code can build one) keeps the standard library's NaN check.
    text = dumps_stdlib(data) if type(item.value) is float else dumpb(data).decode()
    return item.business_id, text


class Tx(Protocol):
    """A cursor inside one transaction (or one autocommit read)."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; return its rows (empty for statements without rows)."""
        ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""
        ...


@frozen
class _Kind(Generic[T]):
    """How one record type is stored: its table and its indexed columns."""

    entity: str
    table: str
    cls: type[T]
    columns: tuple[str, ...]
    values: Callable[[T], tuple[Any, ...]]
    #: A checked hand decoder of plainly valid data (None for anything else), or none.
    fast: Callable[[object, dict[str, dt.date]], T | None] | None = None


def _business_columns(b: Business) -> tuple[Any, ...]:
    return (b.district, b.sector.value, b.owner.nik)


_BUSINESS: _Kind[Business] = _Kind(
    "business",
    "businesses",
    Business,
    ("district", "sector", "owner_nik"),
    _business_columns,
    business_fast,
)
_MENTOR: _Kind[Mentor] = _Kind("mentor", "mentors", Mentor, (), lambda _m: ())
_PROGRAMME: _Kind[Programme] = _Kind("programme", "programmes", Programme, (), lambda _p: ())
_COOPERATIVE: _Kind[Cooperative] = _Kind(
    "cooperative", "cooperatives", Cooperative, ("district",), lambda c: (c.district,)
)


#: A record's row as a batch write takes it: its indexed values, JSON-ready data and its text.
_Row = tuple[tuple[Any, ...], Any, str]


def _ident(item: Any) -> str:
    """The id of a stored record (every stored kind has one)."""
    ident: str = item.id
    return ident


def _checked(kind: _Kind[T], items: Iterable[T]) -> Iterator[T]:
    """``items``, each checked to be a ``kind`` (TypeError naming the item otherwise)."""
    for index, item in enumerate(items):
        if not isinstance(item, kind.cls):
            raise TypeError(
                f"{kind.entity} batch item {index} is a {type(item).__name__},"
                f" not a {kind.cls.__name__}"
            )
        yield item


def _encoded_row(kind: _Kind[T], item: T) -> _Row:
    """``item``'s row: its indexed values, its JSON-ready data and that data's text."""
    data = encode(item)
    return kind.values(item), data, dumps_stdlib(data)


def _encoded(kind: _Kind[T], items: Mapping[str, T]) -> dict[str, _Row]:
    """The rows of ``items`` (by id), as :meth:`SQLStore._put_rows` takes them."""
    return {ident: _encoded_row(kind, item) for ident, item in items.items()}


class _Again(Exception):  # noqa: N818  # not an error: a signal inside one method
    """A batch write met an id of an earlier step: what it wrote, and the step's records."""

    def __init__(self, rows: dict[str, _Row], pending: Mapping[str, Any]) -> None:
        super().__init__()
        self.rows = rows
        self.pending = pending


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    """Nested mappings as ``{"owner.phone": value}``; lists stay whole."""
    if isinstance(data, Mapping) and data:
        flat: dict[str, Any] = {}
        for key, value in data.items():
            flat.update(_flatten(value, f"{prefix}{key}."))
        return flat
    return {prefix[:-1]: data}


def _changed_fields(old: Any, new: Any) -> tuple[str, ...]:
    """Dotted paths of the fields that differ between two JSON-ready records."""
    before = _flatten(old) if old is not None else {}
    after = _flatten(new)
    return tuple(sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k)))


def _redactor(nik: str, phones: Sequence[str], names: Sequence[str]) -> Callable[[Any], Any]:
    """A function removing one person from JSON-ready data.

    A person-shaped object holding ``nik`` becomes an erased person (name
    :data:`ERASED`, other fields null) and the address beside it is
    dropped; a ``nik`` or ``phone`` field holding theirs becomes null; in
    free text their NIK and phone numbers, and their name as a whole word,
    become :data:`ERASED`. Identifier fields are left alone.
    """
    parts = [re.escape(t) for t in (nik, *phones) if t]
    parts += [rf"\b{re.escape(w)}\b" for w in names if w.strip()]
    pattern = re.compile("|".join(parts), re.IGNORECASE)
    secrets = {nik, *phones}

    def erased_person(person: Mapping[str, Any]) -> dict[str, Any]:
        return {k: (ERASED if k == "name" else None) for k in person}

    def redact(data: Any, key: str | None = None) -> Any:
        if isinstance(data, str):
            if key in _ID_KEYS:
                return data
            if key in ("nik", "phone") and data in secrets:
                return None
            return pattern.sub(ERASED, data)
        if isinstance(data, list):
            return [redact(v, key) for v in data]
        if not isinstance(data, Mapping):
            return data
        if data.get("nik") == nik:
            return erased_person(data)
        out = {k: redact(v, k) for k, v in data.items()}
        owner = data.get("owner")
        if isinstance(owner, Mapping) and owner.get("nik") == nik and "address" in out:
            out["address"] = None
        return out

    return redact


def _mentions(data: Any, nik: str, ids: frozenset[str], key: str | None = None) -> bool:
    """True when JSON-ready ``data`` holds the person's NIK or refers to one of ``ids``."""
    if isinstance(data, Mapping):
        if data.get("nik") == nik:
            return True
        if key == "business" and data.get("id") in ids:
            return True
        return any(_mentions(v, nik, ids, k) for k, v in data.items())
    if isinstance(data, list):
        return any(_mentions(v, nik, ids, key) for v in data)
    return isinstance(data, str) and key == "business_id" and data in ids


def _opens_for(data: Mapping[str, Any], ids: frozenset[str]) -> bool:
    """True when an event's payload carries one of the businesses itself (a case opening)."""
    held = data.get("business")
    return isinstance(held, Mapping) and held.get("id") in ids


class _View:
    """A :class:`ProjectionView` of one projection inside one transaction."""

    def __init__(self, store: "SQLStore[Any]", tx: Tx, name: str) -> None:
        self._store = store
        self._tx = tx
        self._name = name

    def get(self, key: str) -> Any | None:
        rows = self._tx.execute(
            f"SELECT {self._store._json_out('value')} FROM projections WHERE name = ? AND key = ?",
            (self._name, key),
        )
        return loads(rows[0][0]) if rows else None

    def put(self, key: str, value: Any) -> None:
        self._tx.execute(
            "INSERT INTO projections (name, key, value) VALUES (?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET value = excluded.value",
            (self._name, key, dumps_stdlib(value)),
        )

    def delete(self, key: str) -> None:
        self._tx.execute("DELETE FROM projections WHERE name = ? AND key = ?", (self._name, key))

    def keys(self, prefix: str = "") -> list[str]:
        where, params = self._store._starts_with("key", prefix)
        rows = self._tx.execute(
            f"SELECT key FROM projections WHERE name = ? AND {where}", (self._name, *params)
        )
        return sorted(r[0] for r in rows)


def _in_chunks(ids: Sequence[str]) -> Iterator[tuple[list[str], str]]:
    """``ids`` in slices of :data:`_CHUNK`, each with its placeholders (``?, ?, ...``)."""
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        yield chunk, ", ".join("?" * len(chunk))


class SQLStore(abc.ABC, Generic[C]):
    """The shared implementation of :class:`~mentorkit.store.Repository` over SQL.

    Subclasses give connections (one per thread, reopened after a fork),
    transactions and dialect details.
    """

    #: The migration steps of this backend's schema.
    MIGRATIONS: ClassVar[tuple[Migration, ...]] = ()

    def __init__(self) -> None:
        self._local = threading.local()
        self._all: list[C] = []
        self._all_lock = threading.Lock()
        self._projectors: dict[str, Projector] = {
            CASELOAD: caseload_projector,
            REFERRAL_QUEUE: referral_queue_projector,
        }
        self._closed = False
        self._dates: dict[str, dt.date] = {}  # parsed observation dates; bounded, see _fastobs

    # ------------------------------------------------------------------ backend hooks

    @abc.abstractmethod
    def _connect(self) -> C:
        """Open one new connection, configured."""

    @abc.abstractmethod
    def _close_connection(self, conn: C) -> None:
        """Close one connection, ignoring errors."""

    @abc.abstractmethod
    def _write_tx(self, conn: C) -> AbstractContextManager[Tx]:
        """One write transaction on ``conn``: commit on success, roll back on error."""

    @abc.abstractmethod
    def _read_tx(self, conn: C) -> AbstractContextManager[Tx]:
        """One read on ``conn`` (autocommit statements or a read transaction)."""

    @abc.abstractmethod
    def _is_unique_violation(self, exc: BaseException) -> bool:
        """True when ``exc`` is a UNIQUE / PRIMARY KEY violation."""

    @abc.abstractmethod
    def _lock_schema(self, tx: Tx) -> None:
        """Serialise concurrent migrators (inside the step's transaction)."""

    @abc.abstractmethod
    def _encode_at(self, at: dt.datetime) -> Any:
        """A timestamp as the driver takes it."""

    @abc.abstractmethod
    def _decode_at(self, value: Any) -> dt.datetime:
        """A timestamp as the driver returns it, as an aware UTC datetime."""

    @abc.abstractmethod
    def _json_out(self, column: str) -> str:
        """SQL for a JSON column read back as text."""

    @abc.abstractmethod
    def _json_without(self, column: str, paths: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """SQL (and its parameters) for a JSON column read back as text without ``paths``.

        Each path is dotted object keys (``assessment.criteria``), checked by the caller.
        """

    @abc.abstractmethod
    def _json_values(self, column: str, paths: Sequence[str]) -> tuple[str, tuple[Any, ...]]:
        """SQL (and its parameters) for the values at ``paths`` in a JSON column, as text.

        The text is a JSON array that starts with one item per path (at least
        one, checked by the caller, as for :meth:`_json_without`): the value
        there as it is written in the column (its text kept, never re-encoded),
        or ``null`` where the path is not there. For a single path a dialect may
        give it twice; :meth:`read_values` keeps the first.
        """

    @abc.abstractmethod
    def _starts_with(self, column: str, prefix: str) -> tuple[str, tuple[Any, ...]]:
        """SQL condition (and its parameters) for ``column`` starting with ``prefix``."""

    @abc.abstractmethod
    def _contains(self, column: str, text: str) -> tuple[str, tuple[Any, ...]]:
        """SQL condition (and its parameters) for the text of ``column`` containing ``text``."""

    def _for_update(self) -> str:
        """SQL suffix locking selected rows (none needed where writers are serialised)."""
        return ""

    def _usable(self, conn: C) -> bool:
        """False when ``conn`` is closed or broken (the thread then reconnects)."""
        return True

    def _after_erase(self) -> None:
        """Hook run after an erasure commits (SQLite purges its write-ahead log)."""

    # ------------------------------------------------------------------ connections

    def _conn(self) -> C:
        if self._closed:
            raise RuntimeError("the store is closed")
        local = self._local
        conn: C | None = getattr(local, "conn", None)
        if (
            conn is None
            or getattr(local, "pid", None) != os.getpid()
            or not (getattr(local, "in_tx", False) or self._usable(conn))
        ):
            conn = self._connect()
            local.conn = conn
            local.pid = os.getpid()
            with self._all_lock:
                self._all.append(conn)
        return conn

    def _write(self) -> AbstractContextManager[Tx]:
        if getattr(self._local, "in_tx", False):
            raise RuntimeError("nested write transaction on one thread")
        return self._guarded(self._write_tx(self._conn()))

    def _read(self) -> AbstractContextManager[Tx]:
        return self._read_tx(self._conn())

    class _Guard:
        def __init__(self, local: threading.local, inner: AbstractContextManager[Tx]) -> None:
            self._local = local
            self._inner = inner

        def __enter__(self) -> Tx:
            self._local.in_tx = True
            try:
                return self._inner.__enter__()
            except BaseException:
                self._local.in_tx = False
                raise

        def __exit__(self, *exc: Any) -> bool | None:
            try:
                return self._inner.__exit__(*exc)
            finally:
                self._local.in_tx = False

    def _guarded(self, inner: AbstractContextManager[Tx]) -> AbstractContextManager[Tx]:
        return SQLStore._Guard(self._local, inner)

    def close(self) -> None:
        """Close every connection the store opened (from any thread)."""
        self._closed = True
        with self._all_lock:
            conns, self._all = self._all, []
        for conn in conns:
            self._close_connection(conn)

    def __enter__(self) -> "SQLStore[C]":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ migrations

    def schema_version(self) -> int:
        """The schema version of the database (0 before the first migration)."""
        with self._read() as tx:
            return self._current_version(tx)

    def _current_version(self, tx: Tx) -> int:
        rows = tx.execute("SELECT version FROM schema_version")
        return int(rows[0][0]) if rows else 0

    def migrate(self, steps: Sequence[Migration] | None = None) -> int:
        """Bring the schema up to date; each step in one transaction with its version bump.

        ``steps`` defaults to this backend's :attr:`MIGRATIONS`. A failing
        step raises :class:`MigrationError` and leaves schema and version as
        they were. Returns the version reached.
        """
        steps = self.MIGRATIONS if steps is None else tuple(steps)
        check_steps(steps)
        with self._write() as tx:
            self._lock_schema(tx)
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            if not tx.execute("SELECT version FROM schema_version"):
                tx.execute("INSERT INTO schema_version (version) VALUES (0)")
        for step in steps:
            try:
                with self._write() as tx:
                    self._lock_schema(tx)
                    current = self._current_version(tx)
                    if current >= step.version:
                        continue
                    for statement in step.statements:
                        tx.execute(statement)
                    tx.execute("UPDATE schema_version SET version = ?", (step.version,))
            except Exception as exc:
                raise MigrationError(
                    f"migration {step.version} ({step.description}) failed and was rolled back:"
                    f" {type(exc).__name__}: {exc}"
                ) from exc
        reached = self.schema_version()
        if reached > len(steps):
            raise MigrationError(
                f"the database is at schema version {reached}, newer than this mentorkit"
                f" knows ({len(steps)}): upgrade mentorkit"
            )
        return reached

    # ------------------------------------------------------------------ audit

    def _audit(
        self,
        tx: Tx,
        rows: Iterable[tuple[str, str, str, str, str | None, Sequence[str]]],
        *,
        at: Any = None,
    ) -> None:
        """Write audit rows ``(actor, action, entity, entity_id, subject, fields)``.

        ``at`` is their time as :meth:`_encode_at` gives it (now when None): a
        write made of several steps gives its rows one time.
        """
        if at is None:
            at = self._encode_at(dt.datetime.now(dt.UTC))
        tx.executemany(
            "INSERT INTO audit (at, actor, action, entity, entity_id, subject, fields)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (at, a, act, ent, eid, subj, dumps_stdlib(list(f)))
                for a, act, ent, eid, subj, f in rows
            ],
        )

    def audit(self, entity_id: str | None = None) -> list[AuditEntry]:
        """The audit trail, oldest first; only the rows of ``entity_id`` when given."""
        sql = (
            "SELECT seq, at, actor, action, entity, entity_id, subject,"
            f" {self._json_out('fields')} FROM audit"
        )
        params: tuple[Any, ...] = ()
        if entity_id is not None:
            sql += " WHERE entity_id = ?"
            params = (entity_id,)
        with self._read() as tx:
            rows = tx.execute(sql + " ORDER BY seq", params)
        return [
            AuditEntry(
                seq=int(r[0]),
                at=self._decode_at(r[1]),
                actor=r[2],
                action=r[3],
                entity=r[4],
                entity_id=r[5],
                subject=r[6],
                fields=tuple(loads(r[7])),
            )
            for r in rows
        ]

    # ------------------------------------------------------------------ records

    def _fetch(
        self, tx: Tx, kind: _Kind[Any], ids: Sequence[str], *, lock: bool = False
    ) -> dict[str, Any]:
        """The stored JSON of ``ids``; ``lock`` also locks the rows until the transaction ends."""
        found: dict[str, Any] = {}
        suffix = self._for_update() if lock else ""
        for chunk, marks in _in_chunks(ids):
            for ident, data in tx.execute(
                f"SELECT id, {self._json_out('data')} FROM {kind.table}"
                f" WHERE id IN ({marks}){suffix}",
                chunk,
            ):
                found[ident] = loads(data)
        return found

    def _present(self, tx: Tx, kind: _Kind[Any], ids: Sequence[str]) -> set[str]:
        """Those of ``ids`` that are stored (ids only: no record is read)."""
        found: set[str] = set()
        for chunk, marks in _in_chunks(ids):
            found.update(
                row[0]
                for row in tx.execute(f"SELECT id FROM {kind.table} WHERE id IN ({marks})", chunk)
            )
        return found

    def _put(self, kind: _Kind[T], items: Iterable[T], actor: str) -> int:
        """Insert or replace ``items`` by id in one transaction with their audit rows.

        ``items`` is consumed inside the transaction, :data:`_CHUNK` records
        at a time (each step reads the stored rows it replaces, writes its
        rows and their audit rows), so memory stays flat whatever its length;
        if it raises part way, nothing is stored. The outcome is the one of
        writing the whole batch at once: an id given twice is stored once,
        with its last record, in the place of its first, and audited once
        against what was stored before the call. Returns how many ids.
        """
        checked = _checked(kind, items)
        chunk = list(itertools.islice(checked, _CHUNK))
        if not chunk:
            return 0
        written: dict[str, None] = {}  # the ids written so far, in order (ids only)
        try:
            with self._write() as tx:
                at = self._encode_at(dt.datetime.now(dt.UTC))  # one time for the whole write
                while chunk:
                    latest = {_ident(item): item for item in chunk}
                    if not written.keys().isdisjoint(latest):
                        # An id of an earlier step: write the batch again, held whole.
                        raise _Again(self._stored_rows(tx, kind, list(written)), latest)
                    self._put_rows(tx, kind, _encoded(kind, latest), actor, at)
                    written.update(dict.fromkeys(latest))
                    chunk = list(itertools.islice(checked, _CHUNK))
        except _Again as again:
            # Rare (a caller's batch with an id given twice, far apart): the steps were rolled
            # back; what they wrote, read back, and the rest of the batch make one write.
            rows = again.rows
            for item in itertools.chain(again.pending.values(), checked):
                rows[_ident(item)] = _encoded_row(kind, item)
            with self._write() as tx:
                self._put_rows(tx, kind, rows, actor, self._encode_at(dt.datetime.now(dt.UTC)))
            return len(rows)
        return len(written)

    def _put_rows(
        self,
        tx: Tx,
        kind: _Kind[Any],
        rows: Mapping[str, _Row],
        actor: str,
        at: Any,
    ) -> None:
        """Upsert ``rows`` (``id: (indexed values, JSON-ready data, its text)``) and audit them.

        Each row is audited as created or updated, with the names of the
        fields that changed against the stored row; an unchanged row is not.
        """
        columns = ("id", *kind.columns, "data")
        marks = ", ".join("?" * len(columns))
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        old = self._fetch(tx, kind, list(rows), lock=True)
        tx.executemany(
            f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({marks})"
            f" ON CONFLICT (id) DO UPDATE SET {updates}",
            [(ident, *values, text) for ident, (values, _data, text) in rows.items()],
        )
        self._audit(
            tx,
            (
                (
                    actor,
                    "update" if ident in old else "create",
                    kind.entity,
                    ident,
                    None,
                    _changed_fields(old.get(ident), data),
                )
                for ident, (_values, data, _text) in rows.items()
                if old.get(ident) != data
            ),
            at=at,
        )

    def _stored_rows(self, tx: Tx, kind: _Kind[Any], ids: Sequence[str]) -> dict[str, _Row]:
        """The stored rows of ``ids`` as :meth:`_put_rows` takes them, in the order of ``ids``."""
        found: dict[str, _Row] = {}
        columns = ", ".join(("id", *kind.columns, self._json_out("data")))
        for chunk, marks in _in_chunks(ids):
            for row in tx.execute(
                f"SELECT {columns} FROM {kind.table} WHERE id IN ({marks})", chunk
            ):
                found[row[0]] = (tuple(row[1:-1]), loads(row[-1]), row[-1])
        return {ident: found[ident] for ident in ids}

    def _get(self, kind: _Kind[T], ident: str) -> T:
        with self._read() as tx:
            found = self._fetch(tx, kind, [ident])
        if ident not in found:
            raise NotFoundError(f"no {kind.entity} with id {ident!r}")
        return self._decoded(kind, found[ident])

    def _decoded(self, kind: _Kind[T], item: Any) -> T:
        """``decode(item, kind.cls)``, by the kind's hand decoder when the data is plainly valid."""
        if kind.fast is not None:
            fast = kind.fast(item, self._dates)
            if fast is not None:
                return fast
        return decode(item, kind.cls)

    def _list(self, kind: _Kind[T], where: Mapping[str, str | None]) -> list[T]:
        conditions = [f"{column} = ?" for column, value in where.items() if value is not None]
        params = [value for value in where.values() if value is not None]
        sql = f"SELECT id, {self._json_out('data')} FROM {kind.table}"
        if conditions:
            sql += " WHERE " + " AND ".join(conditions)
        with self._read() as tx:
            rows = tx.execute(sql, params)
        items = loads_many([data for _id, data in sorted(rows)])
        return [self._decoded(kind, item) for item in items]

    def put_businesses(self, items: Iterable[Business], *, actor: str = "system") -> int:
        """Insert or replace businesses by id, all in one transaction; returns how many ids.

        ``items`` may be any iterable, a generator or a
        :class:`~mentorkit.io.ImportStream` included: it is consumed inside the
        transaction, a few hundred records at a time, so memory stays flat
        whatever its length. If it raises part way, nothing is stored. An id
        given twice is stored once, with its last record, in the place of its
        first, and audited once (against what was stored before).
        """
        return self._put(_BUSINESS, items, actor)

    def get_business(self, business_id: str) -> Business:
        """The business with ``business_id``; :class:`~mentorkit.NotFoundError` if none."""
        return self._get(_BUSINESS, business_id)

    def businesses(
        self, *, district: str | None = None, sector: str | None = None
    ) -> list[Business]:
        """Businesses, optionally of one district (kecamatan) and/or sector, by id."""
        return self._list(_BUSINESS, {"district": district, "sector": sector})

    def business_ids(self) -> list[str]:
        """The id of every business, sorted; nothing is decoded (cheap on a large store)."""
        with self._read() as tx:
            return sorted(row[0] for row in tx.execute("SELECT id FROM businesses"))

    def businesses_many(self, business_ids: Iterable[str]) -> dict[str, Business]:
        """The businesses ``business_ids``, keyed by id in the order given, in few queries.

        What :meth:`get_business` gives for each, read :data:`_CHUNK` ids per
        query (an id given twice appears once); an unknown id raises
        :class:`~mentorkit.NotFoundError` naming it, and a damaged row the
        same :class:`~mentorkit.DecodeError` as :meth:`get_business`, by
        field path. For work on part of a large store (``mentorkit assess
        --workers`` opens each chunk's cases from it) without reading every
        business.
        """
        wanted = list(dict.fromkeys(business_ids))
        with self._read() as tx:
            found = self._fetch(tx, _BUSINESS, wanted)
        for ident in wanted:
            if ident not in found:
                raise NotFoundError(f"no business with id {ident!r}")
        return {ident: self._decoded(_BUSINESS, found[ident]) for ident in wanted}

    def put_mentors(self, items: Iterable[Mentor], *, actor: str = "system") -> int:
        """Insert or replace mentors by id in one transaction, as :meth:`put_businesses`."""
        return self._put(_MENTOR, items, actor)

    def get_mentor(self, mentor_id: str) -> Mentor:
        """The mentor with ``mentor_id``; :class:`~mentorkit.NotFoundError` if none."""
        return self._get(_MENTOR, mentor_id)

    def mentors(self) -> list[Mentor]:
        """Every mentor, by id."""
        return self._list(_MENTOR, {})

    def put_programmes(self, items: Iterable[Programme], *, actor: str = "system") -> int:
        """Insert or replace programmes by id in one transaction, as :meth:`put_businesses`."""
        return self._put(_PROGRAMME, items, actor)

    def get_programme(self, programme_id: str) -> Programme:
        """The programme with ``programme_id``; :class:`~mentorkit.NotFoundError` if none."""
        return self._get(_PROGRAMME, programme_id)

    def programmes(self) -> list[Programme]:
        """Every programme, by id."""
        return self._list(_PROGRAMME, {})

    def put_cooperatives(self, items: Iterable[Cooperative], *, actor: str = "system") -> int:
        """Insert or replace cooperatives by id in one transaction, as :meth:`put_businesses`."""
        return self._put(_COOPERATIVE, items, actor)

    def get_cooperative(self, cooperative_id: str) -> Cooperative:
        """The cooperative with ``cooperative_id``; :class:`~mentorkit.NotFoundError` if none."""
        return self._get(_COOPERATIVE, cooperative_id)

    def cooperatives(self, *, district: str | None = None) -> list[Cooperative]:
        """Cooperatives, optionally of one district, by id."""
        return self._list(_COOPERATIVE, {"district": district})

    def add_observations(self, items: Iterable[Observation], *, actor: str = "system") -> int:
        """Append observations (never replaced) in one transaction; returns how many.

        ``items`` may be any iterable, a generator or a
        :class:`~mentorkit.io.ImportStream` included: it is consumed inside the
        transaction, one observation at a time, so memory stays flat whatever
        its length. If it raises part way, nothing is stored.
        """

        def rows() -> Iterator[tuple[str, str]]:
            for index, item in enumerate(items):
                if not isinstance(item, Observation):
                    raise TypeError(
                        f"observation batch item {index} is a {type(item).__name__},"
                        " not an Observation"
                    )
                yield observation_row(item)

        return self.add_observation_rows(rows(), actor=actor)

    def add_observation_rows(
        self, rows: Iterable[tuple[str, str]], *, actor: str = "system"
    ) -> int:
        """:meth:`add_observations` of observations already encoded: ``(business id, JSON text)``.

        Each row must be what :func:`observation_row` gives for an
        observation (the rows are stored as given, not checked again): the
        stored rows and audit rows are then those :meth:`add_observations`
        stores for the observations. For a process that encodes in one place
        and writes in another (``mentorkit import --workers``: a worker reads
        and encodes, the command's process writes). ``rows`` is consumed
        inside the transaction a few thousand at a time; if it raises part
        way, nothing is stored. Returns how many rows.
        """
        iterator = iter(rows)
        chunk = list(itertools.islice(iterator, _OBSERVATION_ROWS))
        if not chunk:
            return 0
        businesses: set[str] = set()
        count = 0
        with self._write() as tx:
            while chunk:
                tx.executemany("INSERT INTO observations (business_id, data) VALUES (?, ?)", chunk)
                businesses.update(map(_first, chunk))
                count += len(chunk)
                chunk = list(itertools.islice(iterator, _OBSERVATION_ROWS))
            self._audit(
                tx,
                (
                    (actor, "create", "observation", business_id, None, ("observations",))
                    for business_id in sorted(businesses)
                ),
            )
        return count

    def observations(self, business_id: str) -> list[Observation]:
        """The observations of one business, in the order they were added."""
        with self._read() as tx:
            rows = tx.execute(
                f"SELECT {self._json_out('data')} FROM observations WHERE business_id = ?"
                " ORDER BY seq",
                (business_id,),
            )
            items = loads_many([r[0] for r in rows])
        fast = observations_fast(items, self._dates)
        if fast is not None:  # every row plainly valid, checked field by field
            return list(fast)
        return [decode(item, Observation) for item in items]  # exact errors, by field path

    def observations_many(self, business_ids: Iterable[str]) -> dict[str, list[Observation]]:
        """The observations of each of ``business_ids``, read a few hundred businesses per query.

        What :meth:`observations` gives for each business, keyed by id in the
        order given (a business without observations maps to ``[]``; an id
        given twice appears once): one query per :data:`_CHUNK` businesses
        instead of one per business. Rows are decoded business by business,
        each exactly as :meth:`observations` decodes them, so a damaged row
        raises the same :class:`~mentorkit.DecodeError`, by field path.
        """
        wanted = list(dict.fromkeys(business_ids))
        found: dict[str, list[Observation]] = {ident: [] for ident in wanted}
        data = self._json_out("data")
        for chunk, marks in _in_chunks(wanted):
            with self._read() as tx:
                rows = tx.execute(
                    f"SELECT business_id, {data} FROM observations"
                    f" WHERE business_id IN ({marks}) ORDER BY business_id, seq",
                    chunk,
                )
            # Decoded business by business as the rows come, while they are hot in the cache
            # (holding a chunk's JSON before decoding any made this slower than a query each).
            for ident, group in itertools.groupby(rows, _first):
                items = loads_many([row[1] for row in group])
                fast = observations_fast(items, self._dates)
                if fast is not None:  # every row plainly valid, checked field by field
                    found[ident] = list(fast)
                else:  # exact errors, by field path
                    found[ident] = [decode(item, Observation) for item in items]
        return found

    def enrol(
        self, programme_id: str, business_ids: Iterable[str], *, actor: str = "system"
    ) -> int:
        """Enrol businesses in a programme's cohort (idempotent); returns how many are new.

        The programme and the businesses must exist
        (:class:`~mentorkit.NotFoundError` otherwise; nothing is enrolled).
        """
        wanted = sorted(set(business_ids))
        with self._write() as tx:
            if not self._fetch(tx, _PROGRAMME, [programme_id]):
                raise NotFoundError(f"no programme with id {programme_id!r}")
            known = self._present(tx, _BUSINESS, wanted)
            unknown = [b for b in wanted if b not in known]
            if unknown:
                raise NotFoundError(f"no business with id {unknown[0]!r} (cannot enrol)")
            present = {r[0] for r in tx.execute(
                "SELECT business_id FROM cohorts WHERE programme_id = ?", (programme_id,)
            )}  # fmt: skip
            new = [b for b in wanted if b not in present]
            tx.executemany(
                "INSERT INTO cohorts (programme_id, business_id) VALUES (?, ?)",
                [(programme_id, b) for b in new],
            )
            if new:
                self._audit(tx, [(actor, "enrol", "programme", programme_id, None, ("cohort",))])
        return len(new)

    def cohort(self, programme_id: str) -> list[str]:
        """The ids of the businesses enrolled in a programme (its cohort table), sorted."""
        with self._read() as tx:
            rows = tx.execute(
                "SELECT business_id FROM cohorts WHERE programme_id = ?", (programme_id,)
            )
        return sorted(r[0] for r in rows)

    # ------------------------------------------------------------------ events

    def _event_row(self, event: EventRecord, text: str | None = None) -> tuple[Any, ...]:
        """The row of ``event``; ``text`` is its payload's JSON when already known.

        ``text`` comes from the case service's :class:`~mentorkit._eventlog.EncodedRecords`
        and is exactly ``dumps_stdlib(event.data)``; without it the payload is encoded here
        (the standard library refuses NaN and infinity, so nothing is half stored).
        """
        if event.at.tzinfo is None or event.at.utcoffset() is None:
            raise ValueError(
                f"event {event.version} of stream {event.stream!r}: 'at' must be timezone-aware"
            )
        return (
            event.stream,
            event.version,
            event.kind,
            event.actor,
            self._encode_at(event.at),
            dumps_stdlib(dict(event.data)) if text is None else text,
        )

    def _to_event(self, row: Sequence[Any]) -> EventRecord:
        """The record of an ``events`` row; a NULL payload is one ``read_many`` left out."""
        return EventRecord(
            stream=row[0],
            version=int(row[1]),
            kind=row[2],
            actor=row[3],
            at=self._decode_at(row[4]),
            data={} if row[5] is None else loads(row[5]),
        )

    def _to_events(self, rows: Sequence[Sequence[Any]]) -> list[EventRecord]:
        """:meth:`_to_event` of each row, their payloads read together (:func:`loads_many`)."""
        datas = iter(loads_many([row[5] for row in rows if row[5] is not None]))
        decode_at = self._decode_at
        return [
            EventRecord(
                stream=row[0],
                version=int(row[1]),
                kind=row[2],
                actor=row[3],
                at=decode_at(row[4]),
                data={} if row[5] is None else next(datas),
            )
            for row in rows
        ]

    def _event_columns(self) -> str:
        return f"stream, version, kind, actor, at, {self._json_out('data')}"

    def append(self, stream: str, expected_version: int, events: Sequence[EventRecord]) -> int:
        """Append ``events`` to ``stream`` if it is at ``expected_version`` (atomic).

        Raises :class:`~mentorkit.ConflictError` when someone else wrote
        first. Registered projectors run inside the same transaction, and an
        audit row is written with it.
        """
        return self.append_many([(stream, expected_version, events)])[0]

    def append_many(self, batches: Iterable[tuple[str, int, Sequence[EventRecord]]]) -> list[int]:
        """Append to many streams in ONE transaction: all or nothing.

        Each batch is ``(stream, expected_version, events)`` with the same
        rules as :meth:`append`; a stream may appear once only. When any
        stream is not at its expected version,
        :class:`~mentorkit.ConflictError` is raised and nothing at all is
        stored. Projectors and audit rows run inside the same transaction.
        Returns each stream's new version, in the order given. Bulk work
        (opening or assessing a whole cohort) pays for one commit instead of
        one per case.
        """
        checked: list[tuple[str, int, list[EventRecord]]] = []
        texts: list[str | None] = []
        seen: set[str] = set()
        for stream, expected_version, given in batches:
            if stream in seen:
                raise ValueError(f"stream {stream!r} appears twice in one append_many")
            seen.add(stream)
            events = list(given)
            for offset, event in enumerate(events, start=1):
                if event.stream != stream or event.version != expected_version + offset:
                    raise ValueError(
                        f"event {offset} must be version {expected_version + offset}"
                        f" of stream {stream!r}"
                    )
            checked.append((stream, expected_version, events))
            # The case service's records come with their payload text (EncodedRecords).
            texts.extend(payload_texts(events, given))
        rows = [
            self._event_row(e, t)
            for e, t in zip((e for _, _, events in checked for e in events), texts, strict=True)
        ]
        projectors = list(self._projectors.items())
        with self._write() as tx:
            versions = self._stream_versions(tx, (stream for stream, _, _ in checked))
            for stream, expected_version, _ in checked:
                current = versions[stream]
                if current != expected_version:
                    raise ConflictError(
                        f"stream {stream!r} is at version {current},"
                        f" the write expected {expected_version}"
                    )
            if not rows:
                return [expected for _, expected, _ in checked]
            try:
                tx.executemany(
                    "INSERT INTO events (stream, version, kind, actor, at, data)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    rows,
                )
            except Exception as exc:
                if self._is_unique_violation(exc):
                    raise ConflictError(
                        "; ".join(
                            f"stream {stream!r} moved on while writing:"
                            f" the write expected version {expected}"
                            for stream, expected, _ in checked
                        )
                    ) from None
                raise
            audit = []
            for stream, _, events in checked:
                if not events:
                    continue
                for event in events:
                    for name, projector in projectors:
                        projector(event, _View(self, tx, name))
                kinds = tuple(sorted({e.kind for e in events}))
                audit.append((events[-1].actor, "append", "stream", stream, None, kinds))
            if audit:
                self._audit(tx, audit)
        return [expected + len(events) for _, expected, events in checked]

    def _stream_version(self, tx: Tx, stream: str) -> int:
        rows = tx.execute("SELECT MAX(version) FROM events WHERE stream = ?", (stream,))
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0

    def read(self, stream: str, after: int = 0) -> list[EventRecord]:
        """The events of ``stream`` with version above ``after``, oldest first."""
        with self._read() as tx:
            rows = tx.execute(
                f"SELECT {self._event_columns()} FROM events WHERE stream = ? AND version > ?"
                " ORDER BY version",
                (stream, after),
            )
        return self._to_events(rows)

    def read_many(
        self,
        streams: Sequence[str],
        *,
        bare_kinds: Collection[str] = (),
        without: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, list[EventRecord]]:
        """The events of each of ``streams``, oldest first, read a few hundred streams per query.

        What :meth:`read` gives for each stream (streams without events are
        left out), for scans over a whole cohort: one query per
        :data:`_CHUNK` streams instead of one per stream. Events of a kind in
        ``bare_kinds`` come without their payload (``data`` is empty): their
        stream, version, kind, actor and time only, for readers that do not
        need them and should not pay for decoding them (the case scans
        leave out observations this way). ``without`` maps an event kind to
        dotted paths of object keys (``"assessment.criteria"``) that the
        database leaves out of those payloads before they are read (the
        cohort report leaves out the traces of decisions this way); a path
        that is not there is no error. Raises ValueError for a path that is
        not plain lower-case keys.
        """
        found: dict[str, list[EventRecord]] = {}
        kinds = tuple(sorted(bare_kinds))
        data = self._json_out("data")
        cases: list[str] = []
        params: list[Any] = []
        if kinds:
            cases.append(f"WHEN kind IN ({', '.join('?' * len(kinds))}) THEN NULL")
            params.extend(kinds)
        for kind, paths in sorted((without or {}).items()):
            if kind in kinds or not paths:
                continue
            for path in paths:
                if not _JSON_PATH.fullmatch(path):
                    raise ValueError(f"{path!r} is not a dotted path of lower-case keys")
            trimmed, trim_params = self._json_without("data", list(paths))
            cases.append(f"WHEN kind = ? THEN {trimmed}")
            params.extend((kind, *trim_params))
        payload = f"CASE {' '.join(cases)} ELSE {data} END" if cases else data
        for chunk, marks in _in_chunks(streams):
            with self._read() as tx:
                rows = tx.execute(
                    f"SELECT stream, version, kind, actor, at, {payload} FROM events"
                    f" WHERE stream IN ({marks}) ORDER BY stream, version",
                    (*params, *chunk),
                )
            # Each stream's payloads read at once (loads_many: one long-digit scan for them).
            for stream, group in itertools.groupby(rows, _first):
                found[stream] = self._to_events(list(group))
        return found

    def read_values(
        self, streams: Sequence[str], paths: Mapping[str, Sequence[str]]
    ) -> dict[str, list[tuple[str, list[Any] | None]]]:
        """The kind of each event of ``streams`` and, for some kinds, a few values of its payload.

        For each of ``streams`` that has events, its events oldest first, each
        as ``(kind, values)``: for a kind in ``paths``, ``values`` lists the
        payload's value at each of ``paths[kind]`` (dotted paths of object
        keys, as for :meth:`read_many`'s ``without``), in that order, read as
        :func:`~mentorkit._json.loads` reads the payload, None where the path
        is not there (or holds null); for any other kind ``values`` is None
        and its payload is not read at all (SQLite does not even load a large
        one's overflow pages). The database picks the values out, so a reader
        that needs a handful of fields of large payloads -- the cohort report
        -- never receives, nor decodes, the rest. A few hundred streams per
        query, as :meth:`read_many`. Where a payload holds a key twice, the
        value is the first one's in SQLite and the last one's in PostgreSQL
        (and in a full read); the stores never write such payloads.

        Raises ValueError for a kind with no path, or a path that is not
        plain lower-case keys.
        """
        found: dict[str, list[tuple[str, list[Any] | None]]] = {}
        cases: list[str] = []
        params: list[Any] = []
        single: set[str] = set()  # kinds of one path (a dialect may give it twice)
        for kind, wanted in sorted(paths.items()):
            wanted = list(wanted)
            if not wanted:
                raise ValueError(f"no path to read for kind {kind!r}")
            for path in wanted:
                if not _JSON_PATH.fullmatch(path):
                    raise ValueError(f"{path!r} is not a dotted path of lower-case keys")
            expression, more = self._json_values("data", wanted)
            cases.append(f"WHEN kind = ? THEN {expression}")
            params.extend((kind, *more))
            if len(wanted) == 1:
                single.add(kind)
        payload = f"CASE {' '.join(cases)} ELSE NULL END" if cases else "NULL"
        for chunk, marks in _in_chunks(streams):
            with self._read() as tx:
                rows = tx.execute(
                    f"SELECT stream, kind, {payload} FROM events"
                    f" WHERE stream IN ({marks}) ORDER BY stream, version",
                    (*params, *chunk),
                )
            values = iter(loads_many([row[2] for row in rows if row[2] is not None]))
            held = None
            events: list[tuple[str, list[Any] | None]] = []
            for stream, kind, text in rows:  # a plain loop: the hot path of the cohort report
                if stream != held:
                    held = stream
                    events = found[stream] = []
                if text is None:
                    events.append((kind, None))
                elif kind in single:
                    events.append((kind, next(values)[:1]))
                else:
                    events.append((kind, next(values)))
        return found

    def version(self, stream: str) -> int:
        """The current version of ``stream`` (0 when it has no events)."""
        with self._read() as tx:
            return self._stream_version(tx, stream)

    def versions(self, streams: Sequence[str]) -> dict[str, int]:
        """:meth:`version` of each of ``streams``, a few hundred streams per query.

        Every stream asked for is a key (0 for one without events). The case
        service checks its cached states this way before a bulk write,
        instead of one read per case.
        """
        with self._read() as tx:
            return self._stream_versions(tx, streams)

    def _stream_versions(self, tx: Tx, streams: Iterable[str]) -> dict[str, int]:
        """The version of each of ``streams`` inside ``tx``, :data:`_CHUNK` streams per query."""
        found = dict.fromkeys(streams, 0)
        names = list(found)
        for chunk, marks in _in_chunks(names):
            rows = tx.execute(
                f"SELECT stream, MAX(version) FROM events WHERE stream IN ({marks})"
                " GROUP BY stream",
                chunk,
            )
            for stream, version in rows:
                found[stream] = int(version)
        return found

    def streams(self, prefix: str = "") -> list[str]:
        """The names of the streams starting with ``prefix``, sorted."""
        where, params = self._starts_with("stream", prefix)
        with self._read() as tx:
            rows = tx.execute(f"SELECT DISTINCT stream FROM events WHERE {where}", params)
        return sorted(r[0] for r in rows)

    def _all_events(self, tx: Tx) -> Iterator[EventRecord]:
        rows = tx.execute(f"SELECT {self._event_columns()} FROM events ORDER BY stream, version")
        return (self._to_event(r) for r in rows)

    # ------------------------------------------------------------------ projections

    def register_projector(self, name: str, projector: Projector) -> None:
        """Feed every future append to ``projector`` inside the append's transaction.

        If the projector raises, the append is rolled back and the error
        propagates. Call :meth:`rebuild_projection` to fold events stored
        before it was registered.
        """
        if name in self._projectors:
            raise ValueError(f"a projector named {name!r} is already registered")
        self._projectors[name] = projector

    def rebuild_projection(self, name: str) -> None:
        """Clear projection ``name`` and replay every stored event through its projector."""
        projector = self._projectors.get(name)
        if projector is None:
            raise NotFoundError(f"no projector named {name!r} is registered")
        with self._write() as tx:
            tx.execute("DELETE FROM projections WHERE name = ?", (name,))
            view = _View(self, tx, name)
            for event in list(self._all_events(tx)):
                projector(event, view)

    def projection(self, name: str, prefix: str = "") -> dict[str, Any]:
        """The rows of projection ``name`` whose key starts with ``prefix``, by key."""
        where, params = self._starts_with("key", prefix)
        with self._read() as tx:
            rows = tx.execute(
                f"SELECT key, {self._json_out('value')} FROM projections"
                f" WHERE name = ? AND {where}",
                (name, *params),
            )
        return {key: loads(value) for key, value in sorted(rows)}

    def caseload(self, mentor_id: str) -> list[str]:
        """The case streams a mentor holds open now (beban kasus), sorted."""
        rows = self.projection(CASELOAD, f"mentor/{mentor_id}/")
        return sorted(str(value["stream"]) for value in rows.values())

    def referral_queue(self, unit: str) -> list[dict[str, Any]]:
        """The referrals a unit has to act on (antrean rujukan), oldest first.

        Each is ``{"stream", "referral_id", "business_id", "rule_id",
        "status", "since", "due"}``; status is ``proposed``, ``sent`` or
        ``accepted``. Declined and completed referrals, and those of closed
        cases, leave the queue.
        """
        rows = self.projection(REFERRAL_QUEUE, f"unit/{unit}/")
        return sorted(
            rows.values(), key=lambda r: (str(r.get("since") or ""), r["stream"], r["referral_id"])
        )

    # ------------------------------------------------------------------ personal data (UU PDP)

    def _owned(self, tx: Tx, nik: str) -> dict[str, Any]:
        rows = tx.execute(
            f"SELECT id, {self._json_out('data')} FROM businesses WHERE owner_nik = ?", (nik,)
        )
        return {ident: loads(data) for ident, data in sorted(rows)}

    def _events_of(self, tx: Tx, nik: str, business_ids: Sequence[str]) -> list[EventRecord]:
        """The events about a person: every event of a stream that starts about them
        (a case opened for their business), and the single events elsewhere that
        mention them (a wave's enrolment of their business)."""
        ids = frozenset(business_ids)
        needles = [nik, *(dumps_stdlib(i) for i in sorted(ids))]
        conditions: list[str] = []
        params: list[Any] = []
        for needle in needles:
            condition, values = self._contains("data", needle)
            conditions.append(condition)
            params.extend(values)
        rows = tx.execute(
            f"SELECT {self._event_columns()} FROM events WHERE {' OR '.join(conditions)}",
            params,
        )
        matched = [e for e in map(self._to_event, rows) if _mentions(e.data, nik, ids)]
        whole = sorted({e.stream for e in matched if e.version == 1 and _opens_for(e.data, ids)})
        found = {(e.stream, e.version): e for e in matched}
        for stream in whole:
            rows = tx.execute(
                f"SELECT {self._event_columns()} FROM events WHERE stream = ?", (stream,)
            )
            found.update(((r[0], int(r[1])), self._to_event(r)) for r in rows)
        return sorted(found.values(), key=lambda e: (e.stream, e.version))

    def _observations_of(self, tx: Tx, business_ids: Sequence[str]) -> list[tuple[int, Any]]:
        found: list[tuple[int, Any]] = []
        for ident in business_ids:
            rows = tx.execute(
                f"SELECT seq, {self._json_out('data')} FROM observations WHERE business_id = ?"
                " ORDER BY seq",
                (ident,),
            )
            found.extend((int(seq), loads(data)) for seq, data in rows)
        return found

    def export_person(self, actor: HasRole, key: bytes, nik: str) -> dict[str, Any]:
        """Everything held on the person with ``nik``, as JSON-ready data (right of access).

        Coordinators only (:class:`~mentorkit.AccessDeniedError`
        otherwise). The export is for the data subject, so it is NOT masked.
        It lists the businesses they own, the observations and case events
        about those businesses, their cohort enrolments and the audit rows
        about them; the request itself is audited under the person's
        pseudonym.
        """
        require_coordinator(actor, "exporting personal data")
        subject = pseudonym(key, nik)
        with self._write() as tx:
            owned = self._owned(tx, nik)
            ids = list(owned)
            observations = [data for _seq, data in self._observations_of(tx, ids)]
            events = self._events_of(tx, nik, ids)
            cohorts: list[dict[str, str]] = []
            audit_ids = [*ids, subject]
            for ident in ids:
                for (programme_id,) in tx.execute(
                    "SELECT programme_id FROM cohorts WHERE business_id = ?", (ident,)
                ):
                    cohorts.append({"programme_id": programme_id, "business_id": ident})
            self._audit(tx, [(actor.id, "export", "person", subject, subject, ())])
        trail = [entry for ident in audit_ids for entry in self.audit(ident)]
        return {
            "subject": subject,
            "businesses": list(owned.values()),
            "observations": observations,
            "cohorts": sorted(cohorts, key=lambda c: (c["programme_id"], c["business_id"])),
            "events": [
                {
                    "stream": e.stream,
                    "version": e.version,
                    "kind": e.kind,
                    "actor": e.actor,
                    "at": e.at.isoformat(),
                    "data": dict(e.data),
                }
                for e in events
            ],
            "audit": [
                {
                    "seq": a.seq,
                    "at": a.at.isoformat(),
                    "actor": a.actor,
                    "action": a.action,
                    "entity": a.entity,
                    "entity_id": a.entity_id,
                    "fields": list(a.fields),
                }
                for a in sorted(trail, key=lambda a: a.seq)
            ],
        }

    def correct_person(
        self, actor: HasRole, key: bytes, nik: str, changes: Mapping[str, Any]
    ) -> int:
        """Correct the person's own fields (``name``, ``nik``, ``phone``, ``gender``) everywhere.

        ``changes`` holds JSON-ready values, checked by the strict decoder
        (a bad value raises :class:`~mentorkit.DecodeError` with its path and
        nothing is changed). Coordinators only. Returns how many records were
        corrected; :class:`~mentorkit.NotFoundError` when none holds the person.
        """
        require_coordinator(actor, "correcting personal data")
        unknown = sorted(set(changes) - _PERSON_FIELDS)
        if unknown:
            raise ValueError(f"cannot correct {', '.join(unknown)}: not fields of a person")
        subject = pseudonym(key, nik)
        with self._write() as tx:
            owned = self._owned(tx, nik)
            if not owned:
                raise NotFoundError("no record holds the person named in the request")
            audit_rows: list[tuple[str, str, str, str, str | None, Sequence[str]]] = []
            for ident, data in owned.items():
                owner = decode(
                    {**data["owner"], **changes}, Person, record=f"correction of business {ident!r}"
                )
                new = {**data, "owner": encode(owner)}
                decode(new, Business)  # still a valid record
                tx.execute(
                    "UPDATE businesses SET owner_nik = ?, data = ? WHERE id = ?",
                    (owner.nik, dumps_stdlib(new), ident),
                )
                audit_rows.append(
                    (actor.id, "correct", "business", ident, subject, _changed_fields(data, new))
                )
            self._audit(tx, audit_rows)
        return len(owned)

    def erase_person(self, actor: HasRole, key: bytes, nik: str) -> int:
        """Erase the person with ``nik`` (right to deletion); returns how many records changed.

        On each business they own, the owner becomes ``ERASED`` (no NIK,
        phone or gender) and the address is removed; their NIK, phone and
        name are redacted from the observations, case events and projections
        about those businesses. The audit keeps only the person's keyed
        pseudonym (:func:`pseudonym`); ``key`` is never stored. Coordinators
        only. SQLite then checkpoints its write-ahead log so no copy stays
        there (and deleted cells are zeroed: ``secure_delete`` is on).
        """
        require_coordinator(actor, "erasing personal data")
        subject = pseudonym(key, nik)
        changed = 0
        with self._write() as tx:
            owned = self._owned(tx, nik)
            phones = sorted({d["owner"]["phone"] for d in owned.values() if d["owner"]["phone"]})
            names = sorted({d["owner"]["name"] for d in owned.values()})
            redact = _redactor(nik, phones, names)
            audit_rows: list[tuple[str, str, str, str, str | None, Sequence[str]]] = []
            for ident, data in owned.items():
                new = redact(data)
                decode(new, Business)  # still a valid record
                tx.execute(
                    "UPDATE businesses SET owner_nik = NULL, data = ? WHERE id = ?",
                    (dumps_stdlib(new), ident),
                )
                fields = _changed_fields(data, new)
                audit_rows.append((actor.id, "erase", "business", ident, subject, fields))
                changed += 1
            for seq, data in self._observations_of(tx, list(owned)):
                new = redact(data)
                if new != data:
                    tx.execute(
                        "UPDATE observations SET data = ? WHERE seq = ?", (dumps_stdlib(new), seq)
                    )
                    changed += 1
            for event in self._events_of(tx, nik, list(owned)):
                new = redact(dict(event.data))
                if new != event.data:
                    tx.execute(
                        "UPDATE events SET data = ? WHERE stream = ? AND version = ?",
                        (dumps_stdlib(new), event.stream, event.version),
                    )
                    fields = _changed_fields(event.data, new)
                    audit_rows.append((actor.id, "erase", "stream", event.stream, subject, fields))
                    changed += 1
            for text in [nik, *phones, *names]:
                where, params = self._contains("value", text)
                for name, pkey, value in tx.execute(
                    f"SELECT name, key, {self._json_out('value')} FROM projections WHERE {where}",
                    params,
                ):
                    tx.execute(
                        "UPDATE projections SET value = ? WHERE name = ? AND key = ?",
                        (dumps_stdlib(redact(loads(value))), name, pkey),
                    )
            if not audit_rows:
                audit_rows.append((actor.id, "erase", "person", subject, subject, ()))
            self._audit(tx, audit_rows)
        self._after_erase()
        return changed

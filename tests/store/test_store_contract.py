"""One contract, every backend: the event log and the repository.

``EventLogContract`` runs against :class:`mentorkit.InMemoryEventStore`,
SQLite and PostgreSQL; ``RepositoryContract`` against SQLite and
PostgreSQL. A backend passes by subclassing and giving the ``store`` (and
``raw``) fixtures.
"""

import copy
import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any
from unittest.mock import patch

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._eventlog import EncodedRecords
from mentorkit._json import dumpb
from mentorkit._serialize import encode
from mentorkit.store import (
    CASELOAD,
    PostgresStore,
    Repository,
    SQLiteStore,
    SQLStore,
    observation_row,
    open_store,
)
from mentorkit.testing import strategies as mks

#: Hostile text: SQL injection attempts, placeholder look-alikes, quoting and non-ASCII.
INJECTIONS = (
    "'; DROP TABLE businesses; --",
    "Robert'); DROP TABLE events;--",
    '" OR "1"="1',
    "x' OR '1'='1",
    "1; DELETE FROM audit WHERE 1=1; --",
    "?",
    "%s",
    "%(name)s",
    "$$; DROP SCHEMA public CASCADE; $$",
    "\\'; --",
    "Warung Bu Siti — kopi & teh ☕ 'Ibu' \"Pak\"",
)

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
    | st.sampled_from(INJECTIONS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)
_PAYLOADS = st.dictionaries(_TEXT | st.sampled_from(INJECTIONS), _JSON, max_size=4)
# The store fixture is shared by the examples on purpose (fresh stream names keep them apart),
# and the contract's tests run from one subclass per backend.
# Each example is a few committed transactions on disk: at most 50 examples, whatever the profile.
_FIXTURE_OK = settings(
    max_examples=min(settings.default.max_examples, 50),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.differing_executors],
)

AT = dt.datetime(2026, 3, 2, 8, 15, 30, 123456, tzinfo=dt.UTC)


def event(stream: str, version: int, kind: str = "note", **data: Any) -> mk.EventRecord:
    """An event record with a fixed time."""
    return mk.EventRecord(stream=stream, version=version, kind=kind, actor="u-1", at=AT, data=data)


def _without_paths(data: Mapping[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """``data`` without each dotted key path (a path that is not there is skipped)."""
    out = copy.deepcopy(dict(data))
    for path in paths:
        *parents, last = path.split(".")
        node: Any = out
        for key in parents:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(last, None)
    return out


#: Payloads whose keys the paths below name (and miss): objects, lists and scalars nested.
_KEYS = st.sampled_from(["a", "b", "c_d", "schema"])
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too: read as the whole payload's read gives them
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TEXT
    | st.sampled_from(INJECTIONS)
)
_NESTED = st.dictionaries(
    _KEYS,
    st.recursive(
        _LEAVES,
        lambda inner: st.lists(inner, max_size=2) | st.dictionaries(_KEYS, inner, max_size=3),
        max_leaves=6,
    ),
    max_size=4,
)
_VALUE_PATHS = {"a", "b", "a.b", "a.b.c_d", "c_d.a", "schema", "zz", "a.zz"}


def _value_at(data: Any, path: str) -> Any:
    """The value at a dotted key path of ``data`` (None where the path is not there)."""
    for key in path.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


_counter = iter(range(10**9))


def fresh(prefix: str = "s") -> str:
    """A stream name no other example used."""
    return f"{prefix}/{next(_counter)}"


# --------------------------------------------------------------------------- event log


class EventLogContract:
    """The :class:`mentorkit.EventStore` contract: optimistic, atomic, ordered streams."""

    @pytest.fixture
    def store(self) -> mk.EventStore:
        raise NotImplementedError

    def test_it_is_an_event_store(self, store: mk.EventStore) -> None:
        assert isinstance(store, mk.EventStore)

    def test_an_unknown_stream_is_empty_at_version_zero(self, store: mk.EventStore) -> None:
        assert store.version("case/none") == 0
        assert store.read("case/none") == []
        assert store.streams("case/") == []

    @_FIXTURE_OK
    @given(
        payloads=st.lists(_PAYLOADS, min_size=1, max_size=4),
        kind=_TEXT | st.sampled_from(INJECTIONS),
    )
    def test_appended_events_read_back_equal(
        self, store: mk.EventStore, payloads: list[dict[str, Any]], kind: str
    ) -> None:
        stream = fresh()
        events = [
            mk.EventRecord(stream=stream, version=i, kind=kind, actor="u", at=AT, data=data)
            for i, data in enumerate(payloads, start=1)
        ]
        assert store.append(stream, 0, events) == len(events)
        assert store.read(stream) == events
        assert store.version(stream) == len(events)

    def test_times_come_back_as_the_same_instant(self, store: mk.EventStore) -> None:
        jakarta = dt.timezone(dt.timedelta(hours=7))
        record = attrs.evolve(event("t/1", 1), at=dt.datetime(2026, 3, 2, 15, 0, tzinfo=jakarta))
        store.append("t/1", 0, [record])
        (back,) = store.read("t/1")
        assert back.at == record.at
        assert back.at.utcoffset() is not None

    def test_a_stale_write_raises_conflict_and_stores_nothing(self, store: mk.EventStore) -> None:
        store.append("case/1", 0, [event("case/1", 1), event("case/1", 2)])
        with pytest.raises(mk.ConflictError, match="version 2"):
            store.append("case/1", 1, [event("case/1", 2, "late")])
        assert [e.kind for e in store.read("case/1")] == ["note", "note"]
        with pytest.raises(mk.ConflictError):
            store.append("case/2", 3, [event("case/2", 4)])
        assert store.version("case/2") == 0

    def test_a_failed_batch_stores_none_of_its_events(self, store: mk.EventStore) -> None:
        store.append("case/1", 0, [event("case/1", 1)])
        batch = [event("case/1", v) for v in (1, 2, 3)]
        with pytest.raises(mk.ConflictError):
            store.append("case/1", 0, batch)
        assert store.version("case/1") == 1

    def test_misnumbered_events_are_refused(self, store: mk.EventStore) -> None:
        with pytest.raises(ValueError, match="version 1"):
            store.append("case/1", 0, [event("case/1", 2)])
        with pytest.raises(ValueError, match="version 2"):
            store.append("case/1", 0, [event("case/1", 1), event("case/1", 3)])
        with pytest.raises(ValueError, match="stream"):
            store.append("case/1", 0, [event("case/OTHER", 1)])
        assert store.version("case/1") == 0

    def test_read_after_skips_the_older_events(self, store: mk.EventStore) -> None:
        store.append("case/1", 0, [event("case/1", v, f"k{v}") for v in (1, 2, 3, 4)])
        assert [e.version for e in store.read("case/1", after=2)] == [3, 4]
        assert store.read("case/1", after=4) == []

    def test_streams_are_listed_by_prefix_in_order(self, store: mk.EventStore) -> None:
        names = ["case/b", "case/a", "wave/P-1", "case/%", "case/_x", *INJECTIONS]
        for name in names:
            store.append(name, 0, [event(name, 1)])
        assert store.streams("case/") == sorted(n for n in names if n.startswith("case/"))
        assert store.streams() == sorted(names)
        assert store.streams("case/%") == ["case/%"]
        assert store.streams("'; DROP") == ["'; DROP TABLE businesses; --"]

    def test_threads_appending_to_one_stream_lose_nothing(self, store: mk.EventStore) -> None:
        threads, per_thread = 4, 25
        conflicts = [0] * threads

        def work(n: int) -> None:
            for i in range(per_thread):
                while True:
                    version = store.version("case/hot")
                    try:
                        store.append(
                            "case/hot", version, [event("case/hot", version + 1, w=n, i=i)]
                        )
                        break
                    except mk.ConflictError:
                        conflicts[n] += 1

        workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        stored = store.read("case/hot")
        assert [e.version for e in stored] == list(range(1, threads * per_thread + 1))
        assert sorted((e.data["w"], e.data["i"]) for e in stored) == [
            (n, i) for n in range(threads) for i in range(per_thread)
        ]


class TestInMemoryEventLog(EventLogContract):
    """The contract holds for the core's in-memory store."""

    @pytest.fixture
    def store(self) -> mk.EventStore:
        return mk.InMemoryEventStore()


class TestSQLiteEventLog(EventLogContract):
    """The contract holds for SQLite."""

    @pytest.fixture
    def store(self, make_sqlite_store: Callable[..., SQLiteStore]) -> mk.EventStore:
        return make_sqlite_store()


class TestSQLiteMemoryEventLog(EventLogContract):
    """The contract holds for SQLite in memory (one connection shared by the threads)."""

    @pytest.fixture
    def store(self) -> Iterator[mk.EventStore]:
        store = SQLiteStore(":memory:")
        yield store
        store.close()


@pytest.mark.postgres
class TestPostgresEventLog(EventLogContract):
    """The contract holds for PostgreSQL."""

    @pytest.fixture
    def store(self, make_pg_store: Callable[..., PostgresStore]) -> mk.EventStore:
        return make_pg_store()


# --------------------------------------------------------------------------- repository


def business(ident: str, **changes: Any) -> mk.Business:
    """A valid business; ``changes`` override fields."""
    base = mk.Business(
        id=ident,
        name=f"Usaha {ident}",
        owner=mk.Person(name="Siti Aminah", nik="3674014512800001", phone="081234567890"),
        sector=mk.Sector.CULINARY,
        district="Pamulang",
        address="Jl. Merpati 3",
        employees=2,
        capital=50_000_000,
    )
    return attrs.evolve(base, **changes)


class RepositoryContract:
    """The :class:`mentorkit.store.Repository` contract: records, projections, audit."""

    @pytest.fixture
    def store(self) -> Repository:
        raise NotImplementedError

    @pytest.fixture
    def raw(self, store: Any) -> Callable[[str], Any]:
        """Run one SQL statement outside the store's API (to attack the audit table)."""
        raise NotImplementedError

    def test_it_satisfies_both_protocols(self, store: Repository) -> None:
        assert isinstance(store, Repository)
        assert isinstance(store, mk.EventStore)

    @_FIXTURE_OK
    @given(items=st.lists(mks.businesses(), max_size=5, unique_by=lambda b: b.id))
    def test_businesses_round_trip(self, store: Repository, items: list[mk.Business]) -> None:
        assert store.put_businesses(items) == len(items)
        for item in items:
            assert store.get_business(item.id) == item
        listed = {b.id: b for b in store.businesses()}  # read in bulk, by the hand decoder
        assert [listed[item.id] for item in items] == items

    @_FIXTURE_OK
    @given(
        mentors=st.lists(mks.mentors(), max_size=3, unique_by=lambda m: m.id),
        programmes=st.lists(mks.programmes(), max_size=3, unique_by=lambda p: p.id),
        cooperatives=st.lists(mks.cooperatives(), max_size=3, unique_by=lambda c: c.id),
    )
    def test_mentors_programmes_and_cooperatives_round_trip(
        self,
        store: Repository,
        mentors: list[mk.Mentor],
        programmes: list[mk.Programme],
        cooperatives: list[mk.Cooperative],
    ) -> None:
        store.put_mentors(mentors)
        store.put_programmes(programmes)
        store.put_cooperatives(cooperatives)
        assert [store.get_mentor(m.id) for m in mentors] == mentors
        assert [store.get_programme(p.id) for p in programmes] == programmes
        assert [store.get_cooperative(c.id) for c in cooperatives] == cooperatives
        for coop in cooperatives:
            assert coop in store.cooperatives(district=coop.district)

    def test_businesses_are_found_by_district_and_sector(self, store: Repository) -> None:
        store.put_businesses(
            [
                business("B-1"),
                business("B-2", district="Setu"),
                business("B-3", sector=mk.Sector.CRAFT),
                business("B-4", district="Setu", sector=mk.Sector.CRAFT),
            ]
        )
        assert [b.id for b in store.businesses()] == ["B-1", "B-2", "B-3", "B-4"]
        assert [b.id for b in store.businesses(district="Setu")] == ["B-2", "B-4"]
        assert [b.id for b in store.businesses(sector="craft")] == ["B-3", "B-4"]
        assert [b.id for b in store.businesses(district="Setu", sector="craft")] == ["B-4"]

    def test_a_missing_record_raises_not_found(self, store: Repository) -> None:
        with pytest.raises(mk.NotFoundError, match="B-404"):
            store.get_business("B-404")
        with pytest.raises(mk.NotFoundError):
            store.get_mentor("M-404")

    def test_a_batch_with_a_wrong_item_stores_nothing(self, store: Repository) -> None:
        with pytest.raises(TypeError, match="item 1"):
            store.put_businesses([business("B-1"), "B-2"])  # type: ignore[list-item]
        assert store.businesses() == []
        assert store.audit() == []

    def test_a_later_put_replaces_and_audits_field_names_only(self, store: Repository) -> None:
        original = business("B-1")
        store.put_businesses([original], actor="coord-1")
        changed = attrs.evolve(
            original, owner=attrs.evolve(original.owner, phone="089999888777"), employees=5
        )
        store.put_businesses([changed], actor="coord-2")
        assert store.get_business("B-1") == changed
        created, updated = store.audit("B-1")
        assert (created.action, created.actor) == ("create", "coord-1")
        assert (updated.action, updated.actor, updated.fields) == (
            "update",
            "coord-2",
            ("employees", "owner.phone"),
        )
        text = repr(store.audit())
        for secret in ("3674014512800001", "081234567890", "089999888777"):
            assert secret not in text

    def test_an_unchanged_put_writes_no_audit_row(self, store: Repository) -> None:
        store.put_businesses([business("B-1")])
        store.put_businesses([business("B-1")])
        assert len(store.audit("B-1")) == 1

    def test_the_audit_refuses_update_and_delete(
        self, store: Repository, raw: Callable[[str], Any]
    ) -> None:
        store.put_businesses([business("B-1")])
        before = store.audit()
        for statement in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"):
            with pytest.raises(Exception, match="append-only"):
                raw(statement)
        assert store.audit() == before

    def test_injection_text_round_trips_unchanged(self, store: Repository) -> None:
        items = [
            business(f"B-{i}", name=text, address=text, district=text)
            for i, text in enumerate(INJECTIONS)
        ]
        store.put_businesses(items)
        for item in items:
            assert store.get_business(item.id) == item
            assert store.businesses(district=item.district) == [item]
        store.append(INJECTIONS[0], 0, [event(INJECTIONS[0], 1, INJECTIONS[1], note=INJECTIONS[2])])
        assert store.read(INJECTIONS[0])[0].data == {"note": INJECTIONS[2]}
        assert len(store.businesses()) == len(INJECTIONS)  # the table is still there
        assert len(store.audit()) == len(INJECTIONS) + 1

    def test_observations_are_kept_in_order(self, store: Repository) -> None:
        day = dt.date(2026, 2, 1)
        first = mk.Observation("B-1", "acc", "books", True, day, evidence=INJECTIONS[0])
        second = mk.Observation("B-1", "acc", "books", False, day + dt.timedelta(days=30))
        other = mk.Observation("B-2", "acc", "books", 3, day)
        assert store.add_observations([first, second, other]) == 3
        assert store.observations("B-1") == [first, second]
        assert store.observations("B-2") == [other]

    @_FIXTURE_OK
    @given(
        st.lists(st.one_of(st.booleans(), st.integers(), st.text().filter(str.strip)), max_size=4)
    )
    def test_answers_are_stored_as_written_whatever_json_library(
        self, store: Repository, values: list[object]
    ) -> None:
        """orjson writes answers when installed: the rows read back equal, big ints and all."""
        day = dt.date(2026, 2, 1)
        business = f"B-{uuid.uuid4().hex[:8]}"
        items = [mk.Observation(business, "acc", "books", v, day) for v in values]  # type: ignore[arg-type]
        store.add_observations(items)
        assert store.observations(business) == items
        assert [type(o.value) for o in store.observations(business)] == [type(v) for v in values]

    @pytest.mark.parametrize("value", [float("nan"), 0.1, 1.5, None])
    def test_an_answer_the_store_could_not_read_back_is_refused_when_built(
        self, store: Repository, value: object
    ) -> None:
        """A decimal (or NaN, or no) answer built in code: refused by ``Observation`` itself,
        naming the field, so that the store never holds a row its decoder refuses."""
        day = dt.date(2026, 2, 1)
        with pytest.raises(mk.InvalidFieldError, match="value: must be true/false"):
            mk.Observation("B-9", "acc", "books", value, day)  # type: ignore[arg-type]
        store.add_observations([mk.Observation("B-9", "acc", "books", True, day)])
        assert store.observations("B-9") == [mk.Observation("B-9", "acc", "books", True, day)]

    def test_observations_are_taken_from_any_iterable_in_one_transaction(
        self, store: Repository, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A generator (an import stream) is consumed inside the write: all of it or nothing."""
        # PostgreSQL sends rows in slices; small ones here, so that several are sent.
        monkeypatch.setattr("mentorkit.store._postgres._EXECUTEMANY_ROWS", 3)
        day = dt.date(2026, 2, 1)
        items = [mk.Observation(f"B-{n % 3}", "acc", "books", n, day) for n in range(10)]
        assert store.add_observations(iter(items)) == 10
        assert [o for n in range(3) for o in store.observations(f"B-{n}")] == sorted(
            items, key=lambda o: o.business_id
        )
        assert store.add_observations(iter([])) == 0

        def failing() -> Iterator[mk.Observation]:
            yield from (mk.Observation("B-7", "acc", "books", n, day) for n in range(7))
            raise OSError("the file went away")

        audit_rows = len(store.audit())
        with pytest.raises(OSError, match="went away"):
            store.add_observations(failing())
        assert store.observations("B-7") == []
        assert len(store.audit()) == audit_rows
        with pytest.raises(TypeError, match="item 1 is a NoneType"):
            store.add_observations([items[0], None])  # type: ignore[list-item]
        assert store.observations("B-0") == [o for o in items if o.business_id == "B-0"]

    @_FIXTURE_OK
    @given(
        items=st.lists(mks.observations(), min_size=1, max_size=8),
        step=st.sampled_from([1, 3, 4_000]),
    )
    def test_encoded_rows_store_what_add_observations_stores(
        self,
        store: SQLStore[Any],
        raw: Callable[[str], Any],
        items: list[mk.Observation],
        step: int,
    ) -> None:
        """``add_observation_rows`` of ``observation_row``'s rows: the same stored texts, the
        same audit rows, the same count as ``add_observations`` (mentorkit import --workers)."""
        one, two = (f"B-{uuid.uuid4().hex}" for _ in range(2))  # the store is shared
        first = [attrs.evolve(o, business_id=one) for o in items]
        second = [attrs.evolve(o, business_id=two) for o in items]
        assert store.add_observations(first) == len(items)
        with patch("mentorkit.store._base._OBSERVATION_ROWS", step):
            assert store.add_observation_rows(map(observation_row, second)) == len(items)

        def texts(tag: str) -> list[str]:
            sql = f"SELECT CAST(data AS TEXT) FROM observations WHERE business_id = '{tag}'"
            return [text for (text,) in raw(sql + " ORDER BY seq")]

        assert texts(two) == [text.replace(one, two) for text in texts(one)]
        assert texts(two) == [observation_row(o)[1] for o in second]
        assert store.observations(two) == second
        audited = [(e.actor, e.action, e.entity, e.subject, e.fields) for e in store.audit(two)]
        assert audited == [
            (e.actor, e.action, e.entity, e.subject, e.fields) for e in store.audit(one)
        ]
        assert len(audited) == 1

    def test_encoded_rows_are_taken_in_one_transaction(
        self, store: SQLStore[Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A few rows per step, all in one transaction: a failure part way stores nothing."""
        monkeypatch.setattr("mentorkit.store._base._OBSERVATION_ROWS", 3)
        day = dt.date(2026, 2, 1)
        items = [mk.Observation(f"E-{n % 2}", "acc", "books", n, day) for n in range(8)]
        assert store.add_observation_rows(iter(map(observation_row, items))) == 8
        assert store.observations("E-0") + store.observations("E-1") == sorted(
            items, key=lambda o: o.business_id
        )
        assert store.add_observation_rows([]) == 0

        def failing() -> Iterator[tuple[str, str]]:
            yield from (observation_row(attrs.evolve(o, business_id="E-7")) for o in items)
            raise OSError("the worker went away")

        audit_rows = len(store.audit())
        with pytest.raises(OSError, match="went away"):
            store.add_observation_rows(failing())
        assert store.observations("E-7") == []
        assert len(store.audit()) == audit_rows

    def test_records_are_taken_from_any_iterable_in_one_transaction(
        self, store: Repository, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A generator (an import stream) is written as it is read, a few records at a time,
        inside one transaction: never held whole; all of it, or nothing if it fails."""
        monkeypatch.setattr("mentorkit.store._base._CHUNK", 3)
        held: list[int] = []  # the rows the write holds as each record is taken

        def records(prefix: str, count: int, *, fail: bool = False) -> Iterator[mk.Business]:
            for n in range(count):
                # The write's own connection: it sees the rows written so far, uncommitted.
                held.append(sum(1 for b in store.business_ids() if b.startswith(prefix)))
                yield business(f"{prefix}{n}", employees=n)
            if fail:
                raise OSError("the file went away")

        assert store.put_businesses(records("B-", 10)) == 10
        assert held[-1] > 0  # written before the last record was read
        assert all(taken - rows <= 3 for taken, rows in enumerate(held))  # one step ahead at most
        assert store.business_ids() == sorted(f"B-{n}" for n in range(10))
        assert [(e.action, e.entity_id) for e in store.audit()] == [
            ("create", f"B-{n}") for n in range(10)
        ]
        assert len({e.at for e in store.audit()}) == 1  # one write, one time

        held.clear()
        with pytest.raises(OSError, match="went away"):
            store.put_businesses(records("X-", 8, fail=True))
        assert max(held) > 0  # some were written inside the transaction, then rolled back
        assert len(store.business_ids()) == 10
        assert len(store.audit()) == 10
        with pytest.raises(TypeError, match="item 5 is a NoneType"):
            store.put_businesses([*records("Y-", 5), None])  # type: ignore[list-item]
        assert len(store.business_ids()) == 10
        assert store.put_businesses(iter([])) == 0
        assert len(store.audit()) == 10

    def test_an_id_given_twice_is_stored_once_as_in_one_write(
        self, store: Repository, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The last record of an id wins; it is audited once against what was stored before,
        in the place of its first record, also when the two are taken in different steps."""
        monkeypatch.setattr("mentorkit.store._base._CHUNK", 2)
        store.put_businesses([business("B-2"), business("B-3")], actor="a")
        batch = [
            business("B-1"),
            business("B-2"),  # unchanged: no audit row
            business("B-4", employees=4),
            business("B-1", employees=9),  # given again, a step later
            business("B-3", employees=7),
            business("B-2"),
        ]
        assert store.put_businesses(iter(batch), actor="b") == 4
        assert store.get_business("B-1").employees == 9
        assert store.get_business("B-3").employees == 7
        trail = [e for e in store.audit() if e.actor == "b"]
        assert [(e.action, e.entity_id) for e in trail] == [
            ("create", "B-1"),
            ("create", "B-4"),
            ("update", "B-3"),
        ]
        assert trail[2].fields == ("employees",)
        assert trail[0].fields == store.audit("B-4")[0].fields  # created from nothing, as B-4
        assert len({e.at for e in trail}) == 1

    @_FIXTURE_OK
    @given(st.lists(mks.businesses(), max_size=5))
    def test_business_ids_are_the_businesses_ids(
        self, store: Repository, items: list[mk.Business]
    ) -> None:
        store.put_businesses(items)
        assert store.business_ids() == [b.id for b in store.businesses()]
        assert {b.id for b in items} <= set(store.business_ids())

    def test_a_nan_event_payload_is_refused_not_stored_as_null(self, store: Repository) -> None:
        batch = [event("case/n", 1, score=1.5), event("case/n", 2, score=float("nan"))]
        with pytest.raises(ValueError, match="Out of range float"):
            store.append("case/n", 0, batch)
        assert store.version("case/n") == 0  # one transaction: nothing half stored

    def test_records_given_with_their_text_are_stored_as_that_text(self, store: Repository) -> None:
        """The case service's records carry their payload's text: the store writes it as is.

        (The service's text is always ``dumps_stdlib`` of the payload; a different text
        here shows which one was written.) A record not added with its text, or replaced
        in the list, is encoded from its payload as usual.
        """
        given = EncodedRecords()
        given.add(event("case/t", 1, score=1.5), '{"written":"as given"}')
        given.add(event("case/t", 2, score=2.5), '{"written":"never"}')
        given[1] = event("case/t", 2, score=2.5)  # a new record: its text is not known
        given.append(event("case/t", 3, note="plain"))
        store.append("case/t", 0, given)
        assert [e.data for e in store.read("case/t")] == [
            {"written": "as given"},
            {"score": 2.5},
            {"note": "plain"},
        ]
        other = EncodedRecords()
        other.add(event("case/u", 1, score=1.5), '{"written":"as given"}')
        store.append("case/u", 0, list(other))  # a plain list: no texts
        assert store.read("case/u")[0].data == {"score": 1.5}

    def test_a_damaged_business_row_is_named_by_field_path_without_the_nik(
        self, store: Repository, raw: Callable[[str], Any]
    ) -> None:
        store.put_businesses([business("B-dmg")])
        good = store.get_business("B-dmg")
        assert good in store.businesses()
        # Edited outside mentorkit: a NIK in Arabic-Indic digits (looks right, is not 16 digits).
        nik = "\u0663" * 16
        data = encode(attrs.evolve(good, owner=attrs.evolve(good.owner, nik=None)))
        data["owner"]["nik"] = nik
        text = json.dumps(data).replace("'", "''")
        raw(f"UPDATE businesses SET data = '{text}' WHERE id = 'B-dmg'")
        with pytest.raises(mk.DecodeError, match=r"\$\.owner\.nik") as one:
            store.get_business("B-dmg")
        with pytest.raises(mk.DecodeError, match=r"\$\.owner\.nik") as listed:
            store.businesses()
        with pytest.raises(mk.DecodeError, match=r"\$\.owner\.nik") as many:
            store.businesses_many(["B-dmg"])
        assert str(listed.value) == str(one.value) == str(many.value)
        assert nik not in str(one.value)

    @_FIXTURE_OK
    @given(st.lists(mks.businesses(), min_size=1, max_size=5), st.data())
    def test_businesses_many_is_get_business_of_each_in_the_order_given(
        self, store: Repository, items: list[mk.Business], data: st.DataObject
    ) -> None:
        store.put_businesses(items)
        ids = [b.id for b in items]
        asked = data.draw(st.lists(st.sampled_from(ids), max_size=8), label="asked")
        got = store.businesses_many(asked)
        assert list(got) == list(dict.fromkeys(asked))  # the order given, each id once
        assert got == {ident: store.get_business(ident) for ident in asked}
        with pytest.raises(mk.NotFoundError, match="no business with id 'no-such-B'"):
            store.businesses_many([*asked, "no-such-B"])

    def test_a_damaged_observation_row_is_named_by_field_path(
        self, store: Repository, raw: Callable[[str], Any]
    ) -> None:
        day = dt.date(2026, 2, 1)
        store.add_observations([mk.Observation("B-1", "acc", "books", True, day)])
        assert store.observations("B-1")[0].value is True
        # Edited outside mentorkit: 1.5 is no answer (yes/no, a whole number or a choice).
        raw(
            'UPDATE observations SET data = \'{"business_id": "B-1", "rubric_id": "acc",'
            ' "criterion_id": "books", "value": 1.5, "observed_on": "2026-02-01"}\''
        )
        with pytest.raises(mk.DecodeError, match=r"\$\.value") as one:
            store.observations("B-1")
        with pytest.raises(mk.DecodeError, match=r"\$\.value") as many:
            store.observations_many(["B-2", "B-1"])
        assert str(many.value) == str(one.value)

    @_FIXTURE_OK
    @given(
        items=st.lists(st.tuples(st.integers(0, 3), mks.observations()), max_size=12),
        asked=st.lists(st.integers(0, 5), max_size=8),
        chunk=st.sampled_from([1, 2, 400]),
    )
    def test_observations_many_is_observations_per_business(
        self,
        store: Repository,
        items: list[tuple[int, mk.Observation]],
        asked: list[int],
        chunk: int,
    ) -> None:
        """Businesses 4 and 5 have no observations; ids may be asked twice, in any order."""
        ids = [f"B-{uuid.uuid4().hex[:8]}-{n}" for n in range(6)]  # fresh: the store is shared
        added = [attrs.evolve(o, business_id=ids[n]) for n, o in items]  # interleaved
        store.add_observations(added)
        wanted = [ids[n] for n in asked]
        with patch("mentorkit.store._base._CHUNK", chunk):
            found = store.observations_many(iter(wanted))
        assert found == {ident: store.observations(ident) for ident in wanted}
        assert list(found) == list(dict.fromkeys(wanted))  # keyed in the order asked
        for ident in wanted:
            assert found[ident] == [o for o in added if o.business_id == ident]

    def test_cohorts_enrol_known_businesses_once(self, store: Repository) -> None:
        store.put_programmes(
            [mk.Programme("P-1", "Gelombang 1", mk.ProgrammeKind.TRAINING, dt.date(2026, 1, 5))]
        )
        store.put_businesses([business("B-1"), business("B-2")])
        assert store.enrol("P-1", ["B-2", "B-1"]) == 2
        assert store.enrol("P-1", ["B-1"]) == 0
        assert store.cohort("P-1") == ["B-1", "B-2"]
        with pytest.raises(mk.NotFoundError, match="B-9"):
            store.enrol("P-1", ["B-9"])
        with pytest.raises(mk.NotFoundError, match="P-9"):
            store.enrol("P-9", ["B-1"])
        assert store.cohort("P-9") == []

    def test_projectors_fold_events_in_the_append_transaction(self, store: Repository) -> None:
        def count(record: mk.EventRecord, view: Any) -> None:
            view.put(record.kind, (view.get(record.kind) or 0) + 1)

        store.register_projector("count", count)
        store.append("case/1", 0, [event("case/1", 1, "a"), event("case/1", 2, "b")])
        store.append("case/2", 0, [event("case/2", 1, "a")])
        assert store.projection("count") == {"a": 2, "b": 1}

    def test_a_failing_projector_rolls_the_append_back(self, store: Repository) -> None:
        def fail_on_b(record: mk.EventRecord, view: Any) -> None:
            view.put(record.kind, True)
            if record.kind == "b":
                raise RuntimeError("projector broke")

        store.register_projector("strict", fail_on_b)
        with pytest.raises(RuntimeError, match="projector broke"):
            store.append("case/1", 0, [event("case/1", 1, "a"), event("case/1", 2, "b")])
        assert store.version("case/1") == 0
        assert store.projection("strict") == {}
        assert store.audit() == []

    # --- read_many: many streams, few queries

    @_FIXTURE_OK
    @given(
        sizes=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=6),
        bare=st.sets(st.sampled_from(["a", "b", "c"])),
        chunk=st.sampled_from([1, 2, 400]),
    )
    def test_read_many_is_read_per_stream(
        self, store: Repository, sizes: list[int], bare: set[str], chunk: int
    ) -> None:
        streams = [fresh("many") for _ in sizes]
        for stream, size in zip(streams, sizes, strict=True):
            if size:
                events = [event(stream, v, "abc"[v % 3], n=v, text="x") for v in range(1, size + 1)]
                store.append(stream, 0, events)
        with patch("mentorkit.store._base._CHUNK", chunk):
            found = store.read_many([*reversed(streams), fresh("none")], bare_kinds=bare)
        assert set(found) == {s for s, n in zip(streams, sizes, strict=True) if n}
        for stream in streams:
            expected = [
                attrs.evolve(e, data={}) if e.kind in bare else e for e in store.read(stream)
            ]
            assert found.get(stream, []) == expected

    @_FIXTURE_OK
    @given(
        sizes=st.lists(st.integers(min_value=1, max_value=3), min_size=1, max_size=4),
        bare=st.sets(st.sampled_from(["a", "b"])),
        without=st.dictionaries(
            st.sampled_from(["a", "b", "c"]),
            st.lists(
                st.sampled_from(["deep.inner", "deep", "text", "deep.inner.x", "gone.path", "n"]),
                max_size=3,
            ),
        ),
    )
    def test_read_many_leaves_out_paths(
        self,
        store: Repository,
        sizes: list[int],
        bare: set[str],
        without: dict[str, list[str]],
    ) -> None:
        streams = [fresh("trim") for _ in sizes]
        for stream, size in zip(streams, sizes, strict=True):
            events = [
                event(stream, v, "abc"[v % 3], n=v, text="é\u2028x", deep={"inner": [v], "keep": 1})
                for v in range(1, size + 1)
            ]
            store.append(stream, 0, events)
        found = store.read_many(streams, bare_kinds=bare, without=without)
        for stream in streams:
            expected = []
            for e in store.read(stream):
                data = {} if e.kind in bare else _without_paths(e.data, without.get(e.kind, ()))
                expected.append(attrs.evolve(e, data=data))
            assert found[stream] == expected

    def test_read_many_refuses_odd_paths(self, store: Repository) -> None:
        stream = fresh("trim")
        store.append(stream, 0, [event(stream, 1, "a", n=1)])
        for path in ("", "a..b", "$.a", "a[0]", "A", "a.b'); --"):
            with pytest.raises(ValueError, match="dotted path"):
                store.read_many([stream], without={"a": [path]})

    # --- read_values: a few fields of each payload, picked out by the database

    @_FIXTURE_OK
    @given(
        payloads=st.lists(st.lists(_NESTED, max_size=3), min_size=1, max_size=4),
        paths=st.dictionaries(
            st.sampled_from(["a", "b"]),
            st.lists(st.sampled_from(sorted(_VALUE_PATHS)), min_size=1, max_size=4),
        ),
        chunk=st.sampled_from([1, 2, 400]),
    )
    def test_read_values_picks_the_values_a_read_gives(
        self,
        store: Repository,
        payloads: list[list[dict[str, Any]]],
        paths: dict[str, list[str]],
        chunk: int,
    ) -> None:
        streams = [fresh("values") for _ in payloads]
        for stream, datas in zip(streams, payloads, strict=True):
            if datas:
                events = [
                    mk.EventRecord(
                        stream=stream, version=v, kind="abc"[v % 3], actor="u", at=AT, data=d
                    )
                    for v, d in enumerate(datas, start=1)
                ]
                store.append(stream, 0, events)
        with patch("mentorkit.store._base._CHUNK", chunk):
            found = store.read_values([*reversed(streams), fresh("none")], paths)
        assert set(found) == {s for s, datas in zip(streams, payloads, strict=True) if datas}
        for stream in streams:
            expected = [
                (e.kind, [_value_at(e.data, p) for p in paths[e.kind]] if e.kind in paths else None)
                for e in store.read(stream)
            ]
            assert found.get(stream, []) == expected

    def test_read_values_refuses_odd_paths(self, store: Repository) -> None:
        stream = fresh("values")
        store.append(stream, 0, [event(stream, 1, "a", n=1)])
        for path in ("", "a..b", "$.a", "a[0]", "A", "a.b'); --", "a.0"):
            with pytest.raises(ValueError, match="dotted path"):
                store.read_values([stream], {"a": [path]})
        with pytest.raises(ValueError, match="no path"):
            store.read_values([stream], {"a": []})
        assert store.read_values([stream], {}) == {stream: [("a", None)]}

    @_FIXTURE_OK
    @given(
        sizes=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=6),
        chunk=st.sampled_from([1, 2, 400]),
    )
    def test_versions_is_version_per_stream(
        self, store: Repository, sizes: list[int], chunk: int
    ) -> None:
        streams = [fresh("ver") for _ in sizes]
        for stream, size in zip(streams, sizes, strict=True):
            if size:
                store.append(stream, 0, [event(stream, v) for v in range(1, size + 1)])
        asked = [*reversed(streams), fresh("none"), streams[0]]  # one unknown, one twice
        with patch("mentorkit.store._base._CHUNK", chunk):
            found = store.versions(asked)  # type: ignore[attr-defined]  # the SQL stores' own
        assert found == {stream: store.version(stream) for stream in asked}
        assert list(found) == list(dict.fromkeys(asked))
        assert [found[s] for s in streams] == sizes

    # --- append_many: many streams, one transaction

    def test_append_many_writes_every_stream_and_returns_versions(self, store: Repository) -> None:
        store.append("bulk/2", 0, [event("bulk/2", 1)])
        versions = store.append_many(
            [
                ("bulk/1", 0, [event("bulk/1", 1, "a"), event("bulk/1", 2, "b")]),
                ("bulk/2", 1, [event("bulk/2", 2, "c")]),
                ("bulk/3", 0, []),
            ]
        )
        assert versions == [2, 2, 0]
        assert [e.kind for e in store.read("bulk/1")] == ["a", "b"]
        assert [e.kind for e in store.read("bulk/2")] == ["note", "c"]
        assert store.version("bulk/3") == 0
        assert [a.entity_id for a in store.audit() if a.action == "append"] == [
            "bulk/2",
            "bulk/1",
            "bulk/2",
        ]

    def test_append_many_with_one_stale_stream_stores_nothing(self, store: Repository) -> None:
        store.append("bulk/2", 0, [event("bulk/2", 1)])
        with pytest.raises(mk.ConflictError, match="'bulk/2' is at version 1"):
            store.append_many(
                [
                    ("bulk/1", 0, [event("bulk/1", 1)]),
                    ("bulk/2", 0, [event("bulk/2", 1, "late")]),
                ]
            )
        assert store.version("bulk/1") == 0
        assert [e.kind for e in store.read("bulk/2")] == ["note"]

    def test_append_many_refuses_a_stream_twice_or_a_wrong_version(self, store: Repository) -> None:
        with pytest.raises(ValueError, match="twice"):
            store.append_many(
                [("bulk/1", 0, [event("bulk/1", 1)]), ("bulk/1", 1, [event("bulk/1", 2)])]
            )
        with pytest.raises(ValueError, match="version 1"):
            store.append_many([("bulk/1", 0, [event("bulk/1", 2)])])
        assert store.version("bulk/1") == 0

    def test_append_many_runs_projectors_and_rolls_back_with_them(self, store: Repository) -> None:
        def fail_on_b(record: mk.EventRecord, view: Any) -> None:
            view.put(f"{record.stream}/{record.version}", record.kind)
            if record.kind == "b":
                raise RuntimeError("projector broke")

        store.register_projector("strict", fail_on_b)
        store.append_many([("bulk/1", 0, [event("bulk/1", 1, "a")])])
        assert store.projection("strict") == {"bulk/1/1": "a"}
        with pytest.raises(RuntimeError, match="projector broke"):
            store.append_many(
                [("bulk/2", 0, [event("bulk/2", 1, "a")]), ("bulk/3", 0, [event("bulk/3", 1, "b")])]
            )
        assert store.version("bulk/2") == 0
        assert store.projection("strict") == {"bulk/1/1": "a"}

    @_FIXTURE_OK
    @given(sizes=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=5))
    def test_append_many_reads_back_like_one_append_per_stream(
        self, store: Repository, sizes: list[int]
    ) -> None:
        bulk = [fresh("many") for _ in sizes]
        single = [fresh("one") for _ in sizes]
        store.append_many(
            [
                (s, 0, [event(s, v, f"k{v}") for v in range(1, n + 1)])
                for s, n in zip(bulk, sizes, strict=True)
            ]
        )
        for s, n in zip(single, sizes, strict=True):
            store.append(s, 0, [event(s, v, f"k{v}") for v in range(1, n + 1)])
        for b, s in zip(bulk, single, strict=True):
            assert [(e.version, e.kind, e.data) for e in store.read(b)] == [
                (e.version, e.kind, e.data) for e in store.read(s)
            ]

    def test_a_rebuilt_projection_equals_the_live_one(self, store: Repository) -> None:
        def kinds(record: mk.EventRecord, view: Any) -> None:
            view.put(f"{record.stream}/{record.version}", record.kind)

        for n in range(3):
            store.append(f"case/{n}", 0, [event(f"case/{n}", 1, "a"), event(f"case/{n}", 2, "b")])
        store.register_projector("kinds", kinds)
        assert store.projection("kinds") == {}
        store.rebuild_projection("kinds")
        rebuilt = store.projection("kinds")
        assert len(rebuilt) == 6
        assert store.projection("kinds", "case/1/") == {"case/1/1": "a", "case/1/2": "b"}

    def test_caseload_follows_assignment_reassignment_and_closing(self, store: Repository) -> None:
        s1, s2 = "case/C-1", "case/C-2"
        store.append(
            s1, 0, [event(s1, 1, "mentor.assigned", mentor_id="M-1", assigned_on="2026-01-05")]
        )
        store.append(
            s2, 0, [event(s2, 1, "mentor.assigned", mentor_id="M-1", assigned_on="2026-01-06")]
        )
        assert store.caseload("M-1") == [s1, s2]
        store.append(
            s1,
            1,
            [event(s1, 2, "mentor.reassigned", mentor_id="M-2", previous_mentor_id="M-1")],
        )
        assert store.caseload("M-1") == [s2]
        assert store.caseload("M-2") == [s1]
        store.append(s2, 1, [event(s2, 2, "case.closed", outcome="graduated")])
        assert store.caseload("M-1") == []
        assert set(store.projection(CASELOAD)) == {f"mentor/M-2/{s1}", f"case/{s1}"}

    def test_the_referral_queue_follows_each_referral(self, store: Repository) -> None:
        s = "case/C-1"
        proposed = {
            "referral_id": "R-1",
            "referral": {
                "business_id": "B-1",
                "unit": "facilitation",
                "rule_id": "kur",
                "proposed_on": "2026-02-01",
            },
        }
        store.append(s, 0, [event(s, 1, "referral.proposed", **proposed)])
        (queued,) = store.referral_queue("facilitation")
        assert (queued["status"], queued["business_id"], queued["due"]) == ("proposed", "B-1", None)
        store.append(
            s,
            1,
            [
                event(
                    s, 2, "referral.sent", referral_id="R-1", sent_on="2026-02-02", due="2026-02-16"
                )
            ],
        )
        (queued,) = store.referral_queue("facilitation")
        assert (queued["status"], queued["due"]) == ("sent", "2026-02-16")
        assert store.referral_queue("cooperative") == []
        store.append(s, 2, [event(s, 3, "referral.completed", referral_id="R-1")])
        assert store.referral_queue("facilitation") == []


class TestSQLiteRepository(RepositoryContract):
    """The repository contract holds for SQLite."""

    @pytest.fixture
    def store(self, make_sqlite_store: Callable[..., SQLiteStore]) -> Repository:
        return make_sqlite_store()

    @pytest.fixture
    def raw(self, store: Any) -> Iterator[Callable[[str], Any]]:
        conn = sqlite3.connect(store.path, isolation_level=None)
        yield lambda sql: conn.execute(sql)
        conn.close()

    @_FIXTURE_OK
    @given(items=st.lists(mks.observations(), min_size=1, max_size=8))
    def test_observations_are_stored_as_encode_writes_them(
        self, store: Repository, raw: Callable[[str], Any], items: list[mk.Observation]
    ) -> None:
        """Observations are written with the converter's hook, called directly: the text
        :func:`mentorkit.encode` gives, for an Observation as for a subclass."""

        class Later(mk.Observation):
            __slots__ = ()

        tag = f"B-{uuid.uuid4().hex}"  # fresh: the store is shared between examples
        items = [attrs.evolve(o, business_id=tag) for o in items]
        items[0] = Later(*attrs.astuple(items[0], recurse=False))
        store.add_observations(items)
        rows = raw(f"SELECT data FROM observations WHERE business_id = '{tag}' ORDER BY seq")
        assert [text for (text,) in rows] == [dumpb(mk.encode(o)).decode() for o in items]


@pytest.mark.postgres
class TestPostgresRepository(RepositoryContract):
    """The repository contract holds for PostgreSQL."""

    @pytest.fixture
    def store(self, make_pg_store: Callable[..., PostgresStore]) -> Repository:
        return make_pg_store()

    @pytest.fixture
    def raw(self, store: Any, pg_dsn: str) -> Iterator[Callable[[str], Any]]:
        import psycopg

        conn = psycopg.connect(pg_dsn, autocommit=True)
        conn.execute(f"SET search_path TO {store.schema}")
        yield lambda sql: conn.execute(sql)
        conn.close()


# --------------------------------------------------------------------------- SQLite specifics


class TestSQLiteSettings:
    """SQLite runs in WAL mode with synchronous=FULL, foreign keys and secure delete on."""

    def test_pragmas(self, make_sqlite_store: Callable[..., SQLiteStore]) -> None:
        store = make_sqlite_store()
        conn = store._conn()
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
        assert store.integrity_check() == ["ok"]

    def test_synchronous_is_configurable(
        self, make_sqlite_store: Callable[..., SQLiteStore]
    ) -> None:
        store = make_sqlite_store(synchronous="normal")
        assert store._conn().execute("PRAGMA synchronous").fetchone()[0] == 1
        with pytest.raises(ValueError, match="OFF"):
            make_sqlite_store(synchronous="off")

    def test_two_store_objects_on_one_file_see_each_other(
        self, make_sqlite_store: Callable[..., SQLiteStore]
    ) -> None:
        first, second = make_sqlite_store(), make_sqlite_store()
        first.append("case/1", 0, [event("case/1", 1)])
        with pytest.raises(mk.ConflictError):
            second.append("case/1", 0, [event("case/1", 1)])
        assert second.read("case/1") == first.read("case/1")

    def test_a_closed_store_refuses_work(
        self, make_sqlite_store: Callable[..., SQLiteStore]
    ) -> None:
        store = make_sqlite_store()
        store.close()
        with pytest.raises(RuntimeError, match="closed"):
            store.version("case/1")


_MISSING = object()


def at_path(data: Any, path: str) -> Any:
    """The value at dotted ``path`` in JSON-ready ``data`` (``_MISSING`` if absent)."""
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return _MISSING
        data = data[part]
    return data


class TestAuditedFields:
    """The audit names exactly the fields that changed, by path, never their values."""

    @settings(max_examples=min(settings.default.max_examples, 60))
    @given(first=mks.businesses(), second=mks.businesses())
    def test_the_fields_named_are_the_fields_that_differ(
        self, first: mk.Business, second: mk.Business
    ) -> None:
        second = attrs.evolve(second, id=first.id)
        with SQLiteStore(":memory:") as store:
            store.put_businesses([first])
            store.put_businesses([second])
            trail = store.audit(first.id)
        old, new = mk.encode(first), mk.encode(second)
        if first == second:
            assert len(trail) == 1
            return
        fields = trail[-1].fields
        assert fields
        for path in fields:
            assert at_path(old, path) != at_path(new, path)
        for key in old:
            if old[key] != new[key]:
                assert any(f == key or f.startswith(f"{key}.") for f in fields)


@pytest.mark.postgres
class TestPostgresSetup:
    """The PostgreSQL the tests use is reached as an ordinary role, as in production."""

    def test_the_role_is_not_a_superuser(self, make_pg_store: Callable[..., PostgresStore]) -> None:
        store = make_pg_store()
        with store._read() as tx:
            ((superuser,),) = tx.execute(
                "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
            )
        assert superuser is False


class TestOpenStore:
    """open_store picks the backend from a URL or a path."""

    def test_paths_and_sqlite_urls(self, tmp_path: Any) -> None:
        for target in (tmp_path / "a.db", str(tmp_path / "b.db"), f"sqlite:///{tmp_path}/c.db"):
            store = open_store(target)
            assert isinstance(store, SQLiteStore)
            store.put_businesses([business("B-1")])
            store.close()
        assert sorted(p.name for p in tmp_path.glob("*.db")) == ["a.db", "b.db", "c.db"]

    def test_memory(self) -> None:
        for target in (":memory:", "sqlite://", "sqlite:///:memory:"):
            store = open_store(target)
            assert isinstance(store, SQLiteStore)
            assert store.path == ":memory:"
            store.close()

    def test_a_host_in_an_sqlite_url_is_refused(self) -> None:
        with pytest.raises(ValueError, match="no host"):
            open_store("sqlite://server/x.db")

    @pytest.mark.postgres
    def test_postgres_urls(self, pg_dsn: str) -> None:
        store = open_store(pg_dsn)
        assert isinstance(store, PostgresStore)
        assert "@" not in repr(store)  # the DSN (and its password) is never shown
        store.close()

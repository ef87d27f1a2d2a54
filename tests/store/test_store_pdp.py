"""Personal-data duties (UU PDP 27/2022): export, correct, erase, with a pseudonymous audit.

User stories: a business owner asks the office what it holds on her; she
reports a wrong phone number; she withdraws and asks to be erased.
"""

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit.store import ERASED, PostgresStore, Repository, SQLiteStore, pseudonym
from mentorkit.testing import strategies as mks

KEY = b"office-secret-key-kept-outside-the-db"
NIK = "3674014512800001"
PHONE = "081234567890"
NAME = "Siti Aminah"
OTHER_NIK = "3674025506790002"
AT = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@attrs.frozen
class Who:
    """A minimal acting user (``mentorkit.cases.Actor`` fits the same protocol)."""

    id: str
    role: str


COORDINATOR = Who("coord-1", "coordinator")
MENTOR = Who("mentor-1", "mentor")


def owned_by(
    ident: str, nik: str, name: str, phone: str | None, address: str = "Jl. Kenanga 7, RT 02"
) -> mk.Business:
    """A business owned by the given person."""
    return mk.Business(
        id=ident,
        name=f"Katering {ident}",
        owner=mk.Person(name=name, nik=nik, phone=phone, gender=mk.Gender.FEMALE),
        sector=mk.Sector.CULINARY,
        district="Ciputat",
        address=address,
    )


def seed(store: Repository) -> None:
    """Two of her businesses, one of someone else, a case, a wave and observations."""
    mine = [owned_by("B-1", NIK, NAME, PHONE), owned_by("B-2", NIK, NAME, PHONE)]
    store.put_businesses(
        [*mine, owned_by("B-3", OTHER_NIK, "Budi Santoso", "085711112222", "Jl. Melati 1")]
    )
    store.put_programmes(
        [mk.Programme("P-1", "Gelombang 1", mk.ProgrammeKind.TRAINING, dt.date(2026, 1, 5))]
    )
    store.enrol("P-1", ["B-1", "B-3"])
    store.add_observations(
        [
            mk.Observation(
                "B-1",
                "acc",
                "books",
                True,
                dt.date(2026, 2, 1),
                evidence=f"{NAME} showed her ledger",
            ),
            mk.Observation("B-3", "acc", "books", False, dt.date(2026, 2, 1)),
        ]
    )
    opened = {
        "case_id": "C-1",
        "business": mk.encode(mine[0]),
        "programme_id": "P-1",
        "opened_on": "2026-01-05",
        "schema": 1,
    }
    session = {"session": {"id": "S-1", "notes": f"called {PHONE}; {NAME} will bring receipts"}}
    store.append(
        "case/C-1",
        0,
        [
            mk.EventRecord("case/C-1", 1, "case.opened", "coord-1", AT, opened),
            mk.EventRecord("case/C-1", 2, "session.logged", "mentor-1", AT, session),
        ],
    )
    other = {
        "case_id": "C-3",
        "business": mk.encode(owned_by("B-3", OTHER_NIK, "Budi Santoso", None, "Jl. Melati 1")),
    }
    store.append(
        "case/C-3", 0, [mk.EventRecord("case/C-3", 1, "case.opened", "coord-1", AT, other)]
    )
    store.append(
        "wave/P-1",
        0,
        [
            mk.EventRecord(
                "wave/P-1", 1, "participant.enrolled", "coord-1", AT, {"business_id": "B-1"}
            ),
            mk.EventRecord(
                "wave/P-1", 2, "participant.enrolled", "coord-1", AT, {"business_id": "B-3"}
            ),
        ],
    )


def dump(raw: Callable[[str], list[tuple[Any, ...]]]) -> str:
    """Every row of every table, as text."""
    return repr(
        [
            raw(f"SELECT * FROM {table}")
            for table in ("businesses", "observations", "events", "projections", "audit", "cohorts")
        ]
    )


class PDPContract:
    """The data-subject rights, for any SQL backend."""

    @pytest.fixture
    def store(self) -> Repository:
        raise NotImplementedError

    @pytest.fixture
    def raw(self, store: Any) -> Callable[[str], list[tuple[Any, ...]]]:
        raise NotImplementedError

    def test_only_a_coordinator_may_act(self, store: Repository) -> None:
        seed(store)
        for call in (
            lambda: store.export_person(MENTOR, KEY, NIK),
            lambda: store.correct_person(MENTOR, KEY, NIK, {"phone": "089999888777"}),
            lambda: store.erase_person(MENTOR, KEY, NIK),
        ):
            with pytest.raises(mk.AccessDeniedError, match="coordinator"):
                call()
        assert store.get_business("B-1").owner.nik == NIK

    def test_export_holds_everything_on_her_and_nothing_else(self, store: Repository) -> None:
        seed(store)
        export = store.export_person(COORDINATOR, KEY, NIK)
        assert json.loads(json.dumps(export)) == export  # JSON-ready, as the person gets it
        assert [b["id"] for b in export["businesses"]] == ["B-1", "B-2"]
        assert export["businesses"][0]["owner"]["nik"] == NIK  # for her: unmasked
        assert [o["business_id"] for o in export["observations"]] == ["B-1"]
        assert export["cohorts"] == [{"programme_id": "P-1", "business_id": "B-1"}]
        assert [(e["stream"], e["version"]) for e in export["events"]] == [
            ("case/C-1", 1),
            ("case/C-1", 2),
            ("wave/P-1", 1),
        ]
        assert {a["entity_id"] for a in export["audit"]} <= {"B-1", "B-2", export["subject"]}
        assert "Budi" not in repr(export)
        assert OTHER_NIK not in repr(export)
        assert export["subject"] == pseudonym(KEY, NIK)
        assert store.audit(export["subject"])[-1].action == "export"

    def test_correction_fixes_every_record_and_audits_names_only(self, store: Repository) -> None:
        seed(store)
        assert store.correct_person(COORDINATOR, KEY, NIK, {"phone": "089999888777"}) == 2
        assert store.get_business("B-2").owner.phone == "089999888777"
        assert store.get_business("B-3").owner.phone == "085711112222"
        entry = store.audit("B-1")[-1]
        assert (entry.action, entry.fields, entry.subject) == (
            "correct",
            ("owner.phone",),
            pseudonym(KEY, NIK),
        )
        assert "089999888777" not in repr(store.audit())

    def test_a_bad_correction_changes_nothing_and_names_the_field(self, store: Repository) -> None:
        seed(store)
        with pytest.raises(mk.DecodeError, match=r"\$\.nik") as caught:
            store.correct_person(COORDINATOR, KEY, NIK, {"nik": "12AB"})
        assert "12AB" not in str(caught.value)
        with pytest.raises(ValueError, match="address"):
            store.correct_person(COORDINATOR, KEY, NIK, {"address": "elsewhere"})
        with pytest.raises(mk.NotFoundError):
            store.correct_person(COORDINATOR, KEY, "3674000000000000", {"name": "X"})
        assert store.get_business("B-1").owner.nik == NIK

    def test_a_new_nik_moves_her_records(self, store: Repository) -> None:
        seed(store)
        new = "3674014512800009"
        store.correct_person(COORDINATOR, KEY, NIK, {"nik": new})
        assert [b["id"] for b in store.export_person(COORDINATOR, KEY, new)["businesses"]] == [
            "B-1",
            "B-2",
        ]
        assert store.export_person(COORDINATOR, KEY, NIK)["businesses"] == []

    def test_erasure_removes_her_everywhere(
        self, store: Repository, raw: Callable[[str], list[tuple[Any, ...]]]
    ) -> None:
        seed(store)
        assert store.erase_person(COORDINATOR, KEY, NIK) >= 4
        b1 = store.get_business("B-1")
        assert (b1.owner.name, b1.owner.nik, b1.owner.phone, b1.address) == (
            ERASED,
            None,
            None,
            None,
        )
        assert store.get_business("B-3").owner.nik == OTHER_NIK  # others untouched
        text = dump(raw)
        for secret in (NIK, PHONE, NAME, "Jl. Kenanga 7"):
            assert secret not in text
        assert "Budi Santoso" in text
        assert OTHER_NIK in text
        (opened, logged) = store.read("case/C-1")
        assert opened.data["business"]["owner"] == {
            "name": ERASED,
            "nik": None,
            "phone": None,
            "gender": None,
        }
        assert mk.decode(opened.data["business"], mk.Business).id == "B-1"
        assert logged.data["session"]["notes"] == f"called {ERASED}; {ERASED} will bring receipts"
        assert store.observations("B-1")[0].evidence == f"{ERASED} showed her ledger"
        assert store.export_person(COORDINATOR, KEY, NIK)["businesses"] == []

    def test_the_audit_keeps_only_a_keyed_pseudonym(
        self, store: Repository, raw: Callable[[str], list[tuple[Any, ...]]]
    ) -> None:
        seed(store)
        store.erase_person(COORDINATOR, KEY, NIK)
        erased = [a for a in store.audit() if a.action == "erase"]
        assert erased
        assert {a.subject for a in erased} == {pseudonym(KEY, NIK)}
        plain = hashlib.sha256(NIK.encode()).hexdigest()
        text = dump(raw)
        assert plain not in text  # not a plain hash: that is brute-forced in minutes
        assert KEY.decode() not in text  # the key is never stored
        assert pseudonym(KEY, NIK) != pseudonym(b"another-office-key-0000", NIK)


class TestPseudonym:
    """The pseudonym is a keyed HMAC-SHA256."""

    @given(nik=mks.niks(), other=mks.niks())
    def test_equal_niks_equal_pseudonyms(self, nik: str, other: str) -> None:
        assert pseudonym(KEY, nik) == pseudonym(KEY, nik)
        assert (pseudonym(KEY, nik) == pseudonym(KEY, other)) == (nik == other)
        assert nik not in pseudonym(KEY, nik)

    @given(key=st.binary(max_size=15))
    def test_short_keys_are_refused(self, key: bytes) -> None:
        with pytest.raises(ValueError, match="16 bytes"):
            pseudonym(key, NIK)


class TestSQLitePDP(PDPContract):
    """PDP duties on SQLite; erased data is gone from the file itself."""

    @pytest.fixture
    def store(self, make_sqlite_store: Callable[..., SQLiteStore]) -> Repository:
        return make_sqlite_store()

    @pytest.fixture
    def raw(self, store: Any) -> Callable[[str], list[tuple[Any, ...]]]:
        return lambda sql: store._conn().execute(sql).fetchall()

    def test_no_copy_stays_in_the_database_files(self, store: Any) -> None:
        seed(store)
        store.erase_person(COORDINATOR, KEY, NIK)
        store.close()
        for path in Path(store.path).parent.glob(Path(store.path).name + "*"):
            data = path.read_bytes()
            for secret in (NIK, PHONE, NAME):
                assert secret.encode() not in data, path.name


@pytest.mark.postgres
class TestPostgresPDP(PDPContract):
    """PDP duties on PostgreSQL."""

    @pytest.fixture
    def store(self, make_pg_store: Callable[..., PostgresStore]) -> Repository:
        return make_pg_store()

    @pytest.fixture
    def raw(self, store: Any) -> Callable[[str], list[tuple[Any, ...]]]:
        def run(sql: str) -> list[tuple[Any, ...]]:
            with store._read() as tx:
                return tx.execute(sql)

        return run

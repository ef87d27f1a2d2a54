"""Spreadsheet import: flat columns to strict models, bad rows reported, good rows kept."""

import contextlib
import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import fast_decoding
from mentorkit import (
    Business,
    DecodeError,
    Mentor,
    MentorkitError,
    Observation,
    Person,
    decode,
    encode,
)
from mentorkit.demo import generate_cohort, observations_for
from mentorkit.io import (
    KINDS,
    MissingExtraError,
    guess_kind,
    import_file,
    iter_rows,
    record_to_row,
    stream_file,
    write_table,
)
from mentorkit.io import _import as io_import
from mentorkit.io._columns import cell_picker, observation_cells, observation_row, row_to_data
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SAMPLE_RUBRIC

pytest.importorskip("openpyxl")

_TMP = settings(
    max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)


def _stripped(business: Business) -> Business:
    """What a spreadsheet keeps of a business: text cells lose surrounding spaces."""
    owner = attrs.evolve(business.owner, name=business.owner.name.strip())
    return attrs.evolve(
        business,
        name=business.name.strip(),
        address=None if business.address is None else business.address.strip(),
        owner=owner,
    )


def _write_businesses(path: Path, rows: list[dict[str, object]]) -> Path:
    return write_table(path, KINDS["businesses"].column_names, rows)


def _good_rows(count: int = 6) -> list[dict[str, object]]:
    cohort = generate_cohort(11, businesses=count, mentors=1)
    return [record_to_row(b, "businesses") for b in cohort.businesses]


class TestRoundTrip:
    """What is exported as rows imports back as the same records."""

    @_TMP
    @given(
        items=st.lists(mks.businesses(), min_size=1, max_size=5),
        ext=st.sampled_from(["csv", "xlsx", "jsonl"]),
    )
    def test_businesses(self, tmp_path: Path, items: list[Business], ext: str) -> None:
        items = [attrs.evolve(b, id=f"{b.id}-{i}") for i, b in enumerate(items)]
        path = tmp_path / f"businesses.{ext}"
        if ext == "jsonl":
            path.write_text("".join(json.dumps(encode(b)) + "\n" for b in items), "utf-8")
            expected = items
        else:
            _write_businesses(path, [record_to_row(b, "businesses") for b in items])
            expected = [_stripped(b) for b in items]
        result = import_file(path)
        assert result.errors == ()
        assert list(result.records) == expected

    @_TMP
    @given(items=st.lists(mks.mentors(), min_size=1, max_size=4))
    def test_mentors(self, tmp_path: Path, items: list[Mentor]) -> None:
        items = [
            attrs.evolve(
                m,
                id=f"{m.id}-{i}",
                name=m.name.strip(),
                affiliation=None if m.affiliation is None else m.affiliation.strip(),
            )
            for i, m in enumerate(items)
        ]
        path = write_table(
            tmp_path / "mentors.csv",
            KINDS["mentors"].column_names,
            [record_to_row(m, "mentors") for m in items],
        )
        result = import_file(path)
        assert result.errors == ()
        assert list(result.records) == items

    def test_observations_keep_their_answer_types(self, tmp_path: Path) -> None:
        cohort = generate_cohort(5, businesses=8, mentors=1)
        observations = list(observations_for(cohort, [SAMPLE_RUBRIC]))
        kinds = {type(o.value) for o in observations}
        assert kinds == {bool, int, str}, "the sample rubric has all three answer kinds"
        path = write_table(
            tmp_path / "observations.xlsx",
            KINDS["observations"].column_names,
            [record_to_row(o, "observations") for o in observations],
        )
        result = import_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
        assert result.errors == ()
        assert list(result.records) == observations

    @_TMP
    @given(
        items=st.lists(mks.observations(), min_size=1, max_size=6),
        damage=st.none()
        | st.tuples(
            st.integers(min_value=0),
            st.sampled_from([("value", 2.5), ("observed_on", "2025-02-30"), ("criterion_id", " ")]),
        ),
    )
    def test_observation_lines_import_as_written(
        self,
        tmp_path: Path,
        items: list[Observation],
        damage: tuple[int, tuple[str, object]] | None,
    ) -> None:
        # JSON Lines keep the answer types: plainly valid lines take the fast check, a damaged
        # one the strict decoder, which names its field; the other lines are kept.
        lines = [encode(o) for o in items]
        broken = None
        if damage is not None:
            broken = damage[0] % len(items)
            name, bad = damage[1]
            lines[broken][name] = bad
        path = tmp_path / "observations.jsonl"
        path.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
        result = import_file(path)
        kept = [o for i, o in enumerate(items) if i != broken]
        assert list(result.records) == kept
        if damage is None:
            assert result.errors == ()
        else:
            (error,) = result.errors
            assert error.row == broken + 1
            assert error.issues[0].path == f"$.{damage[1][0]}"


class TestBadRows:
    """Each bad row is reported with file, row number, id and field path; good rows stay."""

    @pytest.mark.parametrize("ext", ["csv", "xlsx"])
    def test_bad_rows_reported_good_rows_kept(self, tmp_path: Path, ext: str) -> None:
        rows = _good_rows(7)
        rows[6]["sector"] = "mining"  # not a sector
        rows[1]["owner_nik"] = "12345"  # too short
        rows[2]["capital"] = "12,5"  # a fraction, not whole rupiah
        rows[3]["founded"] = "2020-02-30"  # no such day
        rows[4]["licences"] = "halal"  # no number
        path = _write_businesses(tmp_path / f"businesses.{ext}", rows)
        result = import_file(path)
        assert result.rows == 7
        assert [r.id for r in result.records] == [rows[0]["id"], rows[5]["id"]]
        found = {(e.row, e.record, e.issues[0].path) for e in result.errors}
        # Row 1 is the header, so the n-th data row is spreadsheet row n + 1.
        assert found == {
            (3, rows[1]["id"], "$.owner.nik"),
            (4, rows[2]["id"], "$.capital"),
            (5, rows[3]["id"], "$.founded"),
            (6, rows[4]["id"], "$.licences"),
            (8, rows[6]["id"], "$.sector"),
        }
        assert all(e.file == path.name for e in result.errors)

    def test_errors_never_repeat_personal_data(self, tmp_path: Path) -> None:
        rows = _good_rows(2)
        rows[0]["owner_nik"] = "36740100000000019"  # 17 digits
        rows[1]["owner_phone"] = "call-me-081234"
        path = _write_businesses(tmp_path / "businesses.csv", rows)
        text = " ".join(str(e) for e in import_file(path).errors)
        assert "$.owner.nik" in text
        assert "$.owner.phone" in text
        assert "36740100000000019" not in text
        assert "081234" not in text

    def test_missing_required_and_unknown_columns(self, tmp_path: Path) -> None:
        path = tmp_path / "businesses.csv"
        path.write_text(
            "id,name,sector,district,owner_name,colour\n"
            "B-1,Warung,culinary,Setu,Sari,\n"
            "B-2,,culinary,Setu,Sari,\n"
            "B-3,Toko,craft,Setu,Dewi,blue\n",
            "utf-8",
        )
        result = import_file(path)
        assert [b.id for b in result.records] == ["B-1"]
        by_row = {e.row: [str(i) for i in e.issues] for e in result.errors}
        assert by_row[3] == ["$.name: required field missing"]
        assert by_row[4] == ["$: unknown column 'colour'"]

    def test_repeated_id_is_an_error_on_the_later_row(self, tmp_path: Path) -> None:
        rows = _good_rows(3)
        rows[2]["id"] = rows[0]["id"]
        result = import_file(_write_businesses(tmp_path / "businesses.csv", rows))
        assert len(result.records) == 2
        assert [(e.row, e.issues[0].path) for e in result.errors] == [(4, "$.id")]

    def test_bad_json_line(self, tmp_path: Path) -> None:
        cohort = generate_cohort(2, businesses=2, mentors=1)
        good = [json.dumps(encode(b)) for b in cohort.businesses]
        path = tmp_path / "businesses.jsonl"
        path.write_text(f"{good[0]}\n{{oops\n\n{good[1]}\n", "utf-8")
        result = import_file(path)
        assert len(result.records) == 2
        assert [e.row for e in result.errors] == [2]

    def test_bytes_that_are_not_utf8_reject_their_rows_only(self, tmp_path: Path) -> None:
        """A file saved as Latin-1 or Windows-1252 (Excel's plain "CSV"), in part."""
        rows = _good_rows(4)
        path = _write_businesses(tmp_path / "businesses.csv", rows)
        raw = path.read_bytes()
        raw = raw.replace(str(rows[1]["name"]).encode(), "Kopi Caf\u00e9".encode("cp1252"))
        raw = raw.replace(str(rows[3]["id"]).encode(), b"TSL-\xe9-9")
        path.write_bytes(raw)
        result = import_file(path)
        assert [b.id for b in result.records] == [rows[0]["id"], rows[2]["id"]]
        found = [(e.row, e.record, [str(i) for i in e.issues]) for e in result.errors]
        problem = "not UTF-8 text: save the file as UTF-8 (in Excel: CSV UTF-8)"
        assert found == [
            (3, rows[1]["id"], [f"$.name: column name: {problem}"]),
            (5, "TSL-\ufffd-9", [f"$.id: column id: {problem}"]),  # shown, not a lone surrogate
        ]

    def test_an_observations_file_not_in_utf8_keeps_its_good_rows(self, tmp_path: Path) -> None:
        path = tmp_path / "observations.csv"
        path.write_bytes(
            b"business_id,rubric_id,criterion_id,value,observed_on,evidence\n"
            b"B-1,sample-bookkeeping,separate-money,yes,2026-02-01,buku kas\n"
            b"B-1,sample-bookkeeping,separate-money,yes,2026-02-02,nota \xb2\n"
        )
        result = import_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
        assert [o.evidence for o in result.records] == ["buku kas"]
        assert [(e.row, e.issues[0].path) for e in result.errors] == [(3, "$.evidence")]
        assert "not UTF-8 text" in str(result.errors[0])

    def test_a_json_line_not_in_utf8_is_rejected_as_the_batch_rejects_it(
        self, tmp_path: Path
    ) -> None:
        cohort = generate_cohort(2, businesses=2, mentors=1)
        good = [json.dumps(encode(b), ensure_ascii=False).encode() for b in cohort.businesses]
        bad = good[1].replace(cohort.businesses[1].name.encode(), b"Caf\xe9")
        path = tmp_path / "businesses.jsonl"
        path.write_bytes(good[0] + b"\n" + bad + b"\n")
        result = import_file(path)
        assert [b.id for b in result.records] == [cohort.businesses[0].id]
        assert [(e.row, [str(i) for i in e.issues]) for e in result.errors] == [
            (2, ["$: not valid JSON (not UTF-8)"])
        ]


class TestCells:
    """Empty cells mean 'not given'; numbers and dates are read the way offices type them."""

    def test_empty_cells_are_none_not_empty_or_zero(self, tmp_path: Path) -> None:
        path = tmp_path / "businesses.csv"
        path.write_text(
            "id,name,sector,district,owner_name,capital,annual_sales,nib,address,owner_nik\n"
            "B-1,Warung,culinary,Setu,Sari,,  ,,,\n",
            "utf-8",
        )
        (business,) = import_file(path).records
        assert business.capital is None
        assert business.annual_sales is None
        assert business.nib is None
        assert business.address is None
        assert business.owner == Person(name="Sari")
        assert business.employees == 0  # the model's default

    @pytest.mark.parametrize(
        ("cell", "expected"),
        [("1500000", 1_500_000), ("1.500.000", 1_500_000), ("1,500,000", 1_500_000)],
    )
    def test_grouped_thousands(self, tmp_path: Path, cell: str, expected: int) -> None:
        path = tmp_path / "b.csv"
        path.write_text(
            f'id,name,sector,district,owner_name,capital\nB-1,W,culinary,Setu,S,"{cell}"\n',
            "utf-8",
        )
        (business,) = import_file(path, "businesses").records
        assert business.capital == expected

    def test_xlsx_native_dates_and_numbers(self, tmp_path: Path) -> None:
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(["id", "name", "sector", "district", "owner_name", "founded", "capital"])
        sheet.append(["B-1", "W", "culinary", "Setu", "S", dt.datetime(2019, 5, 1), 2500000.0])
        sheet.append(["B-2", "W", "culinary", "Setu", "S", "2019-05-01", 2.5])
        path = tmp_path / "businesses.xlsx"
        book.save(path)
        result = import_file(path)
        assert [(b.founded, b.capital) for b in result.records] == [
            (dt.date(2019, 5, 1), 2_500_000)
        ]
        assert result.errors[0].issues[0].path == "$.capital"

    def test_yes_no_in_both_languages(self, tmp_path: Path) -> None:
        path = tmp_path / "cooperatives.csv"
        path.write_text(
            "id,name,district,savings_and_loan\nK-1,A,Setu,ya\nK-2,B,Setu,tidak\nK-3,C,Setu,yes\n",
            "utf-8",
        )
        result = import_file(path)
        assert [c.savings_and_loan for c in result.records] == [True, False, True]

    def test_text_starting_with_equals_is_not_a_formula(self, tmp_path: Path) -> None:
        rows = _good_rows(1)
        rows[0]["name"] = "=HYPERLINK(1)"
        path = _write_businesses(tmp_path / "businesses.xlsx", rows)
        openpyxl = pytest.importorskip("openpyxl")
        cell = openpyxl.load_workbook(path).active["B2"]
        assert cell.data_type == "s"
        assert import_file(path).records[0].name == "=HYPERLINK(1)"


class TestFiles:
    """Kinds are guessed from file names; unknown types are refused clearly."""

    def test_guess_kind(self) -> None:
        assert guess_kind(Path("Businesses-2026.xlsx")) == "businesses"
        assert guess_kind(Path("observation_wave1.csv")) == "observations"

    def test_unknown_extension(self, tmp_path: Path) -> None:
        from mentorkit import MentorkitError

        with pytest.raises(MentorkitError, match="unknown file type"):
            list(iter_rows(tmp_path / "x.ods"))

    def test_missing_extra_names_the_extra(self) -> None:
        assert issubclass(MissingExtraError, ImportError)

    def test_observation_answers_without_rubrics(self, tmp_path: Path) -> None:
        path = tmp_path / "observations.csv"
        path.write_text(
            "business_id,rubric_id,criterion_id,value,observed_on\n"
            "B-1,r,a,ya,2026-02-02\nB-1,r,b,3,2026-02-02\nB-1,r,c,cost-plus,2026-02-02\n",
            "utf-8",
        )
        values = [o.value for o in import_file(path).records]
        assert values == [True, 3, "cost-plus"]
        assert all(isinstance(o, Observation) for o in import_file(path).records)


class TestCellReaders:
    """Properties of the cell readers: numbers as offices type them, errors without values."""

    @given(n=st.integers(0, 10**15), sep=st.sampled_from([".", ","]))
    def test_grouped_numbers_read_back(self, n: int, sep: str) -> None:
        from mentorkit.io._columns import read_int

        grouped = f"{n:,}".replace(",", sep)
        assert read_int(grouped) == n
        assert read_int(str(n)) == n
        assert read_int(float(n)) == n or n > 2**53

    @given(text=st.text(alphabet="0123456789/x -", min_size=5, max_size=20))
    def test_errors_never_echo_the_cell(self, text: str) -> None:
        from mentorkit.io._columns import CellError, read_bool, read_date, read_int

        assume(len(text.strip()) >= 5)
        messages = []
        for reader in (read_int, read_date, read_bool):
            try:
                reader(text)
            except CellError as exc:
                messages.append(str(exc))
        assert messages, "no reader accepts all of these"
        assert all(text.strip() not in m for m in messages)


_SAMPLE_CELLS = {
    "separate-money": ["yes", "tidak", "TRUE", "1", "0", "maybe"],
    "cash-records": ["0", "3", "4", "1.000", "-1", "three"],
    "pricing": ["guess", "cost-plus", " copy ", "other"],
    "has-nib": ["ya", "no", "2"],
}


#: Odd cells: lone surrogates, odd whitespace, digits that are not ASCII, near-miss numbers
#: and dates, words of the other language; each is read the same way by both paths.
_ODD_CELLS = st.sampled_from(
    [
        "\ud800",
        "x\udfffy",
        "\u00a0TSL-0001",
        "\tyes\t",
        "\u2003",
        "\u0663",  # an Arabic-Indic 3: a digit to int() and to \\d
        "\u00b2",  # superscript 2: isdigit() yet no int
        "1_000",
        "1 000",
        "+3",
        "-0",
        "YA",
        "Benar",
        "2026-2-2",
        "\uff12\uff10\uff12\uff16-02-02",
        "2026-02-02 ",
        "\n2026-02-02",
    ]
)


@st.composite
def observation_rows(draw: st.DrawFn, odd: bool = True) -> dict[str, object]:
    """CSV-like rows of observations: most plainly valid, some damaged in one cell.

    ``odd=False`` leaves out what a CSV file cannot hold (typed cells, lone surrogates).
    """
    criterion = draw(st.sampled_from(SAMPLE_RUBRIC.criteria))
    row: dict[str, object] = {
        "business_id": draw(st.sampled_from(["TSL-0001", " TSL-0002 ", "B\u00e9-3"])),
        "rubric_id": draw(st.sampled_from([SAMPLE_RUBRIC.id, "other-rubric"])),
        "criterion_id": draw(st.sampled_from([criterion.id, criterion.id, "no-such-criterion"])),
        "value": draw(st.sampled_from(_SAMPLE_CELLS[criterion.id])),
        "observed_on": draw(
            st.sampled_from(["2026-02-02", " 2025-12-31"]) | mks.dates().map(dt.date.isoformat)
        ),
        "evidence": draw(st.sampled_from(["", "cash book shown", "  ", "buku kas"])),
        "observer": draw(st.sampled_from(["", "MNT-001"])),
    }
    kinds = ["none", "none", "blank", "drop", "unknown", "text", "odd", "odd", "date"]
    damage = draw(st.sampled_from([*kinds, "typed"] if odd else kinds))
    # Any column, the answer and the date (read by hand) more often.
    name = draw(st.sampled_from(sorted(row)) | st.sampled_from(["value", "observed_on"]))
    if damage == "blank":
        row[name] = draw(st.sampled_from(["", "   ", "\t", "\u00a0"]))
    elif damage == "drop":
        del row[name]
    elif damage == "unknown":
        row["district"] = draw(st.sampled_from(["", " ", "Setu"]))
    elif damage == "typed":  # a spreadsheet's number or date cell
        row[name] = draw(st.sampled_from([3, 1.0, dt.date(2026, 2, 2), True, None]))
    elif damage == "text":
        row[name] = draw(st.text(max_size=6))
    elif damage == "odd":
        row[name] = draw(_ODD_CELLS)
    elif damage == "date":
        row["observed_on"] = draw(st.sampled_from(["2026-02-30", "2/2/26"]) | fast_decoding.DATES)
    if not odd:
        row = {k: v.encode(errors="replace").decode() for k, v in row.items() if type(v) is str}
    return row


def _general_path(row: dict[str, object], rubrics: Any) -> Observation | None:
    data, issues = row_to_data(KINDS["observations"], row, rubrics=rubrics)
    if issues:
        return None
    try:
        return decode(data, Observation)
    except DecodeError:
        return None


_ALL_RUBRICS = st.sampled_from([None, {SAMPLE_RUBRIC.id: SAMPLE_RUBRIC}])


class TestObservationRowFastPath:
    """Observation rows read directly give what the general path gives, or step aside."""

    @settings(max_examples=500)  # a millisecond each: enough to meet each odd cell
    @given(observation_rows(), _ALL_RUBRICS)
    def test_the_direct_reading_agrees_with_the_general_path(
        self, row: dict[str, object], rubrics: Any
    ) -> None:
        fast = observation_row(row, rubrics, {})
        expected = _general_path(row, rubrics)
        if fast is not None:
            assert fast == expected
            assert type(fast.value) is type(expected.value)  # True stays bool, 1 stays int
        elif all(type(cell) is str for cell in row.values()) and set(row) <= set(
            KINDS["observations"].column_names
        ):
            # Text cells, known columns: the direct reading steps aside only for a bad row.
            assert expected is None

    @settings(max_examples=300)
    @given(
        observation_rows(),
        st.permutations(KINDS["observations"].column_names),
        st.integers(min_value=0, max_value=2),
        st.sampled_from(["", "district", "value"]),
        _ALL_RUBRICS,
    )
    def test_cells_read_by_position_are_read_as_the_row(
        self, row: dict[str, object], order: list[str], left_out: int, odd: str, rubrics: Any
    ) -> None:
        """A header in any order, some optional columns left out, maybe a repeated or unknown
        name: a row read by position is the row read as a dict."""
        names = [n for n in order if n not in ("evidence", "observer")[:left_out]]
        if odd:
            names.insert(len(names) // 2, odd)
        cells = [row.get(name, "") for name in names]
        pick = cell_picker(names)
        if pick is None:
            assert odd  # only a repeated or an unknown name
            return
        assert not odd
        by_dict = observation_row(dict(zip(names, cells, strict=True)), rubrics, {})
        by_position = observation_cells(pick(cells), rubrics, {})
        assert by_position == by_dict
        assert type(getattr(by_position, "value", None)) is type(getattr(by_dict, "value", None))

    def test_an_import_reads_good_rows_directly_and_reports_bad_ones(self, tmp_path: Path) -> None:
        cohort = generate_cohort(5, businesses=8, mentors=1)
        observations = list(observations_for(cohort, [SAMPLE_RUBRIC]))
        rows = [record_to_row(o, "observations") for o in observations]
        rows[3] = {**rows[3], "observed_on": "2026-02-30"}
        path = write_table(tmp_path / "observations.csv", KINDS["observations"].column_names, rows)
        result = import_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
        assert list(result.records) == observations[:3] + observations[4:]
        assert [(e.row, [i.path for i in e.issues]) for e in result.errors] == [
            (5, ["$.observed_on"])
        ]


@st.composite
def observation_files(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A CSV file's header and rows: columns in any order, maybe one missing or unknown;
    rows valid or damaged, some with a cell missing or extra, some blank."""
    names = list(draw(st.permutations(KINDS["observations"].column_names)))
    change = draw(st.sampled_from(["none", "none", "drop", "unknown", "repeat", "spaced"]))
    if change == "drop":
        names.pop(draw(st.integers(min_value=0, max_value=len(names) - 1)))
    elif change == "unknown":
        names.append("district")
    elif change == "repeat":
        names.append(names[0])
    elif change == "spaced":
        names[0] = f" {names[0]} "
    rows: list[list[str]] = []
    for row in draw(st.lists(observation_rows(odd=False), max_size=12)):
        cells = [str(row.get(name.strip(), "")) for name in names]
        shape = draw(st.sampled_from(["same", "same", "same", "short", "long", "blank"]))
        if shape == "short":
            cells = cells[: draw(st.integers(min_value=0, max_value=len(cells) - 1))]
        elif shape == "long":
            cells.append(draw(st.sampled_from(["", "x", " "])))
        elif shape == "blank":
            cells = [" " * len(cell) for cell in cells]
        rows.append(cells)
    return names, rows


class TestDirectImport:
    """An import reads plainly valid rows directly: the same records, errors and stored rows
    as the general path alone (the direct readers stepping aside for every row)."""

    @staticmethod
    def _import(path: Path, rubrics: Any, *, direct: bool) -> tuple[Any, list[tuple[Any, ...]]]:
        from mentorkit.store import SQLiteStore

        with contextlib.ExitStack() as stack:
            if not direct:
                for name in ("observation_cells", "observation_row"):
                    stack.enter_context(
                        mock.patch.object(io_import, name, return_value=None, autospec=True)
                    )
            result = import_file(path, rubrics=rubrics)
            db = path.with_suffix(f".{direct}.db")
            db.unlink(missing_ok=True)
            store = SQLiteStore(db)
            try:
                stream = stream_file(path, rubrics=rubrics)
                assert store.add_observations(stream) == len(result.records)
                assert stream.result() == attrs.evolve(result, records=())
            finally:
                store.close()
        with contextlib.closing(sqlite3.connect(db)) as conn:
            stored = conn.execute("SELECT seq, business_id, data FROM observations").fetchall()
        return result, stored

    @settings(_TMP, max_examples=60)
    @given(observation_files(), _ALL_RUBRICS)
    def test_records_errors_and_stored_rows_are_the_general_paths(
        self, tmp_path: Path, table: tuple[list[str], list[list[str]]], rubrics: Any
    ) -> None:
        names, rows = table
        path = tmp_path / "observations.csv"
        with path.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            writer.writerows(rows)
        direct, direct_rows = self._import(path, rubrics, direct=True)
        general, general_rows = self._import(path, rubrics, direct=False)
        assert direct == general  # records, row count and errors (file, row, id, field paths)
        assert [type(o.value) for o in direct.records] == [type(o.value) for o in general.records]
        assert [str(e) for e in direct.errors] == [str(e) for e in general.errors]
        assert direct_rows == general_rows

    def test_the_positional_reading_is_used(self, tmp_path: Path) -> None:
        """The test above compares something: a plainly valid file is read by position."""
        path = tmp_path / "observations.csv"
        row = ["TSL-1", SAMPLE_RUBRIC.id, "has-nib", "ya", "2026-02-02", "", "MNT-1"]
        write_table(
            path,
            KINDS["observations"].column_names,
            [dict(zip(KINDS["observations"].column_names, row, strict=True))],
        )
        with mock.patch.object(io_import, "observation_row", autospec=True) as by_dict:
            (record,) = import_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC}).records
        assert not by_dict.called
        assert record == Observation(
            "TSL-1", SAMPLE_RUBRIC.id, "has-nib", True, dt.date(2026, 2, 2), None, "MNT-1"
        )


class TestStreaming:
    """stream_file reads rows as they are consumed: a store takes them in one transaction."""

    def _file(self, tmp_path: Path, bad_rows: tuple[int, ...] = ()) -> tuple[Path, list[Any]]:
        cohort = generate_cohort(5, businesses=8, mentors=1)
        observations = list(observations_for(cohort, [SAMPLE_RUBRIC]))
        rows = [record_to_row(o, "observations") for o in observations]
        for index in bad_rows:
            rows[index]["observed_on"] = "2025-02-30"  # no such day
        path = write_table(tmp_path / "observations.csv", KINDS["observations"].column_names, rows)
        return path, [o for i, o in enumerate(observations) if i not in bad_rows]

    def test_rows_are_read_as_records_are_taken(self, tmp_path: Path) -> None:
        path, good = self._file(tmp_path, bad_rows=(0, 5))
        assert len(good) > 10
        stream = stream_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
        assert (stream.kind, stream.file, stream.rows, stream.done) == (
            "observations",
            "observations.csv",
            0,
            False,
        )
        records = iter(stream)
        assert next(records) == good[0]
        assert stream.rows == 2  # the bad first row, then the first good one: nothing more
        assert [e.row for e in stream.errors] == [2]
        with pytest.raises(MentorkitError, match="not been read to its end"):
            stream.result()
        assert [good[0], *records] == good
        assert stream.done
        whole = import_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
        assert stream.result() == attrs.evolve(whole, records=())
        assert [(e.row, e.issues[0].path) for e in stream.errors] == [
            (2, "$.observed_on"),
            (7, "$.observed_on"),
        ]

    def test_a_stream_is_read_once(self, tmp_path: Path) -> None:
        path, _good = self._file(tmp_path)
        stream = stream_file(path)
        list(stream)
        with pytest.raises(MentorkitError, match="only once"):
            iter(stream)

    @_TMP
    @given(bad=st.sets(st.integers(min_value=0, max_value=20), max_size=4))
    def test_a_store_keeps_exactly_the_good_rows(self, tmp_path: Path, bad: set[int]) -> None:
        from mentorkit.store import SQLiteStore

        path, good = self._file(tmp_path, bad_rows=tuple(bad))
        store = SQLiteStore(":memory:")
        try:
            stream = stream_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
            assert store.add_observations(stream) == len(good)
            assert stream.rows == len(good) + len(bad)
            assert len(stream.errors) == len(bad)
            stored = [
                o for b in sorted({o.business_id for o in good}) for o in store.observations(b)
            ]
            assert stored == sorted(good, key=lambda o: o.business_id)
        finally:
            store.close()

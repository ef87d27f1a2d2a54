"""Flat spreadsheet columns and their conversion to the models' JSON shape.

A spreadsheet row is flat; a model is nested (a business's owner is a
Person). Each record kind declares its columns: the column name, the JSON
path it fills, and how a cell is read. Empty cells mean "not given": the
key is left out, so the model's default (usually None) applies. Cell
errors never repeat the cell's value (it may be personal data).
"""

import datetime as dt
import functools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from attrs import frozen

from .._declarations import AnswerKind, Criterion, Rubric
from .._errors import FieldIssue, issue
from .._fastobs import day_of, trusted_observation, valid_text
from .._model import Business, Cooperative, Mentor, Observation

__all__ = [
    "KINDS",
    "UNDECODED",
    "Column",
    "RecordKind",
    "cell_picker",
    "cell_text",
    "observation_cells",
    "observation_row",
    "row_to_data",
]


class CellError(ValueError):
    """A cell that cannot be read as its column's type (the message names no value).

    ``template`` and ``params`` keep the message translatable (see
    :meth:`mentorkit.FieldIssue.render`).
    """

    def __init__(self, template: str, **params: object) -> None:
        self.template = template
        self.params = {key: str(value) for key, value in params.items()}
        super().__init__(template.format(**self.params))


#: A byte that was not UTF-8, as ``surrogateescape`` reads it (files are read that way).
UNDECODED = re.compile("[\udc80-\udcff]")

_INT = re.compile(r"[+-]?\d+")
_GROUPED = re.compile(r"\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TRUE = frozenset({"true", "yes", "ya", "y", "1", "benar"})
_FALSE = frozenset({"false", "no", "tidak", "t", "n", "0", "salah"})


def cell_text(value: object) -> str | None:
    """A cell as stripped text; None when the cell is empty."""
    if type(value) is str:  # CSV cells, the common case
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def read_text(value: object) -> str:
    """A text cell (numbers typed into a text column are kept as their digits)."""
    text = cell_text(value)
    assert text is not None
    return text


def read_int(value: object) -> int:
    """A whole number: ``1500000``, ``1.500.000`` or ``1,500,000``; never a fraction."""
    if isinstance(value, bool):
        raise CellError("expected a whole number, got true/false")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError("expected a whole number, got a fraction")
    return _int_of(read_text(value))


def _int_of(text: str) -> int:
    """:func:`read_int` of stripped, non-empty text."""
    text = text.replace(" ", "").replace("_", "")
    if _INT.fullmatch(text):
        return int(text)
    if _GROUPED.fullmatch(text):
        return int(re.sub(r"[.,]", "", text))
    raise CellError("expected a whole number (digits, thousands may be grouped with . or ,)")


def read_date(value: object) -> str:
    """A date: a spreadsheet date cell or text ``YYYY-MM-DD``; returned as ISO text."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = read_text(value)
    if not _DATE.fullmatch(text):
        raise CellError("expected a date as YYYY-MM-DD")
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise CellError("expected a real calendar date as YYYY-MM-DD") from None
    return text


def read_bool(value: object) -> bool:
    """Yes/no: ``true``/``false``, ``yes``/``no``, ``ya``/``tidak``, ``1``/``0``."""
    if isinstance(value, bool):
        return value
    return _bool_of(read_text(value))


def _bool_of(text: str) -> bool:
    """:func:`read_bool` of stripped, non-empty text."""
    text = text.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError("expected yes or no (true/false, ya/tidak, 1/0)")


def read_list(value: object) -> list[str]:
    """A list in one cell, items separated by ``;`` (e.g. ``shop;marketplace``)."""
    return [item.strip() for item in read_text(value).split(";") if item.strip()]


def read_licences(value: object) -> list[dict[str, str]]:
    """Licences as ``kind:number:issued:expires`` separated by ``;``; dates may be empty."""
    out: list[dict[str, str]] = []
    for position, item in enumerate(read_list(value)):
        parts = [p.strip() for p in item.split(":")]
        if len(parts) < 2 or len(parts) > 4 or not parts[0] or not parts[1]:
            raise CellError(
                "licence {position}: expected kind:number[:issued[:expires]]",
                position=position + 1,
            )
        entry = {"kind": parts[0], "number": parts[1]}
        for key, text in zip(("issued", "expires"), parts[2:], strict=False):
            if text:
                try:
                    entry[key] = read_date(text)
                except CellError as exc:
                    raise CellError(
                        "licence {position} {date}: " + exc.template,
                        position=position + 1,
                        date=key,
                        **exc.params,
                    ) from None
        out.append(entry)
    return out


def read_answer(value: object) -> bool | int | str:
    """An observation's answer when the rubric is not known: yes/no, a number or text."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return _answer_of(read_text(value))


def _answer_of(text: str) -> bool | int | str:
    """:func:`read_answer` of stripped, non-empty text."""
    if text.lower() in _TRUE - {"1"} or text.lower() in _FALSE - {"0"}:
        return text.lower() in _TRUE
    if _INT.fullmatch(text):
        return int(text)
    return text


@frozen
class Column:
    """One spreadsheet column: its ``name``, the JSON ``path`` it fills and its reader."""

    name: str
    path: tuple[str, ...]
    read: Callable[[object], Any]
    kind: str
    description: str
    example: str = ""
    required: bool = False


@frozen(cache_hash=True)  # hashed per imported row (the caches below): once is enough
class RecordKind:
    """A kind of record that can be imported: its model and columns."""

    name: str
    model: type
    columns: tuple[Column, ...]
    description: str

    @property
    def column_names(self) -> tuple[str, ...]:
        """The column names, in documented order."""
        return _column_names(self)


def _c(
    name: str,
    read: Callable[[object], Any],
    kind: str,
    description: str,
    example: str = "",
    *,
    path: str | None = None,
    required: bool = False,
) -> Column:
    return Column(
        name=name,
        path=tuple((path or name).split(".")),
        read=read,
        kind=kind,
        description=description,
        example=example,
        required=required,
    )


_TEXT, _INTK, _DATEK, _BOOLK, _LISTK = "text", "whole number", "date", "yes/no", "list (;)"

BUSINESSES = RecordKind(
    name="businesses",
    model=Business,
    description="Businesses (usaha): one row per business.",
    columns=(
        _c("id", read_text, _TEXT, "Business id, unique in the office.", "TSL-0001", required=True),
        _c("name", read_text, _TEXT, "Business name.", "Warung Bu Sari", required=True),
        _c(
            "sector",
            read_text,
            _TEXT,
            "culinary, craft, fashion, services, trade, agribusiness or other.",
            "culinary",
            required=True,
        ),
        _c("district", read_text, _TEXT, "District (kecamatan).", "Pamulang", required=True),
        _c("address", read_text, _TEXT, "Street address.", "Jl. Siliwangi No. 3"),
        _c("founded", read_date, _DATEK, "Date the business started.", "2019-05-01"),
        _c("employees", read_int, _INTK, "Number of employees (default 0).", "3"),
        _c(
            "capital",
            read_int,
            _INTK,
            "Business capital (modal usaha) excluding land and buildings, whole rupiah.",
            "50000000",
        ),
        _c("annual_sales", read_int, _INTK, "Annual sales (omzet), whole rupiah.", "240000000"),
        _c(
            "financing_need",
            read_int,
            _INTK,
            "Capital the business needs, whole rupiah.",
            "25000000",
        ),
        _c("nib", read_text, _TEXT, "NIB from OSS-RBA, 13 digits.", "1234567890123"),
        _c(
            "owner_name",
            read_text,
            _TEXT,
            "Owner's name.",
            "Sari Rahayu",
            path="owner.name",
            required=True,
        ),
        _c(
            "owner_nik",
            read_text,
            _TEXT,
            "Owner's NIK, 16 digits (personal data).",
            "3674050000000001",
            path="owner.nik",
        ),
        _c(
            "owner_phone",
            read_text,
            _TEXT,
            "Owner's phone, 8-15 digits, optional + (personal data).",
            "081234567890",
            path="owner.phone",
        ),
        _c("owner_gender", read_text, _TEXT, "female or male.", "female", path="owner.gender"),
        _c(
            "licences",
            read_licences,
            "licences",
            "Licences held, "
            "``kind:number:issued:expires`` separated by ``;`` (kinds: nib, spp_irt, bpom_md, "
            "bpom_ml, halal, sni, trademark, npwp, other; dates optional).",
            "spp_irt:123456789012345:2022-01-10:2027-01-10;halal:ID3611",
        ),
        _c(
            "cooperative_id",
            read_text,
            _TEXT,
            "Id of the cooperative the business belongs to.",
            "KOP-05-1",
            path="cooperative.cooperative_id",
        ),
        _c(
            "cooperative_joined",
            read_date,
            _DATEK,
            "Date it joined the cooperative.",
            "2023-03-01",
            path="cooperative.joined",
        ),
        _c(
            "sales_channels",
            read_list,
            _LISTK,
            "shop, marketplace, social_media, gallery, "
            "reseller, government, export; separated by ``;``.",
            "shop;social_media",
        ),
    ),
)

MENTORS = RecordKind(
    name="mentors",
    model=Mentor,
    description="Mentors (pendamping): one row per mentor.",
    columns=(
        _c("id", read_text, _TEXT, "Mentor id.", "MNT-001", required=True),
        _c("name", read_text, _TEXT, "Mentor's name.", "Dr. Dewi Lestari", required=True),
        _c("kind", read_text, _TEXT, "practitioner or academic.", "academic", required=True),
        _c("affiliation", read_text, _TEXT, "University or practice.", "Universitas Pamulang"),
        _c(
            "expertise",
            read_list,
            _LISTK,
            "Expertise tags separated by ``;``.",
            "accounting;marketing",
        ),
        _c(
            "districts",
            read_list,
            _LISTK,
            "Districts covered, separated by ``;``.",
            "Pamulang;Setu",
        ),
        _c("capacity", read_int, _INTK, "Most cases at once (default 10).", "12"),
        _c("phone", read_text, _TEXT, "Phone (personal data).", "081234567890"),
    ),
)

COOPERATIVES = RecordKind(
    name="cooperatives",
    model=Cooperative,
    description="Cooperatives (koperasi): one row per cooperative.",
    columns=(
        _c("id", read_text, _TEXT, "Cooperative id.", "KOP-05-1", required=True),
        _c("name", read_text, _TEXT, "Name.", "KSP Pamulang Sejahtera", required=True),
        _c("district", read_text, _TEXT, "District (kecamatan).", "Pamulang", required=True),
        _c("sectors", read_list, _LISTK, "Sectors served, separated by ``;``.", "culinary;craft"),
        _c(
            "savings_and_loan",
            read_bool,
            _BOOLK,
            "Savings-and-loan cooperative (KSP): yes/no.",
            "yes",
        ),
    ),
)

OBSERVATIONS = RecordKind(
    name="observations",
    model=Observation,
    description="Observations: one row per answer to one rubric criterion.",
    columns=(
        _c("business_id", read_text, _TEXT, "The business observed.", "TSL-0001", required=True),
        _c(
            "rubric_id",
            read_text,
            _TEXT,
            "Rubric id (see ``mentorkit plugins``).",
            "accounting",
            required=True,
        ),
        _c(
            "criterion_id",
            read_text,
            _TEXT,
            "Criterion id within the rubric.",
            "separate-money",
            required=True,
        ),
        _c(
            "value",
            read_answer,
            "answer",
            "yes/no, a whole number (scales) or a choice value, as the criterion expects.",
            "yes",
            required=True,
        ),
        _c(
            "observed_on",
            read_date,
            _DATEK,
            "Date of the observation.",
            "2026-02-02",
            required=True,
        ),
        _c("evidence", read_text, _TEXT, "What was seen (no personal data).", "cash book shown"),
        _c("observer", read_text, _TEXT, "Mentor id of the observer.", "MNT-001"),
    ),
)

#: Every record kind that can be imported, by name.
KINDS: Mapping[str, RecordKind] = {
    k.name: k for k in (BUSINESSES, MENTORS, COOPERATIVES, OBSERVATIONS)
}


@functools.lru_cache(maxsize=64)
def _column_names(kind: RecordKind) -> tuple[str, ...]:
    return tuple(c.name for c in kind.columns)


# Criteria by id, per rubric object (a rubric is looked up once per observation row).
_CRITERIA: dict[int, tuple[Rubric, Mapping[str, Criterion]]] = {}


def _criterion(rubric: Rubric, criterion_id: str | None) -> Criterion | None:
    found = _CRITERIA.get(id(rubric))
    if found is None or found[0] is not rubric:
        if len(_CRITERIA) >= 64:
            _CRITERIA.clear()
        found = _CRITERIA[id(rubric)] = (rubric, {c.id: c for c in rubric.criteria})
    return found[1].get(criterion_id or "")


def _answer_for_rubric(
    value: object, row: Mapping[str, object], rubrics: Mapping[str, Rubric]
) -> bool | int | str:
    rubric = rubrics.get(cell_text(row.get("rubric_id")) or "")
    criterion = None
    if rubric is not None:
        criterion = _criterion(rubric, cell_text(row.get("criterion_id")))
    if criterion is None:
        return read_answer(value)
    if criterion.kind is AnswerKind.YES_NO:
        return read_bool(value)
    if criterion.kind is AnswerKind.SCALE:
        return read_int(value)
    return read_text(value)


_OBSERVATION_COLUMNS = frozenset(OBSERVATIONS.column_names)


def observation_row(
    row: object,
    rubrics: Mapping[str, Rubric] | None,
    dates: dict[str, dt.date],
) -> Observation | None:
    """The observation of a plainly valid CSV row, read without the general path.

    Gives what :func:`row_to_data` and the strict decoder give together, for
    a row whose cells are all text, with every required column filled and
    nothing else: one row per answer is the bulk of an import. Returns None
    for anything else (a spreadsheet's typed cells, an empty or unreadable
    cell, an unknown column), and the caller takes the general path, which
    reports the exact cell and field. A property test compares the two.
    ``row`` is a row as :func:`~mentorkit.io.iter_rows` gives it.
    """
    if type(row) is not dict or not _OBSERVATION_COLUMNS.issuperset(row):
        return None
    get = row.get
    cells = (
        get("business_id"),
        get("rubric_id"),
        get("criterion_id"),
        get("value"),
        get("observed_on"),
        get("evidence"),
        get("observer"),
    )
    return observation_cells(cells, rubrics, dates)


def cell_picker(names: Sequence[str]) -> Callable[[Sequence[str]], tuple[str | None, ...]] | None:
    """A function giving a CSV row's observation cells in column order, for a file's header.

    For a header of distinct observation columns, ``pick(cells)`` gives
    what ``row.get(column)`` gives for each of the
    :data:`~mentorkit.io.KINDS` observation columns in order, where
    ``row = dict(zip(names, cells))``, for a row of exactly
    ``len(names)`` cells (None for a column the file does not have). None
    for any other header (an unknown, blank or repeated name): its rows are
    read as dicts.
    """
    if len(set(names)) != len(names) or not _OBSERVATION_COLUMNS.issuperset(names):
        return None
    at = {name: index for index, name in enumerate(names)}
    order = OBSERVATIONS.column_names
    if len(at) == len(order):  # every column (the usual file): one C call a row
        return operator.itemgetter(*(at[name] for name in order))
    places = tuple(at.get(name) for name in order)
    return lambda cells: tuple(None if place is None else cells[place] for place in places)


def observation_cells(
    cells: Sequence[object],
    rubrics: Mapping[str, Rubric] | None,
    dates: dict[str, dt.date],
) -> Observation | None:
    """:func:`observation_row` for a row's cells in column order (None: the column is absent).

    ``cells`` holds one cell per observation column of
    :data:`~mentorkit.io.KINDS`, in its order (what :func:`cell_picker`'s
    function gives). Every check
    :func:`mentorkit._fastobs.checked_observation` makes is made here, once,
    on the cells (text without lone surrogates, a real date), and the
    observation is built with the trusted constructor: nothing is checked
    twice, nothing is decoded again. ``dates`` is the caller's cache of
    parsed dates.
    """
    business_id, rubric_id, criterion_id, cell, observed, evidence, observer = cells
    if (
        type(business_id) is not str
        or type(rubric_id) is not str
        or type(criterion_id) is not str
        or type(cell) is not str
        or type(observed) is not str
    ):
        return None
    if evidence is not None:
        if type(evidence) is not str:
            return None
        evidence = evidence.strip() or None
    if observer is not None:
        if type(observer) is not str:
            return None
        observer = observer.strip() or None
    business_id = business_id.strip()
    rubric_id = rubric_id.strip()
    criterion_id = criterion_id.strip()
    cell = cell.strip()
    observed = observed.strip()
    if not (business_id and rubric_id and criterion_id and cell and observed):
        return None
    # No lone surrogate (a file read as UTF-8 has none; a mapping built in code may). An
    # answer read as yes/no or a number has none either: checking its cell is enough.
    if not (
        (business_id.isascii() or valid_text(business_id))
        and (rubric_id.isascii() or valid_text(rubric_id))
        and (criterion_id.isascii() or valid_text(criterion_id))
        and (cell.isascii() or valid_text(cell))
        and (evidence is None or evidence.isascii() or valid_text(evidence))
        and (observer is None or observer.isascii() or valid_text(observer))
    ):
        return None
    observed_on = dates.get(observed)
    if observed_on is None:
        observed_on = day_of(observed, dates)
        if observed_on is None:
            return None
    rubric = rubrics.get(rubric_id) if rubrics else None
    criterion = None if rubric is None else _criterion(rubric, criterion_id)
    try:
        # What read_answer, read_bool and read_int make of a text cell (already stripped).
        if criterion is None:
            value = _answer_of(cell)
        elif criterion.kind is AnswerKind.YES_NO:
            value = _bool_of(cell)
        elif criterion.kind is AnswerKind.SCALE:
            value = _int_of(cell)
        else:
            value = cell
    except CellError:
        return None
    return trusted_observation(
        business_id, rubric_id, criterion_id, value, observed_on, evidence, observer
    )


def _path_text(path: Sequence[str]) -> str:
    return "$." + ".".join(path)


@functools.lru_cache(maxsize=64)
def _known_columns(kind: RecordKind) -> frozenset[str]:
    return frozenset(c.name for c in kind.columns)


def row_to_data(
    kind: RecordKind,
    row: Mapping[str, object],
    *,
    rubrics: Mapping[str, Rubric] | None = None,
) -> tuple[dict[str, Any], list[FieldIssue]]:
    """Convert a flat ``row`` (column name -> cell) into ``kind``'s JSON shape.

    Returns the data and the issues of cells that could not be read; those
    keys are left out of the data (the decoder then reports any required
    one as missing). Columns not declared by ``kind`` are issues too.
    """
    data: dict[str, Any] = {}
    issues: list[FieldIssue] = []
    known = _known_columns(kind)
    if not known.issuperset(row):
        for name in row:
            if name not in known and cell_text(row[name]) is not None:
                issues.append(issue("$", "unknown column {column}", {"column": repr(name)}))
    for column in kind.columns:
        raw = row.get(column.name)
        if raw is None or cell_text(raw) is None:
            continue
        try:
            if type(raw) is str and UNDECODED.search(raw):
                raise CellError("not UTF-8 text: save the file as UTF-8 (in Excel: CSV UTF-8)")
            if kind is OBSERVATIONS and column.name == "value" and rubrics:
                value = _answer_for_rubric(raw, row, rubrics)
            else:
                value = column.read(raw)
        except CellError as exc:
            params = {"column": column.name, "problem": str(exc)}
            issues.append(issue(_path_text(column.path), "column {column}: {problem}", params))
            continue
        target = data
        for part in column.path[:-1]:
            target = target.setdefault(part, {})
        target[column.path[-1]] = value
    return data, issues

"""Importing records from files: each bad row reported, every good row kept."""

import contextlib
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from attrs import frozen

from .._declarations import Rubric
from .._errors import DecodeError, FieldIssue, MentorkitError, issue
from .._fastobs import observations_fast
from .._model import Observation
from .._serialize import decode, encode
from ._columns import (
    KINDS,
    Column,
    RecordKind,
    cell_picker,
    cell_text,
    observation_cells,
    observation_row,
    row_to_data,
)
from ._tables import csv_cells, iter_rows, table_format

__all__ = [
    "ImportResult",
    "ImportStream",
    "RowError",
    "guess_kind",
    "import_file",
    "record_to_row",
    "stream_file",
]


@frozen
class RowError:
    """A row that could not be imported: where it is and what is wrong.

    ``row`` is the row number as a spreadsheet shows it (header is row 1)
    or the line number of a JSON Lines file; ``record`` the row's id when
    it has one; each issue names the field path (``$.owner.nik``). Values
    are never repeated: they may be personal data.
    """

    file: str
    row: int
    record: str | None
    issues: tuple[FieldIssue, ...]

    def __str__(self) -> str:
        who = f" ({self.record})" if self.record else ""
        listed = "; ".join(str(issue) for issue in self.issues)
        return f"{self.file}, row {self.row}{who}: {listed}"


@frozen
class ImportResult:
    """What importing one file gave: the good ``records`` and the bad rows' ``errors``."""

    kind: str
    file: str
    rows: int
    records: tuple[Any, ...]
    errors: tuple[RowError, ...]

    @property
    def ok(self) -> bool:
        """True when every row was imported."""
        return not self.errors


def guess_kind(path: Path) -> str:
    """The record kind named by a file (``businesses.csv`` -> ``businesses``)."""
    stem = path.stem.lower()
    for name in KINDS:
        if name in stem or name.rstrip("s") in stem:
            return name
    known = ", ".join(KINDS)
    raise MentorkitError(f"{path.name}: cannot tell what it holds; name the kind ({known})")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _row_id(key: str, row: object) -> str | None:
    """The row's ``key`` cell (``id``, or ``business_id`` for observations) as text."""
    if not isinstance(row, Mapping):
        return None
    text = cell_text(row.get(key))
    if text is not None and not text.isascii():
        # Shown in messages: a lone surrogate (a byte that was not UTF-8) as U+FFFD.
        text = _SURROGATE.sub("\ufffd", text)
    return text


def import_file(
    path: Path | str,
    kind: str | None = None,
    *,
    rubrics: Mapping[str, Rubric] | None = None,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Import the records of ``kind`` (guessed from the name if None) from ``path``.

    CSV and XLSX rows use the flat columns of :data:`mentorkit.io.KINDS`;
    JSON Lines rows use the models' JSON shape (as :func:`mentorkit.encode`
    writes it). Each row is decoded with the core's strict decoder; a bad
    row becomes a :class:`RowError` and the import goes on. A repeated id is
    an error on the later row. ``rubrics`` lets observation answers be read
    as the criterion expects (``1`` is a scale point, not "yes").
    ``progress`` is called with the number of rows done so far.

    Every good record is kept in the result; to store a file without
    holding it (a city's businesses, millions of observation rows),
    :func:`stream_file` hands them over one by one instead.
    """
    stream = stream_file(path, kind, rubrics=rubrics, sheet=sheet, progress=progress)
    return stream.result(tuple(stream))


def stream_file(
    path: Path | str,
    kind: str | None = None,
    *,
    rubrics: Mapping[str, Rubric] | None = None,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> "ImportStream":
    """:func:`import_file`, with the good records read as they are iterated (memory stays flat).

    Nothing is read until the returned :class:`ImportStream` is iterated;
    the file is then read once, row by row. Give the stream straight to a
    store's batch write, which takes any iterable and consumes it inside
    its one transaction (``store.add_observations(stream)``,
    ``store.put_businesses(stream)``, ``put_mentors``, ``put_cooperatives``),
    then read its :attr:`~ImportStream.errors` and :attr:`~ImportStream.rows`
    (or :meth:`~ImportStream.result`).
    """
    path = Path(path)
    return ImportStream(path, KINDS[kind or guess_kind(path)], rubrics, sheet, progress)


class ImportStream:
    """The good records of one file, read row by row as they are iterated (once).

    Bad rows are gathered in :attr:`errors` along the way; :attr:`rows`
    counts the rows read. Both are complete once iteration has ended
    (:attr:`done`). Made by :func:`stream_file`.
    """

    def __init__(
        self,
        path: Path,
        spec: RecordKind,
        rubrics: Mapping[str, Rubric] | None,
        sheet: str | None,
        progress: Callable[[int], None] | None,
    ) -> None:
        #: The file read.
        self.path = path
        self._spec = spec
        self._rubrics = rubrics
        self._sheet = sheet
        self._progress = progress
        self._started = False
        #: The kind of record read (a key of :data:`mentorkit.io.KINDS`).
        self.kind: str = spec.name
        #: The file's name, as errors name it.
        self.file: str = path.name
        #: Rows read so far (blank rows are not counted).
        self.rows = 0
        #: The bad rows met so far, in file order.
        self.errors: list[RowError] = []
        #: True once every row has been read.
        self.done = False

    def __repr__(self) -> str:
        return f"<ImportStream {self.kind} from {self.file}: {self.rows} rows read>"

    def __iter__(self) -> Iterator[Any]:
        if self._started:
            raise MentorkitError(f"{self.file}: an import stream can be read only once")
        self._started = True
        return self._records()

    def result(self, records: tuple[Any, ...] = ()) -> ImportResult:
        """What was read, as an :class:`ImportResult` holding ``records`` (after iteration)."""
        if not self.done:
            raise MentorkitError(f"{self.file}: the import stream has not been read to its end")
        return ImportResult(
            kind=self.kind,
            file=self.file,
            rows=self.rows,
            records=records,
            errors=tuple(self.errors),
        )

    def _records(self) -> Iterator[Any]:
        path, spec, rubrics, progress = self.path, self._spec, self._rubrics, self._progress
        fmt = table_format(path)
        flat = fmt in ("csv", "xlsx")
        errors = self.errors
        seen: set[str] = set()
        dates: dict[str, dt.date] = {}
        has_id = "id" in spec.column_names
        id_key = "id" if has_id else "business_id"
        if flat and spec.model is Observation:
            rows = _observation_rows(path, fmt, self._sheet, rubrics, dates)
        else:
            rows = iter_rows(path, self._sheet)
        for number, row in rows:
            self.rows += 1
            if progress is not None:
                progress(self.rows)
            if type(row) is Observation:  # a plainly valid row, read directly
                yield row  # no id column: nothing to compare with earlier rows
                continue
            if isinstance(row, json.JSONDecodeError):
                bad = issue("$", "not valid JSON ({error})", {"error": row.msg})
                errors.append(RowError(path.name, number, None, (bad,)))
                continue
            issues: list[FieldIssue] = []
            data: object = row
            record: Any = None
            if flat:
                assert isinstance(row, Mapping)
                data, issues = row_to_data(spec, row, rubrics=rubrics)
            if spec.model is Observation and not issues:
                # Plainly valid rows are checked field by field without cattrs (the common case).
                fast = observations_fast([data], dates)
                record = fast[0] if fast else None
            if record is None:
                try:
                    record = decode(data, spec.model, record=f"{spec.name} row {number}")
                except DecodeError as exc:
                    known = {i.path for i in issues}
                    issues.extend(i for i in exc.issues if i.path not in known)
            ident = _row_id(id_key, row) if has_id or issues else None
            if record is not None and not issues and ident is not None and has_id:
                if ident in seen:
                    issues.append(issue("$.id", "repeats the id of an earlier row"))
                seen.add(ident)
            if issues:
                errors.append(RowError(path.name, number, ident, tuple(issues)))
            else:
                yield record
        self.done = True


def _observation_rows(
    path: Path,
    fmt: str,
    sheet: str | None,
    rubrics: Mapping[str, Rubric] | None,
    dates: dict[str, dt.date],
) -> Iterator[tuple[int, object]]:
    """:func:`iter_rows` of an observations table, each plainly valid row read as its Observation.

    The bulk of an import: such a row is checked field by field once
    (:func:`observation_cells`, what the general path and the strict
    decoder accept, property-tested) and built with the trusted
    constructor. Any other row is given as :func:`iter_rows` gives it, for
    the general path to read or report. A CSV row with one cell per header
    name is read by position, without a dict.
    """
    if fmt != "csv":
        for number, row in iter_rows(path, sheet):
            record = observation_row(row, rubrics, dates)
            yield number, row if record is None else record
        return
    with contextlib.closing(csv_cells(path)) as table:
        header = next(table, None)
        if header is None:
            return
        names = header[1]
        width = len(names)
        pick = cell_picker(names)
        for number, cells in table:
            if pick is not None and len(cells) == width:
                record = observation_cells(pick(cells), rubrics, dates)
                if record is None:  # the general path reads it again and reports it
                    yield number, dict(zip(names, cells, strict=True))
                else:
                    yield number, record
            else:  # cells missing or extra (zip drops the extra, as iter_rows does)
                row = dict(zip(names, cells, strict=False))
                record = observation_row(row, rubrics, dates)
                yield number, row if record is None else record


def _format(column: Column, value: object) -> object:
    if value is None:
        return None
    if column.kind == "licences":
        assert isinstance(value, list)
        return ";".join(
            ":".join(
                [item["kind"], item["number"], item.get("issued") or "", item.get("expires") or ""]
            ).rstrip(":")
            for item in value
        )
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def record_to_row(
    record: object,
    kind: str,
    *,
    mask: Mapping[str, Callable[[str | None], str | None]] | None = None,
) -> dict[str, object]:
    """Flatten a model object into a row of ``kind``'s columns (the inverse of import).

    ``mask`` maps column names to masking functions (e.g. ``{"owner_nik":
    mentorkit.mask_nik}``) for exports that must not show personal data.
    """
    spec = KINDS[kind]
    data = encode(record)
    row: dict[str, object] = {}
    for column in spec.columns:
        value: Any = data
        for part in column.path:
            value = value.get(part) if isinstance(value, dict) else None
        value = _format(column, value)
        if mask and column.name in mask:
            value = mask[column.name](None if value is None else str(value))
        row[column.name] = value
    return row


def iter_records(results: Iterable[ImportResult]) -> Iterable[Any]:
    """Every good record of several import results, in order."""
    for result in results:
        yield from result.records

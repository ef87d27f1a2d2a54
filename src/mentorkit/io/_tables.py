"""Reading and writing tables: CSV, XLSX (openpyxl, optional) and JSON Lines."""

import contextlib
import csv
import datetime as dt
import importlib
import io
import json
from collections.abc import Generator, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._errors import MentorkitError, MissingExtraError
from ._columns import UNDECODED as _UNDECODED

__all__ = [
    "FORMATS",
    "MissingExtraError",
    "csv_cells",
    "iter_rows",
    "table_format",
    "write_table",
]

#: File formats by extension.
FORMATS = {".csv": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


def table_format(path: Path) -> str:
    """``csv``, ``xlsx``, ``jsonl`` or ``json`` from ``path``'s extension."""
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise MentorkitError(f"{path.name}: unknown file type (use {known})") from None


def _openpyxl() -> Any:
    try:
        # Imported by name: an optional dependency without type stubs.
        return importlib.import_module("openpyxl")
    except ImportError:
        raise MissingExtraError("cli", "reading or writing .xlsx (openpyxl)") from None


def iter_rows(path: Path, sheet: str | None = None) -> Iterator[tuple[int, object]]:
    """Yield ``(row number, row)`` from a CSV, XLSX or JSON Lines file.

    CSV and XLSX rows are dicts from the header row's column names to cells
    (row numbers as a spreadsheet shows them: the first data row is 2);
    blank rows are skipped. JSON Lines rows are the parsed JSON value of
    each non-blank line (or a :class:`json.JSONDecodeError`), numbered by line.
    ``sheet`` picks an XLSX sheet (default: the first).
    """
    fmt = table_format(path)
    if fmt == "csv":
        with contextlib.closing(csv_cells(path)) as table:
            header = next(table, None)
            if header is None:
                return
            names = header[1]
            for number, cells in table:
                yield number, dict(zip(names, cells, strict=False))
    elif fmt == "xlsx":
        openpyxl = _openpyxl()
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            ws = book[sheet] if sheet else book.worksheets[0]
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                return
            names = ["" if h is None else str(h).strip() for h in header]
            for number, cells in enumerate(rows, start=2):
                if all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                yield number, {n: c for n, c in zip(names, cells, strict=False) if n}
        finally:
            book.close()
    else:
        # Bytes that are not UTF-8 are kept as lone surrogates (``surrogateescape``): the
        # row holding them is then rejected, by field, and the others are read.
        with path.open(encoding="utf-8", errors="surrogateescape") as handle:
            if fmt == "json":
                data = json.load(handle)
                items = data if isinstance(data, list) else [data]
                yield from enumerate(items, start=1)
                return
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                if _UNDECODED.search(line):  # as the batch reports such a line
                    yield number, json.JSONDecodeError("not UTF-8", line, 0)
                    continue
                try:
                    yield number, json.loads(line)
                except json.JSONDecodeError as exc:
                    yield number, exc


def csv_cells(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """Yield ``(row number, cells)`` of a CSV file, the rows :func:`iter_rows` makes dicts of.

    First the header row (row 1, whether blank or not) with its names
    stripped, then each row that is not blank, numbered as a spreadsheet
    shows it; cells are text as read. Bytes that are not UTF-8 (a file saved
    in another encoding) are read as lone surrogates (``surrogateescape``), so
    only the rows holding them are rejected, each by column.
    """
    with path.open(newline="", encoding="utf-8-sig", errors="surrogateescape") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None:
            return
        yield 1, [h.strip() for h in header]
        for number, cells in enumerate(reader, start=2):
            if any(map(str.strip, cells)):  # not blank (csv gives str cells)
                yield number, cells


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def write_table(
    path: Path, columns: Sequence[str], rows: Sequence[Mapping[str, object]], *, sheet: str = ""
) -> Path:
    """Write ``rows`` (dicts keyed by ``columns``) to ``path`` as CSV, XLSX, JSON or JSON Lines.

    The format comes from the extension. CSV is UTF-8 with a BOM so
    spreadsheet programs open Indonesian text correctly; XLSX gets a bold
    header row and a frozen first row; JSON keeps values as they are.
    """
    fmt = table_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_cell(row.get(c)) for c in columns])
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    elif fmt == "xlsx":
        openpyxl = _openpyxl()
        book = openpyxl.Workbook()
        ws = book.active
        ws.title = (sheet or path.stem)[:31]
        ws.append(list(columns))
        for cell in ws[1]:
            cell.font = openpyxl.styles.Font(bold=True)
        ws.freeze_panes = "A2"
        for row in rows:
            ws.append([_cell(row.get(c)) for c in columns])
            for cell in ws[ws.max_row]:
                # Text that starts with '=' stays text: never a formula (no injection).
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        book.save(path)
    elif fmt == "json":
        items = [{c: row.get(c) for c in columns} for row in rows]
        path.write_text(json.dumps(items, ensure_ascii=False, indent=1, default=str), "utf-8")
    else:
        lines = (
            json.dumps({c: row.get(c) for c in columns}, ensure_ascii=False, default=str)
            for row in rows
        )
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path

"""Import and export of records: CSV, XLSX (openpyxl) and JSON Lines.

Spreadsheets are flat, so each record kind (:data:`KINDS`: businesses,
mentors, cooperatives, observations) documents its columns; see
``docs/reference/spreadsheet-columns.md``. Every row is converted to the
model's JSON shape and decoded with the core's strict decoder, so a bad
row is reported with its file, row number, record id and field path, and
the good rows are kept::

    result = import_file("businesses.csv")
    for error in result.errors:
        print(error)        # businesses.csv, row 7 (TSL-0006): $.owner.nik: ...
    businesses = result.records

Empty cells mean "not given" (the model's default), never ``""`` or ``0``.
XLSX needs the ``cli`` extra (``pip install 'mentorkit[cli]'``).
"""

from ._columns import KINDS, Column, RecordKind
from ._import import ImportResult, RowError, guess_kind, import_file, record_to_row
from ._tables import FORMATS, MissingExtraError, iter_rows, table_format, write_table

__all__ = [
    "FORMATS",
    "KINDS",
    "Column",
    "ImportResult",
    "MissingExtraError",
    "RecordKind",
    "RowError",
    "guess_kind",
    "import_file",
    "iter_rows",
    "record_to_row",
    "table_format",
    "write_table",
]

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

To store a file without holding it (a city's businesses, millions of
observation rows), stream it: the records are read as a store's batch
write consumes them, in one transaction, and the bad rows are known at
the end::

    stream = stream_file("observations.csv", rubrics=registry.rubrics)
    store.add_observations(stream)  # or store.put_businesses(stream_file("businesses.csv"))
    for error in stream.errors:
        print(error)

Empty cells mean "not given" (the model's default), never ``""`` or ``0``.
XLSX needs the ``cli`` extra (``pip install 'mentorkit[cli]'``).
"""

from ._columns import KINDS, Column, RecordKind
from ._import import (
    ImportResult,
    ImportStream,
    RowError,
    guess_kind,
    import_file,
    record_to_row,
    stream_file,
)
from ._tables import FORMATS, MissingExtraError, iter_rows, table_format, write_table

__all__ = [
    "FORMATS",
    "KINDS",
    "Column",
    "ImportResult",
    "ImportStream",
    "MissingExtraError",
    "RecordKind",
    "RowError",
    "guess_kind",
    "import_file",
    "iter_rows",
    "record_to_row",
    "stream_file",
    "table_format",
    "write_table",
]

"""Parquet output for the batch (extra ``mentorkit[parquet]``, pyarrow).

Results go to numbered parts, ``results-00000.parquet``, ``results-00001.parquet``, ...:
one part per checkpoint interval, written under a temporary name in row
groups of at most 1,000 rows and renamed into place when the checkpoint is
taken. A restart deletes every part the checkpoint does not count, so a part
is never duplicated nor half written.

Memory stays flat: rows are turned into Arrow record batches 100 at a time
(a result as Python dicts takes six to seven times its Arrow size), the
batches of one row group are written together, and after each row group
Arrow's memory pool is asked to hand its unused memory back to the system.

One row per business, nested like the JSON result line. Two fields whose
type varies are stored as JSON text: a criterion's ``answer`` (``true``,
``3`` or ``"cost-plus"``) and a ``receipt`` (an object, or null).
"""

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

from ._extras import require

__all__ = ["PARTS_KEY", "ParquetParts", "open_writer", "parquet_schema"]

#: Key of the part count in the checkpoint's ``sizes``.
PARTS_KEY = "results.parquet parts"
_ROW_GROUP = 1_000
#: Rows held as Python dicts before they are turned into an Arrow record batch.
_CHUNK = 100
_PART = re.compile(r"results-(\d{5,})\.parquet")


def _pyarrow() -> tuple[Any, Any]:
    return (
        require("pyarrow", "parquet", "Parquet output"),
        require("pyarrow.parquet", "parquet", "Parquet output"),
    )


def parquet_schema() -> Any:
    """The Arrow schema of the results parts."""
    pa, _pq = _pyarrow()
    s = pa.string()
    criterion = pa.struct(
        [
            ("criterion_id", s),
            ("weight", pa.float64()),
            ("source", s),
            ("score", pa.float64()),
            ("answer", s),
            ("met", pa.bool_()),
            ("note", s),
        ]
    )
    assessment = pa.struct(
        [
            ("business_id", s),
            ("rubric_id", s),
            ("rubric_version", s),
            ("assessed_on", pa.date32()),
            ("status", s),
            ("score", pa.float64()),
            ("level", s),
            ("criteria", pa.list_(criterion)),
            ("missing", pa.list_(s)),
            ("receipt", s),
        ]
    )
    reason = pa.struct(
        [("fact", s), ("op", s), ("expected", s), ("actual", s), ("held", pa.bool_())]
    )
    referral = pa.struct(
        [
            ("business_id", s),
            ("unit", s),
            ("rule_id", s),
            ("rule_version", s),
            ("proposed_on", pa.date32()),
            ("reasons", pa.list_(reason)),
            ("details", pa.list_(pa.list_(s))),
            ("receipt", s),
        ]
    )
    return pa.schema(
        [
            ("business_id", s),
            ("assessments", pa.list_(assessment)),
            ("referrals", pa.list_(referral)),
            ("issues", pa.list_(pa.struct([("path", s), ("message", s)]))),
            (
                "failures",
                pa.list_(pa.struct([("plugin", s), ("stage", s), ("message", s), ("item", s)])),
            ),
        ]
    )


def open_writer(path: Path, schema: Any) -> Any:
    """A ``pyarrow.parquet.ParquetWriter`` with the parts' options (the defaults)."""
    _pa, pq = _pyarrow()
    return pq.ParquetWriter(str(path), schema)


def _json(value: object) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _row(data: dict[str, Any]) -> dict[str, Any]:
    """A result (as :func:`mentorkit.encode` gives it) as a Parquet row."""
    assessments = [
        {
            **a,
            "assessed_on": dt.date.fromisoformat(a["assessed_on"]),
            "criteria": [
                {**c, "weight": float(c["weight"]), "answer": _json(c["answer"])}
                for c in a["criteria"]
            ],
            "receipt": _json(a["receipt"]),
        }
        for a in data["assessments"]
    ]
    referrals = [
        {
            **r,
            "proposed_on": dt.date.fromisoformat(r["proposed_on"]),
            "details": [list(pair) for pair in r["details"]],
            "receipt": _json(r["receipt"]),
        }
        for r in data["referrals"]
    ]
    return {**data, "assessments": assessments, "referrals": referrals}


class ParquetParts:
    """Writes result parts; :meth:`commit` seals one at each checkpoint."""

    def __init__(self, out: Path, parts_done: int, *, fsync: bool) -> None:
        self._pa, self._pq = _pyarrow()
        self.schema = parquet_schema()
        self.out = out
        self.parts = parts_done
        self.fsync = fsync
        self._rows: list[dict[str, Any]] = []  # at most _CHUNK, not yet in Arrow form
        self._batches: list[Any] = []  # record batches of the next row group
        self._buffered = 0  # rows in self._batches
        self._writer: Any = None
        for path in out.iterdir():
            match = _PART.fullmatch(path.name)
            stale = match is not None and int(match.group(1)) >= parts_done
            if stale or (path.name.startswith(".results-") and path.name.endswith(".tmp")):
                path.unlink()

    def _paths(self) -> tuple[Path, Path]:
        name = f"results-{self.parts:05d}.parquet"
        return self.out / f".{name}.tmp", self.out / name

    def write(self, data: dict[str, Any]) -> None:
        """Add one result (the data :func:`mentorkit.encode` gives for an Evaluation)."""
        self._rows.append(_row(data))
        if self._buffered + len(self._rows) >= _ROW_GROUP:
            self._flush()
        elif len(self._rows) >= _CHUNK:
            self._convert()

    def _convert(self) -> None:
        """Turn the rows held as Python dicts into a record batch."""
        if self._rows:
            batch = self._pa.RecordBatch.from_pylist(self._rows, schema=self.schema)
            self._batches.append(batch)
            self._buffered += batch.num_rows
            self._rows = []

    def _flush(self) -> None:
        """Write the rows held as one row group."""
        self._convert()
        if not self._batches:
            return
        if self._writer is None:
            self._writer = open_writer(self._paths()[0], self.schema)
        table = self._pa.Table.from_batches(self._batches, schema=self.schema)
        self._batches = []
        self._buffered = 0
        # One row group, even though the table has a chunk per batch.
        self._writer.write_table(table, row_group_size=table.num_rows)
        del table
        # The writer's buffers come from Arrow's process-wide default pool, whose
        # allocator (mimalloc, jemalloc) keeps freed pages; without this the peak
        # creeps up part after part. It frees memory only and changes no setting.
        self._pa.default_memory_pool().release_unused()

    def commit(self) -> int:
        """Seal the current part (if it has rows); return the number of parts done."""
        self._flush()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            tmp, final = self._paths()
            if self.fsync:
                with open(tmp, "rb") as stream:
                    os.fsync(stream.fileno())
            os.replace(tmp, final)
            self.parts += 1
        return self.parts

    def close(self) -> None:
        """Close without sealing (an interrupted run: the part is deleted on restart)."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

"""The cohort as the office hands it over: one spreadsheet per kind of record."""

from collections.abc import Iterable
from pathlib import Path

from .._model import Observation
from ..io import KINDS, record_to_row, write_table
from ._generate import DemoCohort

__all__ = ["write_spreadsheets"]


def write_spreadsheets(
    cohort: DemoCohort,
    observations: Iterable[Observation],
    folder: Path | str,
    *,
    suffix: str = "csv",
) -> dict[str, Path]:
    """Write ``cohort`` and its ``observations`` as tables ``mentorkit import`` reads.

    One file per kind in ``folder`` (created if needed): ``cooperatives``,
    ``mentors``, ``businesses`` and ``observations``, each a spreadsheet
    (``suffix`` ``csv``, the default, or ``xlsx``, which needs openpyxl)
    with the flat columns of :data:`mentorkit.io.KINDS`. Returns the paths
    by kind, in the order to import them. NIK and phone are written as
    generated (all synthetic).
    """
    if suffix not in ("csv", "xlsx"):
        raise ValueError(f"spreadsheets are csv or xlsx, not {suffix!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for kind, records in (
        ("cooperatives", cohort.cooperatives),
        ("mentors", cohort.mentors),
        ("businesses", cohort.businesses),
        ("observations", observations),
    ):
        rows = [record_to_row(r, kind) for r in records]
        files[kind] = write_table(folder / f"{kind}.{suffix}", KINDS[kind].column_names, rows)
    return files

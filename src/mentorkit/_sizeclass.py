"""Business size classes (skala usaha) as dated legal parameters.

Sources: PP 7/2021 Art. 35 (in force from 2 February 2021) and, before it,
UU 20/2008 Art. 6. Each threshold set is valid from a date; a size class is
computed with the set in force on the day asked about.
"""

import datetime as dt
from collections.abc import Sequence

from attrs import frozen

from ._model import SizeClass

__all__ = [
    "PP_7_2021",
    "SIZE_THRESHOLDS",
    "UU_20_2008",
    "SizeThresholds",
    "size_class",
    "thresholds_on",
]


@frozen
class SizeThresholds:
    """Upper bounds (inclusive, whole rupiah) of micro, small and medium.

    ``capital_max`` bounds business capital excluding land and buildings,
    ``sales_max`` bounds annual sales; each is ``(micro, small, medium)``.
    """

    source: str
    valid_from: dt.date
    capital_max: tuple[int, int, int]
    sales_max: tuple[int, int, int]


UU_20_2008 = SizeThresholds(
    source="UU 20/2008 Art. 6",
    valid_from=dt.date(2008, 7, 4),
    capital_max=(50_000_000, 500_000_000, 10_000_000_000),
    sales_max=(300_000_000, 2_500_000_000, 50_000_000_000),
)

PP_7_2021 = SizeThresholds(
    source="PP 7/2021 Art. 35",
    valid_from=dt.date(2021, 2, 2),
    capital_max=(1_000_000_000, 5_000_000_000, 10_000_000_000),
    sales_max=(2_000_000_000, 15_000_000_000, 50_000_000_000),
)

#: Threshold sets, oldest first.
SIZE_THRESHOLDS: tuple[SizeThresholds, ...] = (UU_20_2008, PP_7_2021)

_CLASSES = (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM)


def thresholds_on(on: dt.date, table: Sequence[SizeThresholds] = SIZE_THRESHOLDS) -> SizeThresholds:
    """The threshold set in force on ``on`` (the earliest set before any is in force)."""
    chosen = table[0]
    for candidate in table:
        if candidate.valid_from <= on:
            chosen = candidate
    return chosen


def _classify(amount: int, bounds: tuple[int, int, int]) -> SizeClass:
    for size, upper in zip(_CLASSES, bounds, strict=True):
        if amount <= upper:
            return size
    return SizeClass.LARGE


def size_class(
    *,
    capital: int | None = None,
    annual_sales: int | None = None,
    on: dt.date,
    table: Sequence[SizeThresholds] = SIZE_THRESHOLDS,
) -> SizeClass | None:
    """Classify a business as micro, small, medium or large.

    Annual sales decide for a running business; business capital (excluding
    land and buildings) decides when sales are not known, as at founding.
    Returns None when neither is known.

    >>> import datetime as dt
    >>> size_class(annual_sales=2_000_000_000, on=dt.date(2024, 1, 1))
    <SizeClass.MICRO: 'micro'>
    >>> size_class(annual_sales=2_000_000_001, on=dt.date(2024, 1, 1))
    <SizeClass.SMALL: 'small'>
    """
    rules = thresholds_on(on, table)
    if annual_sales is not None:
        return _classify(annual_sales, rules.sales_max)
    if capital is not None:
        return _classify(capital, rules.capital_max)
    return None

"""Dated legal parameters (parameter hukum bertanggal), kept as data.

Indonesian rules for UMKM change often: thresholds are raised, deadlines
postponed. Rubrics and referral rules therefore never hard-code them: they
read the parameter *in force on the assessment date* from the tables here.
Each entry is :class:`Dated`: the value, the day it took effect, its legal
source and how sure we are of it (:class:`Confidence`). A new regulation is
a new entry appended to a table; history stays reproducible because an
assessment of an earlier day still finds the earlier entry.

>>> import datetime as dt
>>> in_force(COOPERATIVE_MIN_MEMBERS, dt.date(2024, 1, 1)).value
20
>>> kur_scheme(10_000_000, dt.date(2024, 1, 1)).id
'super_micro'
>>> halal_mandatory_from(SizeClass.MICRO, dt.date(2025, 1, 1))
datetime.date(2026, 10, 18)
"""

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Generic, TypeVar

from attrs import frozen

from ._model import Label, SizeClass
from ._sizeclass import SIZE_THRESHOLDS, SizeThresholds, size_class, thresholds_on

__all__ = [
    "COOPERATIVE_MIN_MEMBERS",
    "HALAL_DEADLINES",
    "HALAL_SELF_DECLARE",
    "KUR",
    "SIZE_THRESHOLDS",
    "Confidence",
    "Dated",
    "HalalDeadlines",
    "HalalSelfDeclare",
    "KurRules",
    "KurScheme",
    "SizeThresholds",
    "halal_mandatory_from",
    "in_force",
    "kur_scheme",
    "self_declare_eligible",
    "size_class",
    "thresholds_on",
]

T = TypeVar("T")


class Confidence(enum.StrEnum):
    """How sure we are that a parameter matches the regulation (keyakinan)."""

    HIGH = "high"  #: read in the regulation or an official summary of it
    MEDIUM = "medium"  #: reported by reliable secondary sources; check later rules
    LOW = "low"  #: reported but unverified


@frozen
class Dated(Generic[T]):
    """A legal parameter ``value`` in force from ``valid_from`` (berlaku sejak).

    It stays in force until a later entry of the same table takes over.
    ``source`` cites the regulation; ``note`` explains how it was read.
    """

    value: T
    valid_from: dt.date
    source: str
    confidence: Confidence = Confidence.HIGH
    note: str = ""


def in_force(table: Sequence[Dated[T]], on: dt.date) -> Dated[T] | None:
    """The entry of ``table`` in force on ``on``: the latest with ``valid_from <= on``.

    Returns None when ``on`` is before every entry (nothing was in force).
    Among entries with the same ``valid_from`` the last one listed wins.
    """
    chosen: Dated[T] | None = None
    for entry in table:
        if entry.valid_from <= on and (chosen is None or entry.valid_from >= chosen.valid_from):
            chosen = entry
    return chosen


# --------------------------------------------------------------------------- halal


@frozen
class HalalDeadlines:
    """When halal certification of food and beverages becomes mandatory, per size class.

    ``mandatory_from`` pairs a size class with the first day a product
    without a halal certificate (sertifikat halal) is no longer tolerated:
    the day after the staged transition (penahapan) ends.
    """

    mandatory_from: tuple[tuple[SizeClass, dt.date], ...]

    def for_size(self, size: SizeClass) -> dt.date:
        """The first day certification is mandatory for ``size``."""
        for candidate, day in self.mandatory_from:
            if candidate is size:
                return day
        raise KeyError(size)


_ALL_SIZES = (SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE)

#: Halal deadlines for food and beverages (UU 33/2014 Jaminan Produk Halal).
HALAL_DEADLINES: tuple[Dated[HalalDeadlines], ...] = (
    Dated(
        HalalDeadlines(tuple((size, dt.date(2024, 10, 18)) for size in _ALL_SIZES)),
        valid_from=dt.date(2021, 2, 2),
        source="PP 39/2021 (Penyelenggaraan Bidang Jaminan Produk Halal), staged duty",
        confidence=Confidence.MEDIUM,
        note="First stage (food and beverages) ran to 17 Oct 2024 for every size.",
    ),
    Dated(
        HalalDeadlines(
            (
                (SizeClass.MICRO, dt.date(2026, 10, 18)),
                (SizeClass.SMALL, dt.date(2026, 10, 18)),
                (SizeClass.MEDIUM, dt.date(2024, 10, 18)),
                (SizeClass.LARGE, dt.date(2024, 10, 18)),
            )
        ),
        valid_from=dt.date(2024, 10, 17),
        source="PP 42/2024 (amending PP 39/2021)",
        confidence=Confidence.HIGH,
        note=(
            "Medium and large: mandatory from 18 Oct 2024. Micro and small: "
            "transition postponed to 17 Oct 2026, so mandatory from 18 Oct 2026."
        ),
    ),
)


@frozen
class HalalSelfDeclare:
    """Conditions of the free self-declare route (pernyataan pelaku usaha) for UMK.

    Annual sales at most ``max_annual_sales`` rupiah and, when
    ``requires_nib``, a NIB; the process is checked by a halal-process
    companion (pendamping proses produk halal).
    """

    max_annual_sales: int
    requires_nib: bool = True


#: Self-declare route for micro and small businesses.
HALAL_SELF_DECLARE: tuple[Dated[HalalSelfDeclare], ...] = (
    Dated(
        HalalSelfDeclare(max_annual_sales=500_000_000, requires_nib=True),
        valid_from=dt.date(2021, 2, 2),
        source="PP 39/2021 Art. 79-80; BPJPH self-declare (SEHATI) programme",
        confidence=Confidence.HIGH,
    ),
)


def halal_mandatory_from(size: SizeClass, on: dt.date) -> dt.date | None:
    """The first day halal certification of food is mandatory for ``size``.

    Read with the rules in force on ``on``; None when no rule was in force.
    """
    entry = in_force(HALAL_DEADLINES, on)
    return None if entry is None else entry.value.for_size(size)


def self_declare_eligible(*, annual_sales: int | None, has_nib: bool, on: dt.date) -> bool | None:
    """Whether a business may use the halal self-declare route on ``on``.

    None when it cannot be told (annual sales unknown, or no rule in force).
    """
    entry = in_force(HALAL_SELF_DECLARE, on)
    if entry is None or annual_sales is None:
        return None
    rule = entry.value
    return annual_sales <= rule.max_annual_sales and (has_nib or not rule.requires_nib)


# --------------------------------------------------------------------------- KUR


@frozen
class KurScheme:
    """A KUR (Kredit Usaha Rakyat) scheme: loans above ``floor`` up to ``ceiling`` rupiah.

    ``interest_percent`` is the yearly interest for the 1st, 2nd, ... loan;
    the last rate applies to every later loan.
    """

    id: str
    label: Label
    floor: int  #: exclusive lower bound (0 for the smallest scheme)
    ceiling: int  #: inclusive upper bound (plafon)
    interest_percent: tuple[float, ...]

    def covers(self, amount: int) -> bool:
        """True when a loan of ``amount`` rupiah falls in this scheme."""
        return self.floor < amount <= self.ceiling

    def interest_for(self, nth_loan: int) -> float:
        """The yearly interest (percent) of the ``nth_loan`` (1 = first KUR loan)."""
        index = min(max(nth_loan, 1), len(self.interest_percent)) - 1
        return self.interest_percent[index]


@frozen
class KurRules:
    """The KUR schemes in force and the general conditions of the programme.

    ``min_months_running``: the business must have run at least this long.
    """

    schemes: tuple[KurScheme, ...]
    min_months_running: int

    def scheme_for(self, amount: int) -> KurScheme | None:
        """The scheme covering a loan of ``amount`` rupiah; None above every ceiling."""
        for scheme in self.schemes:
            if scheme.covers(amount):
                return scheme
        return None


_LADDER = (6.0, 7.0, 8.0, 9.0)

#: KUR schemes (Kredit Usaha Rakyat).
KUR: tuple[Dated[KurRules], ...] = (
    Dated(
        KurRules(
            schemes=(
                KurScheme(
                    "super_micro",
                    Label(en="KUR super micro", id="KUR super mikro"),
                    floor=0,
                    ceiling=10_000_000,
                    interest_percent=(3.0,),
                ),
                KurScheme(
                    "micro",
                    Label(en="KUR micro", id="KUR mikro"),
                    floor=10_000_000,
                    ceiling=100_000_000,
                    interest_percent=_LADDER,
                ),
                KurScheme(
                    "small",
                    Label(en="KUR small", id="KUR kecil"),
                    floor=100_000_000,
                    ceiling=500_000_000,
                    interest_percent=_LADDER,
                ),
            ),
            min_months_running=6,
        ),
        valid_from=dt.date(2023, 1, 1),
        source="Permenko Perekonomian 1/2023 (Pedoman Pelaksanaan KUR)",
        confidence=Confidence.MEDIUM,
        note="Applies from the 2023 programme year; check later amendments.",
    ),
)


def kur_scheme(amount: int, on: dt.date) -> KurScheme | None:
    """The KUR scheme in force on ``on`` for a loan of ``amount`` rupiah (None: none fits)."""
    entry = in_force(KUR, on)
    return None if entry is None else entry.value.scheme_for(amount)


# --------------------------------------------------------------------------- cooperatives

#: Minimum members of a primary cooperative (koperasi primer).
COOPERATIVE_MIN_MEMBERS: tuple[Dated[int], ...] = (
    Dated(
        20,
        valid_from=dt.date(1992, 10, 21),
        source="UU 25/1992 (Perkoperasian) Art. 6(1)",
        confidence=Confidence.HIGH,
        note="A reported later reduction to 9 members is not entered until verified.",
    ),
)

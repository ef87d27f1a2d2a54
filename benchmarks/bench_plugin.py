"""The benchmark's rule pack: 2 rubrics of 10 criteria and 4 referral rules.

A plugin module written against mentorkit's public API only, as a third
party would write one. ``generate`` writes the benchmark input: batch
records (a business and its observations) as JSON Lines, deterministic
for a given seed.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator

import mentorkit as mk
from mentorkit import AnswerKind, Choice, Condition, Criterion, Label, Level, Op

ON = dt.date(2025, 6, 30)


def _yes(cid: str, en: str, id_: str, weight: float = 1.0) -> Criterion:
    return Criterion(id=cid, label=Label(en=en, id=id_), weight=weight)


def _scale(cid: str, en: str, id_: str, weight: float = 1.0) -> Criterion:
    return Criterion(
        id=cid,
        label=Label(en=en, id=id_),
        weight=weight,
        kind=AnswerKind.SCALE,
        scale_max=4,
        met_at=0.75,
    )


def _choice(cid: str, en: str, id_: str, weight: float = 1.0) -> Criterion:
    return Criterion(
        id=cid,
        label=Label(en=en, id=id_),
        weight=weight,
        kind=AnswerKind.CHOICE,
        choices=(
            Choice("none", 0.0, Label(en="None", id="Tidak ada")),
            Choice("partial", 0.5, Label(en="Partial", id="Sebagian")),
            Choice("full", 1.0, Label(en="Full", id="Lengkap")),
        ),
        met_at=0.5,
    )


def _has_nib(business: mk.Business, on: dt.date) -> bool:
    return business.licence(mk.LicenceKind.NIB, on) is not None


LEVELS = (
    Level("starting", 0.0, Label(en="Starting", id="Merintis")),
    Level("developing", 40.0, Label(en="Developing", id="Berkembang")),
    Level("established", 70.0, Label(en="Established", id="Mapan")),
)

FINANCE = mk.Rubric(
    id="bench-finance",
    version="2025.1",
    label=Label(en="Bookkeeping and finance", id="Pembukuan dan keuangan"),
    criteria=(
        _yes("cash-book", "Keeps a cash book", "Mencatat buku kas", 2.0),
        _yes("separate-money", "Separates business money", "Memisahkan uang usaha"),
        _yes("income-statement", "Income statement", "Laporan laba rugi", 2.0),
        _yes("balance-sheet", "Balance sheet", "Laporan posisi keuangan"),
        _yes("bank-account", "Business bank account", "Rekening usaha"),
        Criterion(id="has-nib", label=Label(en="Holds a NIB", id="Memiliki NIB"), derive=_has_nib),
        _scale("costing", "Product costing", "Perhitungan HPP", 1.5),
        _scale("stock", "Stock records", "Pencatatan stok"),
        _choice("tax", "Tax records", "Catatan pajak"),
        _choice("budget", "Budgeting", "Anggaran"),
    ),
    levels=LEVELS,
)

MARKET = mk.Rubric(
    id="bench-market",
    version="2025.1",
    label=Label(en="Marketing", id="Pemasaran"),
    criteria=(
        _yes("brand", "Has a brand", "Memiliki merek"),
        _yes("label", "Compliant label", "Label sesuai", 2.0),
        _yes("online", "Sells online", "Berjualan daring"),
        _yes("photos", "Product photos", "Foto produk"),
        _yes("price-list", "Price list", "Daftar harga"),
        _yes("repeat", "Repeat customers", "Pelanggan tetap"),
        _scale("packaging", "Packaging quality", "Kualitas kemasan", 1.5),
        _scale("service", "Customer service", "Layanan pelanggan"),
        _choice("promotion", "Promotion", "Promosi"),
        _choice("reach", "Market reach", "Jangkauan pasar", 2.0),
    ),
    levels=LEVELS,
)

UNITS = (
    mk.Unit("facilitation", Label(en="Facilitation", id="Bidang Fasilitasi")),
    mk.Unit("cooperative", Label(en="Cooperatives", id="Bidang Koperasi")),
    mk.Unit("licensing", Label(en="Licensing", id="Perizinan")),
    mk.Unit("marketing", Label(en="Marketing", id="Pemasaran")),
)

RULES = (
    mk.ReferralRule(
        id="bench-capital",
        version="2025.1",
        unit="facilitation",
        label=Label(en="Capital facilitation", id="Fasilitasi permodalan"),
        conditions=(
            Condition("business.financing_need", Op.GT, 0),
            Condition("assessment.bench-finance.level", Op.GE, "developing"),
            Condition("business.age_months", Op.GE, 6),
        ),
    ),
    mk.ReferralRule(
        id="bench-coop",
        version="2025.1",
        unit="cooperative",
        label=Label(en="Join a cooperative", id="Bergabung dengan koperasi"),
        conditions=(
            Condition("business.in_cooperative", Op.IS_FALSE),
            Condition("assessment.bench-market.score", Op.GE, 50),
        ),
    ),
    mk.ReferralRule(
        id="bench-nib",
        version="2025.1",
        unit="licensing",
        label=Label(en="Get a NIB", id="Mengurus NIB"),
        conditions=(Condition("business.licence.nib", Op.IS_FALSE),),
    ),
    mk.ReferralRule(
        id="bench-online",
        version="2025.1",
        unit="marketing",
        label=Label(en="Go online", id="Pemasaran daring"),
        conditions=(
            Condition("business.sales_channels", Op.NOT_IN, ("marketplace", "social_media")),
            Condition("assessment.bench-market.level", Op.IN, ("starting", "developing")),
        ),
    ),
)


@mk.hookimpl
def register_rubrics() -> list[mk.Rubric]:
    """The two benchmark rubrics."""
    return [FINANCE, MARKET]


@mk.hookimpl
def register_units() -> list[mk.Unit]:
    """The four receiving units."""
    return list(UNITS)


@mk.hookimpl
def register_referral_rules() -> list[mk.ReferralRule]:
    """The four benchmark rules."""
    return list(RULES)


# --------------------------------------------------------------------------- input

_SECTORS = ("culinary", "craft", "fashion", "services", "trade")
_DISTRICTS = ("Ciputat", "Ciputat Timur", "Pamulang", "Pondok Aren", "Serpong", "Setu")
_CHANNELS = ("shop", "marketplace", "social_media", "gallery", "reseller")


def _answer(criterion: Criterion, rnd: random.Random) -> bool | int | str:
    if criterion.kind is AnswerKind.YES_NO:
        return rnd.random() < 0.6
    if criterion.kind is AnswerKind.SCALE:
        return rnd.randint(0, criterion.scale_max or 1)
    return rnd.choice(criterion.choices).value


def records(count: int, seed: int = 7, *, start: int = 0) -> Iterator[dict[str, object]]:
    """``count`` batch records as JSON-ready dicts, the same for the same seed."""
    rnd = random.Random(seed * 1_000_003 + start)
    for number in range(start, start + count):
        bid = f"B-{number:08d}"
        business: dict[str, object] = {
            "id": bid,
            "name": f"Usaha {number}",
            "owner": {"name": f"Pemilik {number}"},
            "sector": rnd.choice(_SECTORS),
            "district": rnd.choice(_DISTRICTS),
            "founded": f"20{rnd.randint(10, 24)}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
            "employees": rnd.randint(0, 20),
            "capital": rnd.randint(1, 2_000) * 1_000_000,
            "annual_sales": rnd.randint(1, 3_000) * 1_000_000,
            "financing_need": rnd.choice((0, 0, 5_000_000, 25_000_000, 100_000_000)),
            "sales_channels": sorted(rnd.sample(_CHANNELS, rnd.randint(0, 2))),
        }
        if rnd.random() < 0.5:
            business["nib"] = f"{rnd.randrange(10**12, 10**13)}"
        if rnd.random() < 0.3:
            business["cooperative"] = {"cooperative_id": "KOP-1"}
        observations = []
        for rubric in (FINANCE, MARKET):
            for criterion in rubric.criteria:
                if criterion.derive is not None or rnd.random() < 0.03:
                    continue  # derived, or left for the mentor: makes some incomplete
                observations.append(
                    {
                        "business_id": bid,
                        "rubric_id": rubric.id,
                        "criterion_id": criterion.id,
                        "value": _answer(criterion, rnd),
                        "observed_on": f"2025-0{rnd.randint(1, 6)}-{rnd.randint(1, 28):02d}",
                    }
                )
        yield {"business": business, "observations": observations}


def generate(path: str, count: int, seed: int = 7) -> None:
    """Write ``count`` batch records to ``path`` as JSON Lines."""
    with open(path, "w", encoding="utf-8") as out:
        for record in records(count, seed):
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
            out.write("\n")

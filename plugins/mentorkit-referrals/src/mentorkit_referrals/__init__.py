"""mentorkit-referrals: who a mentored business is referred to next, and why.

After mentoring, other units of the Cooperatives & SME office (Dinas
Koperasi dan UKM) act. This plugin declares those units and the rules that
propose a referral to each, every rule with the conditions that make it fire
(they become the referral's reasons) and the source it rests on:

* ``capital`` (Bidang Fasilitasi) — the business needs financing, keeps
  books good enough to carry a loan, and has run long enough for KUR;
* ``cooperative`` (Bidang Koperasi) — every mentored business not yet in a
  cooperative ("Satu Koperasi Seribu UMKM"), suggesting a cooperative in the
  same district and sector;
* ``licensing`` — a NIB, a food registration (SPP-IRT/BPOM MD) or a halal
  certificate is missing;
* ``marketing`` — product standards are met: district gallery, online app;
* ``training`` — bookkeeping or product-standards level is still the lowest.

At most one referral per unit: among a unit's rules that fire, the highest
priority proposes (mentorkit's rule), so the most basic gap comes first.
Parameters that change (KUR schemes, halal deadlines, cooperative minimum
membership) are read from :mod:`mentorkit.legal` on the referral date.

Rules read the rubrics ``accounting`` (levels ``beginner`` < ``developing``
< ``established``) and ``product_standards`` (``basic`` < ``developing`` <
``market_ready``), declared by mentorkit-accounting and
mentorkit-product-standards (or any plugins declaring rubrics with those ids,
levels and criteria). Without them, the registry rejects the rules that read
them and loads the rest.
"""

from collections.abc import Mapping

from mentorkit import (
    Business,
    Condition,
    Cooperative,
    FactValue,
    Label,
    Op,
    ReferralRule,
    RuleContext,
    Sector,
    Unit,
    hookimpl,
    size_class,
)
from mentorkit.legal import (
    COOPERATIVE_MIN_MEMBERS,
    HALAL_DEADLINES,
    KUR,
    in_force,
    self_declare_eligible,
)

__all__ = [
    "KUR_MIN_MONTHS",
    "PROGRAMME",
    "RULES",
    "UNITS",
    "VERSION",
    "capital_details",
    "cooperative_details",
    "licensing_details",
    "marketing_details",
    "rank_cooperatives",
    "register_referral_rules",
    "register_units",
    "training_details",
]

__version__ = "2026.1.0"

#: Version recorded on every referral these rules propose.
VERSION = "2026.1"

#: The office's cooperative programme (one cooperative, a thousand UMKM).
PROGRAMME = "Satu Koperasi Seribu UMKM"

#: Months a business must have run for KUR: the latest entry of mentorkit.legal.KUR.
#: A change in the regulation is a new entry there and a new version of these rules.
KUR_MIN_MONTHS: int = KUR[-1].value.min_months_running

#: The units this plugin declares (bidang/unit of the office and partners).
UNITS: tuple[Unit, ...] = (
    Unit(
        "capital",
        Label(en="Capital facilitation unit", id="Bidang Fasilitasi (permodalan)"),
        description=Label(
            en="Helps businesses reach financing: KUR through banks and cooperatives.",
            id="Membantu akses pembiayaan: KUR melalui bank dan koperasi.",
        ),
        response_days=30,
    ),
    Unit(
        "cooperative",
        Label(en="Cooperatives unit", id="Bidang Koperasi"),
        description=Label(
            en=f"Brings mentored businesses into a cooperative ({PROGRAMME}).",
            id=f"Mengajak UMKM binaan bergabung dengan koperasi ({PROGRAMME}).",
        ),
        response_days=30,
    ),
    Unit(
        "licensing",
        Label(en="Licensing facilitation", id="Fasilitasi perizinan"),
        description=Label(
            en="Helps with NIB (OSS), SPP-IRT, BPOM registration and halal certification.",
            id="Membantu pengurusan NIB (OSS), SPP-IRT, izin edar BPOM dan sertifikasi halal.",
        ),
        response_days=21,
    ),
    Unit(
        "marketing",
        Label(
            en="Marketing: district galleries and online marketing",
            id="Pemasaran: galeri UMKM kecamatan dan pemasaran daring",
        ),
        description=Label(
            en="Galleries run by local cooperatives in each district, and the online "
            "marketing app.",
            id="Galeri per kecamatan yang dikelola koperasi setempat, dan aplikasi "
            "pemasaran daring.",
        ),
        response_days=30,
    ),
    Unit(
        "training",
        Label(en="Training and certification waves", id="Pelatihan dan sertifikasi (gelombang)"),
        description=Label(
            en="Places the business in the next training and certification wave.",
            id="Mendaftarkan usaha ke gelombang pelatihan dan sertifikasi berikutnya.",
        ),
        response_days=60,
    ),
)


# --------------------------------------------------------------------------- details


def _rupiah(amount: int) -> str:
    return "Rp" + f"{amount:,}".replace(",", ".")


def capital_details(ctx: RuleContext) -> Mapping[str, str]:
    """The KUR scheme that fits the financing need, under the rules in force on the day.

    Source: Permenko Perekonomian 1/2023 via :data:`mentorkit.legal.KUR`.
    """
    entry = in_force(KUR, ctx.on)
    need = ctx.business.financing_need
    if entry is None or need is None:
        return {"kur_scheme": "unknown"}
    rules = entry.value
    scheme = rules.scheme_for(need)
    out = {"financing_need": _rupiah(need), "source": entry.source}
    if scheme is None:
        top = max(s.ceiling for s in rules.schemes)
        out["kur_scheme"] = "none"
        out["note"] = f"above the highest KUR ceiling ({_rupiah(top)}): other financing"
        return out
    out["kur_scheme"] = scheme.id
    out["kur_ceiling"] = _rupiah(scheme.ceiling)
    out["kur_interest_first_loan"] = f"{scheme.interest_for(1):g}%"
    return out


def rank_cooperatives(
    business: Business, cooperatives: tuple[Cooperative, ...]
) -> list[tuple[str, Cooperative]]:
    """Cooperatives worth suggesting to ``business``, best first, with how they match.

    Same district and sector first, then same district, then same sector
    elsewhere. Among equals, a savings-and-loan cooperative (koperasi simpan
    pinjam, which can channel KUR) comes first when the business needs
    financing; then the smallest id, so the order never depends on input order.
    """
    needs_money = bool(business.financing_need)
    ranked: list[tuple[int, int, str, str, Cooperative]] = []
    for coop in cooperatives:
        here = coop.district == business.district
        same_sector = business.sector in coop.sectors
        if here and same_sector:
            rank, match = 0, "district_and_sector"
        elif here:
            rank, match = 1, "district"
        elif same_sector:
            rank, match = 2, "sector"
        else:
            continue
        lender_first = 0 if (needs_money and coop.savings_and_loan) else 1
        ranked.append((rank, lender_first, coop.id, match, coop))
    ranked.sort(key=lambda item: item[:3])
    return [(match, coop) for _r, _l, _i, match, coop in ranked]


def cooperative_details(ctx: RuleContext) -> Mapping[str, str]:
    """Suggest the best cooperative from the directory (see :func:`rank_cooperatives`).

    When none fits, says how many members founding one takes (UU 25/1992,
    via :data:`mentorkit.legal.COOPERATIVE_MIN_MEMBERS`).
    """
    out = {"programme": PROGRAMME}
    ranked = rank_cooperatives(ctx.business, ctx.cooperatives)
    if ranked:
        match, best = ranked[0]
        out.update(
            suggested_cooperative=best.id,
            suggested_cooperative_name=best.name,
            match=match,
        )
        return out
    out["match"] = "none"
    entry = in_force(COOPERATIVE_MIN_MEMBERS, ctx.on)
    if entry is not None:
        out["note"] = (
            f"no cooperative in the district or sector; founding one takes at least "
            f"{entry.value} members ({entry.source})"
        )
    return out


def _missing_licences(facts: Mapping[str, FactValue], business: Business) -> list[str]:
    missing = []
    if facts.get("business.licence.nib") is False:
        missing.append("nib")
    if business.sector is Sector.CULINARY:
        if not facts.get("business.licence.spp_irt") and not facts.get("business.licence.bpom_md"):
            missing.append("spp_irt_or_bpom_md")
        if facts.get("business.licence.halal") is False:
            missing.append("halal")
    return missing


def licensing_details(ctx: RuleContext) -> Mapping[str, str]:
    """Every licence missing, and for halal the deadline and route in force on the day.

    Halal: UU 33/2014; deadlines PP 39/2021 as amended by PP 42/2024;
    self-declare for sales up to the limit with a NIB (mentorkit.legal).
    """
    business = ctx.business
    missing = _missing_licences(ctx.facts, business)
    out = {"missing": ", ".join(missing)}
    if "halal" in missing:
        entry = in_force(HALAL_DEADLINES, ctx.on)
        size = size_class(capital=business.capital, annual_sales=business.annual_sales, on=ctx.on)
        if entry is not None and size is not None:
            due = entry.value.for_size(size)
            out["halal_mandatory_from"] = due.isoformat()
            out["halal_overdue"] = "yes" if ctx.on >= due else "no"
            out["halal_source"] = entry.source
        eligible = self_declare_eligible(
            annual_sales=business.annual_sales,
            has_nib=ctx.facts.get("business.licence.nib") is True,
            on=ctx.on,
        )
        out["halal_self_declare"] = {True: "yes", False: "no", None: "unknown"}[eligible]
    return out


def marketing_details(ctx: RuleContext) -> Mapping[str, str]:
    """Name the district gallery and say whether the business is already online."""
    channels = ctx.facts.get("business.sales_channels")
    online = isinstance(channels, tuple) and "marketplace" in channels
    return {
        "gallery": f"Galeri UMKM Kecamatan {ctx.business.district}",
        "online_marketing_app": "listed" if online else "to list",
    }


_TRAINING_TOPICS = (
    ("assessment.accounting.level", "beginner", "bookkeeping (SAK EMKM)"),
    ("assessment.product_standards.level", "basic", "product standards and licensing"),
)


def training_details(ctx: RuleContext) -> Mapping[str, str]:
    """The topics to train: every rubric whose level is still the lowest."""
    topics = [topic for fact, low, topic in _TRAINING_TOPICS if ctx.facts.get(fact) == low]
    return {"topics": "; ".join(topics), "placement": "next training and certification wave"}


# --------------------------------------------------------------------------- rules


def _c(fact: str, op: Op, value: FactValue, en: str, id_: str) -> Condition:
    return Condition(fact, op, value, Label(en=en, id=id_))


_LICENCE_SOURCE = "PP 5/2021 (OSS-RBA)"

#: What both marketing rules ask first: market-ready products from a business with a NIB.
_MARKET_READY = (
    _c(
        "assessment.product_standards.level",
        Op.GE,
        "market_ready",
        "Product standards market-ready",
        "Standar produk siap pasar",
    ),
    _c(
        "assessment.product_standards.criterion.nib.met",
        Op.IS_TRUE,
        None,
        "Holds a NIB",
        "Memiliki NIB",
    ),
)

#: Every referral rule of this plugin.
RULES: tuple[ReferralRule, ...] = (
    ReferralRule(
        id="capital.kur",
        version=VERSION,
        unit="capital",
        label=Label(en="Ready for KUR financing", id="Siap mengakses KUR"),
        conditions=(
            _c("business.financing_need", Op.GT, 0, "Needs financing", "Membutuhkan modal"),
            _c(
                "assessment.accounting.level",
                Op.GE,
                "developing",
                "Bookkeeping at least developing",
                "Pembukuan minimal berkembang",
            ),
            _c(
                "business.age_months",
                Op.GE,
                KUR_MIN_MONTHS,
                f"Running at least {KUR_MIN_MONTHS} months",
                f"Usaha berjalan minimal {KUR_MIN_MONTHS} bulan",
            ),
        ),
        source="Permenko Perekonomian 1/2023 (KUR): productive, feasible business running "
        "at least 6 months; bookkeeping per SAK EMKM (mentorkit-accounting)",
        priority=10,
        details=capital_details,
    ),
    ReferralRule(
        id="cooperative.join",
        version=VERSION,
        unit="cooperative",
        label=Label(en="Join a cooperative", id="Bergabung dengan koperasi"),
        conditions=(
            _c("case.mentored", Op.IS_TRUE, None, "In mentoring", "Sedang didampingi"),
            _c(
                "business.in_cooperative",
                Op.IS_FALSE,
                None,
                "Not yet in a cooperative",
                "Belum menjadi anggota koperasi",
            ),
        ),
        source=f"Dinas Koperasi dan UKM Tangsel programme '{PROGRAMME}'; UU 25/1992 "
        "(Perkoperasian)",
        priority=10,
        details=cooperative_details,
    ),
    ReferralRule(
        id="licensing.nib",
        version=VERSION,
        unit="licensing",
        label=Label(en="Get a NIB", id="Mengurus NIB"),
        conditions=(
            _c("business.licence.nib", Op.IS_FALSE, None, "No NIB on record", "Belum ada NIB"),
        ),
        source=f"{_LICENCE_SOURCE}: the NIB is the business identity and, for low-risk "
        "micro and small businesses, the licence",
        priority=30,
        details=licensing_details,
    ),
    ReferralRule(
        id="licensing.food_registration",
        version=VERSION,
        unit="licensing",
        label=Label(
            en="Register the food product (SPP-IRT or BPOM MD)",
            id="Mengurus izin edar pangan (SPP-IRT atau BPOM MD)",
        ),
        conditions=(
            _c("business.sector", Op.EQ, "culinary", "Makes food or drink", "Usaha kuliner"),
            _c("business.licence.spp_irt", Op.IS_FALSE, None, "No SPP-IRT", "Belum ada SPP-IRT"),
            _c(
                "business.licence.bpom_md",
                Op.IS_FALSE,
                None,
                "No BPOM MD",
                "Belum ada izin edar BPOM MD",
            ),
        ),
        source="UU 18/2012 (Pangan) Art. 91; Peraturan BPOM 22/2018 (SPP-IRT)",
        priority=20,
        details=licensing_details,
    ),
    ReferralRule(
        id="licensing.halal",
        version=VERSION,
        unit="licensing",
        label=Label(en="Get halal certification", id="Mengurus sertifikasi halal"),
        conditions=(
            _c("business.sector", Op.EQ, "culinary", "Makes food or drink", "Usaha kuliner"),
            _c(
                "business.licence.halal",
                Op.IS_FALSE,
                None,
                "No halal certificate",
                "Belum bersertifikat halal",
            ),
        ),
        source="UU 33/2014 (Jaminan Produk Halal) Art. 4; PP 39/2021 as amended by PP 42/2024",
        priority=10,
        details=licensing_details,
    ),
    ReferralRule(
        id="marketing.gallery",
        version=VERSION,
        unit="marketing",
        label=Label(en="Sell through the district gallery", id="Dipasarkan di galeri UMKM"),
        conditions=(
            *_MARKET_READY,
            _c(
                "assessment.product_standards.criterion.food_registration.met",
                Op.IS_TRUE,
                None,
                "Registered as its risk requires",
                "Izin edar sesuai risiko",
            ),
            _c(
                "assessment.product_standards.criterion.label.met",
                Op.IS_TRUE,
                None,
                "Complete label",
                "Label lengkap",
            ),
            _c(
                "business.sales_channels",
                Op.NOT_IN,
                ("gallery",),
                "Not yet in a gallery",
                "Belum masuk galeri",
            ),
        ),
        source="Dinas Koperasi dan UKM Tangsel: galleries per kecamatan run by local "
        "cooperatives; product standards per mentorkit-product-standards",
        priority=10,
        details=marketing_details,
    ),
    ReferralRule(
        id="marketing.online",
        version=VERSION,
        unit="marketing",
        label=Label(en="List in the online marketing app", id="Dipasarkan lewat aplikasi daring"),
        conditions=(
            *_MARKET_READY,
            _c(
                "business.sales_channels",
                Op.NOT_IN,
                ("marketplace",),
                "Not yet selling online",
                "Belum berjualan daring",
            ),
        ),
        source="Dinas Koperasi dan UKM Tangsel online marketing app",
        priority=5,
        details=marketing_details,
    ),
    ReferralRule(
        id="training.bookkeeping",
        version=VERSION,
        unit="training",
        label=Label(en="Bookkeeping training", id="Pelatihan pembukuan"),
        conditions=(
            _c(
                "assessment.accounting.level",
                Op.EQ,
                "beginner",
                "Bookkeeping at beginner level",
                "Pembukuan tingkat pemula",
            ),
        ),
        source="Dinas Koperasi dan UKM Tangsel training and certification waves; "
        "SAK EMKM (mentorkit-accounting)",
        priority=10,
        details=training_details,
    ),
    ReferralRule(
        id="training.product_standards",
        version=VERSION,
        unit="training",
        label=Label(en="Product standards training", id="Pelatihan standardisasi produk"),
        conditions=(
            _c(
                "assessment.product_standards.level",
                Op.EQ,
                "basic",
                "Product standards at basic level",
                "Standar produk tingkat dasar",
            ),
        ),
        source="Dinas Koperasi dan UKM Tangsel training and certification waves; "
        "mentorkit-product-standards",
        priority=5,
        details=training_details,
    ),
)


@hookimpl
def register_units() -> list[Unit]:
    """Declare the five units that receive referrals."""
    return list(UNITS)


@hookimpl
def register_referral_rules() -> list[ReferralRule]:
    """Declare the referral rules (capital, cooperative, licensing, marketing, training)."""
    return list(RULES)

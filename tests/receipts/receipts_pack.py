"""A small rule pack written for the receipts tests, and strategies over it.

Loaded by the test modules with :func:`load` (tests are not a package).
The rubric and rules mirror the real plugins' shape: a bookkeeping rubric,
a halal-readiness criterion that reads the dated halal deadlines of
:mod:`mentorkit.legal`, and referral rules to five units.
"""

import datetime as dt
from collections.abc import Mapping

from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import legal
from mentorkit.testing import strategies as mks

ON = dt.date(2025, 6, 1)


def has_nib(business: mk.Business, on: dt.date) -> mk.Answer | None:
    """Derived: the business holds a NIB on ``on``."""
    return business.licence(mk.LicenceKind.NIB, on) is not None


def halal_on_time(business: mk.Business, on: dt.date) -> mk.Answer | None:
    """Derived: food is certified halal, or certification is not yet mandatory on ``on``."""
    if business.sector is not mk.Sector.CULINARY:
        return True
    if business.licence(mk.LicenceKind.HALAL, on) is not None:
        return True
    size = legal.size_class(capital=business.capital, annual_sales=business.annual_sales, on=on)
    if size is None:
        return None
    deadline = legal.halal_mandatory_from(size, on)
    return deadline is None or on < deadline


def suggest(context: mk.RuleContext) -> Mapping[str, str]:
    """Suggest the first cooperative of the business's district."""
    nearby = sorted(c.id for c in context.cooperatives if c.district == context.business.district)
    return {"cooperative": nearby[0]} if nearby else {}


def bookkeeping(levels: tuple[float, float] = (40, 75), weight: float = 2) -> mk.Rubric:
    """The bookkeeping rubric; ``levels`` are the developing/established thresholds."""
    return mk.Rubric(
        id="bookkeeping",
        version="2025.1",
        label=mk.Label(en="Bookkeeping", id="Pembukuan"),
        criteria=(
            mk.Criterion(
                "separate-money",
                mk.Label(en="Business money kept apart", id="Uang usaha dipisah"),
                weight=weight,
            ),
            mk.Criterion(
                "cash-records",
                mk.Label(en="Daily cash records", id="Catatan kas harian"),
                weight=2,
                kind=mk.AnswerKind.SCALE,
                scale_max=4,
                met_at=0.75,
            ),
            mk.Criterion(
                "pricing",
                mk.Label(en="Pricing method", id="Cara menetapkan harga"),
                kind=mk.AnswerKind.CHOICE,
                choices=(
                    mk.Choice("guess", 0.0, mk.Label(en="Guesswork", id="Kira-kira")),
                    mk.Choice("cost-plus", 1.0, mk.Label(en="Cost plus", id="Biaya plus")),
                ),
            ),
            mk.Criterion("has-nib", mk.Label(en="Holds a NIB", id="Memiliki NIB"), derive=has_nib),
        ),
        levels=(
            mk.Level("basic", 0, mk.Label(en="Basic", id="Dasar")),
            mk.Level("developing", levels[0], mk.Label(en="Developing", id="Berkembang")),
            mk.Level("established", levels[1], mk.Label(en="Established", id="Mapan")),
        ),
    )


HALAL = mk.Rubric(
    id="halal",
    version="2025.1",
    label=mk.Label(en="Halal readiness", id="Kesiapan halal"),
    criteria=(
        mk.Criterion(
            "on-time",
            mk.Label(
                en="Halal certified or not yet due", id="Bersertifikat halal atau belum wajib"
            ),
            derive=halal_on_time,
        ),
    ),
    levels=(
        mk.Level("due", 0, mk.Label(en="Certification due", id="Wajib sertifikasi")),
        mk.Level("ok", 100, mk.Label(en="In order", id="Sesuai")),
    ),
)

UNITS = (
    mk.Unit("capital", mk.Label(en="Capital facilitation", id="Fasilitasi permodalan")),
    mk.Unit("cooperative", mk.Label(en="Cooperatives", id="Koperasi")),
    mk.Unit("training", mk.Label(en="Training", id="Pelatihan")),
    mk.Unit("marketing", mk.Label(en="Marketing", id="Pemasaran")),
    mk.Unit("licensing", mk.Label(en="Licensing", id="Perizinan")),
)


def rules(min_age: int = 6) -> list[mk.ReferralRule]:
    """The referral rules; ``min_age`` is capital-ready's months-in-business threshold."""
    return [
        mk.ReferralRule(
            id="capital-ready",
            version="2025.1",
            unit="capital",
            label=mk.Label(en="Ready for financing", id="Siap pembiayaan"),
            priority=10,
            conditions=(
                mk.Condition("business.financing_need", mk.Op.GT, 0),
                mk.Condition("assessment.bookkeeping.level", mk.Op.GE, "developing"),
                mk.Condition("business.age_months", mk.Op.GE, min_age),
            ),
        ),
        mk.ReferralRule(
            id="capital-kur-small",
            version="2025.1",
            unit="capital",
            label=mk.Label(en="KUR small", id="KUR kecil"),
            conditions=(
                mk.Condition("business.financing_need", mk.Op.GT, 100_000_000),
                mk.Condition("business.size_class", mk.Op.IN, ("micro", "small")),
            ),
        ),
        mk.ReferralRule(
            id="training-basics",
            version="2025.1",
            unit="training",
            label=mk.Label(en="Basic bookkeeping training", id="Pelatihan pembukuan dasar"),
            conditions=(mk.Condition("assessment.bookkeeping.level", mk.Op.EQ, "basic"),),
        ),
        mk.ReferralRule(
            id="marketing-ready",
            version="2025.1",
            unit="marketing",
            label=mk.Label(en="Ready for the gallery", id="Siap masuk galeri"),
            conditions=(
                mk.Condition("assessment.bookkeeping.level", mk.Op.GE, "established"),
                mk.Condition("case.has_prospects", mk.Op.IS_TRUE),
            ),
        ),
        mk.ReferralRule(
            id="cooperative-join",
            version="2025.1",
            unit="cooperative",
            label=mk.Label(en="Join a cooperative", id="Bergabung dengan koperasi"),
            conditions=(
                mk.Condition("case.mentored", mk.Op.IS_TRUE),
                mk.Condition("business.in_cooperative", mk.Op.IS_FALSE),
            ),
            details=suggest,
        ),
        mk.ReferralRule(
            id="licensing-micro",
            version="2025.1",
            unit="licensing",
            label=mk.Label(en="Get a NIB", id="Urus NIB"),
            conditions=(
                mk.Condition("business.licence.nib", mk.Op.IS_FALSE),
                mk.Condition("business.size_class", mk.Op.EQ, "micro"),
            ),
        ),
    ]


POLICIES = (
    mk.RulePolicy(
        id="training-or-marketing",
        kind=mk.PolicyKind.EXCLUSIVE,
        units=("training", "marketing"),
        label=mk.Label(en="Training or marketing, not both", id="Pelatihan atau pemasaran"),
    ),
    mk.RulePolicy(
        id="mentored-go-somewhere",
        kind=mk.PolicyKind.COVERAGE,
        units=("training", "marketing", "capital"),
        label=mk.Label(en="Every assessed business goes on", id="Setiap usaha dirujuk"),
        when=(mk.Condition("assessment.bookkeeping.status", mk.Op.EQ, "complete"),),
    ),
)


class ReceiptsPlugin:
    """The pack: two rubrics, five units, six rules, two policies."""

    def __init__(self, levels: tuple[float, float] = (40, 75), min_age: int = 6) -> None:
        self.levels = levels
        self.min_age = min_age

    @mk.hookimpl
    def register_rubrics(self) -> list[mk.Rubric]:
        """Bookkeeping and halal readiness."""
        return [bookkeeping(self.levels), HALAL]

    @mk.hookimpl
    def register_units(self) -> list[mk.Unit]:
        """Five units."""
        return list(UNITS)

    @mk.hookimpl
    def register_referral_rules(self) -> list[mk.ReferralRule]:
        """Six rules."""
        return rules(self.min_age)

    @mk.hookimpl
    def register_rule_policies(self) -> list[mk.RulePolicy]:
        """Two policies."""
        return list(POLICIES)


class StricterPlugin(ReceiptsPlugin):
    """A candidate pack: developing from 60, established from 90."""

    def __init__(self) -> None:
        super().__init__(levels=(60, 90))


class ConflictingPlugin:
    """Adds a rule sending every business with prospects to marketing (conflicts with training)."""

    @mk.hookimpl
    def register_referral_rules(self) -> list[mk.ReferralRule]:
        """One rule."""
        return [
            mk.ReferralRule(
                id="marketing-any",
                version="2025.1",
                unit="marketing",
                label=mk.Label(en="Anyone with prospects", id="Siapa pun yang prospektif"),
                conditions=(mk.Condition("case.has_prospects", mk.Op.IS_TRUE),),
            )
        ]


def registry(*plugins: object) -> mk.Registry:
    """A strict registry of ``plugins`` (default: the pack), no entry points."""
    return mk.Registry.load(
        plugins=list(plugins) or [ReceiptsPlugin()], entry_points=False, strict=True
    )


def case_facts() -> st.SearchStrategy[dict[str, mk.FactValue]]:
    """Case facts as case management passes them."""
    return st.fixed_dictionaries(
        {
            "case.mentored": st.booleans(),
            "case.has_prospects": st.booleans(),
            "case.sessions_logged": st.integers(min_value=0, max_value=30),
        }
    )


@st.composite
def cases(
    draw: st.DrawFn, on: dt.date = ON
) -> tuple[mk.Business, list[mk.Observation], dict[str, mk.FactValue]]:
    """A business, its observations on the bookkeeping rubric (some missing), its case facts."""
    business = draw(mks.businesses())
    complete = draw(st.integers(min_value=0, max_value=3)) > 0
    observations = draw(mks.observations_for(bookkeeping(), business.id, on=on, complete=complete))
    return business, observations, draw(case_facts())


COOPERATIVES = (
    mk.Cooperative(id="k-pamulang", name="Kopsyah Pamulang", district="Pamulang"),
    mk.Cooperative(id="k-setu", name="Koperasi Setu", district="Setu"),
)

#: Engines built once per test session (building one per generated example is slow).
ENGINE = mk.Engine(registry())
#: The same pack loaded a second time, for "identical packs" properties.
ENGINE_AGAIN = mk.Engine(registry())
#: The stricter candidate pack.
STRICTER = mk.Engine(registry(StricterPlugin()))

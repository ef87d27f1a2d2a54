"""A small, self-contained sample plugin for tests and examples.

It declares one rubric (``sample-bookkeeping``) with all three answer kinds
and a derived criterion, two units and two referral rules. It is not a real
rubric: use the ``mentorkit-accounting`` and ``mentorkit-referrals`` plugins
for that. Register it in code::

    from mentorkit import Registry
    from mentorkit.testing.sample import SamplePlugin

    registry = Registry.load(plugins=[SamplePlugin()], entry_points=False)
"""

import datetime as dt
from collections.abc import Mapping

from .._declarations import (
    AnswerKind,
    Choice,
    Condition,
    Criterion,
    Level,
    MilestoneTemplate,
    Op,
    ReferralRule,
    Rubric,
    RuleContext,
    Unit,
)
from .._model import Answer, Business, Label, LicenceKind
from ..hookspecs import hookimpl

__all__ = ["SAMPLE_RUBRIC", "SamplePlugin", "suggest_cooperative"]


def _has_nib(business: Business, on: dt.date) -> Answer | None:
    return business.licence(LicenceKind.NIB, on) is not None


SAMPLE_RUBRIC = Rubric(
    id="sample-bookkeeping",
    version="1.0",
    label=Label(en="Sample bookkeeping", id="Contoh pembukuan"),
    source="Illustrative only; see mentorkit-accounting for SAK EMKM.",
    criteria=(
        Criterion(
            id="separate-money",
            label=Label(en="Business money kept apart", id="Uang usaha dipisah"),
            weight=3,
            expertise="accounting",
            milestone="open-business-account",
        ),
        Criterion(
            id="cash-records",
            label=Label(en="Daily cash records", id="Catatan kas harian"),
            weight=2,
            kind=AnswerKind.SCALE,
            scale_max=4,
            met_at=0.75,
            expertise="accounting",
        ),
        Criterion(
            id="pricing",
            label=Label(en="Pricing method", id="Cara menetapkan harga"),
            kind=AnswerKind.CHOICE,
            choices=(
                Choice("guess", 0.0, Label(en="Guesswork", id="Kira-kira")),
                Choice("copy", 0.5, Label(en="Copies competitors", id="Mengikuti pesaing")),
                Choice("cost-plus", 1.0, Label(en="Cost plus margin", id="Biaya plus margin")),
            ),
            expertise="finance",
        ),
        Criterion(
            id="has-nib",
            label=Label(en="Holds a NIB", id="Memiliki NIB"),
            derive=_has_nib,
            expertise="licensing",
        ),
    ),
    levels=(
        Level("beginner", 0, Label(en="Beginner", id="Pemula")),
        Level("developing", 40, Label(en="Developing", id="Berkembang")),
        Level("established", 75, Label(en="Established", id="Mapan")),
    ),
)


def suggest_cooperative(context: RuleContext) -> Mapping[str, str]:
    """Suggest a cooperative in the business's district, preferring its sector."""
    business = context.business
    nearby = [c for c in context.cooperatives if c.district == business.district]
    same_sector = [c for c in nearby if business.sector in c.sectors]
    best = sorted(same_sector or nearby, key=lambda c: c.id)
    return {"suggested_cooperative": best[0].id} if best else {}


class SamplePlugin:
    """The sample plugin's hook implementations."""

    @hookimpl
    def register_rubrics(self) -> list[Rubric]:
        """The sample rubric."""
        return [SAMPLE_RUBRIC]

    @hookimpl
    def register_units(self) -> list[Unit]:
        """Capital facilitation and cooperative units."""
        return [
            Unit("capital", Label(en="Capital facilitation", id="Bidang Fasilitasi Permodalan")),
            Unit("cooperative", Label(en="Cooperatives", id="Bidang Koperasi")),
        ]

    @hookimpl
    def register_milestone_templates(self) -> list[MilestoneTemplate]:
        """One business-plan step."""
        return [
            MilestoneTemplate(
                "open-business-account",
                Label(en="Open a business bank account", id="Buka rekening usaha"),
                due_in_days=30,
                expertise="accounting",
            )
        ]

    @hookimpl
    def register_referral_rules(self) -> list[ReferralRule]:
        """Refer to capital when loan-ready, to a cooperative when mentored and not a member."""
        return [
            ReferralRule(
                id="sample-capital",
                version="1.0",
                unit="capital",
                label=Label(en="Ready for financing", id="Siap pembiayaan"),
                conditions=(
                    Condition("business.financing_need", Op.GT, 0),
                    Condition("assessment.sample-bookkeeping.level", Op.GE, "developing"),
                    Condition("business.age_months", Op.GE, 6),
                ),
            ),
            ReferralRule(
                id="sample-cooperative",
                version="1.0",
                unit="cooperative",
                label=Label(en="Join a cooperative", id="Bergabung dengan koperasi"),
                conditions=(
                    Condition("case.mentored", Op.IS_TRUE),
                    Condition("business.in_cooperative", Op.IS_FALSE),
                ),
                details=suggest_cooperative,
            ),
        ]

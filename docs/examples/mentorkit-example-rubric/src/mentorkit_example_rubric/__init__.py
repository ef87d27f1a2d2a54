"""mentorkit-example-rubric: a digital-marketing readiness rubric.

The worked example of the how-to "Write your own rubric plugin". It uses only
mentorkit's public API, exactly as a third party's plugin would.
"""

import datetime as dt

from mentorkit import (
    Answer,
    AnswerKind,
    Business,
    Choice,
    Criterion,
    Label,
    Level,
    MilestoneTemplate,
    Rubric,
    SalesChannel,
    hookimpl,
)

__all__ = [
    "RUBRIC",
    "TEMPLATES",
    "register_milestone_templates",
    "register_rubrics",
    "sells_online",
]

_ONLINE = frozenset({SalesChannel.MARKETPLACE, SalesChannel.SOCIAL_MEDIA})


def sells_online(business: Business, on: dt.date) -> Answer | None:
    """Met when the Business already records an online sales channel; otherwise ask."""
    return True if _ONLINE.intersection(business.sales_channels) else None


#: One business-plan step per criterion, recommended while it is unmet.
TEMPLATES: tuple[MilestoneTemplate, ...] = (
    MilestoneTemplate(
        "digital_marketing.open-shop",
        Label(en="Open an online shop", id="Buka toko daring"),
        due_in_days=30,
        expertise="marketing",
    ),
    MilestoneTemplate(
        "digital_marketing.photos",
        Label(en="Photograph every product", id="Foto semua produk"),
        due_in_days=14,
        expertise="marketing",
    ),
    MilestoneTemplate(
        "digital_marketing.qris",
        Label(en="Accept QRIS payments", id="Terima pembayaran QRIS"),
        due_in_days=14,
        expertise="finance",
    ),
    MilestoneTemplate(
        "digital_marketing.replies",
        Label(en="Answer customers the same day", id="Balas pelanggan di hari yang sama"),
        due_in_days=30,
        expertise="marketing",
    ),
)

RUBRIC = Rubric(
    id="digital_marketing",
    version="1.0",
    label=Label(en="Digital marketing readiness", id="Kesiapan pemasaran digital"),
    source="Worked example for the mentorkit documentation, not an official standard",
    criteria=(
        Criterion(
            id="sells_online",
            label=Label(en="Sells online", id="Berjualan daring"),
            weight=3,
            derive=sells_online,
            expertise="marketing",
            milestone="digital_marketing.open-shop",
            source="Tangsel Cooperatives & SME office: online marketing app",
        ),
        Criterion(
            id="product_photos",
            label=Label(en="Product photos", id="Foto produk"),
            weight=2,
            kind=AnswerKind.SCALE,
            scale_max=3,
            met_at=2 / 3,
            expertise="marketing",
            milestone="digital_marketing.photos",
            question=Label(
                en="0 none; 1 some; 2 every product; 3 every product, clear and consistent",
                id="0 tidak ada; 1 sebagian; 2 semua produk; 3 semua produk, jelas dan seragam",
            ),
            source="Marketplace listing practice",
        ),
        Criterion(
            id="digital_payments",
            label=Label(en="Accepts QRIS", id="Menerima QRIS"),
            weight=2,
            expertise="finance",
            milestone="digital_marketing.qris",
            source="Bank Indonesia QRIS standard (PADG 21/18/PADG/2019)",
        ),
        Criterion(
            id="replies",
            label=Label(en="Replies to customers", id="Membalas pelanggan"),
            weight=1,
            kind=AnswerKind.CHOICE,
            choices=(
                Choice("rarely", 0.0, Label(en="Rarely", id="Jarang")),
                Choice("within_week", 0.5, Label(en="Within a week", id="Dalam seminggu")),
                Choice("same_day", 1.0, Label(en="The same day", id="Di hari yang sama")),
            ),
            expertise="marketing",
            milestone="digital_marketing.replies",
            source="Marketplace listing practice",
        ),
    ),
    levels=(
        Level("offline", 0, Label(en="Offline", id="Luring")),
        Level("starting", 40, Label(en="Starting", id="Mulai")),
        Level("ready", 75, Label(en="Ready", id="Siap")),
    ),
)


@hookimpl
def register_rubrics() -> list[Rubric]:
    """Declare the ``digital_marketing`` rubric."""
    return [RUBRIC]


@hookimpl
def register_milestone_templates() -> list[MilestoneTemplate]:
    """Declare one milestone template per criterion."""
    return list(TEMPLATES)

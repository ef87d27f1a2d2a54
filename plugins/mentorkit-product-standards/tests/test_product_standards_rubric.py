"""Tests of the mentorkit-product-standards plugin: rubric, derivations, halal duty, docs."""

import datetime as dt
import pathlib
import re

import mentorkit_product_standards as plugin
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mentorkit_product_standards import RUBRIC, halal_duty

from mentorkit import (
    AnswerSource,
    AssessmentStatus,
    Business,
    CriterionResult,
    Engine,
    Licence,
    LicenceKind,
    Observation,
    Person,
    Registry,
    Sector,
)
from mentorkit.testing import strategies as mks
from mentorkit.testing.conformance import check_plugin

DAY = dt.date(2026, 6, 1)
DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "plugins" / "product-standards.md"
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Micro: annual sales up to Rp2 billion (PP 7/2021); medium: above Rp15 billion.
MICRO_SALES = 300_000_000
MEDIUM_SALES = 20_000_000_000


def _business(**changes: object) -> Business:
    base: dict[str, object] = {
        "id": "b-1",
        "name": "Keripik Pak Budi",
        "owner": Person(name="Budi"),
        "sector": Sector.CULINARY,
        "district": "Serpong",
    }
    base.update(changes)
    return Business(**base)  # type: ignore[arg-type]


def _engine() -> Engine:
    return Engine(Registry.load(plugins=[plugin], entry_points=False, strict=True))


def _observe(answers: dict[str, object]) -> list[Observation]:
    return [
        Observation("b-1", "product_standards", cid, value, DAY)  # type: ignore[arg-type]
        for cid, value in answers.items()
    ]


WORST: dict[str, object] = {
    "nib": False,
    "food_registration": "none",
    "halal": "none",
    "label": 0,
    "packaging": "unsuitable",
    "quality_sop": 0,
    "shelf_life": "unknown",
    "sni": "required_missing",
    "trademark": "none",
}


def _assess(business: Business, answers: dict[str, object]) -> tuple[float | None, str | None]:
    (assessment,) = _engine().assess(business, _observe(answers), on=DAY).assessments
    return assessment.score, assessment.level


def _line(business: Business, answers: dict[str, object], criterion: str) -> CriterionResult:
    (assessment,) = _engine().assess(business, _observe(answers), on=DAY).assessments
    return next(c for c in assessment.criteria if c.criterion_id == criterion)


class TestDeclarations:
    """The rubric is well formed, bilingual, cited and found through its entry point."""

    def test_weights_sum_to_100(self) -> None:
        assert sum(c.weight for c in RUBRIC.criteria) == 100

    def test_every_criterion_cites_a_source_and_has_a_milestone(self) -> None:
        templates = {t.id for t in plugin.TEMPLATES}
        for criterion in RUBRIC.criteria:
            assert criterion.source, criterion.id
            assert criterion.milestone in templates, criterion.id
        assert len(templates) == len(RUBRIC.criteria)

    def test_labels_are_bilingual(self) -> None:
        labels = [RUBRIC.label, *(c.label for c in RUBRIC.criteria)]
        labels += [lv.label for lv in RUBRIC.levels] + [t.title for t in plugin.TEMPLATES]
        labels += [ch.label for c in RUBRIC.criteria for ch in c.choices]
        for label in labels:
            assert label.en != label.id, f"{label.en!r} is not translated"

    def test_found_through_its_entry_point(self) -> None:
        registry = Registry.load(allow=["product_standards"])
        assert "product_standards" in registry.rubrics
        assert not registry.failures

    def test_passes_the_conformance_kit(self) -> None:
        check_plugin(plugin, max_examples=40)

    def test_uses_only_the_public_api(self) -> None:
        source = pathlib.Path(plugin.__file__).read_text(encoding="utf-8")
        assert not re.search(r"mentorkit\.(\w+\.)*_", source), "imports a private module"


class TestApplicability:
    """The rubric applies to businesses that make a product."""

    @pytest.mark.parametrize("sector", [Sector.SERVICES, Sector.TRADE])
    def test_not_for_trade_or_services(self, sector: Sector) -> None:
        assert _engine().assess(_business(sector=sector), on=DAY).assessments == ()

    @pytest.mark.parametrize(
        "sector", [Sector.CULINARY, Sector.CRAFT, Sector.FASHION, Sector.AGRIBUSINESS, Sector.OTHER]
    )
    def test_for_producers(self, sector: Sector) -> None:
        assert len(_engine().assess(_business(sector=sector), on=DAY).assessments) == 1


class TestScoring:
    """Levels switch exactly at 50 and 80."""

    def test_all_worst_is_zero_basic(self) -> None:
        assert _assess(_business(), WORST) == (0.0, "basic")

    def test_exactly_50_is_developing(self) -> None:
        # nib 15 + food registration 15 + label 14 + sni 6 = 50 of 100.
        answers = {
            **WORST,
            "nib": True,
            "food_registration": "spp_irt",
            "label": 6,
            "sni": "not_required",
        }
        assert _assess(_business(), answers) == (50.0, "developing")

    def test_just_under_50_is_basic(self) -> None:
        # 15 + 15 + 14 + half of sni 6 = 47.
        answers = {
            **WORST,
            "nib": True,
            "food_registration": "spp_irt",
            "label": 6,
            "sni": "in_process",
        }
        assert _assess(_business(), answers) == (47.0, "basic")

    def test_exactly_80_is_market_ready(self) -> None:
        # Everything met except packaging (10) and quality (10): 100 - 20 = 80.
        answers = {
            "nib": True,
            "food_registration": "bpom_md",
            "halal": "certified",
            "label": 6,
            "packaging": "unsuitable",
            "quality_sop": 0,
            "shelf_life": "tested",
            "sni": "certified",
            "trademark": "registered",
        }
        assert _assess(_business(), answers) == (80.0, "market_ready")
        answers["sni"] = "in_process"  # loses half of 6: 77
        assert _assess(_business(), answers) == (77.0, "developing")

    def test_quality_sop_is_met_from_a_written_sop(self) -> None:
        assert _line(_business(), {**WORST, "quality_sop": 2}, "quality_sop").met
        assert not _line(_business(), {**WORST, "quality_sop": 1}, "quality_sop").met


class TestDerivations:
    """Licences held on the day and non-food facts are derived, not asked again."""

    def _unanswered(self, *criteria: str) -> dict[str, object]:
        return {k: v for k, v in WORST.items() if k not in criteria}

    def test_craft_products_skip_food_criteria(self) -> None:
        craft = _business(sector=Sector.CRAFT)
        answers = self._unanswered("food_registration", "halal", "shelf_life")
        (assessment,) = _engine().assess(craft, _observe(answers), on=DAY).assessments
        assert assessment.status is AssessmentStatus.COMPLETE
        derived = {
            c.criterion_id: c for c in assessment.criteria if c.source is AnswerSource.DERIVED
        }
        assert set(derived) == {"food_registration", "halal", "shelf_life"}
        assert all(c.answer == "not_applicable" and c.met for c in derived.values())
        assert assessment.score == 37.0  # food registration 15 + halal 14 + shelf life 8

    def test_food_criteria_are_asked_of_food_businesses(self) -> None:
        answers = self._unanswered("food_registration", "halal", "shelf_life")
        (assessment,) = _engine().assess(_business(), _observe(answers), on=DAY).assessments
        assert set(assessment.missing) == {"food_registration", "halal", "shelf_life"}

    @pytest.mark.parametrize(
        ("kind", "criterion", "answer"),
        [
            (LicenceKind.NIB, "nib", True),
            (LicenceKind.SPP_IRT, "food_registration", "spp_irt"),
            (LicenceKind.BPOM_MD, "food_registration", "bpom_md"),
            (LicenceKind.HALAL, "halal", "certified"),
            (LicenceKind.SNI, "sni", "certified"),
            (LicenceKind.TRADEMARK, "trademark", "registered"),
        ],
    )
    def test_licence_on_record_is_derived(
        self, kind: LicenceKind, criterion: str, answer: object
    ) -> None:
        held = Licence(kind, "123", issued=DAY, expires=DAY)  # valid on exactly that day
        line = _line(_business(licences=(held,)), self._unanswered(criterion), criterion)
        assert line.source is AnswerSource.DERIVED
        assert line.answer == answer

    def test_licence_issued_after_the_day_is_not_derived(self) -> None:
        later = Licence(LicenceKind.HALAL, "123", issued=DAY + dt.timedelta(days=1))
        (assessment,) = (
            _engine()
            .assess(_business(licences=(later,)), _observe(self._unanswered("halal")), on=DAY)
            .assessments
        )
        assert assessment.missing == ("halal",)

    def test_bpom_md_wins_over_spp_irt(self) -> None:
        both = (Licence(LicenceKind.SPP_IRT, "1"), Licence(LicenceKind.BPOM_MD, "2"))
        line = _line(
            _business(licences=both), self._unanswered("food_registration"), "food_registration"
        )
        assert line.answer == "bpom_md"

    def test_mentor_observation_wins_over_derivation(self) -> None:
        spp = (Licence(LicenceKind.SPP_IRT, "1"),)
        answers = {**WORST, "food_registration": "needs_bpom"}
        line = _line(_business(licences=spp), answers, "food_registration")
        assert line.source is AnswerSource.OBSERVED
        assert not line.met


class TestHalalDuty:
    """Halal deadlines and the self-declare route are read on the day, at exact boundaries."""

    @pytest.mark.parametrize(
        ("sales", "day", "mandatory_from", "mandatory"),
        [
            # PP 39/2021 alone (before PP 42/2024 took effect on 17 Oct 2024): every size by 2024.
            (MICRO_SALES, dt.date(2024, 10, 16), dt.date(2024, 10, 18), False),
            # PP 42/2024 in force: micro and small postponed; transition ends 17 Oct 2026.
            (MICRO_SALES, dt.date(2024, 10, 17), dt.date(2026, 10, 18), False),
            (MICRO_SALES, dt.date(2026, 10, 17), dt.date(2026, 10, 18), False),
            (MICRO_SALES, dt.date(2026, 10, 18), dt.date(2026, 10, 18), True),
            (MEDIUM_SALES, dt.date(2024, 10, 17), dt.date(2024, 10, 18), False),
            (MEDIUM_SALES, dt.date(2024, 10, 18), dt.date(2024, 10, 18), True),
        ],
    )
    def test_deadline_boundaries(
        self, sales: int, day: dt.date, mandatory_from: dt.date, mandatory: bool
    ) -> None:
        duty = halal_duty(_business(annual_sales=sales), day)
        assert duty.mandatory_from == mandatory_from
        assert duty.mandatory is mandatory

    def test_before_any_rule_nothing_is_known(self) -> None:
        duty = halal_duty(_business(annual_sales=MICRO_SALES), dt.date(2020, 1, 1))
        assert duty.mandatory is None
        assert duty.self_declare is None

    def test_non_food_is_not_mandatory(self) -> None:
        duty = halal_duty(_business(sector=Sector.CRAFT, annual_sales=MEDIUM_SALES), DAY)
        assert duty.mandatory is False

    @pytest.mark.parametrize(
        ("sales", "nib", "eligible"),
        [
            (500_000_000, "1234567890123", True),
            (500_000_001, "1234567890123", False),
            (500_000_000, None, False),
            (None, "1234567890123", None),
        ],
    )
    def test_self_declare_boundary(
        self, sales: int | None, nib: str | None, eligible: object
    ) -> None:
        assert halal_duty(_business(annual_sales=sales, nib=nib), DAY).self_declare is eligible


class TestProperties:
    """Hypothesis properties beyond the conformance kit."""

    @PROPERTY
    @given(data=st.data(), sector=st.sampled_from([Sector.CULINARY, Sector.CRAFT, Sector.FASHION]))
    def test_improving_one_criterion_never_lowers_score_or_level(
        self, data: st.DataObject, sector: Sector
    ) -> None:
        business = _business(sector=sector)
        observed = data.draw(mks.observations_for(RUBRIC, "b-1", on=DAY, derived=True))
        index = data.draw(st.integers(0, len(observed) - 1))
        target = observed[index]
        better = mks.better_answer(RUBRIC.criterion(target.criterion_id), target.value)
        if better is None:
            return
        improved = list(observed)
        improved[index] = Observation("b-1", RUBRIC.id, target.criterion_id, better, DAY)
        (before,) = _engine().assess(business, observed, on=DAY).assessments
        (after,) = _engine().assess(business, improved, on=DAY).assessments
        assert before.score is not None
        assert after.score is not None
        assert after.score > before.score
        assert RUBRIC.level_rank(after.level or "") >= RUBRIC.level_rank(before.level or "")

    @PROPERTY
    @given(business=mks.businesses(), day=mks.dates())
    def test_derivations_are_total_and_valid(self, business: Business, day: dt.date) -> None:
        result = _engine().assess(business, on=day)
        assert not result.failures
        for assessment in result.assessments:
            for line in assessment.criteria:
                assert line.source in {AnswerSource.DERIVED, AnswerSource.MISSING}

    @PROPERTY
    @given(business=mks.businesses(), day=mks.dates())
    def test_halal_duty_agrees_with_the_day(self, business: Business, day: dt.date) -> None:
        duty = halal_duty(business, day)
        if duty.mandatory_from is not None:
            assert duty.mandatory is (day >= duty.mandatory_from)


class TestDocs:
    """The reference page lists every criterion with its weight, source and labels."""

    def test_every_criterion_is_documented(self) -> None:
        text = DOCS.read_text(encoding="utf-8")
        for criterion in RUBRIC.criteria:
            rows = [ln for ln in text.splitlines() if ln.startswith(f"| `{criterion.id}` |")]
            row = next((r for r in rows if r.count("|") >= 9), None)  # the criteria table
            assert row is not None, f"{criterion.id} is not in {DOCS.name}"
            assert f"| {criterion.weight:g} |" in row, f"{criterion.id}: weight not in its row"
            assert criterion.label.en in row
            assert criterion.label.id in row
            assert criterion.milestone is not None
            assert criterion.milestone in row
        for template in plugin.TEMPLATES:
            assert template.id in text

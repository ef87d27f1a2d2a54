"""Tests of the mentorkit-accounting plugin: declarations, scoring, derivation, docs."""

import datetime as dt
import pathlib
import re

import mentorkit_accounting as plugin
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mentorkit_accounting import RUBRIC

import mentorkit
from mentorkit import (
    AssessmentStatus,
    Business,
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
DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "plugins" / "accounting.md"
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _business(**changes: object) -> Business:
    base: dict[str, object] = {
        "id": "b-1",
        "name": "Warung Bu Sari",
        "owner": Person(name="Sari"),
        "sector": Sector.CULINARY,
        "district": "Pamulang",
    }
    base.update(changes)
    return Business(**base)  # type: ignore[arg-type]


def _engine() -> Engine:
    return Engine(Registry.load(plugins=[plugin], entry_points=False, strict=True))


def _observe(answers: dict[str, object], business_id: str = "b-1") -> list[Observation]:
    return [
        Observation(business_id, "accounting", cid, value, DAY)  # type: ignore[arg-type]
        for cid, value in answers.items()
    ]


#: The worst answer of every criterion.
WORST: dict[str, object] = {
    "separate_money": "mixed",
    "daily_cash_records": "none",
    "sales_purchase_records": "none",
    "stock_records": "none",
    "receivables_payables": "none",
    "monthly_profit_loss": "none",
    "financial_position": False,
    "notes": False,
    "cost_and_pricing": "guess",
    "tax_registration": False,
}
#: The best answer of every criterion.
BEST: dict[str, object] = {
    "separate_money": "separate_account",
    "daily_cash_records": "daily",
    "sales_purchase_records": "both",
    "stock_records": "complete",
    "receivables_payables": "complete",
    "monthly_profit_loss": "monthly",
    "financial_position": True,
    "notes": True,
    "cost_and_pricing": "cost_plus",
    "tax_registration": True,
}


def _score(answers: dict[str, object]) -> tuple[float | None, str | None]:
    result = _engine().assess(_business(), _observe({**WORST, **answers}), on=DAY)
    (assessment,) = result.assessments
    return assessment.score, assessment.level


class TestDeclarations:
    """The rubric is well formed, bilingual, cited, and loads as a third party's would."""

    def test_loads_strictly_with_templates(self) -> None:
        registry = Registry.load(plugins=[plugin], entry_points=False, strict=True)
        assert list(registry.rubrics) == ["accounting"]
        assert registry.rubric("accounting").version == "2026.1"

    def test_weights_sum_to_100(self) -> None:
        assert sum(c.weight for c in RUBRIC.criteria) == 100

    def test_every_criterion_cites_a_source_and_has_a_milestone(self) -> None:
        templates = {t.id: t for t in plugin.TEMPLATES}
        for criterion in RUBRIC.criteria:
            assert criterion.source, criterion.id
            assert criterion.milestone in templates, criterion.id
            assert criterion.question is not None, criterion.id
        assert len(templates) == len(RUBRIC.criteria), "one template per criterion"

    def test_labels_are_bilingual(self) -> None:
        labels = [RUBRIC.label, *(c.label for c in RUBRIC.criteria)]
        labels += [lv.label for lv in RUBRIC.levels] + [t.title for t in plugin.TEMPLATES]
        labels += [ch.label for c in RUBRIC.criteria for ch in c.choices]
        for label in labels:
            assert label.en != label.id, f"{label.en!r} is not translated"

    def test_levels_are_beginner_developing_established(self) -> None:
        assert [(lv.id, lv.min_score) for lv in RUBRIC.levels] == [
            ("beginner", 0),
            ("developing", 40),
            ("established", 75),
        ]

    def test_found_through_its_entry_point(self) -> None:
        registry = Registry.load(allow=["accounting"])
        assert "accounting" in registry.rubrics
        assert any(p.distribution == "mentorkit-accounting" for p in registry.plugins)
        assert not registry.failures

    def test_passes_the_conformance_kit(self) -> None:
        check_plugin(plugin, max_examples=40)

    def test_uses_only_the_public_api(self) -> None:
        source = pathlib.Path(plugin.__file__).read_text(encoding="utf-8")
        assert not re.search(r"mentorkit\.(\w+\.)*_", source), "imports a private module"


class TestScoring:
    """Scores follow the weights; levels switch exactly at their thresholds."""

    def test_all_worst_is_zero_beginner(self) -> None:
        assert _score({}) == (0.0, "beginner")

    def test_all_best_is_100_established(self) -> None:
        assert _score(BEST) == (100.0, "established")

    def test_exactly_40_is_developing(self) -> None:
        # tax 8 + financial position 10 + monthly P&L 12 + sales/purchases 10 = 40 of 100.
        answers = {
            "tax_registration": True,
            "financial_position": True,
            "monthly_profit_loss": "monthly",
            "sales_purchase_records": "both",
        }
        assert _score(answers) == (40.0, "developing")

    def test_38_is_still_beginner(self) -> None:
        # separate money 14 + daily cash 14 + sales/purchases 10 = 38 of 100.
        answers = {
            "separate_money": "separate_account",
            "daily_cash_records": "daily",
            "sales_purchase_records": "both",
        }
        assert _score(answers) == (38.0, "beginner")

    def test_exactly_75_is_established(self) -> None:
        # 14 + 14 + 10 + 8 + 8 + 12 + notes 6 = 72, plus 0.3 x pricing 10 = 75.
        answers = {
            k: v for k, v in BEST.items() if k not in {"financial_position", "tax_registration"}
        }
        answers["cost_and_pricing"] = "competitors"
        assert _score(answers) == (75.0, "established")

    def test_no_stock_and_no_credit_count_as_met(self) -> None:
        result = _engine().assess(
            _business(sector=Sector.SERVICES),
            _observe({**WORST, "stock_records": "no_stock", "receivables_payables": "no_credit"}),
            on=DAY,
        )
        met = {c.criterion_id for c in result.assessments[0].criteria if c.met}
        assert met == {"stock_records", "receivables_payables"}

    def test_separate_cash_box_meets_the_criterion(self) -> None:
        result = _engine().assess(
            _business(), _observe({**WORST, "separate_money": "separate_cash"}), on=DAY
        )
        line = next(c for c in result.assessments[0].criteria if c.criterion_id == "separate_money")
        assert line.met
        assert line.score == pytest.approx(0.6)

    def test_missing_answers_are_incomplete_not_zero(self) -> None:
        partial = {k: v for k, v in WORST.items() if k != "notes"}
        result = _engine().assess(_business(), _observe(partial), on=DAY)
        (assessment,) = result.assessments
        assert assessment.status is AssessmentStatus.INCOMPLETE
        assert assessment.score is None
        assert assessment.missing == ("notes",)


class TestTaxDerivation:
    """An NPWP on record answers the tax criterion; otherwise the mentor is asked."""

    def _answers(self) -> dict[str, object]:
        return {k: v for k, v in WORST.items() if k != "tax_registration"}

    def test_npwp_valid_on_the_day_is_derived(self) -> None:
        npwp = Licence(LicenceKind.NPWP, "01.234.567.8-411.000", issued=dt.date(2020, 1, 1))
        result = _engine().assess(_business(licences=(npwp,)), _observe(self._answers()), on=DAY)
        line = next(
            c for c in result.assessments[0].criteria if c.criterion_id == "tax_registration"
        )
        assert line.source is mentorkit.AnswerSource.DERIVED
        assert line.met
        assert result.assessments[0].score == 8.0

    @pytest.mark.parametrize(
        ("issued", "expires"),
        [(DAY + dt.timedelta(days=1), None), (dt.date(2020, 1, 1), DAY - dt.timedelta(days=1))],
        ids=["issued-after-the-day", "expired-before-the-day"],
    )
    def test_npwp_not_valid_on_the_day_asks(self, issued: dt.date, expires: dt.date | None) -> None:
        npwp = Licence(LicenceKind.NPWP, "x", issued=issued, expires=expires)
        result = _engine().assess(_business(licences=(npwp,)), _observe(self._answers()), on=DAY)
        assert result.assessments[0].missing == ("tax_registration",)

    def test_the_mentor_overrides_the_derivation(self) -> None:
        npwp = Licence(LicenceKind.NPWP, "x")
        result = _engine().assess(_business(licences=(npwp,)), _observe(WORST), on=DAY)
        assert result.assessments[0].score == 0.0


class TestProperties:
    """Hypothesis properties beyond the conformance kit."""

    @PROPERTY
    @given(data=st.data())
    def test_improving_one_criterion_never_lowers_score_or_level(self, data: st.DataObject) -> None:
        observed = data.draw(mks.observations_for(RUBRIC, "b-1", on=DAY, derived=True))
        index = data.draw(st.integers(0, len(observed) - 1))
        target = observed[index]
        better = mks.better_answer(RUBRIC.criterion(target.criterion_id), target.value)
        if better is None:
            return
        improved = list(observed)
        improved[index] = Observation("b-1", "accounting", target.criterion_id, better, DAY)
        engine = _engine()
        (before,) = engine.assess(_business(), observed, on=DAY).assessments
        (after,) = engine.assess(_business(), improved, on=DAY).assessments
        assert before.score is not None
        assert after.score is not None
        assert after.score > before.score
        assert RUBRIC.level_rank(after.level or "") >= RUBRIC.level_rank(before.level or "")

    @PROPERTY
    @given(data=st.data())
    def test_every_unmet_criterion_recommends_a_declared_milestone(
        self, data: st.DataObject
    ) -> None:
        registry = Registry.load(plugins=[plugin], entry_points=False, strict=True)
        observed = data.draw(mks.observations_for(RUBRIC, "b-1", on=DAY, derived=True))
        (assessment,) = Engine(registry).assess(_business(), observed, on=DAY).assessments
        for line in assessment.unmet:
            template = RUBRIC.criterion(line.criterion_id).milestone
            assert template is not None
            assert template in registry.templates


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

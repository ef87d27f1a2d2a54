"""Tests of the engine: rubric scoring, incomplete assessments, referrals, plugin failures."""

import datetime as dt
from typing import Any, ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import AnswerSource, AssessmentStatus, Condition, Observation, Op, Registry
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SAMPLE_RUBRIC, SamplePlugin

DAY = dt.date(2026, 3, 1)
RID = SAMPLE_RUBRIC.id
REGISTRY = Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)
ENGINE = mk.Engine(REGISTRY)


def business(**changes: Any) -> mk.Business:
    base: dict[str, Any] = {
        "id": "b-1",
        "name": "Keripik Setu",
        "owner": mk.Person(name="Ani", nik="3674011234560001", phone="081234567890"),
        "sector": mk.Sector.CULINARY,
        "district": "Setu",
        "founded": dt.date(2024, 1, 1),
        "financing_need": 25_000_000,
        "nib": "1234567890123",
    }
    base.update(changes)
    return mk.Business(**base)


def answers(
    separate: bool = True, cash: int = 4, pricing: str = "cost-plus", **kw: Any
) -> list[Observation]:
    values = {"separate-money": separate, "cash-records": cash, "pricing": pricing}
    return [
        Observation("b-1", RID, cid, value, observed_on=kw.get("on", DAY))
        for cid, value in values.items()
    ]


class TestScoring:
    """Weighted scores, levels and per-criterion trace."""

    def test_full_marks(self) -> None:
        (assessment,) = ENGINE.assess(business(), answers(), on=DAY).assessments
        assert assessment.status is AssessmentStatus.COMPLETE
        assert assessment.score == 100.0
        assert assessment.level == "established"
        assert assessment.rubric_version == "1.0"
        sources = {c.criterion_id: c.source for c in assessment.criteria}
        assert sources["has-nib"] is AnswerSource.DERIVED
        assert sources["pricing"] is AnswerSource.OBSERVED

    def test_weighted_score_and_level(self) -> None:
        # weights: separate 3, cash 2 (scale /4), pricing 1, nib 1 -> total 7
        result = ENGINE.assess(
            business(nib=None), answers(separate=False, cash=2, pricing="copy"), on=DAY
        )
        (assessment,) = result.assessments
        expected = 100 * (0 * 3 + 0.5 * 2 + 0.5 * 1 + 0 * 1) / 7
        assert assessment.score == pytest.approx(expected)
        assert assessment.level == "beginner"  # 21.4 < 40
        unmet = {c.criterion_id for c in assessment.unmet}
        assert unmet == {"separate-money", "cash-records", "pricing", "has-nib"}

    def test_met_at_threshold(self) -> None:
        (assessment,) = ENGINE.assess(business(), answers(cash=3), on=DAY).assessments
        cash = next(c for c in assessment.criteria if c.criterion_id == "cash-records")
        assert cash.score == 0.75
        assert cash.met  # met_at=0.75

    def test_level_exactly_at_threshold(self) -> None:
        """A score exactly on a level's min_score reaches that level (floating error aside)."""
        label = mk.Label(en="x", id="x")
        thirds = mk.Rubric(
            "thirds",
            "1",
            label,
            tuple(mk.Criterion(f"c{i}", label) for i in range(3)),
            (mk.Level("low", 0, label), mk.Level("high", 100 * 2 / 3, label)),
        )

        class Thirds:
            @mk.hookimpl
            def register_rubrics(self) -> list[mk.Rubric]:
                return [thirds]

        engine = mk.Engine(Registry.load(plugins=[Thirds()], entry_points=False, strict=True))
        given_answers = [True, True, False]
        obs = [
            Observation("b-1", "thirds", f"c{i}", v, observed_on=DAY)
            for i, v in enumerate(given_answers)
        ]
        (assessment,) = engine.assess(business(), obs, on=DAY).assessments
        assert assessment.level == "high"
        obs[1] = Observation("b-1", "thirds", "c1", False, observed_on=DAY)
        (assessment,) = engine.assess(business(), obs, on=DAY).assessments
        assert assessment.level == "low"

    def test_latest_observation_on_or_before_the_day_wins(self) -> None:
        older = answers(separate=False, on=DAY - dt.timedelta(days=30))
        newer = answers(separate=True, on=DAY - dt.timedelta(days=1))
        future = answers(separate=False, on=DAY + dt.timedelta(days=1))
        (assessment,) = ENGINE.assess(business(), newer + older + future, on=DAY).assessments
        line = next(c for c in assessment.criteria if c.criterion_id == "separate-money")
        assert line.answer is True


class TestIncomplete:
    """Missing answers make an assessment incomplete, never a silent zero."""

    def test_missing_answer(self) -> None:
        partial = [o for o in answers() if o.criterion_id != "pricing"]
        (assessment,) = ENGINE.assess(business(), partial, on=DAY).assessments
        assert assessment.status is AssessmentStatus.INCOMPLETE
        assert assessment.score is None
        assert assessment.level is None
        assert assessment.missing == ("pricing",)

    @given(b=mks.businesses(), data=st.data(), on=mks.dates())
    def test_check_observations_gives_the_issues_of_assess(
        self, b: mk.Business, data: st.DataObject, on: dt.date
    ) -> None:
        good = data.draw(mks.observations_for(SAMPLE_RUBRIC, b.id, on=DAY, complete=False))
        other = data.draw(st.lists(mks.observations(), max_size=3))
        mixed = data.draw(st.permutations([*good, *other]))
        issues = ENGINE.check_observations(b, mixed)
        assert issues == ENGINE.assess(b, mixed, on=on).issues
        assert len(issues) >= sum(1 for o in other if o.business_id != b.id)

    def test_invalid_answer_is_an_input_issue_and_good_answers_stay(self) -> None:
        bad = [*answers()[:2], Observation("b-1", RID, "pricing", 3, observed_on=DAY)]
        result = ENGINE.assess(business(), bad, on=DAY)
        (issue,) = result.issues
        assert issue.path == "$.observations[2].value"
        assert "expects one of 'guess', 'copy', 'cost-plus'" in issue.message
        (assessment,) = result.assessments
        assert assessment.missing == ("pricing",)
        kept = {c.criterion_id: c.answer for c in assessment.criteria if c.answer is not None}
        assert kept["separate-money"] is True

    @pytest.mark.parametrize(
        ("obs", "path", "message"),
        [
            (
                Observation("b-2", RID, "pricing", "copy", observed_on=DAY),
                "business_id",
                "belongs to business 'b-2'",
            ),
            (
                Observation("b-1", "nope", "pricing", "copy", observed_on=DAY),
                "rubric_id",
                "no rubric 'nope'",
            ),
            (
                Observation("b-1", RID, "colour", "red", observed_on=DAY),
                "criterion_id",
                "has no criterion 'colour'",
            ),
            (Observation("b-1", RID, "separate-money", 1, observed_on=DAY), "value", "yes/no"),
            (Observation("b-1", RID, "cash-records", 5, observed_on=DAY), "value", "0 to 4"),
            (Observation("b-1", RID, "cash-records", True, observed_on=DAY), "value", "0 to 4"),
        ],
    )
    def test_each_bad_observation_is_named(self, obs: Observation, path: str, message: str) -> None:
        result = ENGINE.assess(business(), [obs], on=DAY)
        (issue,) = result.issues
        assert issue.path == f"$.observations[0].{path}"
        assert message in issue.message


class Broken:
    """A plugin whose derivation raises and whose details function raises."""

    @mk.hookimpl
    def register_rubrics(self) -> list[mk.Rubric]:
        def explode(_b: mk.Business, _on: dt.date) -> bool:
            raise ZeroDivisionError("bad plugin")

        crit = mk.Criterion("boom", mk.Label(en="Boom", id="Bum"), derive=explode)
        return [mk.Rubric("broken", "0.1", mk.Label(en="B", id="B"), (crit,), SAMPLE_RUBRIC.levels)]

    @mk.hookimpl
    def register_referral_rules(self) -> list[mk.ReferralRule]:
        def details(_ctx: mk.RuleContext) -> dict[str, str]:
            raise KeyError("nope")

        return [
            mk.ReferralRule(
                "broken-rule",
                "0.1",
                "capital",
                mk.Label(en="B", id="B"),
                (Condition("business.employees", Op.GE, 0),),
                priority=-5,
                details=details,
            )
        ]


class TestPluginFailures:
    """A plugin that raises is recorded against it; the others still run."""

    def test_failures_isolated(self) -> None:
        registry = Registry.load(
            plugins=[("sample", SamplePlugin()), ("broken", Broken())],
            entry_points=False,
            strict=True,
        )
        result = mk.Engine(registry).evaluate(
            business(), answers(), on=DAY, facts={"case.mentored": True}
        )
        by_rubric = {a.rubric_id: a for a in result.assessments}
        assert by_rubric[RID].status is AssessmentStatus.COMPLETE
        assert by_rubric["broken"].status is AssessmentStatus.INCOMPLETE
        assert by_rubric["broken"].criteria[0].source is AnswerSource.FAILED
        stages = {(f.plugin, f.stage, f.item) for f in result.failures}
        assert ("broken", "derive", "broken/boom") in stages
        # the sample capital rule outranks the broken one (priority) for unit capital
        assert {r.rule_id for r in result.referrals} == {"sample-capital", "sample-cooperative"}


class TestReferrals:
    """Rules fire with reasons; one proposal per unit; order independent."""

    @given(
        business=mks.businesses(),
        data=st.data(),
        mentored=st.booleans(),
        skip=st.sets(st.sampled_from(["capital", "cooperative", "no-such-unit"])),
    )
    def test_skipped_units_leave_the_other_proposals_as_they_are(
        self, business: mk.Business, data: st.DataObject, mentored: bool, skip: set[str]
    ) -> None:
        registry = Registry.load(
            plugins=[("sample", SamplePlugin()), ("broken", Broken())],
            entry_points=False,
            strict=True,
        )
        engine = mk.Engine(registry)
        observations = data.draw(
            mks.observations_for(SAMPLE_RUBRIC, business.id, on=DAY, complete=False)
        )
        facts = {"case.mentored": mentored}
        full = engine.evaluate(business, observations, on=DAY, facts=facts)
        skipped = engine.evaluate(business, observations, on=DAY, facts=facts, skip_units=skip)
        assert skipped.assessments == full.assessments
        assert skipped.referrals == tuple(r for r in full.referrals if r.unit not in skip)
        # A skipped unit's rules do not run: their details cannot fail.
        assert set(skipped.failures) <= set(full.failures)
        rules = {rule.id: rule.unit for rule in registry.rules}
        gone = [f for f in full.failures if f not in skipped.failures]
        assert all(f.stage == "details" and rules[f.item] in skip for f in gone)
        if "capital" not in skip:
            assert gone == []

    def test_capital_referral_with_reasons(self) -> None:
        result = ENGINE.evaluate(business(), answers(), on=DAY)
        (referral,) = result.referrals
        assert referral.unit == "capital"
        assert referral.rule_version == "1.0"
        reasons = {r.fact: (r.expected, r.actual, r.held) for r in referral.reasons}
        assert reasons["business.financing_need"] == ("0", "25000000", True)
        assert reasons[f"assessment.{RID}.level"] == ("developing", "established", True)
        assert reasons["business.age_months"] == ("6", "26", True)

    def test_not_referred_when_level_too_low(self) -> None:
        result = ENGINE.evaluate(
            business(nib=None), answers(separate=False, cash=0, pricing="guess"), on=DAY
        )
        assert result.referrals == ()

    def test_unknown_fact_does_not_hold(self) -> None:
        result = ENGINE.evaluate(business(founded=None), answers(), on=DAY)
        assert result.referrals == ()

    def test_cooperative_suggestion_prefers_district_and_sector(self) -> None:
        coops = [
            mk.Cooperative("k-far", "Far", "Serpong", (mk.Sector.CULINARY,)),
            mk.Cooperative("k-near-craft", "Near craft", "Setu", (mk.Sector.CRAFT,)),
            mk.Cooperative("k-near-food", "Near food", "Setu", (mk.Sector.CULINARY,)),
        ]
        result = ENGINE.evaluate(
            business(), answers(), on=DAY, facts={"case.mentored": True}, cooperatives=coops
        )
        coop = next(r for r in result.referrals if r.unit == "cooperative")
        assert dict(coop.details) == {"suggested_cooperative": "k-near-food"}

    def test_member_not_referred_to_cooperative(self) -> None:
        member = business(cooperative=mk.CooperativeMembership("k-1"))
        result = ENGINE.evaluate(member, answers(), on=DAY, facts={"case.mentored": True})
        assert "cooperative" not in {r.unit for r in result.referrals}

    @given(b=mks.businesses(), data=st.data(), mentored=st.booleans())
    def test_reasons_all_hold_and_units_unique(
        self, b: mk.Business, data: st.DataObject, mentored: bool
    ) -> None:
        obs = data.draw(mks.observations_for(SAMPLE_RUBRIC, b.id, on=DAY, complete=False))
        result = ENGINE.evaluate(b, obs, on=DAY, facts={"case.mentored": mentored})
        units = [r.unit for r in result.referrals]
        assert len(units) == len(set(units))
        for referral in result.referrals:
            assert all(reason.held for reason in referral.reasons)

    @given(b=mks.businesses(), data=st.data())
    def test_assessment_is_total_and_bounded(self, b: mk.Business, data: st.DataObject) -> None:
        obs = data.draw(mks.observations_for(SAMPLE_RUBRIC, b.id, on=DAY))
        result = ENGINE.assess(b, obs, on=DAY)
        assert result.failures == ()
        (assessment,) = result.assessments
        assert assessment.score is not None
        assert 0 <= assessment.score <= 100
        assert assessment.level in {"beginner", "developing", "established"}


class TestConditions:
    """check_condition semantics for every operator."""

    RANKS: ClassVar[dict[str, dict[str, int]]] = {"r": {"low": 0, "mid": 1, "high": 2}}

    @pytest.mark.parametrize(
        ("fact", "op", "value", "actual", "held"),
        [
            ("x", Op.EQ, 3, 3, True),
            ("x", Op.NE, 3, 3, False),
            ("x", Op.LT, 3, 2, True),
            ("x", Op.LE, 3, 3, True),
            ("x", Op.GT, 3, 3, False),
            ("x", Op.GE, 3, 3, True),
            ("x", Op.GE, 3, None, False),
            ("x", Op.IN, ("a", "b"), "a", True),
            ("x", Op.IN, ("a", "b"), ("c", "b"), True),
            ("x", Op.NOT_IN, ("a", "b"), "c", True),
            ("x", Op.IS_TRUE, None, True, True),
            ("x", Op.IS_TRUE, None, 1, False),
            ("x", Op.IS_FALSE, None, False, True),
            ("x", Op.KNOWN, None, 0, True),
            ("x", Op.UNKNOWN, None, None, True),
            ("x", Op.GE, 3, "4", False),
            ("assessment.r.level", Op.GE, "mid", "high", True),
            ("assessment.r.level", Op.GE, "mid", "low", False),
            ("assessment.r.level", Op.LT, "mid", "low", True),
            ("assessment.r.level", Op.EQ, "mid", "mid", True),
        ],
    )
    def test_operator(
        self, fact: str, op: Op, value: mk.FactValue, actual: mk.FactValue, held: bool
    ) -> None:
        facts = {} if actual is None else {fact: actual}
        assert mk.check_condition(Condition(fact, op, value), facts, self.RANKS) is held

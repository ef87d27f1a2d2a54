"""Tests of plugin loading and declaration validation."""

import datetime as dt
import importlib.metadata

import pytest

import mentorkit as mk
from mentorkit import (
    AnswerKind,
    Condition,
    Criterion,
    DeclarationError,
    Label,
    Level,
    Op,
    ReferralRule,
    Registry,
    Rubric,
    Unit,
    hookimpl,
)
from mentorkit.testing.sample import SAMPLE_RUBRIC, SamplePlugin

L = Label(en="x", id="x")
LEVELS = (Level("low", 0, L), Level("high", 50, L))


def rubric(**changes: object) -> Rubric:
    base = {
        "id": "r1",
        "version": "1",
        "label": L,
        "criteria": (Criterion("c1", L),),
        "levels": LEVELS,
    }
    base.update(changes)
    return Rubric(**base)  # type: ignore[arg-type]


class Declares:
    """A plugin whose declarations are given at construction."""

    def __init__(
        self,
        rubrics: list[object] | None = None,
        rules: list[object] | None = None,
        units: list[object] | None = None,
    ) -> None:
        self.rubrics = rubrics or []
        self.rules = rules or []
        self.units_ = units or []

    @hookimpl
    def register_rubrics(self) -> list[object]:
        return self.rubrics

    @hookimpl
    def register_referral_rules(self) -> list[object]:
        return self.rules

    @hookimpl
    def register_units(self) -> list[object]:
        return self.units_


def load(*plugins: object, strict: bool = False) -> Registry:
    named = [(f"p{i}", p) for i, p in enumerate(plugins)]
    return Registry.load(plugins=named, entry_points=False, strict=strict)


class TestLoading:
    """Plugins registered in code and through entry points."""

    def test_sample_plugin_loads(self) -> None:
        registry = Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)
        assert list(registry.rubrics) == ["sample-bookkeeping"]
        assert [r.id for r in registry.rules] == ["sample-capital", "sample-cooperative"]
        assert set(registry.units) == {"capital", "cooperative"}
        assert "open-business-account" in registry.templates
        assert registry.failures == ()

    def test_entry_point_plugin_outside_src_is_discovered(self) -> None:
        """The fixture package in tests/fixtures is installed by `make test` / CI."""
        names = {ep.name for ep in importlib.metadata.entry_points(group="mentorkit")}
        assert "fixture" in names, (
            "install tests/fixtures/mentorkit-fixture-plugin (make test does)"
        )
        registry = Registry.load(allow=["fixture"])
        assert [p.distribution for p in registry.plugins] == ["mentorkit-fixture-plugin"]
        assert registry.owner("rubric", "fixture-hygiene") == "mentorkit-fixture-plugin 1.0.0"
        engine = mk.Engine(registry)
        owner = mk.Person(name="Ani")
        business = mk.Business(
            id="b", name="B", owner=owner, sector=mk.Sector.CULINARY, district="Setu"
        )
        day = mk.Observation(
            "b",
            "fixture-hygiene",
            "clean-water",
            False,
            observed_on=dt.date(2025, 1, 1),
        )
        other = mk.Observation("b", "fixture-hygiene", "apron", True, observed_on=day.observed_on)
        result = engine.evaluate(business, [day, other], on=day.observed_on)
        assert result.assessments[0].level == "low"
        assert [r.unit for r in result.referrals] == ["fixture-health"]

    def test_allow_list_excludes_others(self) -> None:
        registry = Registry.load(allow=["no-such-plugin"])
        assert registry.plugins == ()
        assert registry.rubrics == {}

    def test_misspelled_hook_fails_loudly(self) -> None:
        class Typo:
            @hookimpl
            def register_rubric(self) -> list[Rubric]:  # missing "s"
                return []

        with pytest.raises(mk.PluginError, match="register_rubric"):
            Registry.load(plugins=[Typo()], entry_points=False)

    def test_no_global_state(self) -> None:
        first = load(Declares([rubric()]))
        second = load(Declares([rubric(id="r2")]))
        assert list(first.rubrics) == ["r1"]
        assert list(second.rubrics) == ["r2"]
        assert first.plugin_manager is not second.plugin_manager


class TestValidation:
    """Bad declarations are reported against the plugin; good ones still load."""

    @pytest.mark.parametrize(
        ("changes", "problem"),
        [
            ({"version": ""}, "a version is required"),
            ({"id": "Bad Id"}, "lower-case id"),
            ({"criteria": ()}, "has no criteria"),
            (
                {"criteria": (Criterion("c1", L, weight=0),)},
                "weight must be a finite number above 0",
            ),
            ({"criteria": (Criterion("c1", L, weight=float("nan")),)}, "weight must be a finite"),
            ({"criteria": (Criterion("c1", L), Criterion("c1", L))}, "declared twice"),
            ({"criteria": (Criterion("c1", L, kind=AnswerKind.SCALE),)}, "needs scale_max"),
            ({"criteria": (Criterion("c1", L, kind=AnswerKind.CHOICE),)}, "needs choices"),
            ({"criteria": (Criterion("c1", L, milestone="nope"),)}, "milestone template 'nope'"),
            ({"levels": ()}, "has no levels"),
            ({"levels": (Level("a", 10, L),)}, "must start at score 0"),
            ({"levels": (Level("a", 0, L), Level("b", 0, L))}, "levels must go up"),
            ({"levels": (Level("a", 0, L), Level("a", 5, L))}, "level ids must be unique"),
        ],
    )
    def test_bad_rubric(self, changes: dict[str, object], problem: str) -> None:
        registry = load(Declares([rubric(**changes), rubric(id="good")]))
        assert list(registry.rubrics) == ["good"]
        assert len(registry.failures) >= 1
        assert registry.failures[0].plugin == "p0"
        assert problem in registry.failures[0].message

    def test_strict_raises_naming_the_plugin(self) -> None:
        with pytest.raises(DeclarationError) as caught:
            load(Declares([rubric(version="")]), strict=True)
        assert caught.value.plugin == "p0"
        assert "version is required" in str(caught.value)

    def test_duplicate_ids_name_both_plugins(self) -> None:
        registry = load(Declares([rubric()]), Declares([rubric()]))
        assert list(registry.rubrics) == ["r1"]
        (failure,) = registry.failures
        assert failure.plugin == "p1"
        assert "already declared by plugin 'p0'" in failure.message

    def test_garbage_and_raising_plugins_are_recorded(self) -> None:
        class Raises:
            @hookimpl
            def register_rubrics(self) -> list[Rubric]:
                raise RuntimeError("boom")

        registry = load(Raises(), Declares(["not a rubric", rubric()]))
        assert list(registry.rubrics) == ["r1"]
        messages = {f.plugin: f.message for f in registry.failures}
        assert "raised RuntimeError('boom')" in messages["p0"]
        assert "item 0 is a str, expected Rubric" in messages["p1"]

    @pytest.mark.parametrize(
        ("conditions", "problem"),
        [
            ((), "has no conditions"),
            (
                (Condition("assessment.nope.level", Op.GE, "low"),),
                "no plugin declares rubric 'nope'",
            ),
            ((Condition("assessment.r1.level", Op.GE, "medium"),), "has no level 'medium'"),
            ((Condition("assessment.r1.criterion.zz.met", Op.IS_TRUE),), "has no criterion 'zz'"),
            ((Condition("assessment.r1.colour", Op.EQ, "x"),), "unknown assessment fact"),
            ((Condition("business.age_months", Op.GE, "six"),), "needs a number"),
            ((Condition("business.sector", Op.IN, "culinary"),), "needs a tuple of strings"),
            ((Condition("business.in_cooperative", Op.IS_TRUE, True),), "takes no value"),
        ],
    )
    def test_bad_rule(self, conditions: tuple[Condition, ...], problem: str) -> None:
        unit = Unit("u", L)
        rule = ReferralRule("rule", "1", "u", L, conditions)
        registry = load(Declares([rubric()], [rule], [unit]))
        assert registry.rules == ()
        assert any(problem in f.message for f in registry.failures), registry.failures

    def test_rule_to_undeclared_unit(self) -> None:
        rule = ReferralRule("rule", "1", "ghost", L, (Condition("business.employees", Op.GT, 1),))
        registry = load(Declares(rules=[rule]))
        assert "unit 'ghost', which no plugin declares" in registry.failures[0].message

    def test_lookup_errors(self) -> None:
        registry = load(Declares([SAMPLE_RUBRIC]))
        with pytest.raises(mk.NotFoundError, match="no plugin declares a rubric 'x'"):
            registry.rubric("x")
        with pytest.raises(LookupError):
            registry.unit("x")


class TestTemplates:
    """Milestone templates are validated like every other declaration."""

    def test_templates_loaded_and_bad_ones_reported(self) -> None:
        class Templates:
            @hookimpl
            def register_milestone_templates(self) -> list[mk.MilestoneTemplate]:
                return [
                    mk.MilestoneTemplate("keep-cash-book", L, due_in_days=14),
                    mk.MilestoneTemplate("never", L, due_in_days=0),
                ]

        registry = load(Templates())
        assert list(registry.templates) == ["keep-cash-book"]
        (failure,) = registry.failures
        assert "due_in_days must be a positive whole number" in failure.message
        assert failure.item == "never"

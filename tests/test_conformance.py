"""Tests of the conformance kit and the pytest fixtures plugin authors use."""

import datetime as dt
import itertools
from collections.abc import Callable, Mapping

import pytest

import mentorkit as mk
from mentorkit.testing.conformance import check_plugin, check_referrals
from mentorkit.testing.sample import SAMPLE_RUBRIC, SamplePlugin

L = mk.Label(en="x", id="x")


class TestKitPasses:
    """A well-behaved plugin passes every check."""

    def test_sample_plugin_conforms(self) -> None:
        registry = check_plugin(SamplePlugin(), max_examples=30)
        assert "sample-bookkeeping" in registry.rubrics


class Flaky:
    """A rubric whose derivation answers differently on every call."""

    def __init__(self) -> None:
        self.counter = itertools.count()

    @mk.hookimpl
    def register_rubrics(self) -> list[mk.Rubric]:
        def flip(_b: mk.Business, _on: dt.date) -> bool:
            return next(self.counter) % 2 == 0

        crit = mk.Criterion("flip", L, derive=flip)
        return [mk.Rubric("flaky", "1", L, (crit,), SAMPLE_RUBRIC.levels)]


class Leaky:
    """A rule whose details leak the owner's NIK."""

    @mk.hookimpl
    def register_units(self) -> list[mk.Unit]:
        return [mk.Unit("leak-unit", L)]

    @mk.hookimpl
    def register_referral_rules(self) -> list[mk.ReferralRule]:
        def details(ctx: mk.RuleContext) -> Mapping[str, str]:
            return {"owner": ctx.business.owner.nik or "none"}

        return [
            mk.ReferralRule(
                "leak",
                "1",
                "leak-unit",
                L,
                (mk.Condition("business.employees", mk.Op.GE, 0),),
                details=details,
            )
        ]


class Crashy:
    """A rubric whose derivation raises for some businesses."""

    @mk.hookimpl
    def register_rubrics(self) -> list[mk.Rubric]:
        def crash(business: mk.Business, _on: dt.date) -> bool:
            return 100 // business.employees > 1

        crit = mk.Criterion("crash", L, derive=crash)
        return [mk.Rubric("crashy", "1", L, (crit,), SAMPLE_RUBRIC.levels)]


class TestKitCatches:
    """Each broken property is caught (the kit can fail)."""

    @pytest.mark.parametrize(
        ("plugin", "message"),
        [
            (Flaky, "not deterministic"),
            (Crashy, "failed"),
            (Leaky, "personal data"),
        ],
    )
    def test_broken_plugin_fails(self, plugin: Callable[[], object], message: str) -> None:
        with pytest.raises(AssertionError, match=message):
            check_plugin(plugin(), max_examples=40, shrink=False)

    def test_undeclared_plugin_content(self) -> None:
        class Empty:
            @mk.hookimpl
            def register_units(self) -> list[mk.Unit]:
                return []

        with pytest.raises(AssertionError, match="declares no rubric"):
            check_plugin(Empty())

    def test_invalid_declaration_fails_strictly(self) -> None:
        class NoVersion:
            @mk.hookimpl
            def register_rubrics(self) -> list[mk.Rubric]:
                return [mk.Rubric("nov", "", L, (mk.Criterion("c", L),), SAMPLE_RUBRIC.levels)]

        with pytest.raises(mk.DeclarationError, match="version is required"):
            check_plugin(NoVersion())

    def test_referral_checks_run_alone(self) -> None:
        check_referrals([SamplePlugin()], max_examples=20)


class TestFixtures:
    """The pytest11 fixtures build strict registries and engines."""

    def test_registry_fixture(self, mentorkit_registry: Callable[..., mk.Registry]) -> None:
        registry = mentorkit_registry(SamplePlugin())
        assert list(registry.rubrics) == ["sample-bookkeeping"]
        assert registry.plugins[0].distribution is None

    def test_engine_fixture(self, mentorkit_engine: Callable[..., mk.Engine]) -> None:
        engine = mentorkit_engine(SamplePlugin())
        assert isinstance(engine, mk.Engine)

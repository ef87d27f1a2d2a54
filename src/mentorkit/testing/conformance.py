"""The conformance kit: properties every rubric and rule pack must have.

Run it from your plugin's own tests::

    import my_plugin
    from mentorkit.testing.conformance import check_plugin

    def test_my_plugin_conforms():
        check_plugin(my_plugin)

:func:`check_plugin` loads the plugin (with any plugins it depends on,
given as ``requires``) into a strict registry and checks, with hypothesis,
over generated businesses and observations:

* declarations are valid and versioned (the registry validates them);
* assessment is **deterministic** and **total**: no exception, no plugin
  failure, for any valid business and answers;
* complete answers give a complete assessment, scores within 0-100, each
  criterion's score within 0-1, a level the rubric declares, and a trace
  line for every criterion;
* improving one answer never lowers the score (**monotone**);
* an unanswered, underivable criterion makes the assessment incomplete,
  never a silent zero;
* referral proposals are deterministic, name declared units, carry reasons
  that all held, and do not depend on plugin registration order;
* **no personal data** (the owner's NIK or phone) appears in any trace,
  reason or detail.

Each check raises :class:`AssertionError` with hypothesis's minimal example.
Requires the ``testing`` extra (hypothesis).
"""

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .._engine import Engine
from .._model import AssessmentStatus, Business, Observation
from .._registry import Registry
from .._serialize import encode
from . import strategies as mks

__all__ = [
    "check_plugin",
    "check_referrals",
    "check_rubric",
    "load_strict",
]

#: Case facts case management passes to rules (see docs/reference/facts.md).
_CASE_FACTS = st.fixed_dictionaries(
    {
        "case.mentored": st.booleans(),
        "case.has_prospects": st.none() | st.booleans(),
        "case.sessions_logged": st.integers(min_value=0, max_value=30),
    }
)


def load_strict(plugins: Sequence[object]) -> Registry:
    """A registry of exactly ``plugins`` (no entry points), raising on any problem."""
    return Registry.load(plugins=list(plugins), entry_points=False, strict=True)


def _settings(max_examples: int, shrink: bool = True) -> settings:
    phases = list(Phase) if shrink else [p for p in Phase if p is not Phase.shrink]
    return settings(
        max_examples=max_examples,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
        phases=phases,
    )


def _sensitive_values(business: Business) -> list[str]:
    owner = business.owner
    return [value for value in (owner.nik, owner.phone) if value]


def _assert_no_personal_data(business: Business, payload: Any, what: str) -> None:
    text = json.dumps(encode(payload), ensure_ascii=False)
    for value in _sensitive_values(business):
        assert value not in text, f"{what} for {business.id!r} contains the owner's personal data"


def check_rubric(
    registry: Registry,
    rubric_id: str,
    *,
    max_examples: int = 50,
    on: dt.date | None = None,
    shrink: bool = True,
) -> None:
    """Check the rubric properties (see module docs) for one rubric of ``registry``.

    ``shrink=False`` reports the first failing example without minimising it
    (faster when you only need to know that a check fails).
    """
    engine = Engine(registry)
    rubric = registry.rubric(rubric_id)
    day = on or dt.date(2026, 6, 1)
    plugin = registry.owner("rubric", rubric_id)

    @_settings(max_examples, shrink)
    @given(data=st.data(), business=mks.businesses())
    def complete_answers(data: st.DataObject, business: Business) -> None:
        observed = data.draw(mks.observations_for(rubric, business.id, on=day))
        first = engine.assess(business, observed, on=day, rubrics=[rubric_id])
        again = engine.assess(business, observed, on=day, rubrics=[rubric_id])
        assert first == again, f"rubric {rubric_id!r} ({plugin}) is not deterministic"
        assert not first.failures, f"rubric {rubric_id!r} ({plugin}) failed: {first.failures}"
        assert not first.issues, f"valid answers were rejected: {first.issues}"
        if not first.assessments:
            return  # the rubric does not apply to this business
        (assessment,) = first.assessments
        assert assessment.rubric_version == rubric.version
        derived = {c.id for c in rubric.criteria if c.derive is not None}
        assert set(assessment.missing) <= derived, (
            f"answered criteria reported missing: {sorted(set(assessment.missing) - derived)}"
        )
        _assert_no_personal_data(business, assessment, f"assessment {rubric_id!r}")
        if assessment.status is AssessmentStatus.INCOMPLETE:
            return  # a derivation could not tell: the mentor must answer
        assert assessment.score is not None
        assert 0 <= assessment.score <= 100
        assert assessment.level in {level.id for level in rubric.levels}
        assert [c.criterion_id for c in assessment.criteria] == [c.id for c in rubric.criteria], (
            "the trace must have one line per criterion, in order"
        )
        for line in assessment.criteria:
            assert line.score is not None
            assert 0 <= line.score <= 1

    @_settings(max_examples, shrink)
    @given(data=st.data(), business=mks.businesses())
    def monotone(data: st.DataObject, business: Business) -> None:
        observed = data.draw(mks.observations_for(rubric, business.id, on=day))
        if not observed:
            return
        index = data.draw(st.integers(min_value=0, max_value=len(observed) - 1))
        target = observed[index]
        better = mks.better_answer(rubric.criterion(target.criterion_id), target.value)
        if better is None:
            return
        improved = [*observed[:index], _with_value(target, better), *observed[index + 1 :]]
        before = engine.assess(business, observed, on=day, rubrics=[rubric_id]).assessments
        after = engine.assess(business, improved, on=day, rubrics=[rubric_id]).assessments
        if before and after and before[0].score is not None and after[0].score is not None:
            assert after[0].score >= before[0].score, (
                f"improving {target.criterion_id!r} lowered the {rubric_id!r} score"
            )

    @_settings(max_examples, shrink)
    @given(data=st.data(), business=mks.businesses())
    def missing_is_incomplete(data: st.DataObject, business: Business) -> None:
        observed = data.draw(mks.observations_for(rubric, business.id, on=day, complete=False))
        result = engine.assess(business, observed, on=day, rubrics=[rubric_id])
        assert not result.failures, f"rubric {rubric_id!r} ({plugin}) failed: {result.failures}"
        if not result.assessments:
            return
        (assessment,) = result.assessments
        if assessment.status is AssessmentStatus.INCOMPLETE:
            assert assessment.score is None
            assert assessment.missing
        else:
            assert not assessment.missing

    complete_answers()
    monotone()
    missing_is_incomplete()


def _with_value(observation: Observation, value: Any) -> Observation:
    return Observation(
        business_id=observation.business_id,
        rubric_id=observation.rubric_id,
        criterion_id=observation.criterion_id,
        value=value,
        observed_on=observation.observed_on,
    )


def check_referrals(
    plugins: Sequence[object],
    *,
    max_examples: int = 50,
    on: dt.date | None = None,
    shrink: bool = True,
) -> None:
    """Check the referral-rule properties (see module docs) for ``plugins`` together."""
    registry = load_strict(plugins)
    reversed_registry = load_strict(list(reversed(plugins)))
    engine = Engine(registry)
    reversed_engine = Engine(reversed_registry)
    day = on or dt.date(2026, 6, 1)
    rubrics = list(registry.rubrics.values())

    @_settings(max_examples, shrink)
    @given(
        data=st.data(),
        business=mks.businesses(),
        facts=_CASE_FACTS,
        cooperatives=st.lists(mks.cooperatives(), max_size=4),
    )
    def proposals(
        data: st.DataObject, business: Business, facts: dict[str, Any], cooperatives: list[Any]
    ) -> None:
        observed: list[Observation] = []
        for rubric in rubrics:
            observed += data.draw(mks.observations_for(rubric, business.id, on=day))
        result = engine.evaluate(business, observed, on=day, facts=facts, cooperatives=cooperatives)
        again = engine.evaluate(business, observed, on=day, facts=facts, cooperatives=cooperatives)
        assert result == again, "referral proposals are not deterministic"
        assert not result.failures, f"rules failed: {result.failures}"
        swapped = reversed_engine.evaluate(
            business, observed, on=day, facts=facts, cooperatives=cooperatives
        )
        assert swapped.referrals == result.referrals, "proposals depend on registration order"
        for referral in result.referrals:
            assert referral.unit in registry.units, f"unit {referral.unit!r} is not declared"
            assert referral.reasons, f"rule {referral.rule_id!r} proposed without reasons"
            assert all(reason.held for reason in referral.reasons)
            _assert_no_personal_data(business, referral, f"referral by {referral.rule_id!r}")

    proposals()


def check_plugin(
    plugin: object,
    *,
    requires: Sequence[object] = (),
    max_examples: int = 50,
    on: dt.date | None = None,
    shrink: bool = True,
) -> Registry:
    """Run the whole conformance kit on ``plugin`` (with the plugins it ``requires``).

    Returns the strict registry it loaded, for further checks of your own.
    """
    registry = load_strict([*requires, plugin])
    declared = [
        key for key, owner in registry.owners.items() if owner == _name_of(registry, plugin)
    ]
    assert declared, "the plugin declares no rubric, rule, unit or template"
    for key in declared:
        kind, _, item_id = key.partition(":")
        if kind == "rubric":
            check_rubric(registry, item_id, max_examples=max_examples, on=on, shrink=shrink)
    if any(key.startswith("rule:") for key in declared):
        check_referrals([*requires, plugin], max_examples=max_examples, on=on, shrink=shrink)
    return registry


def _name_of(registry: Registry, plugin: object) -> str:
    name = registry.plugin_manager.get_name(plugin)
    assert name is not None, "the plugin was not registered"
    return name

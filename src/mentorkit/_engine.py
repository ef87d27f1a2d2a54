"""Evaluating declarations: scoring rubrics and firing referral rules.

Declarations are compiled once when an :class:`Engine` is built; each
business is then evaluated in plain loops, with no hook call per business.
Plugin code (``derive``, ``applies_to``, ``details``) is guarded: when it
raises, the failure is recorded against its plugin and the evaluation goes
on, marking what could not be computed instead of inventing a value.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from attrs import frozen

from ._declarations import (
    AnswerKind,
    Condition,
    Criterion,
    FactValue,
    Op,
    ReferralRule,
    Rubric,
    RuleContext,
)
from ._errors import FieldIssue
from ._model import (
    Answer,
    AnswerSource,
    Assessment,
    AssessmentStatus,
    Business,
    Cooperative,
    CriterionResult,
    LicenceKind,
    Observation,
    Reason,
    Referral,
)
from ._registry import PluginFailure, Registry
from ._sizeclass import size_class

__all__ = ["Engine", "Evaluation", "business_facts", "check_condition"]

_SCORE_DIGITS = 6


@frozen
class Evaluation:
    """What evaluating one business produced.

    ``issues`` are problems with the input (an observation whose answer does
    not fit its criterion); ``failures`` are plugin failures. Both are kept
    beside the results: nothing good is dropped because something else was bad.
    """

    business_id: str
    assessments: tuple[Assessment, ...] = ()
    referrals: tuple[Referral, ...] = ()
    issues: tuple[FieldIssue, ...] = ()
    failures: tuple[PluginFailure, ...] = ()


def business_facts(business: Business, on: dt.date) -> dict[str, FactValue]:
    """The facts rules can read about ``business`` on day ``on``.

    See :doc:`/reference/facts` for the list. Unknown values are None.
    """
    size = size_class(capital=business.capital, annual_sales=business.annual_sales, on=on)
    facts: dict[str, FactValue] = {
        "business.id": business.id,
        "business.sector": business.sector.value,
        "business.district": business.district,
        "business.size_class": None if size is None else size.value,
        "business.employees": business.employees,
        "business.capital": business.capital,
        "business.annual_sales": business.annual_sales,
        "business.financing_need": business.financing_need,
        "business.age_months": business.age_in_months(on),
        "business.in_cooperative": business.cooperative is not None,
        "business.sales_channels": tuple(sorted(c.value for c in business.sales_channels)),
    }
    for kind in LicenceKind:
        facts[f"business.licence.{kind.value}"] = business.licence(kind, on) is not None
    return facts


def assessment_facts(assessment: Assessment) -> dict[str, FactValue]:
    """The facts one assessment contributes (score, level, status, criteria met)."""
    prefix = f"assessment.{assessment.rubric_id}"
    facts: dict[str, FactValue] = {
        f"{prefix}.score": assessment.score,
        f"{prefix}.level": assessment.level,
        f"{prefix}.status": assessment.status.value,
    }
    for result in assessment.criteria:
        met: FactValue = None if result.score is None else result.met
        facts[f"{prefix}.criterion.{result.criterion_id}.met"] = met
    return facts


def _show(value: FactValue) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, tuple):
        return "(" + ", ".join(value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def check_condition(
    condition: Condition,
    facts: Mapping[str, FactValue],
    level_ranks: Mapping[str, Mapping[str, int]],
) -> bool:
    """Whether ``condition`` holds for ``facts``.

    ``level_ranks`` maps a rubric id to its level ranks, so ordering
    operators on ``assessment.<rubric>.level`` compare ranks.
    """
    actual = facts.get(condition.fact)
    op = condition.op
    if op is Op.UNKNOWN:
        return actual is None
    if op is Op.KNOWN:
        return actual is not None
    if actual is None:
        return False
    if op is Op.IS_TRUE:
        return actual is True
    if op is Op.IS_FALSE:
        return actual is False
    expected = condition.value
    if op is Op.IN or op is Op.NOT_IN:
        members = expected if isinstance(expected, tuple) else ()
        if isinstance(actual, tuple):
            inside = any(a in members for a in actual)
        else:
            inside = actual in members
        return inside if op is Op.IN else not inside
    if op is Op.EQ:
        return actual == expected
    if op is Op.NE:
        return actual != expected
    left: float | int
    right: float | int
    if condition.fact.endswith(".level") and condition.fact.startswith("assessment."):
        ranks = level_ranks.get(condition.fact.split(".")[1], {})
        if not isinstance(actual, str) or not isinstance(expected, str):
            return False
        if actual not in ranks or expected not in ranks:
            return False
        left, right = ranks[actual], ranks[expected]
    elif isinstance(actual, int | float) and not isinstance(actual, bool):
        if not isinstance(expected, int | float) or isinstance(expected, bool):
            return False
        left, right = actual, expected
    else:
        return False
    if op is Op.LT:
        return left < right
    if op is Op.LE:
        return left <= right
    if op is Op.GT:
        return left > right
    return left >= right  # Op.GE


class _CompiledRubric:
    """A rubric prepared for fast scoring."""

    __slots__ = ("criteria", "index", "levels", "owner", "rubric", "total_weight")

    def __init__(self, rubric: Rubric, owner: str) -> None:
        self.rubric = rubric
        self.owner = owner
        self.criteria = rubric.criteria
        self.index = {c.id: c for c in rubric.criteria}
        self.total_weight = sum(c.weight for c in rubric.criteria)
        # Highest first, so the first level reached is the one.
        self.levels = tuple(reversed([(level.min_score, level.id) for level in rubric.levels]))

    def level_for(self, score: float) -> str:
        for min_score, level_id in self.levels:
            if score >= min_score:
                return level_id
        return self.levels[-1][1]


def _score_answer(criterion: Criterion, answer: Answer) -> float | None:
    """The 0-1 score of ``answer`` for ``criterion``; None if it does not fit."""
    kind = criterion.kind
    if kind is AnswerKind.YES_NO:
        if isinstance(answer, bool):
            return 1.0 if answer else 0.0
        return None
    if kind is AnswerKind.SCALE:
        top = criterion.scale_max or 1
        if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer <= top:
            return answer / top
        return None
    if isinstance(answer, str):
        for choice in criterion.choices:
            if choice.value == answer:
                return float(choice.score)
    return None


def _expected(criterion: Criterion) -> str:
    if criterion.kind is AnswerKind.YES_NO:
        return "a yes/no answer (true or false)"
    if criterion.kind is AnswerKind.SCALE:
        return f"a whole number from 0 to {criterion.scale_max}"
    return "one of " + ", ".join(repr(c.value) for c in criterion.choices)


class Engine:
    """Evaluates a registry's rubrics and referral rules for businesses.

    Build one per registry and reuse it: it is immutable after construction
    and safe to share between threads.
    """

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self._rubrics = tuple(
            _CompiledRubric(rubric, registry.owner("rubric", rubric.id))
            for rubric in registry.rubrics.values()
        )
        self._by_id = {compiled.rubric.id: compiled for compiled in self._rubrics}
        self._level_ranks = {
            rubric.id: {level.id: rank for rank, level in enumerate(rubric.levels)}
            for rubric in registry.rubrics.values()
        }
        self._rules = tuple((rule, registry.owner("rule", rule.id)) for rule in registry.rules)

    @property
    def level_ranks(self) -> Mapping[str, Mapping[str, int]]:
        """Level ranks per rubric id, for :func:`check_condition`."""
        return self._level_ranks

    # ----------------------------------------------------------------------- assess

    def assess(
        self,
        business: Business,
        observations: Iterable[Observation] = (),
        *,
        on: dt.date,
        rubrics: Sequence[str] | None = None,
    ) -> Evaluation:
        """Score ``business`` against every rubric (or only ``rubrics``) on day ``on``.

        For each criterion the latest observation made on or before ``on``
        is used; failing that, the criterion's ``derive`` function. A
        criterion with neither makes the assessment incomplete (no score).
        """
        issues: list[FieldIssue] = []
        failures: list[PluginFailure] = []
        answers = self._answers(business, observations, on, issues)
        selected = self._rubrics if rubrics is None else [self._by_id[r] for r in rubrics]
        assessments = []
        for compiled in selected:
            applies = compiled.rubric.applies_to
            if applies is not None:
                try:
                    if not applies(business):
                        continue
                except Exception as exc:
                    failures.append(
                        PluginFailure(compiled.owner, "applies_to", repr(exc), compiled.rubric.id)
                    )
                    continue
            assessments.append(
                self._assess_one(
                    compiled, business, answers.get(compiled.rubric.id, {}), on, failures
                )
            )
        return Evaluation(
            business_id=business.id,
            assessments=tuple(assessments),
            issues=tuple(issues),
            failures=tuple(failures),
        )

    def _answers(
        self,
        business: Business,
        observations: Iterable[Observation],
        on: dt.date,
        issues: list[FieldIssue],
    ) -> dict[str, dict[str, tuple[Answer, dt.date, str | None]]]:
        latest: dict[str, dict[str, tuple[Answer, dt.date, str | None]]] = {}
        for position, obs in enumerate(observations):
            where = f"$.observations[{position}]"
            if obs.business_id != business.id:
                issues.append(
                    FieldIssue(f"{where}.business_id", f"belongs to business {obs.business_id!r}")
                )
                continue
            compiled = self._by_id.get(obs.rubric_id)
            if compiled is None:
                issues.append(FieldIssue(f"{where}.rubric_id", f"no rubric {obs.rubric_id!r}"))
                continue
            criterion = compiled.index.get(obs.criterion_id)
            if criterion is None:
                issues.append(
                    FieldIssue(
                        f"{where}.criterion_id",
                        f"rubric {obs.rubric_id!r} has no criterion {obs.criterion_id!r}",
                    )
                )
                continue
            if _score_answer(criterion, obs.value) is None:
                issues.append(
                    FieldIssue(
                        f"{where}.value",
                        f"{obs.rubric_id}/{obs.criterion_id} expects {_expected(criterion)}",
                    )
                )
                continue
            if obs.observed_on > on:
                continue
            per_rubric = latest.setdefault(obs.rubric_id, {})
            previous = per_rubric.get(obs.criterion_id)
            if previous is None or previous[1] <= obs.observed_on:
                per_rubric[obs.criterion_id] = (obs.value, obs.observed_on, obs.evidence)
        return latest

    def _assess_one(
        self,
        compiled: _CompiledRubric,
        business: Business,
        answers: Mapping[str, tuple[Answer, dt.date, str | None]],
        on: dt.date,
        failures: list[PluginFailure],
    ) -> Assessment:
        rubric = compiled.rubric
        results = []
        missing = []
        earned = 0.0
        for criterion in compiled.criteria:
            given = answers.get(criterion.id)
            source = AnswerSource.OBSERVED
            answer: Answer | None = None
            note: str | None = None
            if given is not None:
                answer, _day, note = given
            elif criterion.derive is not None:
                source = AnswerSource.DERIVED
                try:
                    answer = criterion.derive(business, on)
                except Exception as exc:
                    failures.append(
                        PluginFailure(
                            compiled.owner, "derive", repr(exc), f"{rubric.id}/{criterion.id}"
                        )
                    )
                    source = AnswerSource.FAILED
            if answer is None:
                if source is not AnswerSource.FAILED:
                    source = AnswerSource.MISSING
                missing.append(criterion.id)
                results.append(CriterionResult(criterion.id, criterion.weight, source))
                continue
            score = _score_answer(criterion, answer)
            if score is None:
                # Only a derivation can get here: observations were checked on the way in.
                failures.append(
                    PluginFailure(
                        compiled.owner,
                        "derive",
                        f"derived {answer!r}, expected {_expected(criterion)}",
                        f"{rubric.id}/{criterion.id}",
                    )
                )
                missing.append(criterion.id)
                results.append(
                    CriterionResult(criterion.id, criterion.weight, AnswerSource.INVALID)
                )
                continue
            earned += criterion.weight * score
            results.append(
                CriterionResult(
                    criterion.id,
                    criterion.weight,
                    source,
                    score=score,
                    answer=answer,
                    met=score >= criterion.met_at,
                    note=note,
                )
            )
        if missing:
            return Assessment(
                business_id=business.id,
                rubric_id=rubric.id,
                rubric_version=rubric.version,
                assessed_on=on,
                status=AssessmentStatus.INCOMPLETE,
                criteria=tuple(results),
                missing=tuple(missing),
            )
        total = round(min(100.0, 100.0 * earned / compiled.total_weight), _SCORE_DIGITS)
        return Assessment(
            business_id=business.id,
            rubric_id=rubric.id,
            rubric_version=rubric.version,
            assessed_on=on,
            status=AssessmentStatus.COMPLETE,
            score=total,
            level=compiled.level_for(total),
            criteria=tuple(results),
        )

    # ----------------------------------------------------------------------- refer

    def facts(
        self,
        business: Business,
        assessments: Iterable[Assessment],
        *,
        on: dt.date,
        extra: Mapping[str, FactValue] | None = None,
    ) -> dict[str, FactValue]:
        """All facts rules read: the business's, each assessment's, then ``extra``."""
        facts = business_facts(business, on)
        for assessment in assessments:
            facts.update(assessment_facts(assessment))
        if extra:
            facts.update(extra)
        return facts

    def reasons(self, rule: ReferralRule, facts: Mapping[str, FactValue]) -> tuple[Reason, ...]:
        """Each condition of ``rule`` with the fact it read and whether it held."""
        return tuple(
            Reason(
                fact=condition.fact,
                op=condition.op.value,
                expected=_show(condition.value),
                actual=_show(facts.get(condition.fact)),
                held=check_condition(condition, facts, self._level_ranks),
            )
            for condition in rule.conditions
        )

    def refer(
        self,
        business: Business,
        assessments: Iterable[Assessment],
        *,
        on: dt.date,
        facts: Mapping[str, FactValue] | None = None,
        cooperatives: Sequence[Cooperative] = (),
    ) -> Evaluation:
        """Propose referrals for ``business`` from its ``assessments``.

        ``facts`` adds facts known outside the business record (for example
        ``case.has_prospects``). At most one referral per unit: among the
        rules for one unit that fire, the highest priority (then smallest id)
        proposes.
        """
        assessments = tuple(assessments)
        known = self.facts(business, assessments, on=on, extra=facts)
        referrals = []
        failures = []
        units_done: set[str] = set()
        coops = tuple(cooperatives)
        for rule, owner in self._rules:
            if rule.unit in units_done:
                continue
            if not all(check_condition(c, known, self._level_ranks) for c in rule.conditions):
                continue
            details: tuple[tuple[str, str], ...] = ()
            if rule.details is not None:
                try:
                    extra = rule.details(RuleContext(business, on, known, coops))
                    details = tuple(sorted((str(k), str(v)) for k, v in extra.items()))
                except Exception as exc:
                    failures.append(PluginFailure(owner, "details", repr(exc), rule.id))
            units_done.add(rule.unit)
            referrals.append(
                Referral(
                    business_id=business.id,
                    unit=rule.unit,
                    rule_id=rule.id,
                    rule_version=rule.version,
                    proposed_on=on,
                    reasons=self.reasons(rule, known),
                    details=details,
                )
            )
        return Evaluation(
            business_id=business.id,
            assessments=assessments,
            referrals=tuple(referrals),
            failures=tuple(failures),
        )

    def evaluate(
        self,
        business: Business,
        observations: Iterable[Observation] = (),
        *,
        on: dt.date,
        facts: Mapping[str, FactValue] | None = None,
        cooperatives: Sequence[Cooperative] = (),
    ) -> Evaluation:
        """Assess ``business`` and propose its referrals in one call."""
        assessed = self.assess(business, observations, on=on)
        referred = self.refer(
            business, assessed.assessments, on=on, facts=facts, cooperatives=cooperatives
        )
        return Evaluation(
            business_id=business.id,
            assessments=assessed.assessments,
            referrals=referred.referrals,
            issues=assessed.issues,
            failures=assessed.failures + referred.failures,
        )

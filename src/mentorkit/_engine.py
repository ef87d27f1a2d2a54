"""Evaluating declarations: scoring rubrics and firing referral rules.

Declarations are compiled once when an :class:`Engine` is built; each
business is then evaluated in plain loops, with no hook call per business.
Plugin code (``derive``, ``applies_to``, ``details``) is guarded: when it
raises, the failure is recorded against its plugin and the evaluation goes
on, marking what could not be computed instead of inventing a value.
"""

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence

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
from ._fastobs import day_of, valid_text
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
    Receipt,
    Referral,
)
from ._receipts import (
    assessment_inputs_hash,
    business_digest,
    cooperatives_digest,
    declaration_hash,
    make_receipt,
    pack_hash,
    referral_inputs_hash,
    trusted_receipt,
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


_ANSWER_TYPES = (bool, int, str)
_RESULTS_CACHED = 4096  # per rubric: bounded, whatever the input
_REASONS_CACHED = 4096  # per engine
_KEPT_FACTS = (bool, int, str, type(None))  # fact types whose reasons are kept (not float)

_LICENCE_FACTS = tuple((kind, f"business.licence.{kind.value}") for kind in LicenceKind)


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
    # One pass over the licences; the same as ``business.licence(kind, on) is not None``.
    held = {licence.kind for licence in business.licences if licence.valid_on(on)}
    if business.nib is not None:
        held.add(LicenceKind.NIB)
    for kind, name in _LICENCE_FACTS:
        facts[name] = kind in held
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


# Enum members bound once: looking one up on its class costs more than the comparison.
_OP_UNKNOWN, _OP_KNOWN, _OP_IS_TRUE, _OP_IS_FALSE = Op.UNKNOWN, Op.KNOWN, Op.IS_TRUE, Op.IS_FALSE
_OP_IN, _OP_NOT_IN, _OP_EQ, _OP_NE = Op.IN, Op.NOT_IN, Op.EQ, Op.NE
_OP_LT, _OP_LE, _OP_GT = Op.LT, Op.LE, Op.GT
_NUMBER = (int, float)


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
    if op is _OP_UNKNOWN:
        return actual is None
    if op is _OP_KNOWN:
        return actual is not None
    if actual is None:
        return False
    if op is _OP_IS_TRUE:
        return actual is True
    if op is _OP_IS_FALSE:
        return actual is False
    expected = condition.value
    if op is _OP_IN or op is _OP_NOT_IN:
        members = expected if isinstance(expected, tuple) else ()
        if isinstance(actual, tuple):
            inside = any(a in members for a in actual)
        else:
            inside = actual in members
        return inside if op is _OP_IN else not inside
    if op is _OP_EQ:
        return actual == expected
    if op is _OP_NE:
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
    elif isinstance(actual, _NUMBER) and not isinstance(actual, bool):
        if not isinstance(expected, _NUMBER) or isinstance(expected, bool):
            return False
        left, right = actual, expected
    else:
        return False
    if op is _OP_LT:
        return left < right
    if op is _OP_LE:
        return left <= right
    if op is _OP_GT:
        return left > right
    return left >= right  # Op.GE


class _CompiledRubric:
    """A rubric prepared for fast scoring."""

    __slots__ = ("criteria", "index", "levels", "owner", "results", "rubric", "total_weight")

    def __init__(self, rubric: Rubric, owner: str) -> None:
        self.rubric = rubric
        self.owner = owner
        # Scored answers seen so far: results are frozen values, so equal inputs share one.
        self.results: dict[tuple[object, ...], tuple[float, CriterionResult]] = {}
        # Each criterion with its weight as a float (a plugin may declare ``weight=3``):
        # a CriterionResult's weight is a float, so its JSON reads back equal, as text too.
        self.criteria = tuple((c, float(c.weight)) for c in rubric.criteria)
        self.index = {c.id: c for c in rubric.criteria}
        self.total_weight = sum(weight for _c, weight in self.criteria)
        # Highest first, so the first level reached is the one.
        self.levels = tuple(reversed([(level.min_score, level.id) for level in rubric.levels]))

    def level_for(self, score: float) -> str:
        for min_score, level_id in self.levels:
            if score >= min_score:
                return level_id
        return self.levels[-1][1]


def _at(position: int, name: str) -> str:
    """The path of field ``name`` of observation ``position`` (built only for an issue)."""
    return f"$.observations[{position}].{name}"


_YES_NO, _SCALE = AnswerKind.YES_NO, AnswerKind.SCALE
_OBSERVED, _DERIVED, _MISSING, _FAILED = (
    AnswerSource.OBSERVED,
    AnswerSource.DERIVED,
    AnswerSource.MISSING,
    AnswerSource.FAILED,
)


def _score_answer(criterion: Criterion, answer: Answer) -> float | None:
    """The 0-1 score of ``answer`` for ``criterion``; None if it does not fit."""
    kind = criterion.kind
    if kind is _YES_NO:
        if isinstance(answer, bool):
            return 1.0 if answer else 0.0
        return None
    if kind is _SCALE:
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

    Build one per registry and reuse it: its declarations and hashes are
    fixed at construction, and it is safe to share between threads (its only
    mutable part is a one-slot cache of the last business's digest, checked
    by identity).

    Every assessment and referral carries a :class:`~mentorkit.Receipt`
    (see :func:`mentorkit.replay`); ``receipts=False`` leaves them out
    where only throughput matters. ``pack_hash`` is the content hash of the
    rule pack, computed once here.
    """

    def __init__(self, registry: Registry, *, receipts: bool = True) -> None:
        self.registry = registry
        self.receipts = receipts
        self._hashes = {f"rubric:{r.id}": declaration_hash(r) for r in registry.rubrics.values()}
        self._hashes.update({f"rule:{r.id}": declaration_hash(r) for r in registry.rules})
        self.pack_hash = pack_hash(registry.rubrics.values(), registry.rules)
        self._rule_reads = {
            r.id: tuple(sorted({c.fact for c in r.conditions})) for r in registry.rules
        }
        # Rubrics whose plugin code reads the Business: their input hash includes it.
        self._reads_business = {
            r.id: r.applies_to is not None or any(c.derive is not None for c in r.criteria)
            for r in registry.rubrics.values()
        }
        self._last_digest: tuple[Business, str] | None = None
        self._rubrics = tuple(
            _CompiledRubric(rubric, registry.owner("rubric", rubric.id))
            for rubric in registry.rubrics.values()
        )
        self._by_id = {compiled.rubric.id: compiled for compiled in self._rubrics}
        # For the answers path. The registry accepts only lower-case ASCII ids, so an
        # observation's ids found here are valid ids: the lookup is their whole check.
        self._criteria_by_rubric = {
            rubric_id: compiled.index for rubric_id, compiled in self._by_id.items()
        }
        self._level_ranks = {
            rubric.id: {level.id: rank for rank, level in enumerate(rubric.levels)}
            for rubric in registry.rubrics.values()
        }
        self._rules = tuple((rule, registry.owner("rule", rule.id)) for rule in registry.rules)
        # Receipts are built without their validators: check this engine's hashes once here.
        for declaration in self._hashes.values():
            make_receipt(declaration, self.pack_hash, declaration, dt.date.min)
        # Reasons by (rule, condition, fact value): pure values, shared; bounded.
        self._reasons: dict[tuple[object, ...], Reason] = {}
        self._last_coops: tuple[tuple[Cooperative, ...], str] | None = None

    def declaration_hash(self, kind: str, item_id: str) -> str:
        """The content hash of rubric or rule (``kind``) ``item_id`` as loaded."""
        return self._hashes[f"{kind}:{item_id}"]

    def _digest(self, business: Business) -> str:
        # One-slot cache: evaluate() assesses then refers the same business.
        last = self._last_digest
        if last is not None and last[0] is business:
            return last[1]
        digest = business_digest(business)
        self._last_digest = (business, digest)
        return digest

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
        answers = self._answers(business, observations, on, issues)
        return self._assess_answers(business, answers, issues, on, rubrics)

    def check_observations(
        self, business: Business, observations: Iterable[Observation]
    ) -> tuple[FieldIssue, ...]:
        """The issues :meth:`assess` would report for ``observations``, without assessing.

        Each at ``$.observations[i].<field>`` (another business, an unknown
        rubric or criterion, an answer that does not fit the criterion),
        whatever the day: what a case checks before recording a visit's
        answers, at a fraction of the cost of scoring them.
        """
        issues: list[FieldIssue] = []
        self._answers(business, observations, dt.date.max, issues)
        return tuple(issues)

    def _assess_answers(
        self,
        business: Business,
        answers: Mapping[str, Mapping[str, tuple[Answer, dt.date, str | None]]],
        issues: list[FieldIssue],
        on: dt.date,
        rubrics: Sequence[str] | None = None,
    ) -> Evaluation:
        """:meth:`assess` once the answers to use are known (see :meth:`_answers`)."""
        failures: list[PluginFailure] = []
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
            used = answers.get(compiled.rubric.id, {})
            receipt = None
            if self.receipts:
                rubric_id = compiled.rubric.id
                digest = self._digest(business) if self._reads_business[rubric_id] else None
                receipt = trusted_receipt(
                    self._hashes[f"rubric:{rubric_id}"],
                    self.pack_hash,
                    assessment_inputs_hash(digest, on, used),
                    on,
                )
            assessments.append(self._assess_one(compiled, business, used, on, failures, receipt))
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
            if obs.business_id != business.id:
                issues.append(
                    FieldIssue(
                        _at(position, "business_id"), f"belongs to business {obs.business_id!r}"
                    )
                )
                continue
            compiled = self._by_id.get(obs.rubric_id)
            if compiled is None:
                issues.append(
                    FieldIssue(_at(position, "rubric_id"), f"no rubric {obs.rubric_id!r}")
                )
                continue
            criterion = compiled.index.get(obs.criterion_id)
            if criterion is None:
                issues.append(
                    FieldIssue(
                        _at(position, "criterion_id"),
                        f"rubric {obs.rubric_id!r} has no criterion {obs.criterion_id!r}",
                    )
                )
                continue
            if _score_answer(criterion, obs.value) is None:
                issues.append(
                    FieldIssue(
                        _at(position, "value"),
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

    def _answers_from_data(
        self, business_id: str, items: object, on: dt.date, dates: dict[str, dt.date]
    ) -> dict[str, dict[str, tuple[Answer, dt.date, str | None]]] | None:
        """The answers :meth:`assess` would use, read straight from JSON observation data.

        For the batch: no :class:`~mentorkit.Observation` is built. Returns
        None unless every item is a plainly valid observation of
        ``business_id`` for a known rubric and criterion with an answer that
        fits -- that is, whenever decoding or :meth:`assess` would report
        anything -- and the caller then decodes and assesses as usual.
        ``dates`` is the caller's cache of parsed dates (kept small).
        """
        if type(items) is not list:
            return None
        latest: dict[str, dict[str, tuple[Answer, dt.date, str | None]]] = {}
        index = self._criteria_by_rubric
        answer_types = _ANSWER_TYPES
        for item in items:
            # What checked_observation and the lookups of _answers check, in one pass: the
            # business id equals a decoded Business's (so it is valid text), and ids found in
            # the registry are valid ids; only the answer and the free text remain.
            if type(item) is not dict:
                return None
            try:
                if item["business_id"] != business_id:
                    return None
                rubric_id = item["rubric_id"]
                criteria = index.get(rubric_id)
                criterion = None if criteria is None else criteria.get(item["criterion_id"])
                value = item["value"]
                observed = item["observed_on"]
                observed_on = dates.get(observed)
            except (KeyError, TypeError):  # a missing field, or an unhashable value
                return None
            if criterion is None or type(value) not in answer_types:
                return None
            if type(value) is str and not valid_text(value):
                return None  # a lone surrogate: the strict path reports it with its path
            if len(item) == 5:
                evidence = None
            else:
                evidence = item.get("evidence")
                observer = item.get("observer")
                if (
                    len(item) != 5 + ("evidence" in item) + ("observer" in item)
                    or (
                        evidence is not None
                        and (type(evidence) is not str or not valid_text(evidence))
                    )
                    or (
                        observer is not None
                        and (type(observer) is not str or not valid_text(observer))
                    )
                ):
                    return None
            if _score_answer(criterion, value) is None:
                return None
            if observed_on is None:
                observed_on = day_of(observed, dates)
                if observed_on is None:
                    return None
            if observed_on > on:
                continue
            criterion_id = criterion.id
            per_rubric = latest.get(rubric_id)
            if per_rubric is None:
                per_rubric = latest[rubric_id] = {}
            previous = per_rubric.get(criterion_id)
            if previous is None or previous[1] <= observed_on:
                per_rubric[criterion_id] = (value, observed_on, evidence)
        return latest

    def _assess_one(
        self,
        compiled: _CompiledRubric,
        business: Business,
        answers: Mapping[str, tuple[Answer, dt.date, str | None]],
        on: dt.date,
        failures: list[PluginFailure],
        receipt: Receipt | None = None,
    ) -> Assessment:
        rubric = compiled.rubric
        results = []
        missing = []
        earned = 0.0
        for criterion, weight in compiled.criteria:
            given = answers.get(criterion.id)
            source = _OBSERVED
            answer: Answer | None = None
            note: str | None = None
            if given is not None:
                answer, _day, note = given
            elif criterion.derive is not None:
                source = _DERIVED
                try:
                    answer = criterion.derive(business, on)
                except Exception as exc:
                    failures.append(
                        PluginFailure(
                            compiled.owner, "derive", repr(exc), f"{rubric.id}/{criterion.id}"
                        )
                    )
                    source = _FAILED
            if answer is None:
                if source is not _FAILED:
                    source = _MISSING
                missing.append(criterion.id)
                results.append(CriterionResult(criterion.id, weight, source))
                continue
            key = (criterion.id, source, type(answer), answer, note)
            cached = compiled.results.get(key) if type(answer) in _ANSWER_TYPES else None
            if cached is not None:
                earned += weight * cached[0]
                results.append(cached[1])
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
                results.append(CriterionResult(criterion.id, weight, AnswerSource.INVALID))
                continue
            earned += weight * score
            result = CriterionResult(
                criterion.id,
                weight,
                source,
                score=score,
                answer=answer,
                met=score >= criterion.met_at,
                note=note,
            )
            if type(answer) in _ANSWER_TYPES and len(compiled.results) < _RESULTS_CACHED:
                compiled.results[key] = (score, result)
            results.append(result)
        if missing:
            return Assessment(
                business_id=business.id,
                rubric_id=rubric.id,
                rubric_version=rubric.version,
                assessed_on=on,
                status=AssessmentStatus.INCOMPLETE,
                criteria=tuple(results),
                missing=tuple(missing),
                receipt=receipt,
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
            receipt=receipt,
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

    def _cooperatives_digest(self, coops: tuple[Cooperative, ...]) -> str:
        """:func:`cooperatives_digest`, kept for the last list (a cohort offers one list)."""
        last = self._last_coops
        if last is not None and last[0] == coops:
            return last[1]
        digest = cooperatives_digest(coops)
        self._last_coops = (coops, digest)
        return digest

    def _held_reasons(
        self, position: int, rule: ReferralRule, facts: Mapping[str, FactValue]
    ) -> tuple[Reason, ...] | None:
        """``self.reasons(rule, facts)`` when every condition holds, else None.

        A reason depends only on its condition and the value of the fact it
        reads, so reasons are kept per (rule, condition, type and value of the
        fact) -- not for floats, whose ``-0.0`` and ``0.0`` are equal keys but
        show differently.
        """
        cache = self._reasons
        out = []
        for index, condition in enumerate(rule.conditions):
            actual = facts.get(condition.fact)
            kind = type(actual)
            keep = kind in _KEPT_FACTS or (
                kind is tuple and all(type(x) is str for x in actual)  # type: ignore[union-attr]
            )
            key = (position, index, kind, actual)
            reason = cache.get(key) if keep else None
            if reason is None:
                reason = Reason(
                    fact=condition.fact,
                    op=condition.op.value,
                    expected=_show(condition.value),
                    actual=_show(actual),
                    held=check_condition(condition, facts, self._level_ranks),
                )
                if keep:
                    if len(cache) >= _REASONS_CACHED:
                        cache.clear()  # bounded: memory stays constant on any input
                    cache[key] = reason
            if not reason.held:
                return None
            out.append(reason)
        return tuple(out)

    def refer(
        self,
        business: Business,
        assessments: Iterable[Assessment],
        *,
        on: dt.date,
        facts: Mapping[str, FactValue] | None = None,
        cooperatives: Sequence[Cooperative] = (),
        skip_units: Collection[str] = (),
    ) -> Evaluation:
        """Propose referrals for ``business`` from its ``assessments``.

        ``facts`` adds facts known outside the business record (for example
        ``case.has_prospects``). At most one referral per unit: among the
        rules for one unit that fire, the highest priority (then smallest id)
        proposes. The rules of ``skip_units`` are not run at all (no
        conditions, no ``details``, no receipt): for units the business is
        already referred to, whose new proposal would be dropped anyway. The
        other units' referrals are exactly those of a run without it.
        """
        assessments = tuple(assessments)
        known = self.facts(business, assessments, on=on, extra=facts)
        referrals = []
        failures = []
        units_done: set[str] = set(skip_units)
        coops = tuple(cooperatives)
        coops_digest: str | None = None
        for position, (rule, owner) in enumerate(self._rules):
            if rule.unit in units_done:
                continue
            reasons = self._held_reasons(position, rule, known)
            if reasons is None:
                continue
            details: tuple[tuple[str, str], ...] = ()
            if rule.details is not None:
                try:
                    extra = rule.details(RuleContext(business, on, known, coops))
                    details = tuple(sorted((str(k), str(v)) for k, v in extra.items()))
                except Exception as exc:
                    failures.append(PluginFailure(owner, "details", repr(exc), rule.id))
            units_done.add(rule.unit)
            receipt = None
            if self.receipts:
                # A ``details`` function reads the Business and the cooperatives too.
                digest = None
                if rule.details is not None:
                    digest = self._digest(business)
                    if coops_digest is None:
                        coops_digest = self._cooperatives_digest(coops)
                receipt = trusted_receipt(
                    self._hashes[f"rule:{rule.id}"],
                    self.pack_hash,
                    referral_inputs_hash(
                        digest,
                        on,
                        known,
                        self._rule_reads[rule.id],
                        coops_digest if rule.details is not None else None,
                    ),
                    on,
                )
            referrals.append(
                Referral(
                    business_id=business.id,
                    unit=rule.unit,
                    rule_id=rule.id,
                    rule_version=rule.version,
                    proposed_on=on,
                    reasons=reasons,
                    details=details,
                    receipt=receipt,
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
        skip_units: Collection[str] = (),
    ) -> Evaluation:
        """Assess ``business`` and propose its referrals in one call (see :meth:`refer`)."""
        assessed = self.assess(business, observations, on=on)
        return self._refer_assessed(business, assessed, on, facts, cooperatives, skip_units)

    def _evaluate_answers(
        self,
        business: Business,
        answers: Mapping[str, Mapping[str, tuple[Answer, dt.date, str | None]]],
        *,
        on: dt.date,
    ) -> Evaluation:
        """:meth:`evaluate` from answers :meth:`_answers_from_data` read (the batch's path)."""
        return self._refer_assessed(business, self._assess_answers(business, answers, [], on), on)

    def _refer_assessed(
        self,
        business: Business,
        assessed: Evaluation,
        on: dt.date,
        facts: Mapping[str, FactValue] | None = None,
        cooperatives: Sequence[Cooperative] = (),
        skip_units: Collection[str] = (),
    ) -> Evaluation:
        referred = self.refer(
            business,
            assessed.assessments,
            on=on,
            facts=facts,
            cooperatives=cooperatives,
            skip_units=skip_units,
        )
        return Evaluation(
            business_id=business.id,
            assessments=assessed.assessments,
            referrals=referred.referrals,
            issues=assessed.issues,
            failures=assessed.failures + referred.failures,
        )

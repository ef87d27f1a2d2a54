"""Why-not: why a business is not referred to a unit, and the nearest change that would.

For each rule of the unit, :func:`why_not` lists its conditions with the
fact each read and whether it held; for each condition that failed it
finds the nearest change of that fact that makes it hold (the threshold of
an ordering condition, the required level of a level condition, the flip of
a yes/no fact). The nearest rule is the one that needs the fewest changes
and is verified to fire once they are made, so the sentence it gives
("would be referred to capital if bookkeeping level ≥ developing") is true
of the facts, not a guess.
"""

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence

from attrs import frozen

from ._declarations import Condition, FactValue, Op, ReferralRule
from ._engine import Engine, check_condition
from ._errors import NotFoundError
from ._model import Assessment, Business, Label, LicenceKind, Observation
from ._registry import Registry

__all__ = [
    "ConditionExplanation",
    "NearestChange",
    "RuleExplanation",
    "WhyNot",
    "fact_label",
    "nearest_change",
    "show_fact",
    "why_not",
]

_SCORE_STEP = 1e-6  # scores are rounded to 6 decimals by the engine

_BUSINESS_LABELS = {
    "business.id": Label(en="business id", id="id usaha"),
    "business.sector": Label(en="sector", id="sektor usaha"),
    "business.district": Label(en="district", id="kecamatan"),
    "business.size_class": Label(en="size class", id="skala usaha"),
    "business.employees": Label(en="employees", id="jumlah karyawan"),
    "business.capital": Label(en="business capital", id="modal usaha"),
    "business.annual_sales": Label(en="annual sales", id="hasil penjualan tahunan"),
    "business.financing_need": Label(en="financing need", id="kebutuhan modal"),
    "business.age_months": Label(en="months in business", id="umur usaha (bulan)"),
    "business.in_cooperative": Label(en="cooperative member", id="anggota koperasi"),
    "business.sales_channels": Label(en="sales channels", id="saluran penjualan"),
    "case.mentored": Label(en="mentored", id="sudah didampingi"),
    "case.has_prospects": Label(en="has prospects", id="prospektif"),
    "case.sessions_logged": Label(en="sessions logged", id="jumlah sesi pendampingan"),
}
for _kind in LicenceKind:
    _BUSINESS_LABELS[f"business.licence.{_kind.value}"] = Label(
        en=f"holds {_kind.value.upper().replace('_', '-')}",
        id=f"memiliki {_kind.value.upper().replace('_', '-')}",
    )


def fact_label(fact: str, registry: Registry | None = None) -> Label:
    """A readable name of fact ``fact`` in English and Indonesian.

    Assessment facts use the rubric's (and criterion's) labels from
    ``registry`` when given; unknown facts are named as they are.
    """
    known = _BUSINESS_LABELS.get(fact)
    if known is not None:
        return known
    parts = fact.split(".")
    if parts[0] == "assessment" and len(parts) >= 3:
        rubric = registry.rubrics.get(parts[1]) if registry is not None else None
        name = rubric.label if rubric is not None else Label(en=parts[1], id=parts[1])
        if parts[2] == "level":
            return Label(en=f"{name.en} level", id=f"tingkat {name.id}")
        if parts[2] == "score":
            return Label(en=f"{name.en} score", id=f"skor {name.id}")
        if parts[2] == "status":
            return Label(en=f"{name.en} assessment status", id=f"status penilaian {name.id}")
        if parts[2] == "criterion" and len(parts) == 5:
            crit = Label(en=parts[3], id=parts[3])
            if rubric is not None:
                for criterion in rubric.criteria:
                    if criterion.id == parts[3]:
                        crit = criterion.label
            return Label(en=f"{name.en}: {crit.en} met", id=f"{name.id}: {crit.id} terpenuhi")
    return Label(en=fact, id=fact)


def show_fact(value: FactValue, lang: str = "en") -> str:
    """A fact's value as a person reads it (yes/ya, unknown/tidak diketahui, lists)."""
    if value is None:
        return "unknown" if lang == "en" else "tidak diketahui"
    if isinstance(value, bool):
        if lang == "en":
            return "yes" if value else "no"
        return "ya" if value else "tidak"
    if isinstance(value, tuple):
        return "(" + ", ".join(value) + ")"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_OPS = {
    Op.EQ: ("=", "="),
    Op.NE: ("≠", "≠"),
    Op.LT: ("<", "<"),
    Op.LE: ("≤", "≤"),
    Op.GT: (">", ">"),
    Op.GE: ("≥", "≥"),
    Op.IN: ("is one of", "salah satu dari"),
    Op.NOT_IN: ("is none of", "bukan salah satu dari"),
}


def _phrase(condition: Condition, label: Label) -> Label:
    op = condition.op
    if op is Op.IS_TRUE:
        return Label(en=f"{label.en} is yes", id=f"{label.id} = ya")
    if op is Op.IS_FALSE:
        return Label(en=f"{label.en} is no", id=f"{label.id} = tidak")
    if op is Op.KNOWN:
        return Label(en=f"{label.en} is recorded", id=f"{label.id} tercatat")
    if op is Op.UNKNOWN:
        return Label(en=f"{label.en} is not recorded", id=f"{label.id} tidak tercatat")
    en, id_ = _OPS[op]
    return Label(
        en=f"{label.en} {en} {show_fact(condition.value, 'en')}",
        id=f"{label.id} {id_} {show_fact(condition.value, 'id')}",
    )


@frozen
class NearestChange:
    """The nearest value of a fact that makes a failed condition hold."""

    fact: str
    value: FactValue
    text: Label  #: the condition to meet, e.g. "bookkeeping level ≥ developing"


@frozen
class ConditionExplanation:
    """One condition of a rule for one business: the fact read, whether it held, the fix."""

    fact: str
    op: Op
    expected: FactValue
    actual: FactValue
    held: bool
    text: Label
    change: NearestChange | None = None


@frozen
class RuleExplanation:
    """One rule of the unit for one business.

    ``fired`` says whether all its conditions held; ``changes`` are the
    nearest changes for the failed ones; ``reachable`` is true when making
    those changes was checked to make the rule fire.
    """

    rule_id: str
    rule_version: str
    priority: int
    fired: bool
    conditions: tuple[ConditionExplanation, ...]
    reachable: bool

    @property
    def failed(self) -> tuple[ConditionExplanation, ...]:
        """The conditions that did not hold."""
        return tuple(c for c in self.conditions if not c.held)

    @property
    def changes(self) -> dict[str, FactValue]:
        """Fact name to the value that would make each failed condition hold."""
        return {c.change.fact: c.change.value for c in self.failed if c.change is not None}


@frozen
class WhyNot:
    """Why ``business_id`` is (not) referred to ``unit`` on ``on`` (alasan tidak dirujuk)."""

    business_id: str
    unit: str
    unit_label: Label
    on: dt.date
    referred_by: str | None
    rules: tuple[RuleExplanation, ...]

    @property
    def referred(self) -> bool:
        """True when a rule of the unit fires."""
        return self.referred_by is not None

    @property
    def nearest(self) -> RuleExplanation | None:
        """The reachable rule needing the fewest changes (ties: evaluation order)."""
        candidates = [r for r in self.rules if not r.fired and r.reachable]
        return min(candidates, key=lambda r: len(r.failed), default=None)

    def explain(self, lang: str = "en") -> str:
        """One sentence in English (``"en"``) or Indonesian (``"id"``)."""
        unit = self.unit_label.get(lang)
        if self.referred_by is not None:
            if lang == "id":
                return f"dirujuk ke {unit} oleh aturan {self.referred_by}"
            return f"is referred to {unit} by rule {self.referred_by}"
        nearest = self.nearest
        if nearest is None:
            if lang == "id":
                return f"tidak ada perubahan fakta sederhana yang membuatnya dirujuk ke {unit}"
            return f"no simple change of facts would refer it to {unit}"
        parts = [c.change.text.get(lang) for c in nearest.failed if c.change is not None]
        joined = (" dan " if lang == "id" else " and ").join(parts)
        if lang == "id":
            return f"akan dirujuk ke {unit} jika {joined} (aturan {nearest.rule_id})"
        return f"would be referred to {unit} if {joined} (rule {nearest.rule_id})"


def _integral(fact: str, actual: FactValue, expected: FactValue) -> bool:
    if isinstance(actual, float) or ".score" in fact:
        return False
    return isinstance(expected, int) or isinstance(actual, int)


def nearest_change(
    condition: Condition,
    facts: Mapping[str, FactValue],
    level_ranks: Mapping[str, Mapping[str, int]],
) -> FactValue:
    """The value of ``condition.fact`` nearest to the current one that makes it hold.

    Returns None when no single value can be named (``is known``, ``≠`` a
    text, ``not in`` on a single value).
    """
    op, expected, fact = condition.op, condition.value, condition.fact
    actual = facts.get(fact)
    if op is Op.IS_TRUE:
        return True
    if op is Op.IS_FALSE:
        return False
    if op in (Op.KNOWN, Op.UNKNOWN):
        return None
    if fact.startswith("assessment.") and fact.endswith(".level"):
        return _nearest_level(op, expected, actual, level_ranks.get(fact.split(".")[1], {}))
    if op is Op.IN:
        members = expected if isinstance(expected, tuple) else ()
        if not members:
            return None
        if isinstance(actual, tuple):
            return tuple(sorted({*actual, members[0]}))
        return members[0]
    if op is Op.NOT_IN:
        members = expected if isinstance(expected, tuple) else ()
        if isinstance(actual, tuple):
            return tuple(a for a in actual if a not in members)
        return None
    if op is Op.EQ:
        return expected
    if op is Op.NE:
        if isinstance(expected, bool):
            return not expected
        if isinstance(expected, int | float):
            return expected + 1
        return None
    if not isinstance(expected, int | float) or isinstance(expected, bool):
        return None
    integral = _integral(fact, actual, expected)
    if op is Op.GE:
        return math.ceil(expected) if integral else expected
    if op is Op.LE:
        return math.floor(expected) if integral else expected
    if op is Op.GT:
        return math.floor(expected) + 1 if integral else round(expected + _SCORE_STEP, 6)
    return math.ceil(expected) - 1 if integral else round(expected - _SCORE_STEP, 6)  # Op.LT


def _nearest_level(
    op: Op, expected: FactValue, actual: FactValue, ranks: Mapping[str, int]
) -> str | None:
    by_rank = sorted(ranks, key=lambda level: ranks[level])
    here = ranks.get(actual, -1) if isinstance(actual, str) else -1
    if op is Op.IN or op is Op.NOT_IN:
        members = set(expected) if isinstance(expected, tuple) else set()
        allowed = [lv for lv in by_rank if (lv in members) == (op is Op.IN)]
        above = [lv for lv in allowed if ranks[lv] >= here]
        pick = above or allowed[::-1]
        return pick[0] if pick else None
    if not isinstance(expected, str) or expected not in ranks:
        return None
    rank = ranks[expected]
    if op is Op.EQ or op is Op.GE or op is Op.LE:
        return expected
    if op is Op.NE:
        others = [lv for lv in by_rank if lv != expected]
        above = [lv for lv in others if ranks[lv] >= here]
        pick = above or others[::-1]
        return pick[0] if pick else None
    target = rank + 1 if op is Op.GT else rank - 1
    return by_rank[target] if 0 <= target < len(by_rank) else None


def _check_rule(
    rule: ReferralRule, facts: Mapping[str, FactValue], engine: Engine
) -> RuleExplanation:
    ranks = engine.level_ranks
    registry = engine.registry
    checks = []
    changed = dict(facts)
    for condition in rule.conditions:
        held = check_condition(condition, facts, ranks)
        label = fact_label(condition.fact, registry)
        text = _phrase(condition, label)
        change = None
        if not held:
            value = nearest_change(condition, facts, ranks)
            if value is not None or condition.op is Op.UNKNOWN:
                change = NearestChange(fact=condition.fact, value=value, text=text)
                changed[condition.fact] = value
        checks.append(
            ConditionExplanation(
                fact=condition.fact,
                op=condition.op,
                expected=condition.value,
                actual=facts.get(condition.fact),
                held=held,
                text=text,
                change=change,
            )
        )
    fired = all(c.held for c in checks)
    reachable = fired or all(check_condition(c, changed, ranks) for c in rule.conditions)
    return RuleExplanation(
        rule_id=rule.id,
        rule_version=rule.version,
        priority=rule.priority,
        fired=fired,
        conditions=tuple(checks),
        reachable=reachable,
    )


def why_not(
    business: Business,
    unit: str,
    observations: Iterable[Observation] = (),
    *,
    engine: Engine | Registry,
    on: dt.date,
    facts: Mapping[str, FactValue] | None = None,
    assessments: Sequence[Assessment] | None = None,
    rules: Sequence[ReferralRule] | None = None,
) -> WhyNot:
    """Explain why ``business`` is or is not referred to ``unit`` on day ``on``.

    The business is assessed from ``observations`` with ``engine``'s rule
    pack, unless its ``assessments`` are given (as case management records
    them); ``facts`` are case facts (``case.mentored``...). Every rule of the
    unit is checked (or only ``rules``), in evaluation order.
    :class:`~mentorkit.NotFoundError` if no plugin declares the unit.
    """
    engine = engine if isinstance(engine, Engine) else Engine(engine, receipts=False)
    declared = engine.registry.unit(unit)
    if assessments is None:
        assessments = engine.assess(business, observations, on=on).assessments
    known = engine.facts(business, assessments, on=on, extra=facts)
    selected = [r for r in (engine.registry.rules if rules is None else rules) if r.unit == unit]
    if rules is None and not selected:
        raise NotFoundError(f"no referral rule refers to unit {unit!r}")
    checks = tuple(_check_rule(rule, known, engine) for rule in selected)
    referred_by = next((c.rule_id for c in checks if c.fired), None)
    return WhyNot(
        business_id=business.id,
        unit=unit,
        unit_label=declared.label,
        on=on,
        referred_by=referred_by,
        rules=checks,
    )

"""Rule-pack checks: gaps, conflicts and overlaps, found by property search.

:func:`check_rules` generates businesses, observations and case facts with
hypothesis and looks, for each declared :class:`~mentorkit.RulePolicy` and
each pair of rules of one unit, for a business that shows a problem:

- **gap**: a business a coverage policy covers that no rule refers to any
  of the policy's units;
- **conflict**: a business referred to two units an exclusive policy keeps
  apart;
- **overlap**: a business for which two rules of the same unit both fire,
  so the lower-priority one (or, at equal priority, the larger id) is
  silently overridden.

Each finding carries the smallest example hypothesis found (it shrinks the
business it reports). Search finds problems; it cannot prove their absence,
so an empty report means "none found in this many examples".

Needs the ``testing`` extra (hypothesis), imported only when called.
"""

import datetime as dt
import enum
import itertools
import re
from collections.abc import Iterable, Sequence
from typing import Any

from attrs import frozen

from ._declarations import Condition, FactValue, Op, ReferralRule
from ._engine import Engine, check_condition
from ._errors import MissingExtraError
from ._model import Business, Observation
from ._policy import PolicyKind, RulePolicy
from ._registry import PluginFailure, Registry, _check_condition

__all__ = [
    "Finding",
    "FindingExample",
    "FindingKind",
    "RulePackReport",
    "check_rules",
    "rule_policies",
]

_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")


class FindingKind(enum.StrEnum):
    """What a rule-pack check found."""

    GAP = "gap"  #: celah: a covered business is referred to none of the units
    CONFLICT = "conflict"  #: konflik: referred to two units declared exclusive
    OVERLAP = "overlap"  #: tumpang tindih: two rules of one unit fire together


@frozen
class FindingExample:
    """An example business for a finding, with everything needed to re-run it.

    ``facts`` are the case facts given; ``fired`` the rules whose conditions
    all held; ``referred`` the units proposed.
    """

    business: Business
    observations: tuple[Observation, ...]
    facts: tuple[tuple[str, FactValue], ...]
    fired: tuple[str, ...]
    referred: tuple[str, ...]


@frozen
class Finding:
    """One problem of a rule pack, with an example business that shows it."""

    kind: FindingKind
    message: str
    example: FindingExample
    policy: str | None = None
    rules: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


@frozen
class RulePackReport:
    """The result of :func:`check_rules`.

    ``searches`` is how many properties were searched, each with up to
    ``max_examples`` generated businesses; ``failures`` lists policies that
    could not be used (broken declarations), recorded against their plugin.
    """

    pack_hash: str
    on: dt.date
    policies: tuple[RulePolicy, ...]
    findings: tuple[Finding, ...]
    searches: int
    max_examples: int
    failures: tuple[PluginFailure, ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing was found and every policy could be used."""
        return not self.findings and not self.failures


# --------------------------------------------------------------------------- policies


def _check_policy(policy: RulePolicy, registry: Registry) -> list[str]:
    problems = []
    ident: object = policy.id
    if not isinstance(ident, str) or not _ID.fullmatch(ident):
        problems.append(f"id must be a lower-case id, got {ident!r}")
    kind: object = policy.kind
    if not isinstance(kind, PolicyKind):
        problems.append(f"kind must be a PolicyKind, got {kind!r}")
    minimum = 2 if policy.kind is PolicyKind.EXCLUSIVE else 1
    if len(policy.units) < minimum:
        problems.append(f"needs at least {minimum} unit(s)")
    problems += [f"unit {u!r} is not declared" for u in policy.units if u not in registry.units]
    when: tuple[object, ...] = policy.when
    for condition in when:
        if not isinstance(condition, Condition):
            problems.append(f"when must hold Condition objects, got {condition!r}")
            continue
        problems += _check_condition(condition, registry.rubrics)
    return problems


def rule_policies(registry: Registry) -> tuple[tuple[RulePolicy, ...], tuple[PluginFailure, ...]]:
    """Collect and validate the policies plugins declare through ``register_rule_policies``.

    Each plugin's implementation is called on its own; a broken one is
    recorded as a :class:`~mentorkit.PluginFailure` and the others are kept.
    """
    hook = registry.plugin_manager.hook.register_rule_policies
    accepted: dict[str, RulePolicy] = {}
    failures: list[PluginFailure] = []
    for impl in sorted(hook.get_hookimpls(), key=lambda i: i.plugin_name):
        plugin = impl.plugin_name
        try:
            result: Any = impl.function()
            declared: list[object] = list(result or ())
        except Exception as exc:
            failures.append(PluginFailure(plugin, "declare", f"register_rule_policies() {exc!r}"))
            continue
        for position, policy in enumerate(declared):
            if not isinstance(policy, RulePolicy):
                failures.append(
                    PluginFailure(
                        plugin,
                        "validate",
                        f"register_rule_policies() item {position} is a "
                        f"{type(policy).__name__}, expected RulePolicy",
                    )
                )
                continue
            problems = _check_policy(policy, registry)
            if policy.id in accepted:
                problems.append("is declared twice")
            for problem in problems:
                failures.append(
                    PluginFailure(plugin, "validate", f"policy {policy.id!r}: {problem}", policy.id)
                )
            if not problems:
                accepted[policy.id] = policy
    return tuple(accepted[k] for k in sorted(accepted)), tuple(failures)


# --------------------------------------------------------------------------- search


class _Run:
    """One generated case evaluated: facts, fired rules, referred units."""

    __slots__ = ("business", "facts", "fired", "known", "observations", "referred")

    def __init__(
        self,
        engine: Engine,
        business: Business,
        observations: list[Observation],
        facts: dict[str, FactValue],
        on: dt.date,
    ) -> None:
        self.business = business
        self.observations = tuple(observations)
        self.facts = facts
        assessed = engine.assess(business, observations, on=on)
        self.known = engine.facts(business, assessed.assessments, on=on, extra=facts)
        ranks = engine.level_ranks
        self.fired = tuple(
            rule.id
            for rule in engine.registry.rules
            if all(check_condition(c, self.known, ranks) for c in rule.conditions)
        )
        by_id = {rule.id: rule for rule in engine.registry.rules}
        self.referred = tuple(sorted({by_id[r].unit for r in self.fired}))

    def example(self) -> FindingExample:
        return FindingExample(
            business=self.business,
            observations=self.observations,
            facts=tuple(sorted(self.facts.items())),
            fired=self.fired,
            referred=self.referred,
        )


def _extra_fact_values(fact: str, conditions: Sequence[Condition], st: Any) -> Any:
    """A strategy for a fact outside the business record (case facts and the like)."""
    values = [c.value for c in conditions if c.fact == fact]
    ops = {c.op for c in conditions if c.fact == fact}
    if ops & {Op.IS_TRUE, Op.IS_FALSE} or fact in ("case.mentored", "case.has_prospects"):
        return st.none() | st.booleans()
    numbers = [v for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if numbers or fact == "case.sessions_logged":
        near = sorted({int(n) + d for n in numbers for d in (-1, 0, 1)} | {0})
        return st.none() | st.sampled_from(near) | st.integers(min_value=0, max_value=100)
    texts = sorted({v for v in values if isinstance(v, str)})
    for v in values:
        if isinstance(v, tuple):
            texts = sorted({*texts, *v})
    return st.none() | st.sampled_from(texts) if texts else st.none()


def _businesses(st: Any, mks: Any) -> Any:
    """Lean businesses: only what facts read varies, so search and shrinking stay fast."""
    from ._model import CooperativeMembership, Licence, LicenceKind, Person, SalesChannel, Sector

    licences = st.lists(st.sampled_from(list(LicenceKind)), unique=True, max_size=3).map(
        lambda kinds: tuple(Licence(kind=kind, number="0000") for kind in kinds)
    )
    return st.builds(
        Business,
        id=st.just("b-example"),
        name=st.just("Example business"),
        owner=st.just(Person(name="Owner")),
        sector=st.sampled_from(list(Sector)),
        district=st.sampled_from(mks.TANGSEL_DISTRICTS),
        founded=st.none() | mks.dates(max_value=dt.date(2030, 12, 31)),
        employees=st.integers(min_value=0, max_value=300),
        capital=st.none() | mks.money(),
        annual_sales=st.none() | mks.money(),
        financing_need=st.none() | mks.money(max_value=1_000_000_000),
        nib=st.none() | st.just("0000000000000"),
        licences=licences,
        cooperative=st.none() | st.just(CooperativeMembership(cooperative_id="k-example")),
        sales_channels=st.lists(st.sampled_from(list(SalesChannel)), unique=True, max_size=3).map(
            tuple
        ),
    )


def _cases(engine: Engine, extra_conditions: Sequence[Condition], on: dt.date) -> Any:
    from hypothesis import strategies as st

    from .testing import strategies as mks

    registry = engine.registry
    conditions = [c for r in registry.rules for c in r.conditions] + list(extra_conditions)
    extra = sorted(
        {c.fact for c in conditions if not c.fact.startswith(("business.", "assessment."))}
        | {"case.mentored", "case.has_prospects", "case.sessions_logged"}
    )
    fact_strategies = {fact: _extra_fact_values(fact, conditions, st) for fact in extra}
    answers = [
        (rubric.id, [(c.id, mks.answers_for(c)) for c in rubric.criteria])
        for rubric in registry.rubrics.values()
    ]
    businesses = _businesses(st, mks)
    # Mostly complete assessments: most rules read levels, which need every answer.
    completeness = st.sampled_from([True, True, True, False])

    @st.composite
    def cases(draw: Any) -> tuple[Business, list[Observation], dict[str, FactValue]]:
        business = draw(businesses)
        observations = []
        for rubric_id, criteria in answers:
            complete = draw(completeness)
            for criterion_id, strategy in criteria:
                if complete or draw(st.booleans()):
                    value = draw(strategy)
                    observations.append(
                        Observation(business.id, rubric_id, criterion_id, value, observed_on=on)
                    )
        facts = {fact: draw(strategy) for fact, strategy in fact_strategies.items()}
        return business, observations, {k: v for k, v in facts.items() if v is not None}

    return cases()


def _holds(conditions: Iterable[Condition], run: _Run, engine: Engine) -> bool:
    return all(check_condition(c, run.known, engine.level_ranks) for c in conditions)


def check_rules(
    engine: Engine | Registry,
    policies: Sequence[RulePolicy] | None = None,
    *,
    on: dt.date,
    max_examples: int = 200,
    overlaps: bool = True,
) -> RulePackReport:
    """Search for gaps, conflicts and overlaps in a rule pack on day ``on``.

    ``policies`` default to those the plugins declare through
    ``register_rule_policies``. Every coverage policy is searched for a gap,
    every pair of units of an exclusive policy for a conflict, and (with
    ``overlaps``) every pair of rules of one unit for an overlap; each
    search tries up to ``max_examples`` generated businesses and reports
    the smallest example found. The search is derandomized: the same pack
    gives the same report in the same program (Hypothesis also tries
    literal constants of the program's own loaded modules, so other code
    loaded beside it can change which examples are tried; give a larger
    ``max_examples`` where a finding must not be missed).
    """
    try:
        from hypothesis import HealthCheck, Phase, find, settings
        from hypothesis.errors import NoSuchExample
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError("testing", "check_rules (hypothesis)") from exc

    registry = engine.registry if isinstance(engine, Engine) else engine
    engine = Engine(registry, receipts=False)
    failures: tuple[PluginFailure, ...] = ()
    if policies is None:
        policies, failures = rule_policies(registry)
    policies = tuple(policies)
    strategy = _cases(engine, [c for p in policies for c in p.when], on)
    config = settings(
        max_examples=max_examples,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )

    def search(prop: Any) -> _Run | None:
        def broken(case: tuple[Business, list[Observation], dict[str, FactValue]]) -> bool:
            return bool(prop(_Run(engine, case[0], case[1], case[2], on)))

        try:
            found = find(strategy, broken, settings=config)
        except NoSuchExample:
            return None
        return _Run(engine, found[0], found[1], found[2], on)

    findings: list[Finding] = []
    searches = 0
    for policy in policies:
        if policy.kind is PolicyKind.COVERAGE:
            searches += 1

            def gap(run: _Run, policy: RulePolicy = policy) -> bool:
                return _holds(policy.when, run, engine) and not set(policy.units) & set(
                    run.referred
                )

            run = search(gap)
            if run is not None:
                findings.append(
                    Finding(
                        kind=FindingKind.GAP,
                        message=(
                            f"policy {policy.id!r}: a business it covers is referred to none "
                            f"of {', '.join(policy.units)}"
                        ),
                        example=run.example(),
                        policy=policy.id,
                        units=policy.units,
                    )
                )
            continue
        for first, second in itertools.combinations(policy.units, 2):
            searches += 1

            def conflict(
                run: _Run, pair: tuple[str, str] = (first, second), when: Any = policy.when
            ) -> bool:
                return _holds(when, run, engine) and set(pair) <= set(run.referred)

            run = search(conflict)
            if run is not None:
                rules = tuple(
                    r.id for r in registry.rules if r.id in run.fired and r.unit in (first, second)
                )
                findings.append(
                    Finding(
                        kind=FindingKind.CONFLICT,
                        message=(
                            f"policy {policy.id!r}: a business is referred to both "
                            f"{first} and {second}"
                        ),
                        example=run.example(),
                        policy=policy.id,
                        rules=rules,
                        units=(first, second),
                    )
                )
    if overlaps:
        by_unit: dict[str, list[ReferralRule]] = {}
        for rule in registry.rules:
            by_unit.setdefault(rule.unit, []).append(rule)
        for unit, unit_rules in sorted(by_unit.items()):
            for winner, loser in itertools.combinations(unit_rules, 2):
                searches += 1

                def both(run: _Run, ids: tuple[str, str] = (winner.id, loser.id)) -> bool:
                    return ids[0] in run.fired and ids[1] in run.fired

                run = search(both)
                if run is not None:
                    findings.append(
                        Finding(
                            kind=FindingKind.OVERLAP,
                            message=(
                                f"rules {winner.id!r} and {loser.id!r} of unit {unit!r} both "
                                f"fire; {winner.id!r} proposes and {loser.id!r} is overridden"
                            ),
                            example=run.example(),
                            rules=(winner.id, loser.id),
                            units=(unit,),
                        )
                    )
    return RulePackReport(
        pack_hash=engine.pack_hash,
        on=on,
        policies=policies,
        findings=tuple(findings),
        searches=searches,
        max_examples=max_examples,
        failures=failures,
    )

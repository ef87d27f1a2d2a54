"""Loading plugins and validating what they declare.

:meth:`Registry.load` builds a fresh pluggy manager (no global state, no
loading at import time), registers the plugins given in code, loads the
``mentorkit`` entry points (optionally only an allow-list of them), checks
that no plugin implements a misspelled hook, then calls each plugin's
registration hooks on their own and validates every declaration once.

A plugin that cannot be imported, raises, or declares something invalid is
recorded as a :class:`PluginFailure` against its name; the other plugins and
the valid declarations still load. ``strict=True`` raises instead.
"""

import importlib.metadata
import itertools
import math
import os
import re
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any, TypeVar

import attrs
import pluggy
from attrs import frozen

from . import hookspecs
from ._declarations import (
    AnswerKind,
    Condition,
    MilestoneTemplate,
    Op,
    ReferralRule,
    Rubric,
    Unit,
)
from ._errors import DeclarationError, NotFoundError, PluginError

__all__ = ["PluginFailure", "PluginInfo", "Registry", "make_plugin_manager"]

#: Environment variable: when set to 1, every hook call is traced to stderr.
TRACE_ENV = "MENTORKIT_TRACE_PLUGINS"

_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")
_ORDERING = frozenset({Op.LT, Op.LE, Op.GT, Op.GE})
_MEMBERSHIP = frozenset({Op.IN, Op.NOT_IN})
_VALUELESS = frozenset({Op.IS_TRUE, Op.IS_FALSE, Op.KNOWN, Op.UNKNOWN})


@frozen
class PluginInfo:
    """A loaded plugin: its registered name and, for entry points, its distribution."""

    name: str
    distribution: str | None = None
    version: str | None = None

    @property
    def display(self) -> str:
        """``distribution version`` when known, else the registered name."""
        if self.distribution:
            return f"{self.distribution} {self.version or ''}".strip()
        return self.name


@frozen
class PluginFailure:
    """A plugin's failure, recorded instead of stopping the others.

    ``stage`` is where it failed (``load``, ``declare``, ``validate``,
    ``derive``, ``details``, ``event``); ``item`` the rubric, rule or
    criterion concerned, when there is one.
    """

    plugin: str
    stage: str
    message: str
    item: str | None = None

    def __str__(self) -> str:
        where = f" ({self.item})" if self.item else ""
        return f"plugin {self.plugin!r} failed at {self.stage}{where}: {self.message}"


def make_plugin_manager(
    *,
    plugins: Iterable[object] = (),
    allow: Collection[str] | None = None,
    entry_points: bool = True,
    failures: list[PluginFailure] | None = None,
    infos: list[PluginInfo] | None = None,
) -> pluggy.PluginManager:
    """Build a plugin manager with mentorkit's hookspecs and the given plugins.

    ``plugins`` are registered first (objects or modules with hookimpls; a
    ``(name, plugin)`` pair names one). Then, if ``entry_points`` is true,
    every entry point of group ``mentorkit`` is loaded, or only those whose
    entry-point name or distribution name is in ``allow``. Load errors are
    appended to ``failures`` (or raised as :class:`PluginError` when it is
    None). Finally :meth:`~pluggy.PluginManager.check_pending` makes an
    implementation of an unknown hook fail loudly.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for item in plugins:
        name, plugin = item if isinstance(item, tuple) else (None, item)
        registered = pm.register(plugin, name=name)
        if infos is not None and registered is not None:
            infos.append(PluginInfo(name=registered))
    if entry_points:
        _load_entry_points(pm, allow, failures, infos)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        raise PluginError(f"plugin {exc.plugin!r}: {exc}") from exc
    if os.environ.get(TRACE_ENV) == "1":
        pm.trace.root.setwriter(sys.stderr.write)
        pm.enable_tracing()
    return pm


def _load_entry_points(
    pm: pluggy.PluginManager,
    allow: Collection[str] | None,
    failures: list[PluginFailure] | None,
    infos: list[PluginInfo] | None,
) -> None:
    found = sorted(
        importlib.metadata.entry_points(group=hookspecs.PROJECT_NAME), key=lambda ep: ep.name
    )
    for ep in found:
        dist = ep.dist.name if ep.dist is not None else None
        version = ep.dist.version if ep.dist is not None else None
        if allow is not None and ep.name not in allow and dist not in allow:
            continue
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
            pm.register(plugin, name=ep.name)
        except Exception as exc:
            label = dist or ep.name
            if failures is None:
                raise PluginError(f"plugin {label!r} could not be loaded: {exc!r}") from exc
            failures.append(PluginFailure(plugin=label, stage="load", message=repr(exc)))
            continue
        if infos is not None:
            infos.append(PluginInfo(name=ep.name, distribution=dist, version=version))


T = TypeVar("T")


@attrs.define(frozen=True)
class Registry:
    """Everything the loaded plugins declared, validated once.

    Build one with :meth:`load`. ``rubrics``, ``units`` and ``templates``
    map ids to declarations; ``rules`` are in evaluation order (priority,
    then id); ``owners`` maps ``"rubric:<id>"``/``"rule:<id>"``/... to the
    declaring plugin; ``failures`` lists what could not be loaded.
    """

    rubrics: Mapping[str, Rubric]
    rules: tuple[ReferralRule, ...]
    units: Mapping[str, Unit]
    templates: Mapping[str, MilestoneTemplate]
    plugins: tuple[PluginInfo, ...]
    failures: tuple[PluginFailure, ...]
    owners: Mapping[str, str]
    plugin_manager: pluggy.PluginManager = attrs.field(repr=False)

    @classmethod
    def load(
        cls,
        *,
        plugins: Iterable[object] = (),
        allow: Collection[str] | None = None,
        entry_points: bool = True,
        strict: bool = False,
    ) -> "Registry":
        """Load plugins and collect their validated declarations.

        ``plugins``: objects or modules with hookimpls to register directly
        (a ``(name, plugin)`` pair names one). ``allow``: entry-point or
        distribution names to load; None loads every installed plugin.
        ``entry_points=False`` loads none (tests, embedded services).
        ``strict=True`` raises :class:`DeclarationError` or
        :class:`PluginError` on the first broken plugin instead of recording it.
        """
        failures: list[PluginFailure] = []
        infos: list[PluginInfo] = []
        pm = make_plugin_manager(
            plugins=plugins,
            allow=allow,
            entry_points=entry_points,
            failures=None if strict else failures,
            infos=infos,
        )
        collector = _Collector(pm, infos, failures)
        registry = collector.collect()
        if strict and registry.failures:
            first = registry.failures[0]
            problems = [str(f.message) for f in registry.failures if f.plugin == first.plugin]
            raise DeclarationError(first.plugin, problems)
        return registry

    def rubric(self, rubric_id: str) -> Rubric:
        """The rubric ``rubric_id``; :class:`NotFoundError` if no plugin declares it."""
        try:
            return self.rubrics[rubric_id]
        except KeyError:
            raise NotFoundError(f"no plugin declares a rubric {rubric_id!r}") from None

    def unit(self, unit_id: str) -> Unit:
        """The unit ``unit_id``; :class:`NotFoundError` if no plugin declares it."""
        try:
            return self.units[unit_id]
        except KeyError:
            raise NotFoundError(f"no plugin declares a unit {unit_id!r}") from None

    def owner(self, kind: str, item_id: str) -> str:
        """The plugin that declared ``kind`` (rubric, rule, unit, template) ``item_id``."""
        return self.owners.get(f"{kind}:{item_id}", "?")


class _Collector:
    """Calls each plugin's registration hooks and validates the results."""

    def __init__(
        self, pm: pluggy.PluginManager, infos: list[PluginInfo], failures: list[PluginFailure]
    ) -> None:
        self.pm = pm
        self.infos = infos
        self.labels = {info.name: info.display for info in infos}
        self.failures = failures
        self.owners: dict[str, str] = {}

    def _label(self, plugin_name: str) -> str:
        return self.labels.get(plugin_name, plugin_name)

    def _fail(self, plugin: str, stage: str, message: str, item: str | None = None) -> None:
        self.failures.append(PluginFailure(plugin=plugin, stage=stage, message=message, item=item))

    def _declared(self, hook: Any, kind: type[T]) -> list[tuple[str, T]]:
        """Call every implementation of ``hook`` alone; keep well-typed results."""
        out: list[tuple[str, T]] = []
        impls = sorted(hook.get_hookimpls(), key=lambda impl: impl.plugin_name)
        for impl in impls:
            plugin = self._label(impl.plugin_name)
            try:
                result = impl.function()
                items = [] if result is None else list(result)
            except Exception as exc:
                self._fail(plugin, "declare", f"{hook.name}() raised {exc!r}")
                continue
            for position, item in enumerate(items):
                if isinstance(item, kind):
                    out.append((plugin, item))
                else:
                    self._fail(
                        plugin,
                        "validate",
                        f"{hook.name}() item {position} is a {type(item).__name__}, "
                        f"expected {kind.__name__}",
                    )
        return out

    def _claim(self, kind: str, item_id: str, plugin: str) -> bool:
        key = f"{kind}:{item_id}"
        if key in self.owners:
            self._fail(
                plugin,
                "validate",
                f"{kind} id {item_id!r} is already declared by plugin {self.owners[key]!r}",
                item_id,
            )
            return False
        self.owners[key] = plugin
        return True

    def _accept(
        self,
        kind: str,
        declared: list[tuple[str, T]],
        ident: Callable[[T], str],
        check: Callable[[T], list[str]],
    ) -> dict[str, T]:
        accepted: dict[str, T] = {}
        for plugin, item in declared:
            problems = check(item)
            item_id = ident(item)
            if problems:
                for problem in problems:
                    self._fail(plugin, "validate", f"{kind} {item_id!r}: {problem}", item_id)
                continue
            if self._claim(kind, item_id, plugin):
                accepted[item_id] = item
        return accepted

    def collect(self) -> Registry:
        hook = self.pm.hook
        units = self._accept(
            "unit", self._declared(hook.register_units, Unit), lambda u: u.id, _check_unit
        )
        templates = self._accept(
            "template",
            self._declared(hook.register_milestone_templates, MilestoneTemplate),
            lambda t: t.id,
            _check_template,
        )
        rubrics = self._accept(
            "rubric",
            self._declared(hook.register_rubrics, Rubric),
            lambda r: r.id,
            lambda r: _check_rubric(r, templates),
        )
        rules = self._accept(
            "rule",
            self._declared(hook.register_referral_rules, ReferralRule),
            lambda r: r.id,
            lambda r: _check_rule(r, units, rubrics),
        )
        ordered = tuple(sorted(rules.values(), key=lambda r: (-r.priority, r.id)))
        return Registry(
            rubrics=dict(sorted(rubrics.items())),
            rules=ordered,
            units=dict(sorted(units.items())),
            templates=dict(sorted(templates.items())),
            plugins=tuple(sorted(self.infos, key=lambda info: info.name)),
            failures=tuple(self.failures),
            owners=dict(self.owners),
            plugin_manager=self.pm,
        )


# --------------------------------------------------------------------------- checks


def _check_id(value: object, what: str) -> list[str]:
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return [f"{what} must be a lower-case id (letters, digits, '_', '-', '.'), got {value!r}"]
    return []


def _check_version(value: object) -> list[str]:
    if not isinstance(value, str) or not value.strip():
        return ["a version is required (e.g. '2025.1')"]
    return []


def _check_unit(unit: Unit) -> list[str]:
    problems = _check_id(unit.id, "id")
    if not _is_int(unit.response_days) or unit.response_days <= 0:
        problems.append("response_days must be a positive whole number")
    return problems


def _check_template(template: MilestoneTemplate) -> list[str]:
    problems = _check_id(template.id, "id")
    if not _is_int(template.due_in_days) or template.due_in_days <= 0:
        problems.append("due_in_days must be a positive whole number")
    return problems


def _callable_or_none(value: object) -> bool:
    return value is None or callable(value)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_rubric(rubric: Rubric, templates: Mapping[str, MilestoneTemplate]) -> list[str]:
    problems = _check_id(rubric.id, "id") + _check_version(rubric.version)
    if not rubric.criteria:
        problems.append("has no criteria")
    seen: set[str] = set()
    for criterion in rubric.criteria:
        where = f"criterion {criterion.id!r}"
        problems += [f"{where}: {p}" for p in _check_id(criterion.id, "id")]
        if criterion.id in seen:
            problems.append(f"{where} is declared twice")
        seen.add(criterion.id)
        if not _finite(criterion.weight) or criterion.weight <= 0:
            problems.append(f"{where}: weight must be a finite number above 0")
        if not _finite(criterion.met_at) or not 0 < criterion.met_at <= 1:
            problems.append(f"{where}: met_at must be above 0 and at most 1")
        if criterion.kind is AnswerKind.SCALE:
            if (
                criterion.scale_max is None
                or not _is_int(criterion.scale_max)
                or criterion.scale_max < 1
            ):
                problems.append(f"{where}: a scale criterion needs scale_max >= 1")
        elif criterion.scale_max is not None:
            problems.append(f"{where}: scale_max is only for scale criteria")
        if criterion.kind is AnswerKind.CHOICE:
            values = [choice.value for choice in criterion.choices]
            if not values:
                problems.append(f"{where}: a choice criterion needs choices")
            if len(set(values)) != len(values):
                problems.append(f"{where}: choice values must be unique")
            if any(not _finite(c.score) or not 0 <= c.score <= 1 for c in criterion.choices):
                problems.append(f"{where}: choice scores must be between 0 and 1")
        elif criterion.choices:
            problems.append(f"{where}: choices are only for choice criteria")
        if not _callable_or_none(criterion.derive):
            problems.append(f"{where}: derive must be callable")
        if criterion.milestone is not None and criterion.milestone not in templates:
            problems.append(f"{where}: milestone template {criterion.milestone!r} is not declared")
    if not rubric.levels:
        problems.append("has no levels")
    else:
        if rubric.levels[0].min_score != 0:
            problems.append("the first level must start at score 0")
        scores = [level.min_score for level in rubric.levels]
        if any(not _finite(s) or not 0 <= s <= 100 for s in scores):
            problems.append("level scores must be between 0 and 100")
        elif any(a >= b for a, b in itertools.pairwise(scores)):
            problems.append("levels must go up: each min_score above the previous one")
        ids = [level.id for level in rubric.levels]
        if len(set(ids)) != len(ids):
            problems.append("level ids must be unique")
    if not _callable_or_none(rubric.applies_to):
        problems.append("applies_to must be callable")
    return problems


_ASSESSMENT_FACT = re.compile(r"assessment\.([^.]+)\.(score|level|status|criterion\.([^.]+)\.met)")


def _check_condition(condition: Condition, rubrics: Mapping[str, Rubric]) -> list[str]:
    where = f"condition on {condition.fact!r}"
    op: object = condition.op
    if not isinstance(op, Op):
        return [f"{where}: op must be an Op, got {op!r}"]
    problems: list[str] = []
    value = condition.value
    if condition.op in _VALUELESS and value is not None:
        problems.append(f"{where}: {condition.op.value!r} takes no value")
    if condition.op in _MEMBERSHIP and not (
        isinstance(value, tuple) and all(isinstance(v, str) for v in value)
    ):
        problems.append(f"{where}: {condition.op.value!r} needs a tuple of strings")
    match = _ASSESSMENT_FACT.fullmatch(condition.fact)
    if condition.fact.startswith("assessment.") and match is None:
        problems.append(f"{where}: unknown assessment fact")
    elif match is not None:
        rubric = rubrics.get(match.group(1))
        if rubric is None:
            problems.append(f"{where}: no plugin declares rubric {match.group(1)!r}")
        elif match.group(2) == "level" and condition.op not in _VALUELESS:
            levels = {level.id for level in rubric.levels}
            wanted = value if isinstance(value, tuple) else (value,)
            unknown = [w for w in wanted if w not in levels]
            if unknown:
                problems.append(f"{where}: rubric {rubric.id!r} has no level {unknown[0]!r}")
        elif match.group(3) is not None and match.group(3) not in {c.id for c in rubric.criteria}:
            problems.append(f"{where}: rubric {rubric.id!r} has no criterion {match.group(3)!r}")
    if (
        condition.op in _ORDERING
        and not (match is not None and match.group(2) == "level")
        and not _finite(value)
    ):
        problems.append(f"{where}: {condition.op.value!r} needs a number")
    return problems


def _check_rule(
    rule: ReferralRule, units: Mapping[str, Unit], rubrics: Mapping[str, Rubric]
) -> list[str]:
    problems = _check_id(rule.id, "id") + _check_version(rule.version)
    if rule.unit not in units:
        problems.append(f"refers to unit {rule.unit!r}, which no plugin declares")
    if not rule.conditions:
        problems.append("has no conditions")
    conditions: tuple[object, ...] = rule.conditions
    for condition in conditions:
        if not isinstance(condition, Condition):
            problems.append(f"conditions must be Condition objects, got {condition!r}")
            continue
        problems += _check_condition(condition, rubrics)
    if not _is_int(rule.priority):
        problems.append("priority must be a whole number")
    if not _callable_or_none(rule.details):
        problems.append("details must be callable")
    return problems

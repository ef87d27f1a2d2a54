"""Replaying a decision from its receipt.

:func:`replay` takes an assessment or a referral that carries a
:class:`~mentorkit.Receipt`, re-evaluates it with the rule pack loaded now
and the inputs given, and returns the reproduced result. When anything
differs it raises :class:`ReplayMismatchError` naming what: the rule pack,
the rubric or rule, the inputs, or the fields of the result.
"""

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import overload

import attrs

from ._declarations import FactValue
from ._engine import Engine
from ._errors import MentorkitError
from ._model import Assessment, Business, Cooperative, Observation, Referral
from ._registry import Registry

__all__ = ["ReplayMismatchError", "replay"]


class ReplayMismatchError(MentorkitError, ValueError):
    """A result could not be reproduced from its receipt.

    ``differences`` lists each thing that differs, in words (``rule pack
    changed: hash X recorded, Y loaded``); values of the business are never
    echoed, only hashes and result fields.
    """

    def __init__(self, what: str, differences: Sequence[str]) -> None:
        self.what = what
        self.differences = tuple(differences)
        super().__init__(f"cannot replay {what}: " + "; ".join(self.differences))


def _short(value: str) -> str:
    return value.removeprefix("sha256:")[:12]


def _describe(result: Assessment | Referral) -> str:
    if isinstance(result, Assessment):
        return (
            f"assessment of business {result.business_id!r} "
            f"by rubric {result.rubric_id!r} {result.rubric_version}"
        )
    return (
        f"referral of business {result.business_id!r} to unit {result.unit!r} "
        f"by rule {result.rule_id!r} {result.rule_version}"
    )


def _field_differences(
    recorded: Assessment | Referral, reproduced: Assessment | Referral
) -> list[str]:
    out = []
    for attribute in attrs.fields(type(recorded)):
        if attribute.name == "receipt":
            continue
        before = getattr(recorded, attribute.name)
        after = getattr(reproduced, attribute.name)
        if before != after:
            if isinstance(before, str | int | float | dt.date) or before is None:
                out.append(f"{attribute.name}: {before!r} recorded, {after!r} reproduced")
            else:
                out.append(f"{attribute.name} differs")
    return out


@overload
def replay(
    result: Assessment,
    business: Business,
    observations: Iterable[Observation] = (),
    *,
    engine: Engine | Registry,
    facts: Mapping[str, FactValue] | None = None,
    cooperatives: Sequence[Cooperative] = (),
    assessments: Sequence[Assessment] | None = None,
    allow_pack_change: bool = False,
) -> Assessment: ...


@overload
def replay(
    result: Referral,
    business: Business,
    observations: Iterable[Observation] = (),
    *,
    engine: Engine | Registry,
    facts: Mapping[str, FactValue] | None = None,
    cooperatives: Sequence[Cooperative] = (),
    assessments: Sequence[Assessment] | None = None,
    allow_pack_change: bool = False,
) -> Referral: ...


def replay(
    result: Assessment | Referral,
    business: Business,
    observations: Iterable[Observation] = (),
    *,
    engine: Engine | Registry,
    facts: Mapping[str, FactValue] | None = None,
    cooperatives: Sequence[Cooperative] = (),
    assessments: Sequence[Assessment] | None = None,
    allow_pack_change: bool = False,
) -> Assessment | Referral:
    """Reproduce ``result`` (an assessment or referral) from its receipt.

    ``business``, ``observations``, ``facts`` (case facts such as
    ``case.mentored``) and ``cooperatives`` are the inputs the decision was
    made from; the decision date is the receipt's, so the legal parameters
    in force on that date apply again. A referral is replayed from
    ``assessments`` when given (case management proposes referrals from the
    latest recorded assessments), else from the observations assessed again
    on the receipt's date. ``engine`` is the rule pack loaded
    now (an :class:`~mentorkit.Engine`, or a :class:`~mentorkit.Registry`
    to build one from).

    Checks, in order: the rule pack's hash (skipped with
    ``allow_pack_change=True``, when only the deciding rubric or rule must
    be unchanged), the rubric's or rule's hash, the hash of the inputs, and
    finally every field of the reproduced result. Returns the reproduced
    result, equal to ``result``; raises :class:`ReplayMismatchError` naming
    what differs.
    """
    what = _describe(result)
    receipt = result.receipt
    if receipt is None:
        raise ReplayMismatchError(what, ["it carries no receipt"])
    if business.id != result.business_id:
        raise ReplayMismatchError(what, [f"business {business.id!r} given instead"])
    engine = engine if isinstance(engine, Engine) else Engine(engine)
    if not allow_pack_change and engine.pack_hash != receipt.pack:
        pack = f"rule pack changed: hash {_short(receipt.pack)} recorded, "
        raise ReplayMismatchError(what, [pack + f"{_short(engine.pack_hash)} loaded"])
    if isinstance(result, Assessment):
        kind, item_id, version = "rubric", result.rubric_id, result.rubric_version
        loaded_version = (
            engine.registry.rubrics[item_id].version if item_id in engine.registry.rubrics else None
        )
    else:
        kind, item_id, version = "rule", result.rule_id, result.rule_version
        loaded_version = next(
            (rule.version for rule in engine.registry.rules if rule.id == item_id), None
        )
    if loaded_version is None:
        raise ReplayMismatchError(what, [f"{kind} {item_id!r} is not in the loaded rule pack"])
    loaded_hash = engine.declaration_hash(kind, item_id)
    if loaded_hash != receipt.declaration:
        changed = (
            f"{kind} {item_id!r} changed: version {version} hash "
            f"{_short(receipt.declaration)} recorded, version {loaded_version} "
            f"hash {_short(loaded_hash)} loaded"
        )
        raise ReplayMismatchError(what, [changed])
    reproduced = _reproduce(
        result, business, observations, engine, facts, cooperatives, assessments, what
    )
    computed = reproduced.receipt
    if computed is None or computed.inputs != receipt.inputs:
        inputs = "none" if computed is None else _short(computed.inputs)
        differ = (
            f"inputs differ: hash {_short(receipt.inputs)} recorded, "
            f"{inputs} computed from the inputs given"
        )
        raise ReplayMismatchError(what, [differ])
    differences = _field_differences(result, reproduced)
    if computed != receipt and not allow_pack_change:
        differences.append("receipt differs")
    if differences:
        raise ReplayMismatchError(what, differences)
    return reproduced


def _reproduce(
    result: Assessment | Referral,
    business: Business,
    observations: Iterable[Observation],
    engine: Engine,
    facts: Mapping[str, FactValue] | None,
    cooperatives: Sequence[Cooperative],
    assessments: Sequence[Assessment] | None,
    what: str,
) -> Assessment | Referral:
    if not engine.receipts:
        engine = Engine(engine.registry)
    on = result.receipt.on if result.receipt is not None else dt.date.min
    if isinstance(result, Assessment):
        assessed = engine.assess(business, observations, on=on, rubrics=[result.rubric_id])
        if not assessed.assessments:
            raise ReplayMismatchError(what, ["the rubric no longer applies to this business"])
        return assessed.assessments[0]
    if assessments is None:
        evaluated = engine.evaluate(
            business, observations, on=on, facts=facts, cooperatives=cooperatives
        )
    else:
        evaluated = engine.refer(
            business, assessments, on=on, facts=facts, cooperatives=cooperatives
        )
    for referral in evaluated.referrals:
        if referral.unit == result.unit:
            if referral.rule_id != result.rule_id:
                raise ReplayMismatchError(
                    what, [f"rule {referral.rule_id!r} refers instead of {result.rule_id!r}"]
                )
            return referral
    hint = "(were the same observations, case facts and cooperatives given?)"
    raise ReplayMismatchError(what, [f"no referral to unit {result.unit!r} is reproduced {hint}"])

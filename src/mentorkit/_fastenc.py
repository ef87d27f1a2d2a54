"""Hand-written encoders for the hot result values: their plain JSON data, or None.

Each function gives the data ``loads(dumpb(encode(value)))`` gives -- text,
numbers, true/false/null, lists and objects, in field order -- for a value
whose every field is plainly what it is declared to be, and which is then
also exactly ``encode(value)`` (the same values; a ``StrEnum`` member's
place holds its value). On anything unusual -- a text that is a ``str``
subclass, an answer that is not bool, int or str, NaN or infinity in a
number, an enum field holding something else -- it returns None, and the
caller takes the general path (cattrs, then JSON), which does with such
values whatever it does. Property tests compare both paths for random
values, awkward ones included.

The functions serve only while the classes have exactly the fields they
write (:data:`FITS`, checked at import); callers check it.

Used by the case events' stored form (``cases._events``) and the batch's
encoder (``batch._fast``).
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

import attrs

from ._fastobs import (
    ASSESSMENT_FIELDS,
    OBSERVATION_FIELDS,
    REASON_FIELDS,
    RECEIPT_FIELDS,
    REFERRAL_FIELDS,
    RESULT_FIELDS,
)
from ._model import (
    AnswerSource,
    Assessment,
    AssessmentStatus,
    CriterionResult,
    Observation,
    Reason,
    Receipt,
    Referral,
)

__all__ = [
    "EXPECTED_FIELDS",
    "FITS",
    "assessment_data",
    "fields_are",
    "observation_data",
    "receipt_data",
    "referral_data",
]

#: The classes the encoders write, with their fields in order.
EXPECTED_FIELDS: Mapping[type, tuple[str, ...]] = {
    Assessment: ASSESSMENT_FIELDS,
    CriterionResult: RESULT_FIELDS,
    Observation: OBSERVATION_FIELDS,
    Reason: REASON_FIELDS,
    Receipt: RECEIPT_FIELDS,
    Referral: REFERRAL_FIELDS,
}


def fields_are(cls: type, names: tuple[str, ...]) -> bool:
    """True when attrs class ``cls`` has exactly the fields ``names``, in order."""
    return tuple(a.name for a in attrs.fields(cls)) == names


#: True while every class has exactly the fields the encoders write.
FITS = all(fields_are(cls, names) for cls, names in EXPECTED_FIELDS.items())

#: The converter's hook for dates (a ``datetime`` in a date field is written as its date).
_isoformat = dt.date.isoformat
_ANSWERS = (bool, int, str)
# Floats orjson spells exactly as the standard library does: 0.0, and from 1e-4 to 1e16
# (``mentorkit._json``). Scores and weights are never negative (their validators); any other
# float (and NaN or infinity, which compare False) takes the general path.
_LOW, _HIGH = 1e-4, 1e16


def receipt_data(r: Receipt) -> dict[str, Any] | None:
    """The plain data of a :class:`Receipt`; None when a field is not plainly text."""
    declaration, pack, inputs, scheme = r.declaration, r.pack, r.inputs, r.scheme
    if not (type(declaration) is type(pack) is type(inputs) is type(scheme) is str):
        return None
    return {
        "declaration": declaration,
        "pack": pack,
        "inputs": inputs,
        "on": _isoformat(r.on),
        "scheme": scheme,
    }


def _results_data(criteria: tuple[CriterionResult, ...]) -> list[dict[str, Any]] | None:
    out: list[dict[str, Any]] = []
    append = out.append
    for c in criteria:
        criterion_id, weight, source, score = c.criterion_id, c.weight, c.source, c.score
        answer, met, note = c.answer, c.met, c.note
        if (
            type(criterion_id) is not str
            # Numbers: whole, or floats orjson spells as the standard library does (NaN and
            # infinity, which the general path writes as null or refuses, are not).
            or (
                type(weight) is not int
                and not (type(weight) is float and (_LOW <= weight < _HIGH or weight == 0.0))
            )
            or type(source) is not AnswerSource
            or (
                score is not None
                and type(score) is not int
                and not (type(score) is float and (_LOW <= score < _HIGH or score == 0.0))
            )
            or (answer is not None and type(answer) not in _ANSWERS)
            or type(met) is not bool
            or (note is not None and type(note) is not str)
        ):
            return None
        append(
            {
                "criterion_id": criterion_id,
                "weight": weight,
                # Enum members as their plain str (``_value_`` is a plain attribute; ``.value``
                # a descriptor).
                "source": source._value_,
                "score": score,
                "answer": answer,
                "met": met,
                "note": note,
            }
        )
    return out


def assessment_data(a: Assessment) -> dict[str, Any] | None:
    """The plain data of an :class:`Assessment` and its trace; None when anything is unusual."""
    business_id, rubric_id, rubric_version = a.business_id, a.rubric_id, a.rubric_version
    status, score, level, missing = a.status, a.score, a.level, a.missing
    if (
        not (type(business_id) is type(rubric_id) is type(rubric_version) is str)
        or type(status) is not AssessmentStatus
        or (
            score is not None
            and type(score) is not int
            and not (type(score) is float and (_LOW <= score < _HIGH or score == 0.0))
        )
        or (level is not None and type(level) is not str)
    ):
        return None
    for name in missing:
        if type(name) is not str:
            return None
    criteria = _results_data(a.criteria)
    if criteria is None:
        return None
    if a.receipt is None:
        receipt = None
    else:
        receipt = receipt_data(a.receipt)
        if receipt is None:
            return None
    return {
        "business_id": business_id,
        "rubric_id": rubric_id,
        "rubric_version": rubric_version,
        "assessed_on": _isoformat(a.assessed_on),
        "status": status._value_,
        "score": score,
        "level": level,
        "criteria": criteria,
        "missing": list(missing),
        "receipt": receipt,
    }


def referral_data(r: Referral) -> dict[str, Any] | None:
    """The plain data of a :class:`Referral`; None when anything is unusual.

    A reason's ``op`` is often an :class:`~mentorkit.Op` (a ``StrEnum``):
    written as its text, as the general path writes any ``str`` subclass.
    """
    business_id, unit, rule_id, rule_version = r.business_id, r.unit, r.rule_id, r.rule_version
    if not (type(business_id) is type(unit) is type(rule_id) is type(rule_version) is str):
        return None
    reasons: list[dict[str, Any]] = []
    for x in r.reasons:
        fact, expected, actual, held = x.fact, x.expected, x.actual, x.held
        op: object = x.op  # declared str; in practice an Op (a StrEnum)
        if type(op) is not str:
            if not isinstance(op, str):
                return None
            op = str.__str__(op)  # the text itself, whatever the subclass's __str__ says
        if not (type(fact) is type(expected) is type(actual) is str) or type(held) is not bool:
            return None
        reasons.append(
            {"fact": fact, "op": op, "expected": expected, "actual": actual, "held": held}
        )
    details: list[list[str]] = []
    for pair in r.details:
        if type(pair) is not tuple or len(pair) != 2:
            return None
        name, value = pair
        if not (type(name) is type(value) is str):
            return None
        details.append([name, value])
    if r.receipt is None:
        receipt = None
    else:
        receipt = receipt_data(r.receipt)
        if receipt is None:
            return None
    return {
        "business_id": business_id,
        "unit": unit,
        "rule_id": rule_id,
        "rule_version": rule_version,
        "proposed_on": _isoformat(r.proposed_on),
        "reasons": reasons,
        "details": details,
        "receipt": receipt,
    }


def observation_data(o: Observation) -> dict[str, Any] | None:
    """The plain data of an :class:`Observation`; None when anything is unusual."""
    business_id, rubric_id, criterion_id = o.business_id, o.rubric_id, o.criterion_id
    value, evidence, observer = o.value, o.evidence, o.observer
    if (
        not (type(business_id) is type(rubric_id) is type(criterion_id) is str)
        or type(value) not in _ANSWERS
        or (evidence is not None and type(evidence) is not str)
        or (observer is not None and type(observer) is not str)
    ):
        return None
    return {
        "business_id": business_id,
        "rubric_id": rubric_id,
        "criterion_id": criterion_id,
        "value": value,
        "observed_on": _isoformat(o.observed_on),
        "evidence": evidence,
        "observer": observer,
    }

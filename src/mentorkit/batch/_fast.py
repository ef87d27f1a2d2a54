"""Fast paths for the batch's hot loop, each checked against the general one.

* :func:`encode_evaluation` builds the same JSON-ready data as
  :func:`mentorkit.encode` for an :class:`~mentorkit.Evaluation`, by hand
  for the result classes. It is used only while those classes have exactly
  the fields it knows (checked at import); otherwise everything goes
  through :func:`mentorkit.encode`.
* :func:`observations_fast` decodes a list of observation objects when
  every one of them is plainly valid, and returns None otherwise, so the
  caller falls back to the strict converter (which then reports the exact
  field paths). It never accepts what the strict converter rejects.
"""

import datetime as dt
import re
from typing import Any

import attrs

from .._engine import Evaluation
from .._model import Assessment, CriterionResult, Observation, Reason, Receipt, Referral
from .._serialize import encode
from .._trusted import trusted_constructor

__all__ = ["FAST_ENCODE", "encode_evaluation", "observations_fast"]

_EXPECTED_FIELDS: dict[type, tuple[str, ...]] = {
    Evaluation: ("business_id", "assessments", "referrals", "issues", "failures"),
    Assessment: (
        "business_id",
        "rubric_id",
        "rubric_version",
        "assessed_on",
        "status",
        "score",
        "level",
        "criteria",
        "missing",
        "receipt",
    ),
    CriterionResult: ("criterion_id", "weight", "source", "score", "answer", "met", "note"),
    Referral: (
        "business_id",
        "unit",
        "rule_id",
        "rule_version",
        "proposed_on",
        "reasons",
        "details",
        "receipt",
    ),
    Reason: ("fact", "op", "expected", "actual", "held"),
    Receipt: ("declaration", "pack", "inputs", "on", "scheme"),
}

#: True while the result classes have the fields the hand-written encoder knows.
FAST_ENCODE = all(
    tuple(a.name for a in attrs.fields(cls)) == names for cls, names in _EXPECTED_FIELDS.items()
)


def _receipt(receipt: Receipt | None) -> dict[str, Any] | None:
    if receipt is None:
        return None
    return {
        "declaration": receipt.declaration,
        "pack": receipt.pack,
        "inputs": receipt.inputs,
        "on": receipt.on.isoformat(),
        "scheme": receipt.scheme,
    }


def _assessment(a: Assessment) -> dict[str, Any]:
    return {
        "business_id": a.business_id,
        "rubric_id": a.rubric_id,
        "rubric_version": a.rubric_version,
        "assessed_on": a.assessed_on.isoformat(),
        "status": a.status,  # a StrEnum: JSON writes its value
        "score": a.score,
        "level": a.level,
        "criteria": [
            {
                "criterion_id": c.criterion_id,
                "weight": c.weight,
                "source": c.source,
                "score": c.score,
                "answer": c.answer,
                "met": c.met,
                "note": c.note,
            }
            for c in a.criteria
        ],
        "missing": list(a.missing),
        "receipt": _receipt(a.receipt),
    }


def _referral(r: Referral) -> dict[str, Any]:
    return {
        "business_id": r.business_id,
        "unit": r.unit,
        "rule_id": r.rule_id,
        "rule_version": r.rule_version,
        "proposed_on": r.proposed_on.isoformat(),
        "reasons": [
            {
                "fact": x.fact,
                "op": x.op,
                "expected": x.expected,
                "actual": x.actual,
                "held": x.held,
            }
            for x in r.reasons
        ],
        "details": list(r.details),
        "receipt": _receipt(r.receipt),
    }


def encode_evaluation(evaluation: Evaluation) -> Any:
    """The same data as ``mentorkit.encode(evaluation)``, faster."""
    if not FAST_ENCODE:
        return encode(evaluation)
    return {
        "business_id": evaluation.business_id,
        "assessments": [_assessment(a) for a in evaluation.assessments],
        "referrals": [_referral(r) for r in evaluation.referrals],
        "issues": encode(evaluation.issues) if evaluation.issues else [],
        "failures": encode(evaluation.failures) if evaluation.failures else [],
    }


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ANSWER_TYPES = (bool, int, str)
_DATES_MAX = 4096


def _day(text: object, dates: dict[str, dt.date]) -> dt.date | None:
    if type(text) is not str:
        return None
    day = dates.get(text)
    if day is None:
        if not _DATE.fullmatch(text):
            return None
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return None
        if len(dates) >= _DATES_MAX:
            dates.clear()  # bounded: memory stays constant on any input
        dates[text] = day
    return day


def observations_fast(items: object, dates: dict[str, dt.date]) -> tuple[Observation, ...] | None:
    """Observations from JSON data when all are plainly valid; None to use the strict path.

    ``dates`` is the caller's cache of parsed dates (kept small).
    """
    if type(items) is not list:
        return None
    out: list[Observation] = []
    append = out.append
    for item in items:
        if type(item) is not dict:
            return None
        try:
            business_id = item["business_id"]
            rubric_id = item["rubric_id"]
            criterion_id = item["criterion_id"]
            value = item["value"]
            observed = item["observed_on"]
        except KeyError:
            return None
        evidence = item.get("evidence")
        observer = item.get("observer")
        if len(item) != 5 + ("evidence" in item) + ("observer" in item):
            return None  # an unknown key
        if (
            type(business_id) is not str
            or type(rubric_id) is not str
            or type(criterion_id) is not str
            or type(value) not in _ANSWER_TYPES
            or (evidence is not None and type(evidence) is not str)
            or (observer is not None and type(observer) is not str)
        ):
            return None
        if not (business_id.strip() and rubric_id.strip() and criterion_id.strip()):
            return None  # Observation's own check (_non_empty), made here: see _observation
        observed_on = dates.get(observed) if type(observed) is str else None
        if observed_on is None:
            observed_on = _day(observed, dates)
            if observed_on is None:
                return None
        append(
            _observation(
                business_id, rubric_id, criterion_id, value, observed_on, evidence, observer
            )
        )
    return tuple(out)


#: Observation without its validators: every field was checked above as they would check it
#: (non-empty ids; the types). A property test compares it with ``mentorkit.decode``.
_observation = trusted_constructor(
    Observation,
    ("business_id", "rubric_id", "criterion_id", "value", "observed_on", "evidence", "observer"),
)

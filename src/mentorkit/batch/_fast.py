"""Fast paths for the batch's hot loop, each checked against the general one.

* :func:`encode_evaluation` builds the same JSON-ready data as
  :func:`mentorkit.encode` for an :class:`~mentorkit.Evaluation`, by hand
  for the result classes. It is used only while those classes have exactly
  the fields it knows (checked at import); otherwise everything goes
  through :func:`mentorkit.encode`. The assessments and referrals are
  written by ``mentorkit._fastenc`` (shared with the case events), which
  hands anything unusual back to :func:`mentorkit.encode`.
* :func:`observations_fast` decodes a list of observation objects when
  every one of them is plainly valid, and returns None otherwise, so the
  caller falls back to the strict converter (which then reports the exact
  field paths). It never accepts what the strict converter rejects.
"""

from typing import Any

from .._engine import Evaluation
from .._fastenc import EXPECTED_FIELDS, FITS, assessment_data, fields_are, referral_data
from .._fastobs import observations_fast
from .._model import Assessment, Referral
from .._serialize import encode

__all__ = ["FAST_ENCODE", "encode_evaluation", "observations_fast"]

_EXPECTED_FIELDS: dict[type, tuple[str, ...]] = {
    Evaluation: ("business_id", "assessments", "referrals", "issues", "failures"),
    **EXPECTED_FIELDS,
}

#: True while the result classes have the fields the hand-written encoder knows.
FAST_ENCODE = FITS and fields_are(Evaluation, _EXPECTED_FIELDS[Evaluation])


def _assessment(a: Assessment) -> Any:
    data = assessment_data(a)
    return encode(a) if data is None else data  # something unusual: the general path


def _referral(r: Referral) -> Any:
    data = referral_data(r)
    if data is None:
        return encode(r)
    data["details"] = list(r.details)  # pairs as tuples, as encode() leaves them (same JSON)
    return data


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

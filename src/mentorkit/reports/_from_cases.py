"""Turning case states (:mod:`mentorkit.cases`) into report input."""

from collections.abc import Iterable

from .._model import Assessment, AssessmentStatus
from ..cases import AssessmentPhase, CaseReferral, CaseState
from ._indicators import CohortCase, CohortReferral

__all__ = ["cohort_case", "cohort_cases", "referral_outcome"]


def referral_outcome(referral: CaseReferral) -> str | None:
    """A word for how a referral ended, for the report (None while it is open).

    ``loan_granted`` (a loan amount was recorded), ``joined_cooperative``
    (a cooperative id was recorded), ``succeeded``, ``not_succeeded``,
    ``declined`` or ``cancelled``.
    """
    status = referral.status.value
    if status in ("declined", "cancelled"):
        return status
    outcome = referral.outcome
    if outcome is None:
        return None
    if not outcome.success:
        return "not_succeeded"
    if outcome.loan_amount:
        return "loan_granted"
    if outcome.cooperative_id:
        return "joined_cooperative"
    return "succeeded"


def _baseline(state: CaseState) -> tuple[Assessment, ...]:
    first: dict[str, Assessment] = {}
    for recorded in state.assessments:
        a = recorded.assessment
        held = first.get(a.rubric_id)
        # The baseline is the first complete one; an incomplete one stands until then.
        if held is None or (
            recorded.phase is AssessmentPhase.BASELINE
            and a.status is AssessmentStatus.COMPLETE
            and held.status is not AssessmentStatus.COMPLETE
        ):
            first[a.rubric_id] = a
    return tuple(first[k] for k in sorted(first))


def cohort_case(state: CaseState) -> CohortCase:
    """The report's view of one case: baseline and latest levels, plan, referrals."""
    latest = state.latest_assessments()
    return CohortCase(
        business=state.business,
        mentor_id=state.mentor_id,
        baseline=_baseline(state),
        latest=tuple(latest[k] for k in sorted(latest)),
        has_prospects=state.has_prospects,
        milestones=state.milestones,
        referrals=tuple(
            CohortReferral(
                unit=r.unit,
                status=r.status.value,
                proposed_on=r.referral.proposed_on,
                outcome=referral_outcome(r),
                loan_amount=None if r.outcome is None else r.outcome.loan_amount,
            )
            for r in state.referrals
        ),
    )


def cohort_cases(states: Iterable[CaseState]) -> list[CohortCase]:
    """:func:`cohort_case` for each state."""
    return [cohort_case(s) for s in states]

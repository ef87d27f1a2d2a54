"""A case's state: the fold of its events, and the rules of its lifecycle.

:func:`check` says whether an event may be appended to a case in its
current state (raising :class:`~mentorkit.TransitionError` with a clear
message otherwise); :func:`apply` folds one event into the state and
:func:`fold` folds a whole stream. The fold trusts the stored history; the
checks guard what is written.

Lifecycle::

    intake -> assessed -> mentoring -> graduated
                  |           |     -> referred_on
                  +-----------+-----> withdrawn / closed   (from any open state)
"""

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import attrs
from attrs import frozen

from .._errors import NotFoundError, TransitionError
from .._eventlog import EventRecord
from .._model import (
    Assessment,
    AssessmentStatus,
    Business,
    Milestone,
    MilestoneStatus,
    Observation,
    Referral,
    Session,
)
from ._events import (
    CASE_EVENT_CLASSES,
    AssessmentPhase,
    AssessmentRecorded,
    CaseClosed,
    CaseEvent,
    CaseOpened,
    CaseOutcome,
    MentorAssigned,
    MentoringStarted,
    MentorReassigned,
    MilestoneAdded,
    MilestoneCompleted,
    MilestoneMissed,
    ObservationRecorded,
    ObservationsRecorded,
    ProspectsRecorded,
    ReferralAccepted,
    ReferralCompleted,
    ReferralDeclined,
    ReferralOutcome,
    ReferralProposed,
    ReferralSent,
    SessionLogged,
    from_record,
)

__all__ = [
    "OBSERVATION_KINDS",
    "TRACE_PATHS",
    "CaseReferral",
    "CaseState",
    "CaseStatus",
    "Progress",
    "RecordedAssessment",
    "ReferralStatus",
    "apply",
    "check",
    "fold",
    "progress",
    "stream_name",
    "without_traces",
]

STREAM_PREFIX = "case/"


#: Streams that serialise the assignments of one mentor (see :func:`mentor_stream`).
MENTOR_PREFIX = "mentor/"


def mentor_stream(mentor_id: str) -> str:
    """The assignment stream of mentor ``mentor_id`` (``mentor/<mentor_id>``).

    Every assignment of a case to the mentor appends a ``mentor.case_taken``
    event here in the same write as the case's own event, so two
    coordinators assigning to the same mentor at once cannot both pass the
    capacity check: the second write is stale and raises
    :class:`~mentorkit.ConflictError`.
    """
    return MENTOR_PREFIX + mentor_id


def stream_name(case_id: str) -> str:
    """The event stream of case ``case_id`` (``case/<case_id>``)."""
    return STREAM_PREFIX + case_id


class CaseStatus(enum.StrEnum):
    """Where a case is in its lifecycle (status pendampingan)."""

    INTAKE = "intake"  #: pendaftaran — opened, not yet assessed
    ASSESSED = "assessed"  #: dinilai — a complete baseline assessment is recorded
    MENTORING = "mentoring"  #: didampingi — mentoring under way
    GRADUATED = "graduated"  #: lulus
    REFERRED_ON = "referred_on"  #: dirujuk ke unit lain
    WITHDRAWN = "withdrawn"  #: mengundurkan diri
    CLOSED = "closed"  #: ditutup

    @property
    def is_open(self) -> bool:
        """True while the case accepts writes."""
        return self in _OPEN


_OPEN = frozenset({CaseStatus.INTAKE, CaseStatus.ASSESSED, CaseStatus.MENTORING})
_ENDED = {
    CaseOutcome.GRADUATED: CaseStatus.GRADUATED,
    CaseOutcome.REFERRED_ON: CaseStatus.REFERRED_ON,
    CaseOutcome.WITHDRAWN: CaseStatus.WITHDRAWN,
    CaseOutcome.CLOSED: CaseStatus.CLOSED,
}


class ReferralStatus(enum.StrEnum):
    """Where a referral is in its closed loop (status rujukan)."""

    PROPOSED = "proposed"  #: diusulkan
    SENT = "sent"  #: dikirim — waiting for the unit's answer
    ACCEPTED = "accepted"  #: diterima — the unit is working on it
    DECLINED = "declined"  #: ditolak
    COMPLETED = "completed"  #: selesai, with an outcome
    CANCELLED = "cancelled"  #: dibatalkan — the case closed before the unit acted

    @property
    def is_open(self) -> bool:
        """True while the unit still owes an answer or a result (sent or accepted)."""
        return self in (ReferralStatus.SENT, ReferralStatus.ACCEPTED)


@frozen
class CaseReferral:
    """A referral of this case and where its loop stands.

    ``due`` is the date by which the unit should answer (while sent) or
    finish (once accepted).
    """

    id: str
    referral: Referral
    status: ReferralStatus = ReferralStatus.PROPOSED
    sent_on: dt.date | None = None
    due: dt.date | None = None
    answered_on: dt.date | None = None
    decline_reason: str | None = None
    completed_on: dt.date | None = None
    outcome: ReferralOutcome | None = None

    @property
    def unit(self) -> str:
        """The unit the referral is addressed to."""
        return self.referral.unit

    def overdue(self, on: dt.date) -> bool:
        """True when the unit still owes an answer or result after ``due``."""
        return self.status.is_open and self.due is not None and on > self.due


@frozen
class RecordedAssessment:
    """An assessment as recorded on a case: baseline or follow-up."""

    assessment: Assessment
    phase: AssessmentPhase


@frozen
class CaseState:
    """The state of a case (pendampingan): the fold of its events.

    ``version`` is the number of events folded; ``updated_at`` the time of
    the last one. ``has_prospects`` is None until the mentor records it.
    """

    case_id: str
    business: Business
    programme_id: str
    opened_on: dt.date
    version: int
    updated_at: dt.datetime
    status: CaseStatus = CaseStatus.INTAKE
    mentor_id: str | None = None
    mentors: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = ()
    assessments: tuple[RecordedAssessment, ...] = ()
    has_prospects: bool | None = None
    milestones: tuple[Milestone, ...] = ()
    sessions: tuple[Session, ...] = ()
    referrals: tuple[CaseReferral, ...] = ()
    outcome: CaseOutcome | None = None
    close_reason: str | None = None
    closed_on: dt.date | None = None

    @property
    def is_open(self) -> bool:
        """True while the case accepts writes."""
        return self.status.is_open

    def milestone(self, milestone_id: str) -> Milestone:
        """The milestone ``milestone_id``; :class:`NotFoundError` if absent."""
        for milestone in self.milestones:
            if milestone.id == milestone_id:
                return milestone
        raise NotFoundError(f"case {self.case_id!r} has no milestone {milestone_id!r}")

    def referral(self, referral_id: str) -> CaseReferral:
        """The referral ``referral_id``; :class:`NotFoundError` if absent."""
        for referral in self.referrals:
            if referral.id == referral_id:
                return referral
        raise NotFoundError(f"case {self.case_id!r} has no referral {referral_id!r}")

    def latest_assessments(self) -> dict[str, Assessment]:
        """The latest recorded assessment per rubric id."""
        latest: dict[str, Assessment] = {}
        for recorded in self.assessments:
            latest[recorded.assessment.rubric_id] = recorded.assessment
        return latest

    def overdue_milestones(self, on: dt.date) -> tuple[Milestone, ...]:
        """Milestones still planned after their due date, on day ``on``."""
        return tuple(m for m in self.milestones if m.overdue(on))

    def facts(self) -> dict[str, bool | int | None]:
        """The case facts referral rules read (see the facts reference)."""
        return {
            "case.mentored": self.mentor_id is not None,
            "case.has_prospects": self.has_prospects,
            "case.sessions_logged": len(self.sessions),
        }


# --------------------------------------------------------------------------- checks


def _refuse(state: CaseState, message: str) -> TransitionError:
    return TransitionError(f"case {state.case_id!r} ({state.status.value}): {message}")


def check(state: CaseState | None, event: CaseEvent) -> None:
    """Raise :class:`~mentorkit.TransitionError` unless ``event`` may follow ``state``."""
    if state is None:
        if not isinstance(event, CaseOpened):
            raise TransitionError(f"a case must be opened before a {event.kind} event")
        return
    if isinstance(event, CaseOpened):
        raise _refuse(state, "is already open")
    if not state.is_open:
        raise _refuse(state, "is closed and accepts no changes")
    status = state.status
    if isinstance(event, MentorAssigned):
        if state.mentor_id is not None:
            raise _refuse(state, "already has a mentor: reassign instead")
    elif isinstance(event, MentorReassigned):
        if state.mentor_id is None:
            raise _refuse(state, "has no mentor to reassign: assign one first")
        if event.previous_mentor_id != state.mentor_id:
            raise _refuse(state, "the previous mentor given is not the case's mentor")
        if event.mentor_id == state.mentor_id:
            raise _refuse(state, "is already assigned to this mentor")
    elif isinstance(event, ObservationsRecorded):
        if any(o.business_id != state.business.id for o in event.observations):
            raise _refuse(state, f"the {event.kind} are about another business")
    elif isinstance(event, ObservationRecorded | AssessmentRecorded):
        record = event.observation if isinstance(event, ObservationRecorded) else event.assessment
        if record.business_id != state.business.id:
            raise _refuse(state, f"the {event.kind} is about another business")
    elif isinstance(event, MentoringStarted):
        if status is not CaseStatus.ASSESSED:
            raise _refuse(state, "mentoring starts only after a complete baseline assessment")
        if state.mentor_id is None:
            raise _refuse(state, "mentoring needs an assigned mentor")
    elif isinstance(event, MilestoneAdded):
        if status is CaseStatus.INTAKE:
            raise _refuse(state, "a business plan needs a complete baseline assessment first")
        if event.milestone.status is not MilestoneStatus.PLANNED:
            raise _refuse(state, "a new milestone must be planned")
        if any(m.id == event.milestone.id for m in state.milestones):
            raise _refuse(state, f"already has a milestone {event.milestone.id!r}")
    elif isinstance(event, MilestoneCompleted | MilestoneMissed):
        milestone = state.milestone(event.milestone_id)
        if milestone.status is not MilestoneStatus.PLANNED:
            raise _refuse(
                state, f"milestone {milestone.id!r} is {milestone.status.value}, not planned"
            )
    elif isinstance(event, SessionLogged):
        session = event.session
        if state.mentor_id is None:
            raise _refuse(state, "a session needs an assigned mentor")
        if session.mentor_id != state.mentor_id:
            raise _refuse(state, "the session's mentor is not the case's mentor")
        if session.business_id != state.business.id:
            raise _refuse(state, "the session is about another business")
        if any(s.id == session.id for s in state.sessions):
            raise _refuse(state, f"already has a session {session.id!r}")
    elif isinstance(event, ReferralProposed):
        if status is CaseStatus.INTAKE:
            raise _refuse(state, "referrals are proposed after a complete assessment")
        if event.referral.business_id != state.business.id:
            raise _refuse(state, "the referral is about another business")
        if any(r.id == event.referral_id for r in state.referrals):
            raise _refuse(state, f"already has a referral {event.referral_id!r}")
    elif isinstance(event, ReferralSent | ReferralAccepted | ReferralDeclined | ReferralCompleted):
        _check_referral(state, event)
    elif isinstance(event, CaseClosed):
        _check_close(state, event)


_REFERRAL_FROM = {
    ReferralSent: ReferralStatus.PROPOSED,
    ReferralAccepted: ReferralStatus.SENT,
    ReferralDeclined: ReferralStatus.SENT,
    ReferralCompleted: ReferralStatus.ACCEPTED,
}


def _check_referral(
    state: CaseState,
    event: ReferralSent | ReferralAccepted | ReferralDeclined | ReferralCompleted,
) -> None:
    referral = state.referral(event.referral_id)
    needed = _REFERRAL_FROM[type(event)]
    if referral.status is not needed:
        raise _refuse(
            state,
            f"referral {referral.id!r} is {referral.status.value}; "
            f"a {event.kind} event needs it {needed.value}",
        )


def _check_close(state: CaseState, event: CaseClosed) -> None:
    open_refs = [r.id for r in state.referrals if r.status.is_open]
    if event.outcome is CaseOutcome.GRADUATED:
        if state.status is not CaseStatus.MENTORING:
            raise _refuse(state, "only a case in mentoring can graduate")
        if open_refs:
            raise _refuse(state, f"referrals {open_refs} are still open at their units")
    elif event.outcome is CaseOutcome.REFERRED_ON:
        if not any(r.status is ReferralStatus.COMPLETED for r in state.referrals):
            raise _refuse(state, "closing as referred on needs a completed referral")
        if open_refs:
            raise _refuse(state, f"referrals {open_refs} are still open at their units")


# --------------------------------------------------------------------------- fold


_T = TypeVar("_T", Milestone, CaseReferral)


def _replace(items: tuple[_T, ...], ident: str, **changes: Any) -> tuple[_T, ...]:
    return tuple(attrs.evolve(i, **changes) if i.id == ident else i for i in items)


def apply(state: CaseState | None, event: CaseEvent, version: int, at: dt.datetime) -> CaseState:
    """Fold one event into ``state`` (None before the case is opened).

    One ``attrs.evolve`` per event: the new ``version`` and ``updated_at``
    go in with the event's own changes (:func:`_changes`).
    """
    if isinstance(event, CaseOpened):
        return CaseState(
            case_id=event.case_id,
            business=event.business,
            programme_id=event.programme_id,
            opened_on=event.opened_on,
            version=version,
            updated_at=at,
        )
    if state is None:
        raise TransitionError(f"a case must be opened before a {event.kind} event")
    return attrs.evolve(state, version=version, updated_at=at, **_changes(state, event))


def _changes(state: CaseState, event: CaseEvent) -> dict[str, Any]:
    """The fields of ``state`` that ``event`` changes (never ``version`` or ``updated_at``)."""
    if isinstance(event, MentorAssigned | MentorReassigned):
        return {"mentor_id": event.mentor_id, "mentors": (*state.mentors, event.mentor_id)}
    if isinstance(event, ObservationsRecorded):
        return {"observations": (*state.observations, *event.observations)}
    if isinstance(event, ObservationRecorded):
        return {"observations": (*state.observations, event.observation)}
    if isinstance(event, AssessmentRecorded):
        recorded = RecordedAssessment(event.assessment, event.phase)
        status = state.status
        if status is CaseStatus.INTAKE and event.assessment.status is AssessmentStatus.COMPLETE:
            status = CaseStatus.ASSESSED
        return {"assessments": (*state.assessments, recorded), "status": status}
    if isinstance(event, ProspectsRecorded):
        return {"has_prospects": event.has_prospects}
    if isinstance(event, MentoringStarted):
        return {"status": CaseStatus.MENTORING}
    if isinstance(event, MilestoneAdded):
        return {"milestones": (*state.milestones, event.milestone)}
    if isinstance(event, MilestoneCompleted):
        return {
            "milestones": _replace(
                state.milestones,
                event.milestone_id,
                status=MilestoneStatus.DONE,
                completed_on=event.completed_on,
                evidence=event.evidence,
            )
        }
    if isinstance(event, MilestoneMissed):
        return {
            "milestones": _replace(
                state.milestones, event.milestone_id, status=MilestoneStatus.MISSED
            )
        }
    if isinstance(event, SessionLogged):
        return {"sessions": (*state.sessions, event.session)}
    if isinstance(event, ReferralProposed):
        added = CaseReferral(id=event.referral_id, referral=event.referral)
        return {"referrals": (*state.referrals, added)}
    if isinstance(event, ReferralSent):
        changes: Mapping[str, object] = {
            "status": ReferralStatus.SENT,
            "sent_on": event.sent_on,
            "due": event.due,
        }
    elif isinstance(event, ReferralAccepted):
        changes = {
            "status": ReferralStatus.ACCEPTED,
            "answered_on": event.accepted_on,
            "due": event.due,
        }
    elif isinstance(event, ReferralDeclined):
        changes = {
            "status": ReferralStatus.DECLINED,
            "answered_on": event.declined_on,
            "decline_reason": event.reason,
        }
    elif isinstance(event, ReferralCompleted):
        changes = {
            "status": ReferralStatus.COMPLETED,
            "completed_on": event.completed_on,
            "outcome": event.outcome,
        }
    else:
        assert isinstance(event, CaseClosed)  # apply() folded a CaseOpened itself
        return _close(state, event)
    return {"referrals": _replace(state.referrals, event.referral_id, **changes)}


def _close(state: CaseState, event: CaseClosed) -> dict[str, Any]:
    cancel = (ReferralStatus.PROPOSED, ReferralStatus.SENT, ReferralStatus.ACCEPTED)
    referrals = tuple(
        attrs.evolve(r, status=ReferralStatus.CANCELLED) if r.status in cancel else r
        for r in state.referrals
    )
    return {
        "status": _ENDED[event.outcome],
        "outcome": event.outcome,
        "close_reason": event.reason,
        "closed_on": event.closed_on,
        "referrals": referrals,
    }


#: What ``CaseService.states(traces=False)`` leaves out of stored payloads, by event kind:
#: what explains each decision (assessment traces and receipts; referral reasons, details and
#: receipts). Cohort indicators never read them.
TRACE_PATHS: Mapping[str, tuple[str, ...]] = {
    AssessmentRecorded.kind: ("assessment.criteria", "assessment.receipt"),
    ReferralProposed.kind: ("referral.reasons", "referral.details", "referral.receipt"),
}


def without_traces(state: CaseState) -> CaseState:
    """``state`` without what explains its decisions (see :data:`TRACE_PATHS`).

    Assessments without their per-criterion trace and receipt, referrals
    without their reasons, details and receipt. ``state`` itself when it
    holds none of them.
    """
    assessments = state.assessments
    if any(r.assessment.criteria or r.assessment.receipt for r in assessments):
        assessments = tuple(
            RecordedAssessment(attrs.evolve(r.assessment, criteria=(), receipt=None), r.phase)
            for r in assessments
        )
    referrals = state.referrals
    if any(c.referral.reasons or c.referral.details or c.referral.receipt for c in referrals):
        referrals = tuple(
            attrs.evolve(c, referral=attrs.evolve(c.referral, reasons=(), details=(), receipt=None))
            for c in referrals
        )
    if assessments is state.assessments and referrals is state.referrals:
        return state
    return attrs.evolve(state, assessments=assessments, referrals=referrals)


#: The kinds of the events that add observations: what ``fold(..., observations=False)`` skips.
OBSERVATION_KINDS = frozenset({ObservationsRecorded.kind, ObservationRecorded.kind})


#: The fields a state starts with when its case is opened, before the opening event's own.
_DEFAULTS: dict[str, Any] = {
    a.name: a.default for a in attrs.fields(CaseState) if a.default is not attrs.NOTHING
}


class _Draft:
    """A state being folded: its fields as attributes, for :func:`_changes` to read."""


def fold(records: Iterable[EventRecord], *, observations: bool = True) -> CaseState | None:
    """The state of a case from its stored events (None for an empty stream).

    With ``observations=False`` the events that add observations
    (:data:`OBSERVATION_KINDS`) count for the state's version and time
    but are not decoded, and the state's ``observations`` stay empty: for
    the readers that do not use them (cohort indicators, referral rules,
    unit lists), which then skip most of a case's weight. Every other field
    is what a full fold gives (property test).

    The state is what :func:`apply` gives event by event (property test),
    built once at the end: the fields are gathered as the events are read,
    instead of a new frozen state per event.
    """
    fields: dict[str, Any] | None = None
    draft = _Draft()
    view: CaseState = draft  # type: ignore[assignment]  # _changes reads attributes only
    for record in records:
        if not observations and record.kind in OBSERVATION_KINDS:
            if fields is None:
                raise TransitionError(f"a case must be opened before a {record.kind} event")
            fields["version"] = record.version
            fields["updated_at"] = record.at
            continue
        event = from_record(record)
        if not isinstance(event, CASE_EVENT_CLASSES):
            raise TransitionError(f"event {record.kind!r} does not belong in a case stream")
        if isinstance(event, CaseOpened):
            fields = {
                **_DEFAULTS,
                "case_id": event.case_id,
                "business": event.business,
                "programme_id": event.programme_id,
                "opened_on": event.opened_on,
            }
            draft.__dict__ = fields
        elif fields is None:
            raise TransitionError(f"a case must be opened before a {event.kind} event")
        else:
            fields.update(_changes(view, event))
        fields["version"] = record.version
        fields["updated_at"] = record.at
    return None if fields is None else CaseState(**fields)


# --------------------------------------------------------------------------- progress


@frozen
class Progress:
    """A business's progress on one rubric: level before and after ("naik kelas").

    ``moved_up`` is True when the latest complete level ranks above the
    baseline's, False when not, None when either is unknown (no complete
    assessment, or a level the loaded rubric no longer has).
    """

    case_id: str
    business_id: str
    rubric_id: str
    level_before: str | None
    level_after: str | None
    score_before: float | None
    score_after: float | None
    moved_up: bool | None


def progress(state: CaseState, level_ranks: Mapping[str, Mapping[str, int]]) -> list[Progress]:
    """Progress per rubric of one case: first complete level vs latest complete level."""
    first: dict[str, Assessment] = {}
    last: dict[str, Assessment] = {}
    for recorded in state.assessments:
        assessment = recorded.assessment
        if assessment.status is not AssessmentStatus.COMPLETE:
            continue
        first.setdefault(assessment.rubric_id, assessment)
        last[assessment.rubric_id] = assessment
    out = []
    for rubric_id in sorted(first):
        before, after = first[rubric_id], last[rubric_id]
        ranks = level_ranks.get(rubric_id, {})
        moved: bool | None = None
        low, high = before.level, after.level
        if low is not None and high is not None and low in ranks and high in ranks:
            moved = ranks[high] > ranks[low]
        out.append(
            Progress(
                case_id=state.case_id,
                business_id=state.business.id,
                rubric_id=rubric_id,
                level_before=before.level,
                level_after=after.level,
                score_before=before.score,
                score_after=after.score,
                moved_up=moved,
            )
        )
    return out

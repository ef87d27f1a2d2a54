"""Cohort indicators read straight from an SQL store, without folding whole cases.

The cohort report reads a handful of fields of each case: the business's
district, sector, size and membership, the mentor, the level and score of
each assessment, the prospects, the milestones and where each referral
stands. :func:`cohort_indicators_from_store` asks the store for those
fields only (:meth:`~mentorkit.store.SQLStore.read_values`: the database
picks them out of the payloads), replays the case events on them as
:func:`~mentorkit.cases.fold` does, and counts each case at once: no event
is decoded whole, no case state is built, no case is kept.

The indicators are those of :func:`cohort_indicators` over the folded
states (property test). Each field the report reads is checked as the
strict decoders check it; a case with anything else -- a value they would
refuse or that needs their conversion, an older payload schema, an unknown
event kind, an event before the opening, a milestone missed after it was
done -- is folded in full instead, which gives the same result or the same
error. What the report does not read is not checked: a case whose payloads
are damaged only there is counted, where a full fold would refuse it.
"""

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any, Protocol

from .._declarations import Rubric, Unit
from .._errors import NotFoundError
from .._eventlog import EventRecord
from .._fastobs import day_of, valid_text
from .._model import AssessmentStatus, Mentor, MilestoneStatus, Programme, Sector
from ..cases import (
    OBSERVATION_KINDS,
    TRACE_PATHS,
    AssessmentPhase,
    AssessmentRecorded,
    CaseClosed,
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
    ReferralProposed,
    ReferralSent,
    ReferralStatus,
    SessionLogged,
    fold,
    stream_name,
)
from ._from_cases import cohort_case
from ._indicators import Level, MilestoneView, ReferralView, Tally

__all__ = ["cohort_indicators_from_store"]


class ValueReader(Protocol):
    """What :func:`cohort_indicators_from_store` reads a store with (the SQL stores offer it)."""

    def read_values(
        self, streams: Sequence[str], paths: Mapping[str, Sequence[str]]
    ) -> dict[str, list[tuple[str, list[Any] | None]]]:
        """See :meth:`mentorkit.store.SQLStore.read_values`."""
        ...

    def read_many(
        self,
        streams: Sequence[str],
        *,
        bare_kinds: Collection[str] = (),
        without: Mapping[str, Sequence[str]] | None = None,
    ) -> dict[str, list[EventRecord]]:
        """See :meth:`mentorkit.store.SQLStore.read_many`."""
        ...


# The case events the report reads, with their payload paths (``schema`` first).
_READ_EVENTS: Mapping[type[Any], tuple[str, ...]] = {
    CaseOpened: (
        "schema",
        "business.id",
        "business.district",
        "business.sector",
        "business.capital",
        "business.annual_sales",
        "business.cooperative",
    ),
    MentorAssigned: ("schema", "mentor_id"),
    MentorReassigned: ("schema", "mentor_id"),
    AssessmentRecorded: (
        "schema",
        "phase",
        "assessment.rubric_id",
        "assessment.status",
        "assessment.level",
        "assessment.score",
    ),
    ProspectsRecorded: ("schema", "has_prospects"),
    MilestoneAdded: (
        "schema",
        "milestone.id",
        "milestone.title",
        "milestone.due",
        "milestone.status",
        "milestone.completed_on",
    ),
    MilestoneCompleted: ("schema", "milestone_id"),
    MilestoneMissed: ("schema", "milestone_id"),
    ReferralProposed: ("schema", "referral_id", "referral.unit"),
    ReferralSent: ("schema", "referral_id"),
    ReferralAccepted: ("schema", "referral_id"),
    ReferralDeclined: ("schema", "referral_id"),
    ReferralCompleted: (
        "schema",
        "referral_id",
        "outcome.success",
        "outcome.loan_amount",
        "outcome.cooperative_id",
    ),
    CaseClosed: ("schema", "outcome"),
}

#: What the report reads of each kind of case event: payload paths, ``schema`` first.
READS: Mapping[str, tuple[str, ...]] = {cls.kind: paths for cls, paths in _READ_EVENTS.items()}

#: The payload schema each kind of :data:`READS` is read at (an older one is folded in full).
SCHEMAS: Mapping[str, int] = {cls.kind: cls.SCHEMA for cls in _READ_EVENTS}

#: Case events whose payloads the report never reads (not even loaded from the database).
UNREAD = frozenset(
    {
        ObservationsRecorded.kind,
        ObservationRecorded.kind,
        SessionLogged.kind,
        MentoringStarted.kind,
    }
)

_SECTORS = {s.value: s.value for s in Sector}
_PHASES = {p.value: p for p in AssessmentPhase}
_STATUSES = {s.value: s for s in AssessmentStatus}
_MILESTONE_STATUSES = {s.value: s for s in MilestoneStatus}
_OUTCOMES = frozenset(o.value for o in CaseOutcome)
_COMPLETE = AssessmentStatus.COMPLETE
_BASELINE = AssessmentPhase.BASELINE
_PLANNED = MilestoneStatus.PLANNED
_DONE = MilestoneStatus.DONE
_MISSED = MilestoneStatus.MISSED
_PROPOSED = ReferralStatus.PROPOSED.value
_LIVE = frozenset(
    s.value for s in (ReferralStatus.PROPOSED, ReferralStatus.SENT, ReferralStatus.ACCEPTED)
)

_OPENED = CaseOpened.kind
_ASSESSED = AssessmentRecorded.kind
_PROPOSED_KIND = ReferralProposed.kind
_REFERRAL_STEPS = {
    ReferralSent.kind: ReferralStatus.SENT.value,
    ReferralAccepted.kind: ReferralStatus.ACCEPTED.value,
    ReferralDeclined.kind: ReferralStatus.DECLINED.value,
}


class _Refold(Exception):  # noqa: N818  # not an error: a signal to fold the case in full
    """This case is folded in full (see the module notes)."""


def _text(value: object) -> bool:
    """Text the strict decoder takes as it is (no lone surrogate)."""
    return type(value) is str and (value.isascii() or valid_text(value))


def _word(value: object) -> bool:
    """Text that must not be blank (``_text`` and ``_non_empty`` validators)."""
    return _text(value) and bool(value.strip())  # type: ignore[attr-defined]  # str, just checked


def _amount(value: object) -> bool:
    """None or a whole non-negative number (rupiah), never bool."""
    return value is None or (type(value) is int and value >= 0)


class _Case:
    """What the report reads of one case, as its events are replayed."""

    __slots__ = ("assessments", "business", "has_prospects", "mentor_id", "milestones", "referrals")

    def __init__(self, business: tuple[str, str, str, int | None, int | None, bool]) -> None:
        self.business = business
        self.mentor_id: str | None = None
        self.has_prospects: bool | None = None
        #: ``(level, phase)`` per assessment recorded.
        self.assessments: list[tuple[Level, AssessmentPhase]] = []
        #: ``[id, title, due, status, done_on_record]`` per milestone.
        self.milestones: list[list[Any]] = []
        #: ``[id, unit, status, outcome]`` per referral; outcome ``(success, loan, cooperative)``.
        self.referrals: list[list[Any]] = []


def _opened(values: list[Any]) -> _Case:
    _schema, ident, district, sector, capital, sales, cooperative = values
    sector = _SECTORS.get(sector) if type(sector) is str else None
    if (
        sector is None
        or not _word(ident)
        or not _word(district)
        or not _amount(capital)
        or not _amount(sales)
        or not (cooperative is None or type(cooperative) is dict)
    ):
        raise _Refold
    return _Case((ident, district, sector, capital, sales, cooperative is not None))


def _assessment(values: list[Any]) -> tuple[Level, AssessmentPhase]:
    _schema, phase, rubric_id, status, level, score = values
    phase = _PHASES.get(phase) if type(phase) is str else None
    status = _STATUSES.get(status) if type(status) is str else None
    if phase is None or status is None or not _text(rubric_id):
        raise _Refold
    if level is not None and not _text(level):
        raise _Refold
    if score is not None:
        if type(score) is int:
            try:
                score = float(score)
            except OverflowError:  # too large for a float: the strict path says so
                raise _Refold from None
        elif type(score) is not float:
            raise _Refold
        if not (math.isfinite(score) and 0.0 <= score <= 100.0):
            raise _Refold
    # Assessment's rule: score and level are set exactly when it is complete.
    if status is _COMPLETE:
        if score is None or level is None:
            raise _Refold
    elif score is not None or level is not None:
        raise _Refold
    return (rubric_id, status, level, score), phase


def _milestone(values: list[Any], dates: dict[str, dt.date]) -> list[Any]:
    _schema, ident, title, due, status, completed_on = values
    due = day_of(due, dates)
    status = _MILESTONE_STATUSES.get(status) if type(status) is str else None
    if due is None or status is None or not _word(ident) or not _word(title):
        raise _Refold
    if completed_on is not None and day_of(completed_on, dates) is None:
        raise _Refold
    # Milestone's rule: completed_on is set exactly when it is done.
    if (status is _DONE) != (completed_on is not None):
        raise _Refold
    return [ident, title, due, status, completed_on is not None]


def _replay(events: list[tuple[str, list[Any] | None]], dates: dict[str, dt.date]) -> _Case:
    """The fold of one case's events, for what the report reads (see the module notes)."""
    case: _Case | None = None
    for kind, values in events:
        if kind in UNREAD:
            if case is None:
                raise _Refold  # the fold refuses an event before the opening
            continue
        if values is None:
            raise _Refold  # a kind the report does not know: the fold says what it is
        schema = values[0]
        if not (
            (schema is None and SCHEMAS[kind] == 1)
            or (type(schema) is int and schema == SCHEMAS[kind])
        ):
            raise _Refold
        if kind == _OPENED:
            case = _opened(values)  # a second opening starts the case again, as in fold()
            continue
        if case is None:
            raise _Refold
        if kind == _ASSESSED:
            case.assessments.append(_assessment(values))
        elif kind == _PROPOSED_KIND:
            referral_id, unit = values[1], values[2]
            if not _word(referral_id) or not _text(unit):
                raise _Refold
            case.referrals.append([referral_id, unit, _PROPOSED, None])
        elif kind in _REFERRAL_STEPS:
            referral_id = values[1]
            if not _word(referral_id):
                raise _Refold
            status = _REFERRAL_STEPS[kind]
            for referral in case.referrals:
                if referral[0] == referral_id:
                    referral[2] = status
        elif kind == ReferralCompleted.kind:
            _schema, referral_id, success, loan, cooperative_id = values
            if (
                not _word(referral_id)
                or type(success) is not bool
                or not _amount(loan)
                or not (cooperative_id is None or _text(cooperative_id))
            ):
                raise _Refold
            for referral in case.referrals:
                if referral[0] == referral_id:
                    referral[2] = ReferralStatus.COMPLETED.value
                    referral[3] = (success, loan, cooperative_id)
        elif kind == CaseClosed.kind:
            if type(values[1]) is not str or values[1] not in _OUTCOMES:
                raise _Refold
            for referral in case.referrals:
                if referral[2] in _LIVE:
                    referral[2] = ReferralStatus.CANCELLED.value
        elif kind in (MentorAssigned.kind, MentorReassigned.kind):
            if not _word(values[1]):
                raise _Refold
            case.mentor_id = values[1]
        elif kind == ProspectsRecorded.kind:
            if type(values[1]) is not bool:
                raise _Refold
            case.has_prospects = values[1]
        elif kind == MilestoneAdded.kind:
            case.milestones.append(_milestone(values, dates))
        elif kind == MilestoneCompleted.kind:
            milestone_id = values[1]
            if not _word(milestone_id):
                raise _Refold
            for milestone in case.milestones:
                if milestone[0] == milestone_id:
                    milestone[3] = _DONE
                    milestone[4] = True
        else:
            assert kind == MilestoneMissed.kind  # every kind of READS is handled above
            milestone_id = values[1]
            if not _word(milestone_id):
                raise _Refold
            for milestone in case.milestones:
                if milestone[0] == milestone_id:
                    if milestone[4]:
                        raise _Refold  # done, then missed: the fold refuses that milestone
                    milestone[3] = _MISSED
    if case is None:
        raise _Refold  # events, but no opening: the fold says so
    return case


def _outcome(status: str, outcome: tuple[bool, int | None, str | None] | None) -> str | None:
    """:func:`~mentorkit.reports.referral_outcome` of a replayed referral."""
    if status in ("declined", "cancelled"):
        return status
    if outcome is None:
        return None
    success, loan, cooperative_id = outcome
    if not success:
        return "not_succeeded"
    if loan:
        return "loan_granted"
    if cooperative_id:
        return "joined_cooperative"
    return "succeeded"


def _count(tally: Tally, case: _Case) -> None:
    """Count a replayed case as :func:`~mentorkit.reports.cohort_case` would give it."""
    first: dict[str, Level] = {}
    latest: dict[str, Level] = {}
    for level, phase in case.assessments:
        rubric_id = level[0]
        held = first.get(rubric_id)
        # The baseline is the first complete one; an incomplete one stands until then.
        if held is None or (
            phase is _BASELINE and level[1] is _COMPLETE and held[1] is not _COMPLETE
        ):
            first[rubric_id] = level
        latest[rubric_id] = level
    milestones: list[MilestoneView] = [(m[0], m[1], m[2], m[3]) for m in case.milestones]
    referrals: list[ReferralView] = [
        (unit, status, _outcome(status, outcome), None if outcome is None else outcome[1])
        for _id, unit, status, outcome in case.referrals
    ]
    ident, district, sector, capital, sales, cooperative = case.business
    tally.add(
        business_id=ident,
        district=district,
        sector=sector,
        capital=capital,
        annual_sales=sales,
        cooperative=cooperative,
        mentor_id=case.mentor_id,
        has_prospects=case.has_prospects,
        levels=[(rubric_id, level, latest[rubric_id]) for rubric_id, level in first.items()],
        milestones=milestones,
        referrals=referrals,
    )


#: Cases per read (the store reads a few hundred streams per query).
_CHUNK = 2_000


def cohort_indicators_from_store(
    store: ValueReader,
    case_ids: Iterable[str],
    *,
    as_of: dt.date,
    mentors: Iterable[Mentor] = (),
    rubrics: Mapping[str, Rubric] | None = None,
    units: Mapping[str, Unit] | None = None,
    programme: Programme | None = None,
) -> dict[str, Any]:
    """:func:`cohort_indicators` of the cases ``case_ids``, read straight from ``store``.

    The same indicators as ``cohort_indicators(cohort_cases(states), ...)``
    for the states of those cases, in the same order (what ``mentorkit
    report`` writes), at a fraction of the cost: the store gives only the
    fields the indicators read, and nothing is kept per case. A case with
    anything out of the ordinary is folded in full (module notes).
    ``store`` is an SQL store (``read_values`` and ``read_many``). Raises
    :class:`~mentorkit.NotFoundError` for an id without a case.
    """
    tally = Tally(as_of=as_of, rubrics=rubrics)
    dates: dict[str, dt.date] = {}
    bare = tuple(OBSERVATION_KINDS)
    ids = list(case_ids)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        streams = [stream_name(case_id) for case_id in chunk]
        found = store.read_values(streams, READS)
        for case_id, stream in zip(chunk, streams, strict=True):
            try:
                case = _replay(found.get(stream, []), dates)
            except _Refold:
                # Read and folded as CaseService.states(observations=False, traces=False) does.
                records = store.read_many([stream], bare_kinds=bare, without=TRACE_PATHS)
                state = fold(records.get(stream, []), observations=False)
                if state is None:
                    raise NotFoundError(f"no case {case_id!r}") from None
                tally.add_case(cohort_case(state))
                continue
            _count(tally, case)
        del found
    return tally.indicators(mentors=mentors, units=units, programme=programme)

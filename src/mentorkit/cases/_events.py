"""Case events: one frozen attrs class per kind, and their stored form.

A case's history is an append-only stream of these events (stream
``case/<case_id>``); a training or certification wave has its own stream
(``wave/<programme_id>``). Each class carries its ``kind`` tag (the
:attr:`~mentorkit.EventRecord.kind` it is stored under) and a ``schema``
field, the version of its payload, so events written by an older release
still decode after an upgrade (see :data:`UPCASTERS`).

Payloads are encoded with the core strict converter into JSON-ready data,
so any :class:`~mentorkit.EventStore` can keep them.
"""

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeAlias, get_args

import attrs
from attrs import field, frozen

from .._errors import DecodeError, FieldIssue, InvalidFieldError
from .._eventlog import EventRecord
from .._fastenc import FITS, assessment_data, fields_are, observation_data, referral_data
from .._fastobs import (
    _as_declared,
    assessment_fast,
    business_fast,
    day_of,
    observations_fast,
    referral_fast,
    valid_text,
)
from .._json import dumpb, loads, plain_and_text, plain_text
from .._model import Assessment, Business, Milestone, Observation, Programme, Referral, Session
from .._serialize import decode, encode
from .._trusted import trusted_constructor

__all__ = [
    "EVENT_CLASSES",
    "UPCASTERS",
    "AssessmentPhase",
    "AssessmentRecorded",
    "AttendanceRecorded",
    "CaseClosed",
    "CaseEvent",
    "CaseOpened",
    "CaseOutcome",
    "Event",
    "MentorAssigned",
    "MentorReassigned",
    "MentoringStarted",
    "MilestoneAdded",
    "MilestoneCompleted",
    "MilestoneMissed",
    "ObservationRecorded",
    "ObservationsRecorded",
    "ParticipantCertified",
    "ParticipantEnrolled",
    "ProspectsRecorded",
    "ReferralAccepted",
    "ReferralCompleted",
    "ReferralDeclined",
    "ReferralOutcome",
    "ReferralProposed",
    "ReferralSent",
    "SessionLogged",
    "WaveEvent",
    "WaveOpened",
    "from_record",
    "to_record",
]


def _text(_inst: object, attribute: Any, value: str) -> None:
    if not value.strip():
        raise InvalidFieldError(attribute.name, "must not be empty")


def _non_negative(_inst: object, attribute: Any, value: int | None) -> None:
    if value is not None and value < 0:
        raise InvalidFieldError(attribute.name, "must not be negative")


class CaseOutcome(enum.StrEnum):
    """How a case ended (hasil pendampingan)."""

    GRADUATED = "graduated"  #: lulus — the plan was carried out
    REFERRED_ON = "referred_on"  #: dirujuk — handed on to another unit, which completed it
    WITHDRAWN = "withdrawn"  #: mengundurkan diri — the business left the programme
    CLOSED = "closed"  #: ditutup — closed by the office for another reason


class AssessmentPhase(enum.StrEnum):
    """Whether an assessment is the first for its rubric or a later one."""

    BASELINE = "baseline"  #: penilaian awal
    FOLLOW_UP = "follow_up"  #: penilaian lanjutan


@frozen
class ReferralOutcome:
    """What a completed referral achieved (hasil rujukan).

    ``loan_amount`` is whole rupiah (e.g. a KUR loan granted);
    ``cooperative_id`` the cooperative joined; ``success`` is False when the
    unit completed its work without the hoped-for result.
    """

    success: bool
    loan_amount: int | None = field(default=None, validator=_non_negative)
    cooperative_id: str | None = None
    note: str | None = None


# --------------------------------------------------------------------------- case events


@frozen
class CaseOpened:
    """A business entered a programme: the case (pendampingan) was opened at intake."""

    kind: ClassVar[str] = "case.opened"
    SCHEMA: ClassVar[int] = 1

    case_id: str = field(validator=_text)
    business: Business
    programme_id: str = field(validator=_text)
    opened_on: dt.date
    schema: int = 1


@frozen
class MentorAssigned:
    """A mentor (pendamping) was assigned; ``explanation`` says why this one."""

    kind: ClassVar[str] = "mentor.assigned"
    SCHEMA: ClassVar[int] = 1

    mentor_id: str = field(validator=_text)
    assigned_on: dt.date
    explanation: str | None = None
    schema: int = 1


@frozen
class MentorReassigned:
    """The case moved from ``previous_mentor_id`` to ``mentor_id``."""

    kind: ClassVar[str] = "mentor.reassigned"
    SCHEMA: ClassVar[int] = 1

    mentor_id: str = field(validator=_text)
    previous_mentor_id: str = field(validator=_text)
    reassigned_on: dt.date
    reason: str | None = None
    schema: int = 1


@frozen
class ObservationRecorded:
    """A mentor answered one rubric criterion (observasi).

    Written by earlier releases, one event per answer; still read. New
    writes use :class:`ObservationsRecorded`.
    """

    kind: ClassVar[str] = "observation.recorded"
    SCHEMA: ClassVar[int] = 1

    observation: Observation
    schema: int = 1


def _some(_inst: object, attribute: Any, value: tuple[Any, ...]) -> None:
    if not value:
        raise InvalidFieldError(attribute.name, "must not be empty")


@frozen
class ObservationsRecorded:
    """A mentor's answers from one visit or import, recorded together (observasi).

    What :meth:`CaseService.record_observations` writes: one event for all
    the good observations of one call. Logs of earlier releases hold one
    :class:`ObservationRecorded` per answer; both fold the same way.
    """

    kind: ClassVar[str] = "observations.recorded"
    SCHEMA: ClassVar[int] = 1

    observations: tuple[Observation, ...] = field(validator=_some)
    schema: int = 1


@frozen
class AssessmentRecorded:
    """An assessment (penilaian) was recorded, as baseline or follow-up."""

    kind: ClassVar[str] = "assessment.recorded"
    SCHEMA: ClassVar[int] = 1

    assessment: Assessment
    phase: AssessmentPhase
    schema: int = 1


@frozen
class ProspectsRecorded:
    """The mentor judged whether the business has prospects (prospek usaha)."""

    kind: ClassVar[str] = "prospects.recorded"
    SCHEMA: ClassVar[int] = 1

    has_prospects: bool
    recorded_on: dt.date
    note: str | None = None
    schema: int = 1


@frozen
class MentoringStarted:
    """Mentoring proper began after the baseline assessment."""

    kind: ClassVar[str] = "mentoring.started"
    SCHEMA: ClassVar[int] = 1

    started_on: dt.date
    schema: int = 1


@frozen
class MilestoneAdded:
    """A step was added to the business plan (rencana usaha)."""

    kind: ClassVar[str] = "milestone.added"
    SCHEMA: ClassVar[int] = 1

    milestone: Milestone
    schema: int = 1


@frozen
class MilestoneCompleted:
    """A planned milestone was done, with its evidence (bukti)."""

    kind: ClassVar[str] = "milestone.completed"
    SCHEMA: ClassVar[int] = 1

    milestone_id: str = field(validator=_text)
    completed_on: dt.date
    evidence: str | None = None
    schema: int = 1


@frozen
class MilestoneMissed:
    """A planned milestone was recorded as missed (terlewat)."""

    kind: ClassVar[str] = "milestone.missed"
    SCHEMA: ClassVar[int] = 1

    milestone_id: str = field(validator=_text)
    noted_on: dt.date
    note: str | None = None
    schema: int = 1


@frozen
class SessionLogged:
    """A mentoring session or visit was logged (sesi pendampingan)."""

    kind: ClassVar[str] = "session.logged"
    SCHEMA: ClassVar[int] = 1

    session: Session
    schema: int = 1


@frozen
class ReferralProposed:
    """The rules (or a mentor) proposed referring the business to a unit (usulan rujukan)."""

    kind: ClassVar[str] = "referral.proposed"
    SCHEMA: ClassVar[int] = 1

    referral_id: str = field(validator=_text)
    referral: Referral
    schema: int = 1


@frozen
class ReferralSent:
    """A proposed referral was sent to its unit, which must respond by ``due``."""

    kind: ClassVar[str] = "referral.sent"
    SCHEMA: ClassVar[int] = 1

    referral_id: str = field(validator=_text)
    sent_on: dt.date
    due: dt.date
    schema: int = 1


@frozen
class ReferralAccepted:
    """The unit accepted the referral and should complete it by ``due``."""

    kind: ClassVar[str] = "referral.accepted"
    SCHEMA: ClassVar[int] = 1

    referral_id: str = field(validator=_text)
    accepted_on: dt.date
    due: dt.date
    schema: int = 1


@frozen
class ReferralDeclined:
    """The unit declined the referral, saying why."""

    kind: ClassVar[str] = "referral.declined"
    SCHEMA: ClassVar[int] = 1

    referral_id: str = field(validator=_text)
    declined_on: dt.date
    reason: str = field(validator=_text)
    schema: int = 1


@frozen
class ReferralCompleted:
    """The unit completed the referral with an outcome (a loan, a membership, ...)."""

    kind: ClassVar[str] = "referral.completed"
    SCHEMA: ClassVar[int] = 1

    referral_id: str = field(validator=_text)
    completed_on: dt.date
    outcome: ReferralOutcome
    schema: int = 1


@frozen
class CaseClosed:
    """The case was closed with an outcome and a reason; it accepts no more writes."""

    kind: ClassVar[str] = "case.closed"
    SCHEMA: ClassVar[int] = 1

    outcome: CaseOutcome
    reason: str = field(validator=_text)
    closed_on: dt.date
    schema: int = 1


# --------------------------------------------------------------------------- wave events


@frozen
class WaveOpened:
    """A training or certification wave (gelombang) was opened."""

    kind: ClassVar[str] = "wave.opened"
    SCHEMA: ClassVar[int] = 1

    programme: Programme
    schema: int = 1


@frozen
class ParticipantEnrolled:
    """A case's business was enrolled in a wave (peserta)."""

    kind: ClassVar[str] = "participant.enrolled"
    SCHEMA: ClassVar[int] = 1

    case_id: str = field(validator=_text)
    business_id: str = field(validator=_text)
    enrolled_on: dt.date
    schema: int = 1


@frozen
class AttendanceRecorded:
    """A participant's attendance (kehadiran) on one day of the wave."""

    kind: ClassVar[str] = "attendance.recorded"
    SCHEMA: ClassVar[int] = 1

    case_id: str = field(validator=_text)
    day: dt.date
    present: bool
    schema: int = 1


@frozen
class ParticipantCertified:
    """A participant was certified (bersertifikat); ``milestone_id`` is the step it completes."""

    kind: ClassVar[str] = "participant.certified"
    SCHEMA: ClassVar[int] = 1

    case_id: str = field(validator=_text)
    certified_on: dt.date
    certificate: str | None = None
    milestone_id: str | None = None
    schema: int = 1


#: Any event of a case stream.
CaseEvent: TypeAlias = (
    CaseOpened
    | MentorAssigned
    | MentorReassigned
    | ObservationRecorded
    | ObservationsRecorded
    | AssessmentRecorded
    | ProspectsRecorded
    | MentoringStarted
    | MilestoneAdded
    | MilestoneCompleted
    | MilestoneMissed
    | SessionLogged
    | ReferralProposed
    | ReferralSent
    | ReferralAccepted
    | ReferralDeclined
    | ReferralCompleted
    | CaseClosed
)

#: Any event of a wave stream.
WaveEvent: TypeAlias = WaveOpened | ParticipantEnrolled | AttendanceRecorded | ParticipantCertified

#: Any event this module knows.
Event: TypeAlias = CaseEvent | WaveEvent

#: The classes of :data:`CaseEvent`, for ``isinstance`` checks.
CASE_EVENT_CLASSES: tuple[type[CaseEvent], ...] = get_args(CaseEvent)

#: Event classes by their ``kind`` tag.
EVENT_CLASSES: Mapping[str, type[Event]] = {
    cls.kind: cls for cls in (*CASE_EVENT_CLASSES, *get_args(WaveEvent))
}

#: Payload upgrades: ``(kind, schema)`` -> a function turning a payload of
#: that schema into one of ``schema + 1``. When a payload changes shape,
#: bump the class's ``SCHEMA`` and its ``schema`` default, and add the step
#: here, so events stored by older releases still decode.
UPCASTERS: dict[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _observations_payload(event: ObservationsRecorded) -> dict[str, Any] | None:
    observations: list[dict[str, Any]] = []
    append = observations.append
    for obs in event.observations:
        data = observation_data(obs)
        if data is None:
            return None
        append(data)
    schema = event.schema
    return {"observations": observations, "schema": schema} if type(schema) is int else None


def _assessment_payload(event: AssessmentRecorded) -> dict[str, Any] | None:
    phase, schema = event.phase, event.schema
    if type(phase) is not AssessmentPhase or type(schema) is not int:
        return None
    assessment = assessment_data(event.assessment)
    if assessment is None:
        return None
    return {"assessment": assessment, "phase": phase._value_, "schema": schema}


def _referral_payload(event: ReferralProposed) -> dict[str, Any] | None:
    referral_id, schema = event.referral_id, event.schema
    if type(referral_id) is not str or type(schema) is not int:
        return None
    referral = referral_data(event.referral)
    if referral is None:
        return None
    return {"referral_id": referral_id, "referral": referral, "schema": schema}


_PayloadWriter: TypeAlias = Callable[[Any], dict[str, Any] | None]

#: Each hand-written payload encoder, with its event class and the fields it writes.
_WRITERS: list[tuple[type, tuple[str, ...], _PayloadWriter]] = [
    (ObservationsRecorded, ("observations", "schema"), _observations_payload),
    (AssessmentRecorded, ("assessment", "phase", "schema"), _assessment_payload),
    (ReferralProposed, ("referral_id", "referral", "schema"), _referral_payload),
]


def _payload_writers(
    fits: bool, writers: list[tuple[type, tuple[str, ...], _PayloadWriter]] = _WRITERS
) -> dict[type, _PayloadWriter]:
    """The hand-written payload encoders of the event classes whose fields they know.

    Only while ``fits`` (the models they write have the fields they know, see
    :data:`mentorkit._fastenc.FITS`), and for each event class only while it
    has exactly the fields its encoder writes; any other class takes the
    general path.
    """
    if not fits:
        return {}
    return {cls: write for cls, names, write in writers if fields_are(cls, names)}


#: The event kinds written most (a visit's answers, each rubric's assessment, each
#: referral proposal), by exact class: their payloads by hand (see :func:`payload`).
_PAYLOAD_WRITERS = _payload_writers(FITS)


def payload(event: Event) -> dict[str, Any]:
    """The plain JSON data an event is stored as: ``loads(dumpb(encode(event)))``.

    For the kinds written most the data is built by hand
    (:mod:`mentorkit._fastenc`) when every value is plainly what its field
    declares; anything else (and every other kind) takes the general path,
    cattrs then a JSON round trip. Both give the same data (property-tested).
    """
    write = _PAYLOAD_WRITERS.get(type(event))
    if write is not None:
        data = write(event)
        if data is not None:
            return data
    return loads(dumpb(encode(event)))  # type: ignore[no-any-return]  # JSON data: an object


def to_record(stream: str, version: int, actor: str, at: dt.datetime, event: Event) -> EventRecord:
    """The :class:`~mentorkit.EventRecord` storing ``event`` as version ``version``.

    The payload is plain JSON data (strings, numbers, lists, objects), the
    same whatever store keeps it.
    """
    return EventRecord(
        stream=stream, version=version, kind=event.kind, actor=actor, at=at, data=payload(event)
    )


def encoded_record(
    stream: str, version: int, actor: str, at: dt.datetime, event: Event
) -> tuple[EventRecord, str]:
    """:func:`to_record` and the standard-library JSON text of the record's payload.

    The record equals ``to_record(...)``'s and the text is exactly what an
    SQL store writes for it (``dumps_stdlib(record.data)``), found with one
    encoding where it can be: :func:`mentorkit._json.plain_text` of a payload
    built by hand (it holds no NaN or infinity: those take the general path),
    :func:`mentorkit._json.plain_and_text` otherwise. The case service hands
    both to the store in an :class:`~mentorkit._eventlog.EncodedRecords`, so
    the payload is not encoded again there.
    """
    write = _PAYLOAD_WRITERS.get(type(event))
    data = None if write is None else write(event)
    if data is None:
        data, text = plain_and_text(encode(event))
    else:
        text = plain_text(data)
    record = EventRecord(
        stream=stream, version=version, kind=event.kind, actor=actor, at=at, data=data
    )
    return record, text


def from_record(record: EventRecord) -> Event:
    """Decode a stored event, upgrading an older payload schema first.

    Raises :class:`~mentorkit.DecodeError` naming the stream, version and
    field path when the payload does not fit (values are never echoed).
    """
    name = f"event {record.stream}@{record.version} ({record.kind})"
    cls = EVENT_CLASSES.get(record.kind)
    if cls is None:
        raise DecodeError(name, [FieldIssue("$.kind", "unknown event kind")])
    data = dict(record.data)
    schema = data.get("schema", 1)
    if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
        raise DecodeError(name, [FieldIssue("$.schema", "expected a whole number from 1")])
    if schema > cls.SCHEMA:
        raise DecodeError(
            name,
            [
                FieldIssue(
                    "$.schema",
                    f"schema {schema} is newer than this release reads ({cls.SCHEMA}): "
                    "upgrade mentorkit",
                )
            ],
        )
    while schema < cls.SCHEMA:
        step = UPCASTERS.get((record.kind, schema))
        if step is None:
            raise DecodeError(
                name, [FieldIssue("$.schema", f"no upgrade from schema {schema} is known")]
            )
        data = step(data)
        schema += 1
        data["schema"] = schema
    if cls is CaseOpened:
        # A case's opening (one per case, the whole business): likewise, without cattrs.
        opened = case_opened_fast(data)
        if opened is not None:
            return opened
    elif cls is ObservationsRecorded and data.keys() == {"observations", "schema"}:
        # A visit's answers: checked field by field without cattrs when plainly valid.
        answers = observations_fast(data["observations"], _DATES)
        if answers:
            return ObservationsRecorded(answers)
    elif cls is AssessmentRecorded:
        # An assessment (one or two per case and rubric): likewise, without cattrs.
        recorded = assessment_recorded_fast(data)
        if recorded is not None:
            return recorded
    elif cls is ReferralProposed:
        # A referral proposal (one to five per case): likewise, without cattrs.
        proposed = referral_proposed_fast(data)
        if proposed is not None:
            return proposed
    return decode(data, cls, record=name)


#: Parsed dates for :func:`from_record` (bounded by the fast decoders' ``day_of``).
_DATES: dict[str, dt.date] = {}

_RECORDED_FIELDS = ("assessment", "phase", "schema")
_RECORDED_KEYS = frozenset(_RECORDED_FIELDS)
_RECORDED_SCHEMA: object = attrs.fields(AssessmentRecorded).schema.default
_PHASES = {member.value: member for member in AssessmentPhase}
#: AssessmentRecorded built directly (it has no validators; steps aside if it changes shape).
_assessment_recorded = trusted_constructor(AssessmentRecorded, _RECORDED_FIELDS)


def assessment_recorded_fast(data: object) -> AssessmentRecorded | None:
    """An ``assessment.recorded`` payload decoded by hand when plainly valid; None otherwise.

    Checks what ``decode(data, AssessmentRecorded)`` checks: ``assessment``
    and ``phase`` present and no unknown key, ``phase`` one of
    :class:`AssessmentPhase`, ``schema`` (when stored) a whole number, and
    the assessment itself (see :func:`~mentorkit._fastobs.assessment_fast`).
    On None the caller decodes with the strict converter, which reports
    each bad field by its path; the two agree (property-tested).
    """
    if (
        _assessment_recorded is AssessmentRecorded
        or type(data) is not dict
        or not _RECORDED_KEYS.issuperset(data)
    ):
        return None
    phase = data.get("phase")
    schema = data.get("schema", _RECORDED_SCHEMA)
    if type(phase) is not str or type(schema) is not int or "assessment" not in data:
        return None
    phase = _PHASES.get(phase)
    if phase is None:
        return None
    assessment = assessment_fast(data["assessment"], _DATES)
    if assessment is None:
        return None
    return _assessment_recorded(assessment, phase, schema)


_PROPOSED_FIELDS = ("referral_id", "referral", "schema")
_PROPOSED_KEYS = frozenset(_PROPOSED_FIELDS)
_PROPOSED_SCHEMA: object = attrs.fields(ReferralProposed).schema.default
#: ReferralProposed without its ``referral_id`` check (made by hand below); it steps aside if
#: the class changes shape or gains another validator.
_referral_proposed = trusted_constructor(ReferralProposed, _PROPOSED_FIELDS)
_PROPOSED_FITS = _referral_proposed is not ReferralProposed and [
    f.validator for f in attrs.fields(ReferralProposed)
] == [_text, None, None]


def referral_proposed_fast(data: object) -> ReferralProposed | None:
    """A ``referral.proposed`` payload decoded by hand when plainly valid; None otherwise.

    Checks what ``decode(data, ReferralProposed)`` checks: ``referral_id``
    and ``referral`` present and no unknown key, ``referral_id`` text
    (not blank, no lone surrogate), ``schema`` (when stored) a whole number,
    and the referral itself (see :func:`~mentorkit._fastobs.referral_fast`).
    On None the caller decodes with the strict converter, which reports
    each bad field by its path; the two agree (property-tested).
    """
    if not _PROPOSED_FITS or type(data) is not dict or not _PROPOSED_KEYS.issuperset(data):
        return None
    referral_id = data.get("referral_id")
    schema = data.get("schema", _PROPOSED_SCHEMA)
    if (
        type(referral_id) is not str
        or type(schema) is not int
        or "referral" not in data
        or not referral_id.strip()
        or not (referral_id.isascii() or valid_text(referral_id))
    ):
        return None
    referral = referral_fast(data["referral"], _DATES)
    if referral is None:
        return None
    return _referral_proposed(referral_id, referral, schema)


_OPENED_FIELDS = ("case_id", "business", "programme_id", "opened_on", "schema")
_OPENED_KEYS = frozenset(_OPENED_FIELDS)
#: CaseOpened without its ``case_id`` and ``programme_id`` checks (made by hand below); it
#: steps aside if the class changes shape (a field, a type, a default or a validator).
_case_opened = trusted_constructor(CaseOpened, _OPENED_FIELDS)
_OPENED_FITS = _case_opened is not CaseOpened and _as_declared(
    CaseOpened,
    (str, Business, str, dt.date, int),
    {"schema": 1},
    {"case_id": _text, "programme_id": _text},
)


def case_opened_fast(data: object) -> CaseOpened | None:
    """A ``case.opened`` payload decoded by hand when plainly valid; None otherwise.

    Checks what ``decode(data, CaseOpened)`` checks: ``case_id``,
    ``business``, ``programme_id`` and ``opened_on`` present and no unknown
    key, the two ids text (not blank, no lone surrogate), ``opened_on`` as
    ``YYYY-MM-DD``, ``schema`` (when stored) a whole number, and the
    business itself (see :func:`~mentorkit._fastobs.business_fast`). On None
    the caller decodes with the strict converter, which reports each bad
    field by its path, never its value; the two agree (property-tested).
    """
    if not _OPENED_FITS or type(data) is not dict or not _OPENED_KEYS.issuperset(data):
        return None
    case_id = data.get("case_id")
    programme_id = data.get("programme_id")
    schema = data.get("schema", 1)
    if (
        type(case_id) is not str
        or type(programme_id) is not str
        or type(schema) is not int
        or "business" not in data
        or not case_id.strip()
        or not programme_id.strip()
        or not (case_id.isascii() or valid_text(case_id))
        or not (programme_id.isascii() or valid_text(programme_id))
    ):
        return None
    opened_on = day_of(data.get("opened_on"), _DATES)
    if opened_on is None:
        return None
    business = business_fast(data["business"], _DATES)
    if business is None:
        return None
    return _case_opened(case_id, business, programme_id, opened_on, schema)

"""Training and certification waves (gelombang): participants, attendance, certificates.

A wave is a :class:`~mentorkit.Programme` of kind training or
certification with its own event stream ``wave/<programme_id>``. Its
participants are cases; certifying a participant can complete a milestone
of that case's business plan.
"""

import datetime as dt
from collections.abc import Iterable

import attrs
from attrs import frozen

from .._errors import NotFoundError, TransitionError
from .._eventlog import EventRecord
from .._model import Programme, ProgrammeKind
from ._events import (
    AttendanceRecorded,
    ParticipantCertified,
    ParticipantEnrolled,
    WaveEvent,
    WaveOpened,
    from_record,
)

__all__ = ["Participant", "WaveState", "check_wave", "fold_wave", "wave_stream"]

WAVE_PREFIX = "wave/"


def wave_stream(programme_id: str) -> str:
    """The event stream of wave ``programme_id`` (``wave/<programme_id>``)."""
    return WAVE_PREFIX + programme_id


@frozen
class Participant:
    """One participant of a wave (peserta): a case, its attendance and certificate."""

    case_id: str
    business_id: str
    enrolled_on: dt.date
    present: tuple[dt.date, ...] = ()
    absent: tuple[dt.date, ...] = ()
    certified_on: dt.date | None = None
    certificate: str | None = None
    milestone_id: str | None = None

    @property
    def certified(self) -> bool:
        """True once the participant is certified."""
        return self.certified_on is not None


@frozen
class WaveState:
    """The state of a wave: the fold of its events."""

    programme: Programme
    version: int
    participants: tuple[Participant, ...] = ()

    def participant(self, case_id: str) -> Participant:
        """The participant of case ``case_id``; :class:`NotFoundError` if not enrolled."""
        for participant in self.participants:
            if participant.case_id == case_id:
                return participant
        raise NotFoundError(f"case {case_id!r} is not enrolled in wave {self.programme.id!r}")

    @property
    def certified_count(self) -> int:
        """How many participants are certified."""
        return sum(1 for p in self.participants if p.certified)


def check_wave(state: WaveState | None, event: WaveEvent) -> None:
    """Raise :class:`~mentorkit.TransitionError` unless ``event`` may follow ``state``."""
    if state is None:
        if not isinstance(event, WaveOpened):
            raise TransitionError(f"a wave must be opened before a {event.kind} event")
        if event.programme.kind is ProgrammeKind.MENTORING:
            raise TransitionError(
                f"programme {event.programme.id!r} is a mentoring programme, not a wave"
            )
        return
    name = f"wave {state.programme.id!r}"
    if isinstance(event, WaveOpened):
        raise TransitionError(f"{name} is already open")
    if isinstance(event, ParticipantEnrolled):
        if any(p.case_id == event.case_id for p in state.participants):
            raise TransitionError(f"{name}: case {event.case_id!r} is already enrolled")
        capacity = state.programme.capacity
        if capacity is not None and len(state.participants) >= capacity:
            raise TransitionError(f"{name} is full ({capacity} participants)")
        return
    participant = state.participant(event.case_id)
    if isinstance(event, ParticipantCertified) and participant.certified:
        raise TransitionError(f"{name}: case {event.case_id!r} is already certified")


def apply_wave(state: WaveState | None, event: WaveEvent, version: int) -> WaveState:
    """Fold one wave event into ``state``."""
    if isinstance(event, WaveOpened):
        return WaveState(programme=event.programme, version=version)
    if state is None:
        raise TransitionError(f"a wave must be opened before a {event.kind} event")
    if isinstance(event, ParticipantEnrolled):
        added = Participant(event.case_id, event.business_id, event.enrolled_on)
        return WaveState(state.programme, version, (*state.participants, added))
    people = []
    for p in state.participants:
        if p.case_id == event.case_id:
            if isinstance(event, AttendanceRecorded):
                if event.present:
                    p = attrs.evolve(p, present=(*p.present, event.day))
                else:
                    p = attrs.evolve(p, absent=(*p.absent, event.day))
            else:
                p = attrs.evolve(
                    p,
                    certified_on=event.certified_on,
                    certificate=event.certificate,
                    milestone_id=event.milestone_id,
                )
        people.append(p)
    return WaveState(state.programme, version, tuple(people))


_WAVE_EVENTS = (WaveOpened, ParticipantEnrolled, AttendanceRecorded, ParticipantCertified)


def fold_wave(records: Iterable[EventRecord]) -> WaveState | None:
    """The state of a wave from its stored events (None for an empty stream)."""
    state: WaveState | None = None
    for record in records:
        event = from_record(record)
        if not isinstance(event, _WAVE_EVENTS):
            raise TransitionError(f"event {record.kind!r} does not belong in a wave stream")
        state = apply_wave(state, event, record.version)
    return state

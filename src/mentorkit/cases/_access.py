"""Who may do and see what: actors, roles and the views they get.

Every service call takes the acting :class:`Actor` explicitly (no global
state). A coordinator may do everything; a mentor acts only on the cases
assigned to them; a unit officer sees only the referrals addressed to their
unit, as summaries without personal data. Personal data (NIK, phone) is
masked unless the actor may see it.
"""

import datetime as dt
import enum

import attrs
from attrs import field, frozen

from .._errors import AccessDeniedError, InvalidFieldError
from .._model import Person, Sector, mask_nik, mask_phone
from ._case import CaseReferral, CaseState, ReferralStatus

__all__ = [
    "Actor",
    "CaseView",
    "ReferralSummary",
    "Role",
    "case_view",
    "may_see",
    "referral_summary",
    "require_case",
    "require_coordinator",
    "require_unit",
]


class Role(enum.StrEnum):
    """What an actor does in the office (peran)."""

    COORDINATOR = "coordinator"  #: koordinator program — sees and does everything
    MENTOR = "mentor"  #: pendamping — acts on the cases assigned to them
    UNIT_OFFICER = "unit_officer"  #: petugas unit — answers referrals addressed to the unit


def _text(_inst: object, attribute: "attrs.Attribute[str]", value: str) -> None:
    if not value.strip():
        raise InvalidFieldError(attribute.name, "must not be empty")


@frozen
class Actor:
    """The user acting: an id (never personal data), a role, and what it is tied to.

    A mentor actor carries ``mentor_id``; a unit officer carries ``unit``.
    """

    id: str = field(validator=_text)
    role: Role
    unit: str | None = None
    mentor_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.role is Role.MENTOR and not self.mentor_id:
            raise InvalidFieldError("mentor_id", "a mentor actor needs the mentor's id")
        if self.role is Role.UNIT_OFFICER and not self.unit:
            raise InvalidFieldError("unit", "a unit officer actor needs the unit's id")


def _denied(actor: Actor, action: str, why: str) -> AccessDeniedError:
    return AccessDeniedError(f"actor {actor.id!r} ({actor.role.value}) may not {action}: {why}")


def require_coordinator(actor: Actor, action: str) -> None:
    """Raise :class:`~mentorkit.AccessDeniedError` unless ``actor`` is a coordinator."""
    if actor.role is not Role.COORDINATOR:
        raise _denied(actor, action, "only a coordinator may")


def require_case(actor: Actor, state: CaseState, action: str) -> None:
    """Allow a coordinator, or the mentor the case is assigned to."""
    if actor.role is Role.COORDINATOR:
        return
    if actor.role is Role.MENTOR:
        if state.mentor_id is not None and state.mentor_id == actor.mentor_id:
            return
        raise _denied(actor, f"{action} on case {state.case_id!r}", "it is not assigned to them")
    raise _denied(actor, f"{action} on case {state.case_id!r}", "unit officers see referrals only")


def require_unit(actor: Actor, unit: str, action: str) -> None:
    """Allow a coordinator, or an officer of ``unit``."""
    if actor.role is Role.COORDINATOR:
        return
    if actor.role is Role.UNIT_OFFICER and actor.unit == unit:
        return
    raise _denied(actor, action, f"it is addressed to unit {unit!r}")


def may_see(actor: Actor, state: CaseState, field_name: str) -> bool:
    """Whether ``actor`` may see personal field ``field_name`` (``nik``, ``phone``) in clear.

    A coordinator may see both; the case's own mentor may see the phone
    (to reach the owner) but not the NIK; nobody else sees either.
    """
    if actor.role is Role.COORDINATOR:
        return field_name in ("nik", "phone")
    if actor.role is Role.MENTOR and state.mentor_id == actor.mentor_id:
        return field_name == "phone"
    return False


@frozen
class CaseView:
    """A case as one actor may see it.

    ``state`` is the case with the owner's personal fields removed;
    ``owner_nik`` and ``owner_phone`` hold them in clear when ``actor`` may
    see them and masked otherwise (see :func:`mentorkit.mask_nik`).
    """

    state: CaseState
    owner_nik: str | None
    owner_phone: str | None


def case_view(actor: Actor, state: CaseState, *, reveal: bool = False) -> CaseView:
    """The view of ``state`` for ``actor``; ``reveal`` asks for personal data in clear.

    Personal data is shown in clear only when asked for *and* allowed.
    """
    owner = state.business.owner
    stripped = attrs.evolve(
        state,
        business=attrs.evolve(state.business, owner=_without_personal_data(owner)),
    )
    nik = owner.nik if reveal and may_see(actor, state, "nik") else mask_nik(owner.nik)
    phone = owner.phone if reveal and may_see(actor, state, "phone") else mask_phone(owner.phone)
    return CaseView(state=stripped, owner_nik=nik, owner_phone=phone)


def _without_personal_data(person: Person) -> Person:
    return attrs.evolve(person, nik=None, phone=None)


@frozen
class ReferralSummary:
    """What a unit sees of a referral addressed to it: no NIK, no phone.

    ``overdue`` is judged on the day the summary was made.
    """

    case_id: str
    referral_id: str
    unit: str
    status: ReferralStatus
    business_id: str
    business_name: str
    district: str
    sector: Sector
    rule_id: str
    proposed_on: dt.date
    sent_on: dt.date | None
    due: dt.date | None
    overdue: bool
    details: tuple[tuple[str, str], ...]


def referral_summary(state: CaseState, referral: CaseReferral, on: dt.date) -> ReferralSummary:
    """The summary of ``referral`` of case ``state`` for its unit, as of ``on``."""
    business = state.business
    return ReferralSummary(
        case_id=state.case_id,
        referral_id=referral.id,
        unit=referral.unit,
        status=referral.status,
        business_id=business.id,
        business_name=business.name,
        district=business.district,
        sector=business.sector,
        rule_id=referral.referral.rule_id,
        proposed_on=referral.referral.proposed_on,
        sent_on=referral.sent_on,
        due=referral.due,
        overdue=referral.overdue(on),
        details=referral.referral.details,
    )

"""The domain model: frozen, slotted attrs classes with validators.

Money is whole rupiah as ``int``; dates are :class:`datetime.date`; closed
sets are enums whose values are the stable serialized form. Fields holding
personal data carry ``metadata={"sensitive": True}`` (see
:func:`sensitive_fields`): they are never logged and are masked in exports.

Validation lives in the models; serialization lives in
:mod:`mentorkit._serialize`.
"""

import datetime as dt
import enum
import math
import re
from collections.abc import Callable
from typing import Any, Literal, TypeAlias

import attrs
from attrs import field, frozen

from ._errors import InvalidFieldError

__all__ = [
    "SENSITIVE",
    "Answer",
    "AnswerSource",
    "Assessment",
    "AssessmentStatus",
    "Business",
    "Cooperative",
    "CooperativeMembership",
    "CriterionResult",
    "Gender",
    "Label",
    "Licence",
    "LicenceKind",
    "Mentor",
    "MentorKind",
    "Milestone",
    "MilestoneStatus",
    "Observation",
    "Person",
    "Programme",
    "ProgrammeKind",
    "Reason",
    "Receipt",
    "Referral",
    "SalesChannel",
    "Sector",
    "Session",
    "SizeClass",
    "mask_nik",
    "mask_phone",
    "sensitive_fields",
]

#: attrs metadata flag for fields that hold personal data (UU PDP 27/2022).
SENSITIVE = "sensitive"
_SENSITIVE_META = {SENSITIVE: True}

#: An answer to a rubric criterion: yes/no, a point on a scale, or a choice.
Answer: TypeAlias = bool | int | str

Lang = Literal["en", "id"]


# --------------------------------------------------------------------------- validators


def _non_empty(_inst: object, attribute: "attrs.Attribute[Any]", value: str) -> None:
    if not value.strip():
        raise InvalidFieldError(attribute.name, "must not be empty")


def _answer(_inst: object, attribute: "attrs.Attribute[Any]", value: object) -> None:
    # What the stores and the decoders read back: a decimal number (1.5) is no answer.
    if not isinstance(value, bool | int | str):
        raise InvalidFieldError(
            attribute.name,
            f"must be true/false, a whole number or a string, not {type(value).__name__}",
        )


def _non_negative(_inst: object, attribute: "attrs.Attribute[Any]", value: int | None) -> None:
    if value is not None and value < 0:
        raise InvalidFieldError(attribute.name, "must not be negative")


def _positive(_inst: object, attribute: "attrs.Attribute[Any]", value: int) -> None:
    if value <= 0:
        raise InvalidFieldError(attribute.name, "must be greater than zero")


def _digits(count: int, what: str) -> Callable[[object, "attrs.Attribute[Any]", str | None], None]:
    # [0-9], not \d: \d also matches other scripts' digits (full-width, Arabic-Indic...), which
    # are no NIK or NIB the office's systems (Dukcapil, OSS) know.
    pattern = re.compile(rf"[0-9]{{{count}}}")

    def check(_inst: object, attribute: "attrs.Attribute[Any]", value: str | None) -> None:
        # The value is never echoed: it may be personal data.
        if value is not None and not pattern.fullmatch(value):
            raise InvalidFieldError(
                attribute.name, "{what} must be exactly {count} digits", what=what, count=count
            )

    return check


#: A NIK's and a NIB's checks, named so the fast decoders can tell they are still the ones in use.
_nik_digits = _digits(16, "NIK")
_nib_digits = _digits(13, "NIB")

_PHONE = re.compile(r"\+?[0-9]{8,15}")  # ASCII digits only, as for the NIK


def _phone(_inst: object, attribute: "attrs.Attribute[Any]", value: str | None) -> None:
    if value is not None and not _PHONE.fullmatch(value):
        raise InvalidFieldError(
            attribute.name, "phone number must be 8 to 15 digits, optionally after '+'"
        )


def _unique(_inst: object, attribute: "attrs.Attribute[Any]", value: tuple[Any, ...]) -> None:
    if len(set(value)) != len(value):
        raise InvalidFieldError(attribute.name, "must not contain duplicates")


# --------------------------------------------------------------------------- enums


class Sector(enum.StrEnum):
    """Business sector (sektor usaha)."""

    CULINARY = "culinary"  #: kuliner — food and drink
    CRAFT = "craft"  #: kriya — handicrafts
    FASHION = "fashion"  #: fesyen
    SERVICES = "services"  #: jasa
    TRADE = "trade"  #: perdagangan
    AGRIBUSINESS = "agribusiness"  #: agribisnis
    OTHER = "other"  #: lainnya


class Gender(enum.StrEnum):
    """Gender as recorded by the office (jenis kelamin)."""

    FEMALE = "female"  #: perempuan
    MALE = "male"  #: laki-laki


class SizeClass(enum.StrEnum):
    """Business size class (skala usaha), see :func:`mentorkit.size_class`."""

    MICRO = "micro"  #: mikro
    SMALL = "small"  #: kecil
    MEDIUM = "medium"  #: menengah
    LARGE = "large"  #: besar


class LicenceKind(enum.StrEnum):
    """Kinds of licence, registration or certificate a business can hold (izin)."""

    NIB = "nib"  #: Nomor Induk Berusaha (OSS-RBA business identity number)
    SPP_IRT = "spp_irt"  #: Sertifikat Produksi Pangan Industri Rumah Tangga (P-IRT)
    BPOM_MD = "bpom_md"  #: BPOM registration, domestic processed food
    BPOM_ML = "bpom_ml"  #: BPOM registration, imported processed food
    HALAL = "halal"  #: BPJPH halal certificate
    SNI = "sni"  #: SNI product certificate
    TRADEMARK = "trademark"  #: registered trademark (merek, DJKI)
    NPWP = "npwp"  #: tax registration number
    OTHER = "other"  #: any other licence


class SalesChannel(enum.StrEnum):
    """Where a business sells (saluran penjualan)."""

    SHOP = "shop"  #: own shop or stall (toko/lapak)
    MARKETPLACE = "marketplace"  #: online marketplace
    SOCIAL_MEDIA = "social_media"  #: social media / chat
    GALLERY = "gallery"  #: district gallery run by a cooperative (galeri UMKM)
    RESELLER = "reseller"  #: resellers and agents
    GOVERNMENT = "government"  #: government procurement (Inpres 2/2022)
    EXPORT = "export"  #: ekspor


class MentorKind(enum.StrEnum):
    """Where a mentor comes from."""

    PRACTITIONER = "practitioner"  #: praktisi
    ACADEMIC = "academic"  #: akademisi (local university)


class ProgrammeKind(enum.StrEnum):
    """Kind of programme or cohort (program)."""

    MENTORING = "mentoring"  #: pendampingan
    TRAINING = "training"  #: pelatihan
    CERTIFICATION = "certification"  #: sertifikasi


class MilestoneStatus(enum.StrEnum):
    """State of a business-plan milestone."""

    PLANNED = "planned"  #: direncanakan
    DONE = "done"  #: selesai
    MISSED = "missed"  #: terlewat
    CANCELLED = "cancelled"  #: dibatalkan


class AnswerSource(enum.StrEnum):
    """Where a criterion's answer came from in an assessment."""

    OBSERVED = "observed"  #: a mentor's observation
    DERIVED = "derived"  #: derived from facts already on the Business
    MISSING = "missing"  #: no answer: the assessment is incomplete
    INVALID = "invalid"  #: an answer was given but is not valid for the criterion
    FAILED = "failed"  #: the plugin's derivation raised


class AssessmentStatus(enum.StrEnum):
    """Whether an assessment could be completed."""

    COMPLETE = "complete"  #: every criterion answered: score and level are set
    INCOMPLETE = "incomplete"  #: some criteria unanswered: no score, never a silent zero


# --------------------------------------------------------------------------- labels


@frozen
class Label:
    """A user-facing text in English and Indonesian.

    >>> Label(en="Bookkeeping", id="Pembukuan").get("id")
    'Pembukuan'
    """

    en: str = field(validator=_non_empty)
    id: str = field(validator=_non_empty)

    def get(self, lang: str) -> str:
        """Return the text in ``lang`` (``"id"`` or ``"en"``); English otherwise."""
        return self.id if lang == "id" else self.en


# --------------------------------------------------------------------------- people


@frozen
class Person:
    """A natural person: a business owner (pemilik usaha) or contact.

    ``nik`` (Nomor Induk Kependudukan, 16 digits) and ``phone`` are personal
    data: masked in exports, never logged.
    """

    name: str = field(validator=_non_empty)
    nik: str | None = field(
        default=None, validator=_nik_digits, metadata=_SENSITIVE_META, repr=False
    )
    phone: str | None = field(default=None, validator=_phone, metadata=_SENSITIVE_META, repr=False)
    gender: Gender | None = None


@frozen
class Licence:
    """A licence, registration or certificate held by a business (izin usaha)."""

    kind: LicenceKind
    number: str = field(validator=_non_empty)
    issued: dt.date | None = None
    expires: dt.date | None = None

    def __attrs_post_init__(self) -> None:
        if self.issued is not None and self.expires is not None and self.expires < self.issued:
            raise InvalidFieldError("expires", "must not be before the issue date")

    def valid_on(self, day: dt.date) -> bool:
        """True when the licence was issued by ``day`` and has not expired."""
        if self.issued is not None and self.issued > day:
            return False
        return self.expires is None or self.expires >= day


@frozen
class CooperativeMembership:
    """Membership of a cooperative (keanggotaan koperasi)."""

    cooperative_id: str = field(validator=_non_empty)
    joined: dt.date | None = None


@frozen
class Cooperative:
    """A cooperative (koperasi) that businesses can join."""

    id: str = field(validator=_non_empty)
    name: str = field(validator=_non_empty)
    district: str = field(validator=_non_empty)
    sectors: tuple[Sector, ...] = field(default=(), validator=_unique)
    savings_and_loan: bool = False  #: koperasi simpan pinjam: lends to members (can channel KUR)


@frozen
class Business:
    """A micro, small or medium business (UMKM) in the programme.

    ``district`` is the kecamatan; ``capital`` (modal usaha, excluding land
    and buildings), ``annual_sales`` (hasil penjualan tahunan) and
    ``financing_need`` (kebutuhan modal) are whole rupiah.
    """

    id: str = field(validator=_non_empty)
    name: str = field(validator=_non_empty)
    owner: Person
    sector: Sector
    district: str = field(validator=_non_empty)
    address: str | None = None
    founded: dt.date | None = None
    employees: int = field(default=0, validator=_non_negative)
    capital: int | None = field(default=None, validator=_non_negative)
    annual_sales: int | None = field(default=None, validator=_non_negative)
    financing_need: int | None = field(default=None, validator=_non_negative)
    nib: str | None = field(default=None, validator=_nib_digits)
    licences: tuple[Licence, ...] = ()
    cooperative: CooperativeMembership | None = None
    sales_channels: tuple[SalesChannel, ...] = field(default=(), validator=_unique)

    def licence(self, kind: LicenceKind, on: dt.date) -> Licence | None:
        """The first licence of ``kind`` valid on ``on``, if any.

        A NIB recorded in :attr:`nib` counts as a valid ``LicenceKind.NIB``.
        """
        for held in self.licences:
            if held.kind is kind and held.valid_on(on):
                return held
        if kind is LicenceKind.NIB and self.nib is not None:
            return Licence(kind=LicenceKind.NIB, number=self.nib)
        return None

    def age_in_months(self, on: dt.date) -> int | None:
        """Whole months the business has been running on ``on`` (None if unknown)."""
        if self.founded is None:
            return None
        months = (on.year - self.founded.year) * 12 + (on.month - self.founded.month)
        if on.day < self.founded.day:
            months -= 1
        return max(months, 0)


@frozen
class Mentor:
    """A mentor (pendamping): a practitioner or a university academic.

    ``expertise`` holds tags such as ``"accounting"`` or ``"marketing"``
    (rubrics name the expertise each criterion needs); ``districts`` are the
    kecamatan the mentor covers; ``capacity`` is the most cases at once.
    """

    id: str = field(validator=_non_empty)
    name: str = field(validator=_non_empty)
    kind: MentorKind
    affiliation: str | None = None
    expertise: tuple[str, ...] = field(default=(), validator=_unique)
    districts: tuple[str, ...] = field(default=(), validator=_unique)
    capacity: int = field(default=10, validator=_positive)
    phone: str | None = field(default=None, validator=_phone, metadata=_SENSITIVE_META, repr=False)


@frozen
class Programme:
    """A programme or cohort: a mentoring, training or certification wave (gelombang)."""

    id: str = field(validator=_non_empty)
    name: str = field(validator=_non_empty)
    kind: ProgrammeKind
    starts: dt.date
    ends: dt.date | None = None
    capacity: int | None = field(default=None, validator=attrs.validators.optional(_positive))
    wave: int | None = field(default=None, validator=attrs.validators.optional(_positive))
    districts: tuple[str, ...] = field(default=(), validator=_unique)

    def __attrs_post_init__(self) -> None:
        if self.ends is not None and self.ends < self.starts:
            raise InvalidFieldError("ends", "must not be before the start date")


@frozen
class Milestone:
    """A step of a business plan (rencana usaha) with a due date.

    ``template`` names the plugin template it came from (None when the
    mentor wrote it); ``criterion`` is ``"rubric_id/criterion_id"`` when the
    milestone addresses an unmet criterion.
    """

    id: str = field(validator=_non_empty)
    title: str = field(validator=_non_empty)
    due: dt.date
    status: MilestoneStatus = MilestoneStatus.PLANNED
    evidence: str | None = None
    completed_on: dt.date | None = None
    template: str | None = None
    criterion: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.status is MilestoneStatus.DONE and self.completed_on is None:
            raise InvalidFieldError("completed_on", "is required when the milestone is done")
        if self.status is not MilestoneStatus.DONE and self.completed_on is not None:
            raise InvalidFieldError("completed_on", "is only set when the milestone is done")

    def overdue(self, on: dt.date) -> bool:
        """True when the milestone is still planned after its due date."""
        return self.status is MilestoneStatus.PLANNED and on > self.due


@frozen
class Session:
    """A logged mentoring session or visit (sesi pendampingan)."""

    id: str = field(validator=_non_empty)
    business_id: str = field(validator=_non_empty)
    mentor_id: str = field(validator=_non_empty)
    held_on: dt.date
    duration_minutes: int = field(default=60, validator=_positive)
    topics: tuple[str, ...] = ()
    notes: str | None = None
    next_steps: str | None = None


@frozen
class Observation:
    """A mentor's answer to one rubric criterion for one business.

    ``value`` is ``bool`` for yes/no criteria, ``int`` for scales and ``str``
    for choices (anything else, a decimal number included, raises
    :class:`~mentorkit.InvalidFieldError`); the rubric checks it fits the
    criterion.
    """

    business_id: str = field(validator=_non_empty)
    rubric_id: str = field(validator=_non_empty)
    criterion_id: str = field(validator=_non_empty)
    value: Answer = field(validator=_answer)
    observed_on: dt.date
    evidence: str | None = None
    observer: str | None = None


# --------------------------------------------------------------------------- results


def _unit_interval(_inst: object, attribute: "attrs.Attribute[Any]", value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidFieldError(attribute.name, "must be between 0 and 1")


def _percent(_inst: object, attribute: "attrs.Attribute[Any]", value: float | None) -> None:
    if value is not None and not (math.isfinite(value) and 0.0 <= value <= 100.0):
        raise InvalidFieldError(attribute.name, "must be between 0 and 100")


def _finite_weight(_inst: object, attribute: "attrs.Attribute[Any]", value: float) -> None:
    if not (math.isfinite(value) and value >= 0.0):
        raise InvalidFieldError(attribute.name, "must be a finite number, 0 or more")


@frozen
class CriterionResult:
    """How one criterion was scored: the trace line of an :class:`Assessment`."""

    criterion_id: str
    weight: float = field(validator=_finite_weight)
    source: AnswerSource
    score: float | None = field(default=None, validator=_unit_interval)
    answer: Answer | None = None
    met: bool = False
    note: str | None = None


#: Hash texts already checked (a rule pack's few declaration and pack hashes recur on every result).
_CHECKED_HASHES: set[str] = set()
#: A receipt's hash text: ``sha256:`` and 64 lower-case hex digits (also the fast decoder's check).
_HASH_TEXT = re.compile(r"sha256:[0-9a-f]{64}")


def _hash_text(_inst: object, attribute: "attrs.Attribute[Any]", value: str) -> None:
    if type(value) is str and value in _CHECKED_HASHES:
        return
    # One compiled fullmatch: cheaper than slicing and str.strip (receipts are on the hot path).
    if not (isinstance(value, str) and _HASH_TEXT.fullmatch(value)):
        raise InvalidFieldError(attribute.name, "must be 'sha256:' and 64 lower-case hex digits")
    if attribute.name != "inputs" and len(_CHECKED_HASHES) < 4096:
        _CHECKED_HASHES.add(value)


@frozen
class Receipt:
    """A decision receipt (tanda bukti keputusan): what produced a result.

    ``declaration`` is the content hash of the rubric or rule that decided,
    ``pack`` the content hash of the whole rule pack loaded (every rubric and
    rule, and the dated legal parameters the facts use), ``inputs`` the hash
    of exactly the inputs the decision read (the business without personal
    data, the observations or facts used) and ``on`` the date of the
    decision, which selects the legal parameters in force. ``scheme`` names
    the hashing scheme. See :func:`mentorkit.replay`.
    """

    declaration: str = field(validator=_hash_text)
    pack: str = field(validator=_hash_text)
    inputs: str = field(validator=_hash_text)
    on: dt.date
    scheme: str = "mentorkit-receipt/1"


@frozen
class Assessment:
    """The result of scoring one business against one rubric version (penilaian).

    ``score`` (0-100) and ``level`` are set only when ``status`` is
    complete; an incomplete assessment lists the criteria it is ``missing``.
    """

    business_id: str
    rubric_id: str
    rubric_version: str
    assessed_on: dt.date
    status: AssessmentStatus
    score: float | None = field(default=None, validator=_percent)
    level: str | None = None
    criteria: tuple[CriterionResult, ...] = ()
    missing: tuple[str, ...] = ()
    receipt: Receipt | None = None

    def __attrs_post_init__(self) -> None:
        complete = self.status is AssessmentStatus.COMPLETE
        if complete and (self.score is None or self.level is None):
            raise InvalidFieldError("score", "a complete assessment has a score and a level")
        if not complete and (self.score is not None or self.level is not None):
            raise InvalidFieldError("score", "an incomplete assessment has no score or level")

    @property
    def unmet(self) -> tuple[CriterionResult, ...]:
        """Criteria answered but not met (the ones a business plan addresses)."""
        return tuple(c for c in self.criteria if c.score is not None and not c.met)


@frozen
class Reason:
    """Why a rule fired (or did not): one condition and the fact it read."""

    fact: str
    op: str
    expected: str
    actual: str
    held: bool


@frozen
class Referral:
    """A proposal to send a business to a unit (rujukan), with its reasons."""

    business_id: str
    unit: str
    rule_id: str
    rule_version: str
    proposed_on: dt.date
    reasons: tuple[Reason, ...] = ()
    details: tuple[tuple[str, str], ...] = ()
    receipt: Receipt | None = None


# --------------------------------------------------------------------------- personal data


def sensitive_fields(cls: type) -> tuple[str, ...]:
    """Names of the fields of attrs class ``cls`` that hold personal data."""
    return tuple(a.name for a in attrs.fields(cls) if a.metadata.get(SENSITIVE))


def mask_nik(nik: str | None) -> str | None:
    """Mask a NIK, keeping the region code and the last four digits.

    >>> mask_nik("3674011234560001")
    '3674********0001'
    """
    if nik is None:
        return None
    if len(nik) <= 8:
        return "*" * len(nik)
    return nik[:4] + "*" * (len(nik) - 8) + nik[-4:]


def mask_phone(phone: str | None) -> str | None:
    """Mask a phone number, keeping its last three digits.

    >>> mask_phone("081234567890")
    '*********890'
    """
    if phone is None:
        return None
    return "*" * max(len(phone) - 3, 0) + phone[-3:]

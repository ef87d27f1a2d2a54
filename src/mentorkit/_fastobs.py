"""Observations, criterion results, assessments, referrals and businesses from JSON data, fast.

:func:`observations_fast` (the batch, the stores, stored events),
:func:`criterion_results_fast` (every stored or read :class:`Assessment`'s
trace), :func:`assessment_fast` (every stored assessment event),
:func:`referral_fast` (every stored referral proposal) and
:func:`business_fast` (every stored case opening) check every field by
hand and build the values with trusted constructors; on anything unusual
they return None, and the caller decodes with the strict converter, which
reports the exact field paths. They never accept what the strict converter
rejects, and return equal values (property-tested).
"""

import datetime as dt
import math
import re
from typing import Any

import attrs

from ._errors import InvalidFieldError
from ._model import (
    _HASH_TEXT,
    _PHONE,
    Answer,
    AnswerSource,
    Assessment,
    AssessmentStatus,
    Business,
    CooperativeMembership,
    CriterionResult,
    Gender,
    Licence,
    LicenceKind,
    Observation,
    Person,
    Reason,
    Receipt,
    Referral,
    SalesChannel,
    Sector,
    _nib_digits,
    _nik_digits,
    _non_empty,
    _non_negative,
    _phone,
    _unique,
)
from ._trusted import trusted_constructor

__all__ = [
    "ASSESSMENT_FIELDS",
    "BUSINESS_FIELDS",
    "LICENCE_FIELDS",
    "MEMBERSHIP_FIELDS",
    "OBSERVATION_FIELDS",
    "PERSON_FIELDS",
    "REASON_FIELDS",
    "RECEIPT_FIELDS",
    "REFERRAL_FIELDS",
    "RESULT_FIELDS",
    "assessment_fast",
    "business_fast",
    "checked_observation",
    "criterion_results_fast",
    "day_of",
    "observations_fast",
    "referral_fast",
    "trusted_observation",
    "unstructure_observation",
    "valid_text",
]


def valid_text(text: str) -> bool:
    """True unless ``text`` holds a lone surrogate (JSON can carry one as ``"\\ud800"``).

    Such text has no UTF-8 form: it could be neither hashed, stored nor
    written out, so the decoders refuse it. ASCII text is checked in O(1).
    """
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


#: Observation's fields, in order: what the fast paths check, build and write out.
OBSERVATION_FIELDS = (
    "business_id",
    "rubric_id",
    "criterion_id",
    "value",
    "observed_on",
    "evidence",
    "observer",
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ANSWER_TYPES = (bool, int, str)
_DATES_MAX = 4096


def day_of(text: object, dates: dict[str, dt.date]) -> dt.date | None:
    """The date ``text`` ("YYYY-MM-DD") names, cached in ``dates``; None if it is no such text."""
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


def checked_observation(
    item: object, dates: dict[str, dt.date]
) -> tuple[str, str, str, Answer, dt.date, str | None, str | None] | None:
    """The fields of one plainly valid observation object, in order; None for anything else.

    Checks what the strict converter and :class:`Observation`'s validators
    check. ``dates`` is the caller's cache of parsed dates (kept small).
    """
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
        return None  # Observation's own check (_non_empty), made here: see trusted_observation
    # ``isascii()`` first: a method call, cheaper than a function call for ASCII text.
    if not (
        (business_id.isascii() or valid_text(business_id))
        and (rubric_id.isascii() or valid_text(rubric_id))
        and (criterion_id.isascii() or valid_text(criterion_id))
        and (evidence is None or evidence.isascii() or valid_text(evidence))
        and (observer is None or observer.isascii() or valid_text(observer))
        and (type(value) is not str or value.isascii() or valid_text(value))
    ):
        return None  # a lone surrogate: the strict path reports it with its path
    observed_on = dates.get(observed) if type(observed) is str else None
    if observed_on is None:
        observed_on = day_of(observed, dates)
        if observed_on is None:
            return None
    return business_id, rubric_id, criterion_id, value, observed_on, evidence, observer


def observations_fast(items: object, dates: dict[str, dt.date]) -> tuple[Observation, ...] | None:
    """Observations from JSON data when all are plainly valid; None to use the strict path.

    ``dates`` is the caller's cache of parsed dates (kept small).
    """
    if type(items) is not list:
        return None
    out: list[Observation] = []
    append = out.append
    for item in items:
        fields = checked_observation(item, dates)
        if fields is None:
            return None
        append(trusted_observation(*fields))
    return tuple(out)


#: Observation without its validators, for fields already checked as they would check them
#: (non-empty ids; the types): by :func:`checked_observation`, or by the CSV import's direct
#: reading (``mentorkit.io._columns.observation_row``). Property tests compare both with
#: ``mentorkit.decode``.
trusted_observation = trusted_constructor(Observation, OBSERVATION_FIELDS)


def unstructure_observation(obs: Observation) -> dict[str, Any]:
    """``mentorkit.encode(obs)``, written out (many per case, each visit's answers).

    Registered on the converter only while :class:`Observation` has exactly
    :data:`OBSERVATION_FIELDS`; a property test compares it with the
    generated hook.
    """
    return {
        "business_id": obs.business_id,
        "rubric_id": obs.rubric_id,
        "criterion_id": obs.criterion_id,
        "value": obs.value,
        "observed_on": obs.observed_on.isoformat(),
        "evidence": obs.evidence,
        "observer": obs.observer,
    }


#: The fields of the classes the fast paths build and the batch's encoder writes, in order.
RESULT_FIELDS = ("criterion_id", "weight", "source", "score", "answer", "met", "note")
_criterion_result = trusted_constructor(CriterionResult, RESULT_FIELDS)
_SOURCES = {member.value: member for member in AnswerSource}
_RESULT_KEYS = frozenset(RESULT_FIELDS)
_NUMBERS = (int, float)
_RESULTS_MAX = 4096
# Equal traces recur across a cohort (same criterion, same answer): one shared value each.
_results: dict[tuple[Any, ...], CriterionResult] = {}


def criterion_results_fast(items: object) -> tuple[CriterionResult, ...] | None:
    """Criterion results from JSON data when all are plainly valid; None to use the strict path.

    Checks what the strict converter and :class:`CriterionResult`'s
    validators check: the keys (``criterion_id``, ``weight`` and ``source``
    required, no unknown ones), each type (numbers as int or float, never
    bool), ``weight`` finite and not negative, ``score`` None or within
    0-1, ``source`` one of :class:`AnswerSource`. Equal results share one
    value (a bounded cache).
    """
    if type(items) is not list:
        return None
    out: list[CriterionResult] = []
    append = out.append
    cache = _results
    for item in items:
        if type(item) is not dict or not _RESULT_KEYS.issuperset(item):
            return None
        try:
            criterion_id = item["criterion_id"]
            weight = item["weight"]
            source = _SOURCES.get(item["source"])
        except (KeyError, TypeError):  # missing, or an unhashable source
            return None
        score = item.get("score")
        answer = item.get("answer")
        met = item.get("met", False)
        note = item.get("note")
        if (
            source is None
            or type(criterion_id) is not str
            or not (criterion_id.isascii() or valid_text(criterion_id))
            or type(weight) not in _NUMBERS
            or (score is not None and type(score) not in _NUMBERS)
            or (answer is not None and type(answer) not in _ANSWER_TYPES)
            or type(met) is not bool
            or (
                note is not None
                and (type(note) is not str or not (note.isascii() or valid_text(note)))
            )
            or (type(answer) is str and not (answer.isascii() or valid_text(answer)))
        ):
            return None
        try:
            weight = float(weight)
            score = None if score is None else float(score)
        except OverflowError:  # an integer too large for a float
            return None
        if not (math.isfinite(weight) and weight >= 0.0):
            return None
        if score is not None and not (math.isfinite(score) and 0.0 <= score <= 1.0):
            return None
        key = (criterion_id, weight, source, score, type(answer), answer, met, note)
        result = cache.get(key)
        if result is None:
            if len(cache) >= _RESULTS_MAX:
                cache.clear()
            result = cache[key] = _criterion_result(
                criterion_id, weight, source, score, answer, met, note
            )
        append(result)
    return tuple(out)


RECEIPT_FIELDS = ("declaration", "pack", "inputs", "on", "scheme")
_RECEIPT_KEYS = frozenset(RECEIPT_FIELDS)
_RECEIPT_SCHEME: object = attrs.fields(Receipt).scheme.default  # the default when not stored
#: Receipt without its hash-text validators: :func:`_receipt_fast` checks them as they do.
_receipt = trusted_constructor(Receipt, RECEIPT_FIELDS)
_is_hash = _HASH_TEXT.fullmatch  # Receipt's hash-text check, exactly

ASSESSMENT_FIELDS = (
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
)
_ASSESSMENT_KEYS = frozenset(ASSESSMENT_FIELDS)
#: Assessment without its field validator (``score`` within 0-100, checked here); its
#: ``__attrs_post_init__`` (score and level set exactly when complete) still runs.
_assessment = trusted_constructor(Assessment, ASSESSMENT_FIELDS, post_init=True)
_STATUSES = {member.value: member for member in AssessmentStatus}
#: Both shortcuts fit the classes as they are: otherwise every assessment takes the strict path.
_ASSESSMENT_FITS = _receipt is not Receipt and _assessment is not Assessment


def _receipt_fast(item: object, dates: dict[str, dt.date]) -> Receipt | None:
    """A plainly valid receipt object as a :class:`Receipt`; None for anything else."""
    if type(item) is not dict or not _RECEIPT_KEYS.issuperset(item):
        return None
    try:
        declaration = item["declaration"]
        pack = item["pack"]
        inputs = item["inputs"]
        on = item["on"]
    except KeyError:
        return None
    scheme = item.get("scheme", _RECEIPT_SCHEME)
    if not (
        type(declaration) is str
        and type(pack) is str
        and type(inputs) is str
        and _is_hash(declaration)
        and _is_hash(pack)
        and _is_hash(inputs)
    ):
        return None
    if type(scheme) is not str or not (scheme.isascii() or valid_text(scheme)):
        return None
    day = day_of(on, dates)
    if day is None:
        return None
    return _receipt(declaration, pack, inputs, day, scheme)


def assessment_fast(item: object, dates: dict[str, dt.date]) -> Assessment | None:
    """An :class:`Assessment` from JSON data when plainly valid; None to use the strict path.

    Checks what the strict converter, :class:`Assessment`'s and
    :class:`Receipt`'s validators check: the keys (the first five required,
    no unknown ones, here or in the receipt), each type (text as str
    without lone surrogates; ``score`` an int or float, never bool,
    within 0-100; ``status`` one of :class:`AssessmentStatus`; dates as
    ``YYYY-MM-DD``; ``criteria`` and ``missing`` as lists), score and level
    set exactly when the assessment is complete, and the receipt's three
    hashes as ``sha256:`` and 64 lower-case hex digits. The trace goes
    through :func:`criterion_results_fast`. ``dates`` is the caller's cache
    of parsed dates (kept small).
    """
    if not _ASSESSMENT_FITS or type(item) is not dict or not _ASSESSMENT_KEYS.issuperset(item):
        return None
    try:
        business_id = item["business_id"]
        rubric_id = item["rubric_id"]
        rubric_version = item["rubric_version"]
        assessed = item["assessed_on"]
        status = item["status"]
    except KeyError:
        return None
    score = item.get("score")
    level = item.get("level")
    receipt = item.get("receipt")
    if (
        type(business_id) is not str
        or type(rubric_id) is not str
        or type(rubric_version) is not str
        or type(status) is not str
        or (level is not None and type(level) is not str)
        or (score is not None and type(score) not in _NUMBERS)
    ):
        return None
    if not (
        (business_id.isascii() or valid_text(business_id))
        and (rubric_id.isascii() or valid_text(rubric_id))
        and (rubric_version.isascii() or valid_text(rubric_version))
        and (level is None or level.isascii() or valid_text(level))
    ):
        return None
    status = _STATUSES.get(status)
    if status is None:
        return None
    if score is not None:
        try:
            score = float(score)
        except OverflowError:  # an integer too large for a float
            return None
        if not (math.isfinite(score) and 0.0 <= score <= 100.0):
            return None
    assessed_on = day_of(assessed, dates)
    if assessed_on is None:
        return None
    if "criteria" in item:
        criteria = criterion_results_fast(item["criteria"])
        if criteria is None:
            return None
    else:
        criteria = ()
    if "missing" in item:
        missing = item["missing"]
        if type(missing) is not list:
            return None
        for name in missing:
            if type(name) is not str or not (name.isascii() or valid_text(name)):
                return None
        missing = tuple(missing)
    else:
        missing = ()
    if receipt is not None:
        receipt = _receipt_fast(receipt, dates)
        if receipt is None:
            return None
    try:
        return _assessment(
            business_id,
            rubric_id,
            rubric_version,
            assessed_on,
            status,
            score,
            level,
            criteria,
            missing,
            receipt,
        )
    except InvalidFieldError:  # a check the class gained since: the strict path reports it
        return None


#: Reason's and Referral's fields, in order: what :func:`referral_fast` checks and builds and
#: the batch's encoder writes.
REASON_FIELDS = ("fact", "op", "expected", "actual", "held")
REFERRAL_FIELDS = (
    "business_id",
    "unit",
    "rule_id",
    "rule_version",
    "proposed_on",
    "reasons",
    "details",
    "receipt",
)
_REFERRAL_KEYS = frozenset(REFERRAL_FIELDS)
#: Reason and Referral have no validators: these only skip attrs's ``__init__``.
_reason = trusted_constructor(Reason, REASON_FIELDS)
_referral = trusted_constructor(Referral, REFERRAL_FIELDS)


def _as_declared(
    cls: type,
    types: tuple[object, ...],
    defaults: dict[str, object],
    validators: dict[str, object] | None = None,
) -> bool:
    """True when ``cls``'s fields have exactly ``types``, ``validators`` and ``defaults``.

    Fields not named in ``validators`` must have none, fields not named in
    ``defaults`` must be required. What a hand decoder checks by hand: a
    class that gains a validator (or swaps one), changes a field's type or
    makes a field optional no longer fits it.
    """
    checks = validators or {}
    fields = attrs.fields(cls)
    return tuple(f.type for f in fields) == types and all(
        f.validator is checks.get(f.name)
        and f.default == defaults.get(f.name, attrs.NOTHING)
        and type(f.default) is type(defaults.get(f.name, attrs.NOTHING))
        for f in fields
    )


#: Every shortcut fits and both classes are as :func:`referral_fast` reads them: otherwise
#: every referral takes the strict path.
_REFERRAL_FITS = (
    _receipt is not Receipt
    and _reason is not Reason
    and _referral is not Referral
    and _as_declared(Reason, (str, str, str, str, bool), {})
    and _as_declared(
        Referral,
        (
            str,
            str,
            str,
            str,
            dt.date,
            tuple[Reason, ...],
            tuple[tuple[str, str], ...],
            Receipt | None,
        ),
        {"reasons": (), "details": (), "receipt": None},
    )
)
_REASONS_MAX = 4096
# Equal reasons recur across a cohort (same rule, same fact value): one shared value each.
_reasons: dict[tuple[str, str, str, str, bool], Reason] = {}
_DETAILS_MAX = 4096
_details: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}


def _reasons_fast(items: object) -> tuple[Reason, ...] | None:
    """Plainly valid reason objects as :class:`Reason` values; None for anything else."""
    if type(items) is not list:
        return None
    out: list[Reason] = []
    append = out.append
    cache = _reasons
    for item in items:
        if type(item) is not dict or len(item) != len(REASON_FIELDS):
            return None  # a key missing or an unknown one (five keys, all of them known)
        try:
            fact = item["fact"]
            op = item["op"]
            expected = item["expected"]
            actual = item["actual"]
            held = item["held"]
        except KeyError:
            return None
        if (
            type(fact) is not str
            or type(op) is not str
            or type(expected) is not str
            or type(actual) is not str
            or type(held) is not bool
        ):
            return None
        key = (fact, op, expected, actual, held)
        reason = cache.get(key)
        if reason is None:  # new text: checked once, then shared
            if not (
                (fact.isascii() or valid_text(fact))
                and (op.isascii() or valid_text(op))
                and (expected.isascii() or valid_text(expected))
                and (actual.isascii() or valid_text(actual))
            ):
                return None
            if len(cache) >= _REASONS_MAX:
                cache.clear()  # bounded: memory stays constant on any input
            reason = cache[key] = _reason(fact, op, expected, actual, held)
        append(reason)
    return tuple(out)


def _details_fast(items: object) -> tuple[tuple[str, str], ...] | None:
    """Plainly valid ``[name, value]`` lists as a tuple of pairs; None for anything else.

    Equal details recur across a cohort (a rule's placement, the same missing
    licences): one shared tuple each (a bounded cache).
    """
    if type(items) is not list:
        return None
    out: list[tuple[str, str]] = []
    append = out.append
    for pair in items:
        if type(pair) is not list or len(pair) != 2:
            return None
        name, value = pair
        if (
            type(name) is not str
            or type(value) is not str
            or not (name.isascii() or valid_text(name))
            or not (value.isascii() or valid_text(value))
        ):
            return None
        append((name, value))
    details = tuple(out)
    shared = _details.get(details)
    if shared is None:
        if len(_details) >= _DETAILS_MAX:
            _details.clear()  # bounded: memory stays constant on any input
        shared = _details[details] = details
    return shared


def referral_fast(item: object, dates: dict[str, dt.date]) -> Referral | None:
    """A :class:`Referral` from JSON data when plainly valid; None to use the strict path.

    Checks what the strict converter checks (neither :class:`Referral` nor
    :class:`Reason` has validators; :class:`Receipt`'s are checked as in
    :func:`assessment_fast`): the keys (the first five required, no unknown
    ones, here, in each reason or in the receipt), each type (text as str
    without lone surrogates, blank text allowed; ``proposed_on`` as
    ``YYYY-MM-DD``; ``reasons`` a list of objects with all five fields,
    ``held`` true or false; ``details`` a list of two-text lists; the
    receipt null or an object). Equal reasons share one value (a bounded
    cache). ``dates`` is the caller's cache of parsed dates (kept small).
    """
    if not _REFERRAL_FITS or type(item) is not dict or not _REFERRAL_KEYS.issuperset(item):
        return None
    try:
        business_id = item["business_id"]
        unit = item["unit"]
        rule_id = item["rule_id"]
        rule_version = item["rule_version"]
        proposed = item["proposed_on"]
    except KeyError:
        return None
    if (
        type(business_id) is not str
        or type(unit) is not str
        or type(rule_id) is not str
        or type(rule_version) is not str
    ):
        return None
    if not (
        (business_id.isascii() or valid_text(business_id))
        and (unit.isascii() or valid_text(unit))
        and (rule_id.isascii() or valid_text(rule_id))
        and (rule_version.isascii() or valid_text(rule_version))
    ):
        return None
    proposed_on = day_of(proposed, dates)
    if proposed_on is None:
        return None
    if "reasons" in item:
        reasons = _reasons_fast(item["reasons"])
        if reasons is None:
            return None
    else:
        reasons = ()
    if "details" in item:
        details = _details_fast(item["details"])
        if details is None:
            return None
    else:
        details = ()
    receipt = item.get("receipt")
    if receipt is not None:
        receipt = _receipt_fast(receipt, dates)
        if receipt is None:
            return None
    return _referral(
        business_id, unit, rule_id, rule_version, proposed_on, reasons, details, receipt
    )


#: The fields of Person, Licence, CooperativeMembership and Business, in order: what
#: :func:`business_fast` checks and builds.
PERSON_FIELDS = ("name", "nik", "phone", "gender")
LICENCE_FIELDS = ("kind", "number", "issued", "expires")
MEMBERSHIP_FIELDS = ("cooperative_id", "joined")
BUSINESS_FIELDS = (
    "id",
    "name",
    "owner",
    "sector",
    "district",
    "address",
    "founded",
    "employees",
    "capital",
    "annual_sales",
    "financing_need",
    "nib",
    "licences",
    "cooperative",
    "sales_channels",
)
_PERSON_KEYS = frozenset(PERSON_FIELDS)
_LICENCE_KEYS = frozenset(LICENCE_FIELDS)
_MEMBERSHIP_KEYS = frozenset(MEMBERSHIP_FIELDS)
_BUSINESS_KEYS = frozenset(BUSINESS_FIELDS)
#: The four classes without their field validators, each checked by hand below as it checks;
#: Licence's ``__attrs_post_init__`` (expiry not before issue) still runs.
_person = trusted_constructor(Person, PERSON_FIELDS)
_licence = trusted_constructor(Licence, LICENCE_FIELDS, post_init=True)
_membership = trusted_constructor(CooperativeMembership, MEMBERSHIP_FIELDS)
_business = trusted_constructor(Business, BUSINESS_FIELDS)
_GENDERS = {member.value: member for member in Gender}
_LICENCE_KINDS = {member.value: member for member in LicenceKind}
_SECTORS = {member.value: member for member in Sector}
_CHANNELS = {member.value: member for member in SalesChannel}
# The NIK's and NIB's checks, as the validators check them (ASCII digits only). The phone's is
# the validator's own pattern.
_is_nik = re.compile(r"[0-9]{16}").fullmatch
_is_nib = re.compile(r"[0-9]{13}").fullmatch
_is_phone = _PHONE.fullmatch
_Date = dt.date | None
#: Every shortcut fits and every class is as :func:`business_fast` reads it (each field's
#: type, default and validator): otherwise every business takes the strict path.
_BUSINESS_FITS = (
    _person is not Person
    and _licence is not Licence
    and _membership is not CooperativeMembership
    and _business is not Business
    and _as_declared(
        Person,
        (str, str | None, str | None, Gender | None),
        {"nik": None, "phone": None, "gender": None},
        {"name": _non_empty, "nik": _nik_digits, "phone": _phone},
    )
    and _as_declared(
        Licence,
        (LicenceKind, str, _Date, _Date),
        {"issued": None, "expires": None},
        {"number": _non_empty},
    )
    and _as_declared(
        CooperativeMembership, (str, _Date), {"joined": None}, {"cooperative_id": _non_empty}
    )
    and _as_declared(
        Business,
        (
            str,
            str,
            Person,
            Sector,
            str,
            str | None,
            _Date,
            int,
            int | None,
            int | None,
            int | None,
            str | None,
            tuple[Licence, ...],
            CooperativeMembership | None,
            tuple[SalesChannel, ...],
        ),
        {
            "address": None,
            "founded": None,
            "employees": 0,
            "capital": None,
            "annual_sales": None,
            "financing_need": None,
            "nib": None,
            "licences": (),
            "cooperative": None,
            "sales_channels": (),
        },
        {
            "id": _non_empty,
            "name": _non_empty,
            "district": _non_empty,
            "employees": _non_negative,
            "capital": _non_negative,
            "annual_sales": _non_negative,
            "financing_need": _non_negative,
            "nib": _nib_digits,
            "sales_channels": _unique,
        },
    )
)
_CHANNELS_MAX = 4096
# Businesses sell through a few channels in a few orders: one shared tuple per combination.
_channel_tuples: dict[tuple[str, ...], tuple[SalesChannel, ...]] = {}


def _person_fast(item: object) -> Person | None:
    """A plainly valid owner object as a :class:`Person`; None for anything else.

    Never echoes a value: the NIK and the phone number are personal data.
    """
    if type(item) is not dict or not _PERSON_KEYS.issuperset(item):
        return None
    name = item.get("name")
    nik = item.get("nik")
    phone = item.get("phone")
    gender = item.get("gender")
    if (
        type(name) is not str
        or not name.strip()
        or not (name.isascii() or valid_text(name))
        or (nik is not None and (type(nik) is not str or not _is_nik(nik)))
        or (phone is not None and (type(phone) is not str or not _is_phone(phone)))
    ):
        return None  # no name (missing or null), or a bad one; a bad NIK or phone
    if gender is not None:
        gender = _GENDERS.get(gender) if type(gender) is str else None
        if gender is None:
            return None
    return _person(name, nik, phone, gender)


def _licences_fast(items: object, dates: dict[str, dt.date]) -> tuple[Licence, ...] | None:
    """Plainly valid licence objects as :class:`Licence` values; None for anything else."""
    if type(items) is not list:
        return None
    out: list[Licence] = []
    for item in items:
        if type(item) is not dict or not _LICENCE_KEYS.issuperset(item):
            return None
        kind = item.get("kind")
        number = item.get("number")
        issued = item.get("issued")
        expires = item.get("expires")
        if (
            type(kind) is not str
            or type(number) is not str
            or not number.strip()
            or not (number.isascii() or valid_text(number))
        ):
            return None
        kind = _LICENCE_KINDS.get(kind)
        if kind is None:
            return None
        if issued is not None:
            issued = day_of(issued, dates)
            if issued is None:
                return None
        if expires is not None:
            expires = day_of(expires, dates)
            if expires is None:
                return None
        try:
            out.append(_licence(kind, number, issued, expires))
        except InvalidFieldError:  # expired before issued: the strict path reports it
            return None
    return tuple(out)


def _membership_fast(item: object, dates: dict[str, dt.date]) -> CooperativeMembership | None:
    """A plainly valid membership object as a :class:`CooperativeMembership`; else None."""
    if type(item) is not dict or not _MEMBERSHIP_KEYS.issuperset(item):
        return None
    cooperative_id = item.get("cooperative_id")
    joined = item.get("joined")
    if (
        type(cooperative_id) is not str
        or not cooperative_id.strip()
        or not (cooperative_id.isascii() or valid_text(cooperative_id))
    ):
        return None
    if joined is not None:
        joined = day_of(joined, dates)
        if joined is None:
            return None
    return _membership(cooperative_id, joined)


def _channels_fast(items: object) -> tuple[SalesChannel, ...] | None:
    """A plainly valid list of distinct channel names as a shared tuple; None otherwise."""
    if type(items) is not list:
        return None
    for name in items:
        if type(name) is not str:
            return None
    key = tuple(items)
    shared = _channel_tuples.get(key)
    if shared is None:
        channels = []
        for name in key:
            channel = _CHANNELS.get(name)
            if channel is None:
                return None
            channels.append(channel)
        if len(set(channels)) != len(channels):
            return None  # a channel twice: the strict path reports it
        if len(_channel_tuples) >= _CHANNELS_MAX:
            _channel_tuples.clear()  # bounded: memory stays constant on any input
        shared = _channel_tuples[key] = tuple(channels)
    return shared


def business_fast(item: object, dates: dict[str, dt.date]) -> Business | None:
    """A :class:`Business` from JSON data when plainly valid; None to use the strict path.

    Checks what the strict converter and the validators of
    :class:`Business`, :class:`Person`, :class:`Licence` and
    :class:`CooperativeMembership` check: the keys (``id``, ``name``,
    ``owner``, ``sector`` and ``district`` required, the owner's ``name``,
    a licence's ``kind`` and ``number``, a membership's ``cooperative_id``;
    no unknown ones, at any depth; the others take their defaults), each
    type (text as str without lone surrogates; whole numbers as int, never
    bool; enums by their values; dates as ``YYYY-MM-DD``; lists as lists),
    the names, ids, districts and licence numbers not blank, the amounts
    not negative, the NIB as 13 and the NIK as 16 ASCII digits (other
    digits: the strict path), the phone number as the validator's pattern,
    no sales channel twice, no licence expiring before it was issued.
    ``dates`` is the caller's cache of parsed dates (kept small).

    Returns None, never an error, for anything else: the strict path then
    reports the field paths, never the values (the NIK and the phone are
    personal data).
    """
    if not _BUSINESS_FITS or type(item) is not dict or not _BUSINESS_KEYS.issuperset(item):
        return None
    try:
        ident = item["id"]
        name = item["name"]
        owner = item["owner"]
        sector = item["sector"]
        district = item["district"]
    except KeyError:
        return None
    address = item.get("address")
    founded = item.get("founded")
    employees = item.get("employees", 0)
    capital = item.get("capital")
    annual_sales = item.get("annual_sales")
    financing_need = item.get("financing_need")
    nib = item.get("nib")
    if (
        type(ident) is not str
        or type(name) is not str
        or type(sector) is not str
        or type(district) is not str
        or (address is not None and type(address) is not str)
        or type(employees) is not int
        or (capital is not None and type(capital) is not int)
        or (annual_sales is not None and type(annual_sales) is not int)
        or (financing_need is not None and type(financing_need) is not int)
        or (nib is not None and (type(nib) is not str or not _is_nib(nib)))
    ):
        return None
    if not (ident.strip() and name.strip() and district.strip()):
        return None
    if not (
        (ident.isascii() or valid_text(ident))
        and (name.isascii() or valid_text(name))
        and (district.isascii() or valid_text(district))
        and (address is None or address.isascii() or valid_text(address))
    ):
        return None
    if (
        employees < 0
        or (capital is not None and capital < 0)
        or (annual_sales is not None and annual_sales < 0)
        or (financing_need is not None and financing_need < 0)
    ):
        return None
    sector = _SECTORS.get(sector)
    if sector is None:
        return None
    if founded is not None:
        founded = day_of(founded, dates)
        if founded is None:
            return None
    person = _person_fast(owner)
    if person is None:
        return None
    licences: tuple[Licence, ...] | None = ()
    if "licences" in item:
        licences = _licences_fast(item["licences"], dates)
        if licences is None:
            return None
    cooperative = item.get("cooperative")
    if cooperative is not None:
        cooperative = _membership_fast(cooperative, dates)
        if cooperative is None:
            return None
    channels: tuple[SalesChannel, ...] | None = ()
    if "sales_channels" in item:
        channels = _channels_fast(item["sales_channels"])
        if channels is None:
            return None
    return _business(
        ident,
        name,
        person,
        sector,
        district,
        address,
        founded,
        employees,
        capital,
        annual_sales,
        financing_need,
        nib,
        licences,
        cooperative,
        channels,
    )

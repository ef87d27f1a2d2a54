"""Observations, criterion results, assessments and referrals from JSON data, fast when valid.

:func:`observations_fast` (the batch, the stores, stored events),
:func:`criterion_results_fast` (every stored or read :class:`Assessment`'s
trace), :func:`assessment_fast` (every stored assessment event) and
:func:`referral_fast` (every stored referral proposal) check every field by
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
    Answer,
    AnswerSource,
    Assessment,
    AssessmentStatus,
    CriterionResult,
    Observation,
    Reason,
    Receipt,
    Referral,
)
from ._trusted import trusted_constructor

__all__ = [
    "ASSESSMENT_FIELDS",
    "OBSERVATION_FIELDS",
    "REASON_FIELDS",
    "RECEIPT_FIELDS",
    "REFERRAL_FIELDS",
    "RESULT_FIELDS",
    "assessment_fast",
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


def _as_declared(cls: type, types: tuple[object, ...], defaults: dict[str, object]) -> bool:
    """True when ``cls``'s fields have exactly ``types``, no validators, and only ``defaults``.

    What :func:`referral_fast` checks by hand: a class that gains a validator,
    changes a field's type or makes a field optional no longer fits it.
    """
    fields = attrs.fields(cls)
    return tuple(f.type for f in fields) == types and all(
        f.validator is None and f.default == defaults.get(f.name, attrs.NOTHING) for f in fields
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

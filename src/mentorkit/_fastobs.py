"""Observations, criterion results and assessments from JSON data, fast when plainly valid.

:func:`observations_fast` (the batch, the stores, stored events),
:func:`criterion_results_fast` (every stored or read :class:`Assessment`'s
trace) and :func:`assessment_fast` (every stored assessment event) check
every field by hand and build the values with trusted constructors; on
anything unusual they return None, and the caller decodes with the strict
converter, which reports the exact field paths. They never accept what the
strict converter rejects, and return equal values (property-tested).
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
    Receipt,
)
from ._trusted import trusted_constructor

__all__ = [
    "ASSESSMENT_FIELDS",
    "OBSERVATION_FIELDS",
    "RECEIPT_FIELDS",
    "RESULT_FIELDS",
    "assessment_fast",
    "checked_observation",
    "criterion_results_fast",
    "day_of",
    "observations_fast",
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
        return None  # Observation's own check (_non_empty), made here: see _observation
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
        append(_observation(*fields))
    return tuple(out)


#: Observation without its validators: every field was checked above as they would check it
#: (non-empty ids; the types). A property test compares it with ``mentorkit.decode``.
_observation = trusted_constructor(Observation, OBSERVATION_FIELDS)


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

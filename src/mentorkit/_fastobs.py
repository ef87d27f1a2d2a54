"""Observations from JSON data, fast when plainly valid (the batch and the stores).

:func:`observations_fast` checks every field of a list of observation
objects by hand and builds them with a trusted constructor; on anything
unusual it returns None, and the caller decodes with
:func:`mentorkit.decode`, which reports the exact field paths. It never
accepts what the strict converter rejects (property-tested).
"""

import datetime as dt
import re

from ._model import Observation
from ._trusted import trusted_constructor

__all__ = ["observations_fast"]

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ANSWER_TYPES = (bool, int, str)
_DATES_MAX = 4096


def _day(text: object, dates: dict[str, dt.date]) -> dt.date | None:
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


def observations_fast(items: object, dates: dict[str, dt.date]) -> tuple[Observation, ...] | None:
    """Observations from JSON data when all are plainly valid; None to use the strict path.

    ``dates`` is the caller's cache of parsed dates (kept small).
    """
    if type(items) is not list:
        return None
    out: list[Observation] = []
    append = out.append
    for item in items:
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
        observed_on = dates.get(observed) if type(observed) is str else None
        if observed_on is None:
            observed_on = _day(observed, dates)
            if observed_on is None:
                return None
        append(
            _observation(
                business_id, rubric_id, criterion_id, value, observed_on, evidence, observer
            )
        )
    return tuple(out)


#: Observation without its validators: every field was checked above as they would check it
#: (non-empty ids; the types). A property test compares it with ``mentorkit.decode``.
_observation = trusted_constructor(
    Observation,
    ("business_id", "rubric_id", "criterion_id", "value", "observed_on", "evidence", "observer"),
)

"""Shared pieces of the hand-decoder tests (``test_fast_assessments``, ``test_fast_referrals``,
``test_fast_businesses``).

Registered as ``fast_decoding`` by ``tests/conftest.py`` (tests are not a package).
"""

import copy
import datetime as dt
import json
from typing import Any
from unittest import mock

import attrs
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.cases import _events
from mentorkit.testing import strategies as mks

AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
HASH = "sha256:" + "0123456789abcdef" * 4
RECEIPT = {"declaration": HASH, "pack": HASH, "inputs": HASH, "on": "2025-01-01"}

# Odd values for any field, shared by the hand-decoder tests (each adds its own near misses):
# every JSON type, numbers beyond 64 bits, NaN and infinity; and texts that are blank, plain,
# not ASCII, or hold a lone surrogate.
ODD_JSON = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=10**308, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
)
ODD_TEXTS = ("", " ", "x", "é", "\ud800", "a\udfffb")

# Near misses (and valid alternatives) for fields of each kind.
TEXTS = st.sampled_from(["", " ", "é", "\ud800", "x\udfffy", None, 1, True, ["x"]]) | mks.names()
DATES = st.sampled_from(
    ["2025-02-30", "2025-1-31", "20250131", "2025-01-31T00:00", "\u0662\u0660\u0662\u0665-01-01"]
) | mks.dates().map(dt.date.isoformat)
HASHES = (
    st.sampled_from(
        [HASH.upper(), HASH[:-1], HASH + "0", HASH + "\n", "sha256:" + "g" * 64, "\ud800", 71, None]
    )
    | mks.hashes()
)


def stored(value: object) -> Any:
    """``value`` as JSON data, as a store gives it back (enums as their text, tuples as lists)."""
    return json.loads(mk.dumps(value))


def strict_decode(data: Any, cls: type[Any]) -> Any:
    """What the strict decoder makes of ``data``; None when it refuses it."""
    try:
        return mk.decode(data, cls)
    except mk.DecodeError:
        return None


def copied(draw: st.DrawFn, strategy: st.SearchStrategy[Any]) -> Any:
    """A value drawn from ``strategy``, copied: a later damage must not change a shared one."""
    return copy.deepcopy(draw(strategy))


def damage(
    draw: st.DrawFn,
    item: dict[str, Any],
    keys: list[str],
    near: dict[str, st.SearchStrategy[Any]],
    odd: st.SearchStrategy[Any],
) -> None:
    """Change one field of ``item`` to an odd value (or a near miss), drop one, or add one."""
    change = draw(st.sampled_from(["value", "value", "drop", "extra"]))
    name = draw(st.sampled_from(keys))
    if change == "value":
        close = near.get(name)
        item[name] = copied(draw, close if close is not None and draw(st.booleans()) else odd)
    elif change == "drop":
        item.pop(name, None)
    else:
        item["unexpected"] = copied(draw, odd)


def read_both_ways(record: mk.EventRecord, fast: str) -> tuple[Any, Any]:
    """``from_record(record)`` as ``(event, error text)``: with the hand decoder named ``fast``
    in ``mentorkit.cases._events``, then with it stepping aside (the strict decoder only)."""

    def read() -> tuple[Any, str | None]:
        try:
            return mc.from_record(record), None
        except mk.DecodeError as error:
            return None, str(error)

    with_fast = read()
    with mock.patch.object(_events, fast, return_value=None):
        strict_only = read()
    return with_fast, strict_only


def texts_in(value: Any) -> list[tuple[Any, Any]]:
    """Every text in JSON data ``value``, at any depth, as (container, key or index)."""
    found: list[tuple[Any, Any]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, str):
            found.append((value, key))
        elif isinstance(item, dict | list):
            found.extend(texts_in(item))
    return found


def types_in(value: Any) -> list[type]:
    """The type of ``value`` and of everything in it, at any depth (attrs fields, tuples).

    What equality does not see: True stays bool, text stays plain str (not an enum
    member), tuples stay tuples.
    """
    found: list[type] = [type(value)]
    if attrs.has(type(value)):
        for item in attrs.astuple(value, recurse=False):
            found.extend(types_in(item))
    elif isinstance(value, tuple | list):
        for item in value:
            found.extend(types_in(item))
    return found

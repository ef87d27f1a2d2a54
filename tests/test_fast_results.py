"""criterion_results_fast: the hand-written trace decoder agrees with the strict one."""

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._fastobs import _RESULTS_MAX, _results, criterion_results_fast
from mentorkit.testing import strategies as mks

TRACE = tuple[mk.CriterionResult, ...]

# Field values the strict decoder may or may not accept: right and wrong types, edge numbers.
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(min_value=10**308, max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["observed", "missing", "bogus", "", "c"]),
    st.lists(st.integers(), max_size=1),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)


@st.composite
def traces(draw: st.DrawFn) -> list[Any]:
    """Encoded traces, some of them corrupted: a field changed, dropped or added."""
    items: list[Any] = mk.encode(list(draw(st.lists(mks.criterion_results(), max_size=4))))
    for item in items:
        change = draw(st.sampled_from(["none", "value", "drop", "extra"]))
        name = draw(
            st.sampled_from(["criterion_id", "weight", "source", "score", "answer", "met", "note"])
        )
        if change == "value":
            item[name] = draw(odd_values)
        elif change == "drop":
            item.pop(name, None)
        elif change == "extra":
            item["unexpected"] = 1
    return items


def _strict(data: list[Any]) -> TRACE | None:
    """Item by item through the class's own hook (the tuple's hook tries the fast path first)."""
    try:
        return tuple(mk.decode(item, mk.CriterionResult) for item in data)
    except mk.DecodeError:
        return None


@given(st.lists(mks.criterion_results(), max_size=5))
def test_a_valid_trace_is_decoded_fast_and_equal(results: list[mk.CriterionResult]) -> None:
    fast = criterion_results_fast(mk.encode(results))
    assert fast is not None
    assert fast == tuple(results)
    assert [type(r.answer) for r in fast] == [type(r.answer) for r in results]  # True stays bool


@given(traces())
def test_never_accepts_what_the_strict_decoder_rejects(data: list[Any]) -> None:
    fast = criterion_results_fast(data)
    strict = _strict(data)
    if strict is not None:
        assert mk.decode(data, TRACE) == strict  # the tuple's hook (fast or not) agrees
    if fast is not None:
        assert strict is not None, "the fast path accepted what the strict one rejects"
        assert fast == strict
        assert [type(r.answer) for r in fast] == [type(r.answer) for r in strict]


@pytest.mark.parametrize(
    "change",
    [
        {"weight": float("nan")},
        {"weight": -1},
        {"weight": True},
        {"score": 1.5},
        {"score": "1"},
        {"source": "bogus"},
        {"source": ["observed"]},
        {"met": 1},
        {"answer": 1.5},
        {"note": 3},
        {"criterion_id": None},
        {"extra": 1},
    ],
)
def test_a_bad_field_still_gets_its_path(change: dict[str, object]) -> None:
    good = {"criterion_id": "c", "weight": 1.0, "source": "observed", "score": 1.0, "answer": True}
    bad = [good, {**good, **change}]
    assert criterion_results_fast(bad) is None
    assessment = {
        "business_id": "b",
        "rubric_id": "r",
        "rubric_version": "1",
        "assessed_on": "2025-01-01",
        "status": "incomplete",
        "criteria": bad,
    }
    with pytest.raises(mk.DecodeError) as caught:
        mk.decode(assessment, mk.Assessment, record="stored assessment")
    assert caught.value.issues[0].path.startswith("$.criteria[1]")


def test_equal_results_share_one_value_and_the_cache_stays_small() -> None:
    item = {"criterion_id": "c", "weight": 2, "source": "observed", "score": 0.5, "answer": 2}
    first, second = criterion_results_fast([item, dict(item)]) or ()
    assert first is second
    for number in range(_RESULTS_MAX + 10):
        criterion_results_fast([{**item, "criterion_id": f"c{number}"}])
    assert 0 < len(_results) <= _RESULTS_MAX


def _look_alike(value: object) -> list[object]:
    """Values equal to ``value`` (and hashing alike) but of another type."""
    if type(value) is bool:
        return [int(value), float(value)]
    if type(value) is int:
        return [float(value), *([bool(value)] if value in (0, 1) else [])]
    if type(value) is float and value.is_integer():
        return [int(value), *([bool(value)] if value in (0.0, 1.0) else [])]
    return []


@given(st.lists(mks.criterion_results(), min_size=1, max_size=4), st.data())
def test_a_cached_line_is_not_given_for_a_look_alike(
    results: list[mk.CriterionResult], data: st.DataObject
) -> None:
    # Equal results share one cached value: a line whose value equals a cached one but is of
    # another type (True for 1, 1.0 for 1) must still decode as the strict decoder does.
    items: list[dict[str, Any]] = mk.encode(results)
    assert criterion_results_fast(items) == tuple(results)  # now cached
    changes = [
        (index, name, other)
        for index, item in enumerate(items)
        for name, value in item.items()
        for other in _look_alike(value)
    ]
    if not changes:
        return
    index, name, other = data.draw(st.sampled_from(changes))
    changed = [dict(item) for item in items]
    changed[index][name] = other
    fast = criterion_results_fast(changed)
    strict = _strict(changed)
    if fast is not None:
        assert strict is not None, "the fast path accepted what the strict one rejects"
        assert fast == strict
        assert [type(r.answer) for r in fast] == [type(r.answer) for r in strict]

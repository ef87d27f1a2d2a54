"""mentorkit._json: orjson (extra ``mentorkit[fast]``) agrees with the standard library."""

import datetime as dt
import json
import math
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorkit import _json

orjson = pytest.importorskip("orjson", reason="the extra mentorkit[fast] is not installed")

# JSON values as the engine and the batch produce them: finite floats, any text.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([2**64, 2**64 - 1, -(2**63) - 1, 10**19])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def _same(a: object, b: object) -> bool:
    """Equal as JSON values (tuples read back as lists; -0.0 == 0.0 is fine for JSON)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_orjson_is_the_backend_when_installed() -> None:
    assert _json.BACKEND == "orjson"


@given(values)
def test_dumpb_reads_back_as_the_standard_library_writes(value: object) -> None:
    written = _json.dumpb(value)
    assert isinstance(written, bytes)
    assert _same(json.loads(written), json.loads(_json.dumps_stdlib(value)))


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )
)
def test_without_floats_the_bytes_are_the_standard_librarys(value: object) -> None:
    assert _json.dumpb(value) == _json.dumpb_stdlib(value)


@given(values)
def test_loads_reads_what_the_standard_library_reads(value: object) -> None:
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        assert _same(_json.loads(text), json.loads(text))
        assert _same(_json.loads(text.encode("utf-8", "surrogatepass")), json.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        "[NaN, Infinity, -Infinity]",  # orjson refuses these; json reads them
        '"\\ud800"',  # a lone surrogate
    ],
)
def test_loads_falls_back_for_what_orjson_refuses(text: str) -> None:
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(text)
    got, want = _json.loads(text), json.loads(text)
    assert repr(got) == repr(want)


@pytest.mark.parametrize("number", [2**64, 10**29, -(2**63) - 1, 2**64 - 1, 10**19])
def test_integers_beyond_64_bits_stay_integers(number: int) -> None:
    for data in (f'{{"capital": {number}}}', f'{{"capital": {number}}}'.encode()):
        got = _json.loads(data)["capital"]
        assert type(got) is int
        assert got == number


def test_loads_reads_utf16_as_the_standard_library_does() -> None:
    raw = json.dumps({"nama": "Warung Bu Sri"}).encode("utf-16")
    assert _json.loads(raw) == json.loads(raw) == {"nama": "Warung Bu Sri"}


@pytest.mark.parametrize("text", ["{", '{"a": }', "", "[1,]"])
def test_bad_json_raises_the_standard_librarys_error(text: str) -> None:
    with pytest.raises(json.JSONDecodeError) as caught:
        _json.loads(text)
    with pytest.raises(json.JSONDecodeError) as reference:
        json.loads(text)
    assert (caught.value.msg, caught.value.pos) == (reference.value.msg, reference.value.pos)


def test_dumpb_falls_back_for_what_orjson_refuses() -> None:
    value = ["Toko \ud800", 2**70]
    written = _json.dumpb(value)
    assert written == b'["Toko \\ud800",1180591620717411303424]'
    assert json.loads(written) == value


def test_dumpb_writes_dates_and_enums_as_the_standard_library_does() -> None:
    from mentorkit import AssessmentStatus, Op

    assert _json.dumpb([AssessmentStatus.COMPLETE, Op.GE]) == b'["complete",">="]'
    with pytest.raises(TypeError, match="date"):
        _json.dumpb({"on": dt.date(2026, 11, 24)})


def test_small_floats_may_be_spelled_differently_but_read_back_equal() -> None:
    value = [1e-06, 1e16, 57.5]
    assert math.isclose(json.loads(_json.dumpb(value))[0], 1e-06)
    assert json.loads(_json.dumpb(value)) == json.loads(_json.dumps_stdlib(value))


def test_without_orjson_the_standard_library_serves(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson now raises ImportError
    backend, dumpb, loads = _json._make()
    assert backend == "json"
    assert dumpb({"score": 1e-06}) == b'{"score":1e-06}'
    assert loads(b'{"capital": 10}') == {"capital": 10}

"""mentorkit._json: orjson (extra ``mentorkit[fast]``) agrees with the standard library."""

import datetime as dt
import json
import math
import sys

import pytest
from hypothesis import example, given
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


# Texts as a table's rows may hold them: JSON of any value, some with what orjson refuses
# (NaN, a lone surrogate, a long digit run), some broken, and a few not text at all.
_row_texts = st.one_of(
    values.map(json.dumps),
    values.map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.sampled_from(["[NaN]", '"\\ud800"', '{"n": 12345678901234567890}', '"' + "7" * 19 + '"']),
    st.sampled_from(["{", '{"a": }', "", "[1,]", "1, 2", '{"a": "}', '","b": 1}']),
    st.sampled_from([b'{"a": 1}', 3, None]),
)


def _outcome(read: object, texts: list[object]) -> tuple[str, object]:
    try:
        return "value", json.dumps(read(texts), sort_keys=True)  # type: ignore[operator]
    except (ValueError, TypeError) as exc:
        detail = (exc.msg, exc.pos) if isinstance(exc, json.JSONDecodeError) else str(exc)
        return type(exc).__name__, detail


@given(st.lists(_row_texts, max_size=8))
@example(["1, 2"])  # two values side by side: an error alone
@example(['{"a": "}', '","b": 1}'])  # a string left open, closed by the next text
@example(['{"a": 1}', "{"])
@example(['"' + "1" * 19 + '"', "[NaN]"])
def test_loads_many_reads_each_text_as_loads_does(texts: list[object]) -> None:
    # Never joined: texts that would read as other values side by side (``1, 2``, an open
    # string closed by the next text) fail as they fail alone.
    want = _outcome(lambda ts: [_json.loads(t) for t in ts], texts)
    assert _outcome(_json.loads_many, texts) == want
    assert _outcome(_json.loads_many_stdlib, texts) == _outcome(
        lambda ts: [json.loads(t) for t in ts], texts
    )


def test_loads_many_keeps_big_integers_whole_whatever_the_neighbours() -> None:
    texts = ['{"a": 1}', '{"capital": 12345678901234567890}', '{"b": 1.5}']
    got = _json.loads_many(texts)
    assert got == [{"a": 1}, {"capital": 12345678901234567890}, {"b": 1.5}]
    assert type(got[1]["capital"]) is int


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
    backend, dumpb, loads, loads_many = _json._make()
    assert backend == "json"
    assert dumpb({"score": 1e-06}) == b'{"score":1e-06}'
    assert loads(b'{"capital": 10}') == {"capital": 10}
    assert loads_many(['{"capital": 10}', "[1]"]) == [{"capital": 10}, [1]]


# --------------------------------------------------------------------------- plain_and_text

# Anything a payload may hold, including what only the standard library writes (lone
# surrogates, integers beyond 64 bits), NaN and infinity (orjson writes null), floats
# orjson spells its own way, and text that looks like numbers (a float mark in text).
_EDGE_TEXT = st.sampled_from(["2026.1", "1e16", "sha256:0e3E", "Rp 1.500.000", "\ud800", "\x01"])
payload_values = st.recursive(
    scalars
    | st.floats()
    | st.sampled_from([1e-7, 1e-05, 1e16, -0.0, 5e-324, 2**64, -(2**63) - 1])
    | _EDGE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=8) | _EDGE_TEXT, inner, max_size=4)
    ),
    max_leaves=20,
)


def _reference(value: object) -> tuple[object, str]:
    """What to_record and the SQL store computed before: data, then the text of data."""
    data = _json.loads(_json.dumpb(value))
    return data, _json.dumps_stdlib(data)


@given(payload_values)
def test_plain_and_text_is_the_data_and_its_standard_library_text(value: object) -> None:
    try:
        want_data, want_text = _reference(value)
    except (TypeError, ValueError) as exc:  # e.g. NaN beside an integer beyond 64 bits
        with pytest.raises(type(exc)):
            _json.plain_and_text(value)
        return
    data, text = _json.plain_and_text(value)
    assert text == want_text  # byte for byte: 1 and 1.0, -0.0, key order all show here
    assert repr(data) == repr(want_data)  # NaN read back as None, tuples as lists


def test_without_orjson_plain_and_text_is_the_standard_librarys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson now raises ImportError
    plain, text = _json._make_texts()
    assert plain is _json.plain_and_text_stdlib
    assert text is _json.dumps_stdlib
    value = {"score": 1e-07, "n": (1, "\ud800")}
    assert plain(value) == (
        {"score": 1e-07, "n": [1, "\ud800"]},
        '{"score":1e-07,"n":[1,"\ud800"]}',
    )


@pytest.mark.parametrize(
    "value",
    [
        {"on": dt.date(2026, 11, 24)},  # TypeError, as dumpb raises it
        {"score": float("nan"), "capital": 2**70},  # the standard library refuses the NaN
        {"score": float("inf"), "note": "\ud800"},
    ],
)
def test_plain_and_text_raises_what_dumpb_raises(value: object) -> None:
    with pytest.raises((TypeError, ValueError)) as reference:
        _reference(value)
    with pytest.raises(reference.type, match=str(reference.value)):
        _json.plain_and_text(value)


def test_plain_and_text_writes_nan_as_null_as_before() -> None:
    # dumpb writes NaN as null (module notes): to_record always read it back as None.
    assert _json.plain_and_text({"a": float("nan")}) == ({"a": None}, '{"a":null}')


# Floats near where either library changes spelling: powers of ten and their neighbours.
_EDGE_FLOATS = st.integers(min_value=-30, max_value=30).flatmap(
    lambda e: st.sampled_from(
        [
            10.0**e,
            math.nextafter(10.0**e, 0.0),
            math.nextafter(10.0**e, math.inf),
            1.5 * 10.0**e,
            9.999999999999999 * 10.0**e,
        ]
    )
)
any_float = st.floats() | _EDGE_FLOATS | _EDGE_FLOATS.map(lambda x: -x)


def _spelled_alike(number: float) -> bool:
    return number == 0.0 or 1e-4 <= abs(number) < 1e16


@given(any_float)
def test_orjson_spells_a_float_as_the_standard_library_from_1e_4_to_1e16(number: float) -> None:
    """The premise of plain_text: the floats its callers hand it are spelled alike."""
    if _spelled_alike(number):
        assert orjson.dumps(number).decode() == _json.dumps_stdlib(number)


@given(any_float)
def test_every_float_orjson_spells_its_own_way_is_marked(number: float) -> None:
    """The premise of plain_and_text: an exponent or "0.0000" marks every other float."""
    written = orjson.dumps(number)
    marked = _json._EXPONENT_MARK in written.translate(_json._NUMBER_MARKS)
    if not math.isfinite(number):
        assert written == b"null"
    elif not (marked or _json._SMALL_FLOAT in written):
        assert _spelled_alike(number)
        assert written.decode() == _json.dumps_stdlib(number)


# Plain data as the event encoders hand it to plain_text: floats spelled alike (checked
# by the caller), any text (lone surrogates too), integers of any size.
_ALIKE_FLOATS = any_float.filter(lambda x: math.isfinite(x) and _spelled_alike(x))
plain_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.sampled_from([2**64, 2**64 - 1, -(2**63) - 1, 10**19, 0.0, -0.0])
    | _ALIKE_FLOATS
    | st.text()
    | _EDGE_TEXT,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=8) | _EDGE_TEXT, inner, max_size=4)
    ),
    max_leaves=20,
)


@given(plain_values)
def test_plain_text_is_the_standard_librarys_text(value: object) -> None:
    assert _json.plain_text(value) == _json.dumps_stdlib(value)


def test_plain_text_hands_what_orjson_refuses_to_the_standard_library() -> None:
    value = {"note": "\ud800", "n": [2**70, 1.5]}
    assert (
        _json.plain_text(value)
        == _json.dumps_stdlib(value)
        == '{"note":"\ud800","n":[1180591620717411303424,1.5]}'
    )


def test_every_code_point_is_orjsons_text_as_the_standard_library_writes_it() -> None:
    """The premise for text: orjson escapes each code point as the standard library does."""
    text = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
    assert orjson.dumps(text).decode() == _json.dumps_stdlib(text)
    edges = [0, -1, 2**63 - 1, -(2**63), 2**64 - 1, True, False, None, [], {}]
    assert orjson.dumps(edges).decode() == _json.dumps_stdlib(edges)


@pytest.mark.parametrize(
    ("value", "orjsons"),
    [
        ({"name": "Warung", "n": [1, True, None]}, True),  # no float: orjson's bytes kept
        ({"score": 1e-07}, False),  # orjson writes 1e-7, the standard library 1e-07
        ({"score": 1e-05}, False),  # orjson writes 0.00001, the standard library 1e-05
        ({"score": 1e16}, False),  # an exponent in both (a test shows it; kept out anyway)
        ({"score": 0.25, "weight": 2.0}, True),  # spelled alike: orjson's bytes kept
        ({"version": "2026.1"}, True),  # text that looks like a float is written alike
        ({"code": "3e5"}, False),  # text that looks like an exponent: re-encoded
    ],
)
def test_plain_and_text_keeps_orjsons_bytes_only_without_a_float_mark(
    value: object, orjsons: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = _reference(value)
    calls: list[object] = []
    encode = _json._STDLIB_ENCODER.encode
    monkeypatch.setattr(_json, "dumps_stdlib", lambda obj: calls.append(obj) or encode(obj))
    plain, _ = _json._make_texts()
    assert plain(value) == want
    assert calls == ([] if orjsons else [value])

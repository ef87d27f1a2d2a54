"""The batch line decoder: fast for good lines, exactly as strict as mentorkit.decode."""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit.batch import BatchRecord, LineDecoder
from mentorkit.testing import strategies as mks

DECODER = LineDecoder()

records = st.builds(
    BatchRecord,
    business=mks.businesses(),
    observations=st.lists(mks.observations(), max_size=4).map(tuple),
)

# Text may hold lone surrogates: JSON carries them as "\\ud800" escapes.
any_text = st.text(
    alphabet=st.characters(codec=None, categories=None)
    | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    max_size=5,
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)


def _reference(data: Any, line: int) -> BatchRecord | mk.DecodeError:
    """What mentorkit.decode makes of ``data`` (the record or the error)."""
    try:
        if isinstance(data, dict) and "business" not in data:
            return BatchRecord(business=mk.decode(data, mk.Business))
        return mk.decode(data, BatchRecord)
    except mk.DecodeError as error:
        return error


def _mutate(data: Any, path: list[str | int], value: Any) -> Any:
    """``data`` with the item at ``path`` replaced by ``value`` (or added)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict) and isinstance(head, str):
        return {**data, head: _mutate(data.get(head), rest, value)}
    if isinstance(data, list) and isinstance(head, int) and data:
        index = head % len(data)
        return [*data[:index], _mutate(data[index], rest, value), *data[index + 1 :]]
    return value


_BUSINESS = mk.Business(
    id="B-1", name="Toko", owner=mk.Person(name="Siti"), sector=mk.Sector.CRAFT, district="Setu"
)
_OBSERVATION = {
    "business_id": "B-1",
    "rubric_id": "r",
    "criterion_id": "c",
    "value": True,
    "observed_on": "2025-01-31",
}


class TestLineDecoder:
    """Good lines decode to the same record; bad lines give the same field paths."""

    @given(records)
    def test_good_records_decode_to_what_was_encoded(self, record: BatchRecord) -> None:
        line = mk.dumps(record)
        assert DECODER.decode(line, 1) == record
        assert DECODER.decode(line.encode(), 1) == mk.loads(line, BatchRecord)

    @given(mks.businesses())
    def test_plain_business_lines_become_records_without_observations(
        self, business: mk.Business
    ) -> None:
        assert DECODER.decode(mk.dumps(business), 3) == BatchRecord(business=business)

    @given(
        records,
        st.lists(
            st.sampled_from(
                [
                    "business",
                    "observations",
                    "id",
                    "owner",
                    "nik",
                    "sector",
                    "capital",
                    "founded",
                    "value",
                    "observed_on",
                    "extra",
                    0,
                    1,
                ]
            ),
            min_size=1,
            max_size=3,
        ),
        json_values,
    )
    def test_agrees_with_mentorkit_decode_on_any_change(
        self, record: BatchRecord, path: list[str | int], value: Any
    ) -> None:
        data = _mutate(mk.encode(record), path, value)
        expected = _reference(data, 9)
        line = json.dumps(data)
        if isinstance(expected, mk.DecodeError):
            with pytest.raises(mk.DecodeError) as caught:
                DECODER.decode(line, 9)
            assert caught.value.issues == expected.issues
            assert caught.value.record.startswith("line 9")
        else:
            assert DECODER.decode(line, 9) == expected

    @pytest.mark.parametrize(
        ("raw", "message"),
        [
            (b"{oops", "not valid JSON"),
            (b"\xff\xfe", "not valid JSON"),
            (b"42", "expected an object"),
        ],
    )
    def test_unreadable_lines_name_their_line(self, raw: bytes, message: str) -> None:
        with pytest.raises(mk.DecodeError, match=message) as caught:
            DECODER.decode(raw, 12)
        assert caught.value.record.startswith("line 12")

    def test_a_lone_surrogate_is_a_field_error_not_a_crash(self) -> None:
        record = json.loads(json.dumps(mk.encode(BatchRecord(business=_BUSINESS))))
        record["business"]["name"] = "Toko \ud800"
        record["observations"] = [{**_OBSERVATION, "evidence": "foto \udfff", "value": "ok\ud83d"}]
        with pytest.raises(mk.DecodeError) as caught:
            DECODER.decode(json.dumps(record), 3)
        assert [(i.path, i.message) for i in caught.value.issues] == [
            ("$.business.name", "not valid Unicode text (a lone surrogate)"),
            ("$.observations[0].value", "not valid Unicode text (a lone surrogate)"),
            ("$.observations[0].evidence", "not valid Unicode text (a lone surrogate)"),
        ]
        # A real pair of surrogates in the JSON text is one character: fine.
        record = json.loads(json.dumps(mk.encode(BatchRecord(business=_BUSINESS))))
        record["business"]["name"] = "Toko \U0001f600"
        assert DECODER.decode(json.dumps(record), 4).business.name == "Toko \U0001f600"

    def test_errors_name_the_business_when_its_id_is_readable(self) -> None:
        with pytest.raises(mk.DecodeError) as caught:
            DECODER.decode(json.dumps({"business": {"id": "B-9"}}), 4)
        assert caught.value.record == "line 4: business 'B-9'"
        assert LineDecoder.business_id(b'{"id": "B-7"}') == "B-7"
        assert LineDecoder.business_id(b"[") is None

"""The batch's fast encoder writes exactly what mentorkit.encode writes."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._json import dumpb_stdlib
from mentorkit.batch import Processor
from mentorkit.batch._fast import FAST_ENCODE, encode_evaluation, observations_fast
from mentorkit.testing import strategies as mks

evaluations = st.builds(
    mk.Evaluation,
    business_id=mks.identifiers("b-"),
    assessments=st.lists(mks.assessments(), max_size=3).map(tuple),
    referrals=st.lists(mks.referrals(), max_size=3).map(tuple),
    issues=st.lists(st.builds(mk.FieldIssue, st.text(), st.text()), max_size=2).map(tuple),
    failures=st.lists(
        st.builds(mk.PluginFailure, st.text(), st.text(), st.text(), st.none() | st.text()),
        max_size=2,
    ).map(tuple),
)


class TestFastEncoder:
    """Same data, same JSON text, for any evaluation."""

    def test_the_fast_path_is_in_use(self) -> None:
        assert FAST_ENCODE

    @given(evaluations)
    def test_same_data_as_encode(self, evaluation: mk.Evaluation) -> None:
        assert encode_evaluation(evaluation) == mk.encode(evaluation)

    @given(evaluations)
    def test_same_json_as_dumps(self, evaluation: mk.Evaluation) -> None:
        line = Processor.encode(evaluation)
        assert Processor.encode_bytes(evaluation) == line.encode()
        assert json.loads(line) == json.loads(mk.dumps(evaluation))
        # Without orjson the very text; with it, small floats may be spelled 1e-6 for 1e-06.
        assert dumpb_stdlib(encode_evaluation(evaluation)).decode() == mk.dumps(evaluation)


GOOD = {
    "business_id": "B-1",
    "rubric_id": "r",
    "criterion_id": "c",
    "value": True,
    "observed_on": "2025-01-31",
}


class TestObservationsFast:
    """The fast observation path takes only plainly valid lists, else hands over."""

    def test_a_plain_observation_is_decoded_like_decode(self) -> None:
        (fast,) = observations_fast([GOOD], {}) or ()
        assert fast == mk.decode(GOOD, mk.Observation)
        assert fast.value is True

    @pytest.mark.parametrize(
        "change",
        [
            {"extra": 1},
            {"value": 1.5},
            {"value": None},
            {"observed_on": "2025-02-30"},
            {"observed_on": "31/01/2025"},
            {"observed_on": 20250131},
            {"business_id": ""},
            {"rubric_id": " "},
            {"criterion_id": "\t"},
            {"evidence": 3},
            {"observer": False},
        ],
    )
    def test_anything_unusual_is_handed_to_the_strict_path(self, change: dict[str, object]) -> None:
        assert observations_fast([{**GOOD, **change}], {}) is None

    def test_a_missing_field_is_handed_over(self) -> None:
        partial = dict(GOOD)
        del partial["observed_on"]
        assert observations_fast([partial], {}) is None
        assert observations_fast("not a list", {}) is None
        assert observations_fast([["not", "a", "dict"]], {}) is None

    def test_the_date_cache_stays_small(self) -> None:
        cache: dict[str, dt.date] = {}
        for day in range(1, 29):
            for month in range(1, 13):
                for year in range(2000, 2016):
                    observations_fast(
                        [{**GOOD, "observed_on": f"{year}-{month:02d}-{day:02d}"}], cache
                    )
        assert 0 < len(cache) <= 4096

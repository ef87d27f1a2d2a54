"""assessment_fast and assessment_recorded_fast: the hand decoders agree with the strict one.

For any valid assessment (or ``assessment.recorded`` payload) the fast path
gives the same value; for damaged ones (a field changed, dropped or added,
at any depth) it either steps aside (None) or gives exactly what
``mentorkit.decode`` gives, and never accepts what it rejects.
"""

import re
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import mentorkit as mk
from fast_decoding import (
    AT,
    DATES,
    HASH,
    HASHES,
    ODD_JSON,
    ODD_TEXTS,
    RECEIPT,
    TEXTS,
    damage,
    read_both_ways,
    stored,
    strict_decode,
)
from mentorkit import _fastobs
from mentorkit import cases as mc
from mentorkit._fastobs import assessment_fast
from mentorkit._trusted import trusted_constructor
from mentorkit.cases import _events
from mentorkit.cases._events import assessment_recorded_fast
from mentorkit.testing import strategies as mks

# Values the strict decoder may or may not accept in any field: every JSON type, edge
# numbers, near-miss dates and hashes, text with a lone surrogate.
odd_values = st.one_of(
    ODD_JSON,
    st.integers(-2, 101),
    st.sampled_from([100.0, 100.000001, -0.0, 0.5]),
    st.sampled_from(
        [
            *ODD_TEXTS,
            "complete",
            "incomplete",
            "baseline",
            "follow_up",
            "observed",
            "mentorkit-receipt/1",
            "2025-01-31",
            "2025-02-30",
            "2025-1-31",
            "20250131",
            "2025-01-31T00:00",
            "\u0662\u0660\u0662\u0665-\u0660\u0661-\u0663\u0661",  # Arabic-Indic digits
            HASH,
            HASH.upper(),
            HASH[:-1],
            HASH + "0",
            HASH + "\n",
            "sha256:" + "g" * 64,
            "md5:" + "0" * 64,
        ]
    ),
    mks.hashes(),
    mks.names(),
    st.lists(st.sampled_from(["c", "", "\ud800", 1, None]), max_size=2),
    st.dictionaries(st.sampled_from(["x", "score"]), st.integers(), max_size=1),
)

_NUMBERS = st.sampled_from([True, False, 0, 50, 100, 101, -1, -0.0, 100.0, 100.000001, "50"]) | (
    st.floats(allow_nan=True, allow_infinity=True) | st.integers(10**308, 10**400)
)
# Near misses (and valid alternatives) for each field: most corruptions hit one check.
FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "business_id": TEXTS,
    "rubric_id": TEXTS,
    "rubric_version": TEXTS,
    "level": TEXTS,
    "scheme": TEXTS,
    "assessed_on": DATES,
    "on": DATES,
    "status": st.sampled_from(["complete", "incomplete", "Complete", "", None, 1]),
    "score": _NUMBERS,
    "criteria": st.sampled_from([[], None, "c", {}, [{}], [None]]),
    "missing": st.lists(st.sampled_from(["c", "", "é", "\ud800", 1, None, True]), max_size=2)
    | st.sampled_from(["abc", None, {}]),
    "receipt": st.sampled_from([None, {}, [], "x", RECEIPT, {**RECEIPT, "scheme": "s"}]),
    "declaration": HASHES,
    "pack": HASHES,
    "inputs": HASHES,
    "phase": st.sampled_from(["baseline", "follow_up", "Baseline", "", "\ud800", None, 1]),
    "schema": st.sampled_from([True, False, 0, 1, 2, -1, 1.0, "1", None, 10**30]),
    "assessment": st.sampled_from([None, [], "x", {}]),
}

ASSESSMENT_KEYS = [a.name for a in attrs.fields(mk.Assessment)]
RECEIPT_KEYS = [a.name for a in attrs.fields(mk.Receipt)]
RESULT_KEYS = [a.name for a in attrs.fields(mk.CriterionResult)]
RECORDED_KEYS = [a.name for a in attrs.fields(mc.AssessmentRecorded)]


def _damage(draw: st.DrawFn, item: dict[str, Any], keys: list[str]) -> None:
    """Change one field of ``item`` to an odd value, drop one, or add an unknown one."""
    damage(draw, item, keys, FIELD_VALUES, odd_values)


def _damage_assessment(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Damage the assessment, its receipt or one of its criteria (if it has them)."""
    where = draw(st.sampled_from(["assessment", "receipt", "criterion"]))
    receipt, criteria = data.get("receipt"), data.get("criteria")
    if where == "receipt" and isinstance(receipt, dict):
        _damage(draw, receipt, RECEIPT_KEYS)
    elif where == "criterion" and isinstance(criteria, list) and criteria:
        item = criteria[draw(st.integers(0, len(criteria) - 1))]
        if isinstance(item, dict):
            _damage(draw, item, RESULT_KEYS)
    else:
        _damage(draw, data, ASSESSMENT_KEYS)


@st.composite
def assessment_payloads(draw: st.DrawFn) -> Any:
    """Encoded assessments, most of them damaged once or more."""
    data = stored(draw(mks.assessments()))
    for _ in range(draw(st.integers(0, 3))):
        _damage_assessment(draw, data)
    return data


@st.composite
def recorded_payloads(draw: st.DrawFn) -> Any:
    """Encoded ``assessment.recorded`` events, damaged at the top or in the assessment."""
    event = mc.AssessmentRecorded(
        draw(mks.assessments()), draw(st.sampled_from(mc.AssessmentPhase))
    )
    data = stored(event)
    for _ in range(draw(st.integers(0, 3))):
        if draw(st.booleans()) and isinstance(data.get("assessment"), dict):
            _damage_assessment(draw, data["assessment"])
        else:
            _damage(draw, data, RECORDED_KEYS)
    return data


def _types(assessment: mk.Assessment) -> list[type]:
    """The types equality does not see: a float score stays float, True stays bool."""
    receipt = assessment.receipt
    return [
        type(assessment.score),
        type(assessment.status),
        type(assessment.receipt),
        *(type(value) for value in (attrs.astuple(receipt) if receipt else ())),
        *(type(result.answer) for result in assessment.criteria),
        *(type(name) for name in assessment.missing),
    ]


class TestAssessmentFast:
    @given(mks.assessments())
    def test_a_valid_assessment_is_decoded_fast_and_equal(self, assessment: mk.Assessment) -> None:
        fast = assessment_fast(stored(assessment), {})
        assert fast is not None
        assert fast == assessment
        assert _types(fast) == _types(assessment)

    @settings(max_examples=300)
    @given(assessment_payloads())
    def test_never_accepts_what_the_strict_decoder_rejects(self, data: Any) -> None:
        fast = assessment_fast(data, {})
        if fast is not None:
            strict = strict_decode(data, mk.Assessment)
            assert strict is not None, "the fast path accepted what the strict one rejects"
            assert fast == strict
            assert _types(fast) == _types(strict)

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"score": True}, "$.score"),
            ({"score": 100.5}, "$.score"),
            ({"score": float("nan")}, "$.score"),
            ({"score": 10**400}, "$.score"),
            ({"score": None}, "$.score"),  # complete without a score
            ({"status": "done"}, "$.status"),
            ({"assessed_on": "2025-02-30"}, "$.assessed_on"),
            ({"assessed_on": "2025-2-3"}, "$.assessed_on"),
            ({"business_id": "\ud800"}, "$.business_id"),
            ({"missing": ["c", 3]}, "$.missing[1]"),
            ({"receipt": {**RECEIPT, "inputs": HASH.upper()}}, "$.receipt.inputs"),
            ({"receipt": {**RECEIPT, "declaration": HASH[:-1]}}, "$.receipt.declaration"),
            ({"receipt": {**RECEIPT, "on": "2025-13-01"}}, "$.receipt.on"),
            ({"receipt": {**RECEIPT, "scheme": None}}, "$.receipt.scheme"),
            ({"receipt": {**RECEIPT, "x": 1}}, "$.receipt"),
            ({"receipt": [HASH]}, "$.receipt"),
            ({"level": 3}, "$.level"),
            ({"level": "\ud800"}, "$.level"),
            ({"rubric_version": None}, "$.rubric_version"),
            ({"missing": ["\udfff"]}, "$.missing[0]"),
            (
                {"criteria": [{"criterion_id": "c", "weight": True, "source": "observed"}]},
                "$.criteria[0].weight",
            ),
            ({"receipt": {**RECEIPT, "scheme": "\ud800"}}, "$.receipt.scheme"),
            ({"x": 1}, "$"),
        ],
    )
    def test_a_bad_field_takes_the_strict_path(self, change: dict[str, Any], path: str) -> None:
        good: dict[str, Any] = {
            "business_id": "b",
            "rubric_id": "r",
            "rubric_version": "1",
            "assessed_on": "2025-01-01",
            "status": "complete",
            "score": 50,
            "level": "basic",
            "criteria": [{"criterion_id": "c", "weight": 1, "source": "observed", "score": 1}],
            "missing": [],
            "receipt": RECEIPT,
        }
        fast = assessment_fast(good, {})
        assert fast is not None
        assert type(fast.score) is float
        assert fast.receipt is not None
        assert fast.receipt.scheme == "mentorkit-receipt/1"  # the default, as the strict path
        assert fast == mk.decode(good, mk.Assessment)
        bad = {**good, **change}
        assert assessment_fast(bad, {}) is None
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(bad, mk.Assessment)
        assert path in [issue.path for issue in caught.value.issues]

    def test_only_lists_are_read_as_lists(self) -> None:
        data = stored(mk.Assessment("b", "r", "1", AT.date(), mk.AssessmentStatus.INCOMPLETE))
        for odd in ("c", {"c": 1}):
            assert assessment_fast({**data, "missing": odd}, {}) is None  # the strict path decides
            assert assessment_fast({**data, "criteria": odd}, {}) is None

    def test_an_incomplete_assessment_has_no_score_or_level(self) -> None:
        base = {"business_id": "b", "rubric_id": "r", "rubric_version": "1"}
        incomplete = {**base, "assessed_on": "2025-01-01", "status": "incomplete"}
        assert assessment_fast(incomplete, {}) == mk.decode(incomplete, mk.Assessment)
        for extra in ({"score": 1.0}, {"level": "x"}, {"score": 1.0, "level": "x"}):
            assert assessment_fast({**incomplete, **extra}, {}) is None
            assert strict_decode({**incomplete, **extra}, mk.Assessment) is None

    def test_steps_aside_when_a_class_changes_shape(self) -> None:
        data = stored(mk.Assessment("b", "r", "1", AT.date(), mk.AssessmentStatus.INCOMPLETE))
        assert assessment_fast(data, {}) is not None
        with mock.patch.object(_fastobs, "_ASSESSMENT_FITS", False):
            assert assessment_fast(data, {}) is None


class TestTrustedConstructors:
    def test_the_decoder_uses_the_shortcuts(self) -> None:
        assert _fastobs._assessment is not mk.Assessment
        assert _fastobs._receipt is not mk.Receipt
        assert _events._assessment_recorded is not mc.AssessmentRecorded

    @given(mks.assessments())
    def test_equal_to_the_validated_constructors(self, assessment: mk.Assessment) -> None:
        made = _fastobs._assessment(*attrs.astuple(assessment, recurse=False))
        assert type(made) is mk.Assessment
        assert made == assessment
        assert hash(made) == hash(assessment)
        if assessment.receipt is not None:
            receipt = _fastobs._receipt(*attrs.astuple(assessment.receipt))
            assert type(receipt) is mk.Receipt
            assert receipt == assessment.receipt

    def test_the_assessment_shortcut_still_runs_its_post_init(self) -> None:
        complete = mk.AssessmentStatus.COMPLETE
        with pytest.raises(mk.InvalidFieldError, match="complete assessment has a score"):
            _fastobs._assessment("b", "r", "1", AT.date(), complete, None, None, (), (), None)

    def test_post_init_runs_only_when_asked(self) -> None:
        @attrs.frozen
        class Checked:
            a: int = attrs.field(validator=attrs.validators.gt(0))

            def __attrs_post_init__(self) -> None:
                if self.a > 9:
                    raise ValueError("too big")

        assert trusted_constructor(Checked, ("a",)) is Checked
        make = trusted_constructor(Checked, ("a",), post_init=True)
        assert make is not Checked
        assert make(0).a == 0  # the field validator did not run
        assert make(3) == Checked(3)
        with pytest.raises(ValueError, match="too big"):
            make(10)


class TestHashText:
    @given(
        st.one_of(
            mks.hashes(),
            st.text("sha256:0123456789abcdefABCDEFg \n\u0661", max_size=75),
            mks.hashes().map(lambda h: h[: len(h) // 2] + "\n" + h[len(h) // 2 + 1 :]),
        )
    )
    def test_receipts_accept_exactly_sha256_and_64_lower_case_hex_digits(self, text: str) -> None:
        well_formed = re.fullmatch(r"sha256:[0-9a-f]{64}", text) is not None
        assert well_formed == (
            len(text) == 71
            and text.startswith("sha256:")
            and set(text[7:]) <= set("0123456789abcdef")
        )
        try:
            mk.Receipt(declaration=text, pack=HASH, inputs=HASH, on=AT.date())
        except mk.InvalidFieldError:
            accepted = False
        else:
            accepted = True
        assert accepted == well_formed
        data = {"declaration": HASH, "pack": HASH, "inputs": text, "on": "2025-01-01"}
        assert (_fastobs._receipt_fast(data, {}) is not None) == well_formed


class TestAssessmentRecordedFast:
    @given(st.builds(mc.AssessmentRecorded, mks.assessments(), st.sampled_from(mc.AssessmentPhase)))
    def test_a_stored_assessment_is_read_fast(self, event: mc.AssessmentRecorded) -> None:
        record = mc.to_record("case/c-1", 2, "u", AT, event)
        fast = assessment_recorded_fast(dict(record.data))
        assert fast == event
        assert fast is not None
        assert type(fast.phase) is mc.AssessmentPhase
        assert mc.from_record(record) == event

    @settings(max_examples=300)
    @given(recorded_payloads())
    def test_never_accepts_what_the_strict_decoder_rejects(self, data: Any) -> None:
        fast = assessment_recorded_fast(data)
        if fast is not None:
            strict = strict_decode(data, mc.AssessmentRecorded)
            assert strict is not None, "the fast path accepted what the strict one rejects"
            assert fast == strict
            assert type(fast.schema) is type(strict.schema)
            assert _types(fast.assessment) == _types(strict.assessment)

    @settings(max_examples=150)
    @given(recorded_payloads())
    def test_from_record_gives_equal_events_either_way(self, data: Any) -> None:
        record = mk.EventRecord("case/c-1", 4, "assessment.recorded", "u", AT, data)

        with_fast, strict_only = read_both_ways(record, "assessment_recorded_fast")
        assert with_fast == strict_only

    @pytest.mark.parametrize(
        ("change", "path"),
        [
            ({"phase": "later"}, "$.phase"),
            ({"phase": None}, "$.phase"),
            ({"phase": "Baseline"}, "$.phase"),
            ({"schema": True}, "$.schema"),
            ({"assessment": []}, "$.assessment"),
            ({"extra": 1}, "$"),
        ],
    )
    def test_a_damaged_event_is_named_by_field_path(
        self, change: dict[str, Any], path: str
    ) -> None:
        assessment = mk.Assessment("b", "r", "1", AT.date(), mk.AssessmentStatus.INCOMPLETE)
        event = mc.AssessmentRecorded(assessment, mc.AssessmentPhase.BASELINE)
        record = mc.to_record("case/c-1", 3, "u", AT, event)
        payload = {**record.data, **change}
        assert assessment_recorded_fast(payload) is None
        damaged = mk.EventRecord(record.stream, record.version, record.kind, "u", AT, payload)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(damaged)
        assert "event case/c-1@3 (assessment.recorded)" in str(caught.value)
        assert path in [issue.path for issue in caught.value.issues]

    def test_a_bad_receipt_hash_is_named_by_field_path(self) -> None:
        receipt = mk.Receipt(declaration=HASH, pack=HASH, inputs=HASH, on=AT.date())
        assessment = mk.Assessment(
            "b", "r", "1", AT.date(), mk.AssessmentStatus.INCOMPLETE, receipt=receipt
        )
        record = mc.to_record(
            "case/c-1", 3, "u", AT, mc.AssessmentRecorded(assessment, mc.AssessmentPhase.BASELINE)
        )
        assert mc.from_record(record).assessment.receipt == receipt  # type: ignore[union-attr]
        payload = stored(mc.AssessmentRecorded(assessment, mc.AssessmentPhase.BASELINE))
        payload["assessment"]["receipt"]["pack"] = HASH.replace("a", "A")
        damaged = mk.EventRecord("case/c-1", 3, "assessment.recorded", "u", AT, payload)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(damaged)
        assert [issue.path for issue in caught.value.issues] == ["$.assessment.receipt.pack"]

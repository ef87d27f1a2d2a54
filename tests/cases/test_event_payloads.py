"""The hand-written payloads of the events written most agree with the general path.

For ``observations.recorded``, ``assessment.recorded`` and
``referral.proposed`` the stored data is built by hand
(``mentorkit._fastenc``); it must be exactly ``loads(dumpb(encode(event)))``
(the general path, cattrs then a JSON round trip) and its text exactly
``dumps_stdlib`` of that, for any event -- awkward values included (answers
that are floats, enums, tuples, dates or huge integers; ``str`` subclasses;
NaN and infinity where validators were bypassed; floats orjson spells its
own way), which the hand-written path must treat alike or hand back.
"""

import datetime as dt
import enum
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import _fastenc
from mentorkit import cases as mc
from mentorkit._declarations import Op
from mentorkit._json import dumpb, dumps_stdlib, loads
from mentorkit.batch import _fast
from mentorkit.cases import _events
from mentorkit.cases._events import encoded_record, payload
from mentorkit.testing import strategies as mks

AT = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


class Text(str):
    """A ``str`` subclass whose ``__str__`` says something else."""

    def __str__(self) -> str:
        return "not the text"


class Level(enum.IntEnum):
    LOW = 1


class Colour(enum.StrEnum):
    RED = "red"


_AWKWARD_TEXT = st.sampled_from(["\ud800", "lone \udfff", "1e5", "0.00001", "é ü", "\x00\n"])
awkward_text = (
    mks.names() | _AWKWARD_TEXT | st.text(max_size=5) | mks.names().map(Text) | st.just(Colour.RED)
)
awkward_numbers = st.sampled_from(
    [
        0.0,
        -0.0,
        1e-4,
        5e-05,
        1e-7,
        5e-324,
        1e16,
        9999999999999998.0,
        float("nan"),
        float("inf"),
        -float("inf"),
        2**63 - 1,
        2**64,
        -(2**63) - 1,
        10**30,
        True,
        1,
    ]
)
awkward_answers = (
    st.booleans()
    | st.integers()
    | awkward_text
    | st.floats()
    | awkward_numbers
    | st.sampled_from([Level.LOW, mk.AnswerSource.OBSERVED, ("a", 1), dt.date(2026, 1, 2)])
    | st.none()
)


def _forced(target: Any, /, **fields: Any) -> Any:
    """``target`` with ``fields`` set past its validators (as a careless plugin might)."""
    for name, new in fields.items():
        object.__setattr__(target, name, new)
    return target


@st.composite
def awkward_observations(draw: st.DrawFn) -> mk.Observation:
    obs = draw(mks.observations())
    if draw(st.booleans()):
        return obs
    return _forced(
        obs,
        value=draw(awkward_answers),
        evidence=draw(st.none() | awkward_text),
        business_id=draw(st.just(obs.business_id) | awkward_text),
    )


@st.composite
def awkward_results(draw: st.DrawFn) -> mk.CriterionResult:
    result = draw(mks.criterion_results())
    if draw(st.booleans()):
        return result
    changes = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "answer": awkward_answers,
                "weight": awkward_numbers | st.floats(min_value=0),
                "score": st.none() | awkward_numbers | st.floats(min_value=0, max_value=1),
                "note": st.none() | awkward_text,
                "criterion_id": awkward_text,
                "met": st.sampled_from([0, 1, None, True]),
            },
        )
    )
    return _forced(result, **changes)


@st.composite
def awkward_assessments(draw: st.DrawFn) -> mk.Assessment:
    assessment = draw(mks.assessments())
    criteria = tuple(draw(st.lists(awkward_results(), max_size=4)))
    assessment = _forced(assessment, criteria=criteria)
    if draw(st.booleans()):
        return assessment
    changes = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "score": awkward_numbers | st.floats(min_value=0, max_value=100),
                "level": awkward_text,
                "missing": st.lists(awkward_text, max_size=2).map(tuple),
                "rubric_version": awkward_text,
                "status": st.just("complete"),
            },
        )
    )
    if assessment.receipt is not None and draw(st.booleans()):
        receipt = _forced(attrs.evolve(assessment.receipt), scheme=draw(awkward_text))
        changes["receipt"] = receipt
    return _forced(assessment, **changes)


@st.composite
def awkward_referrals(draw: st.DrawFn) -> mk.Referral:
    referral = draw(mks.referrals())
    reasons = tuple(
        _forced(r, op=draw(st.sampled_from([r.op, Op.GE, Text("=="), 3]))) for r in referral.reasons
    )
    referral = _forced(referral, reasons=reasons)
    if draw(st.booleans()):
        return referral
    changes = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "unit": awkward_text,
                "details": st.lists(
                    st.tuples(awkward_text, awkward_text)
                    | st.lists(mks.names(), min_size=2, max_size=2)
                    | st.tuples(mks.names(), mks.names(), mks.names()),
                    max_size=2,
                ).map(tuple),
            },
        )
    )
    return _forced(referral, **changes)


served = st.one_of(
    st.builds(
        mc.ObservationsRecorded,
        observations=st.lists(awkward_observations(), min_size=1, max_size=4).map(tuple),
    ),
    st.builds(
        mc.AssessmentRecorded,
        assessment=awkward_assessments(),
        phase=st.sampled_from(mc.AssessmentPhase),
    ),
    st.builds(mc.ReferralProposed, referral_id=mks.identifiers(), referral=awkward_referrals()),
)


def _general(event: mc.Event) -> tuple[Any, str]:
    """What every event's stored data and text were before: the general path."""
    data = loads(dumpb(mk.encode(event)))
    return data, dumps_stdlib(data)


class TestHandWrittenPayloads:
    """Same data, same stored text, same errors as the general path, for any served event."""

    def test_the_fast_path_is_in_use(self) -> None:
        assert _fastenc.FITS
        assert set(_events._PAYLOAD_WRITERS) == {
            mc.ObservationsRecorded,
            mc.AssessmentRecorded,
            mc.ReferralProposed,
        }

    @given(served)
    def test_same_data_and_text_as_the_general_path(self, event: mc.Event) -> None:
        try:
            want_data, want_text = _general(event)
        except (TypeError, ValueError) as exc:  # e.g. NaN beside an integer beyond 64 bits
            with pytest.raises(type(exc)):
                encoded_record("case/c-1", 2, "u-1", AT, event)
            with pytest.raises(type(exc)):
                payload(event)
            return
        record, text = encoded_record("case/c-1", 2, "u-1", AT, event)
        # repr tells 1 from 1.0 and True, a list from a tuple, a str from an enum member.
        assert repr(record.data) == repr(want_data)
        assert repr(payload(event)) == repr(want_data)
        assert repr(mc.to_record("case/c-1", 2, "u-1", AT, event).data) == repr(want_data)
        assert text == want_text  # byte for byte what the SQL store wrote
        assert record == mk.EventRecord("case/c-1", 2, event.kind, "u-1", AT, want_data)

    @given(served)
    def test_the_hand_written_data_holds_only_plain_values(self, event: mc.Event) -> None:
        write = _events._PAYLOAD_WRITERS[type(event)]
        data = write(event)
        if data is not None:  # what it wrote is what the general path reads back, nothing else
            assert repr(data) == repr(loads(dumps_stdlib(data)))

    @pytest.mark.parametrize(
        "change",
        [
            {"weight": float("nan")},  # the general path writes null (orjson) or refuses
            {"weight": 1e-05},  # orjson spells it 0.00001, the standard library 1e-05
            {"score": 1e16},
            {"answer": 1.5},
            {"answer": Level.LOW},
            {"note": Text("note")},
        ],
    )
    def test_unusual_values_are_handed_to_the_general_path(self, change: dict[str, Any]) -> None:
        result = _forced(
            mk.CriterionResult("c", 1.0, mk.AnswerSource.OBSERVED, 1.0, True), **change
        )
        assessment = mk.Assessment(
            "b", "r", "1", dt.date(2026, 1, 2), mk.AssessmentStatus.INCOMPLETE
        )
        event = mc.AssessmentRecorded(
            _forced(assessment, criteria=(result,)), mc.AssessmentPhase.BASELINE
        )
        assert _fastenc.assessment_data(event.assessment) is None
        assert _events._assessment_payload(event) is None
        want_data, want_text = _general(event)
        record, text = encoded_record("case/c-1", 2, "u-1", AT, event)
        assert (repr(record.data), text) == (repr(want_data), want_text)

    def test_an_operator_is_written_as_its_text(self) -> None:
        reason = mk.Reason("business.capital", Op.GE, "1", "2", True)
        reasons = (reason, _forced(attrs.evolve(reason), op=Text(">=")))
        referral = mk.Referral("b", "bank", "kur", "1", dt.date(2026, 1, 2), reasons)
        data = _fastenc.referral_data(referral)
        assert data is not None
        assert [type(r["op"]) for r in data["reasons"]] == [str, str]
        assert repr(data) == repr(loads(dumpb(mk.encode(referral))))


@attrs.frozen
class _Wider:
    """ObservationsRecorded as it might become: one field more."""

    observations: tuple[mk.Observation, ...]
    visit_id: str = "v-1"
    schema: int = 1


@attrs.frozen
class _Reordered:
    assessment: mk.Assessment
    schema: int = 1
    phase: mc.AssessmentPhase = mc.AssessmentPhase.BASELINE


class TestShape:
    """The hand-written payloads serve only classes with exactly the fields they write."""

    def test_a_changed_event_class_takes_the_general_path(self) -> None:
        writers = [
            (_Wider, ("observations", "schema"), _events._observations_payload),
            (_Reordered, ("assessment", "phase", "schema"), _events._assessment_payload),
            (mc.ReferralProposed, ("referral_id", "referral", "schema"), _events._referral_payload),
        ]
        assert set(_events._payload_writers(True, writers)) == {mc.ReferralProposed}

    def test_a_changed_model_class_turns_every_writer_off(self) -> None:
        assert _events._payload_writers(False) == {}
        assert not _fastenc.fields_are(mk.Observation, _fastenc.EXPECTED_FIELDS[mk.Observation][1:])
        assert not _fastenc.fields_are(_Reordered, ("assessment", "phase", "schema"))

    @given(served)
    def test_without_the_writers_the_records_are_the_same(self, event: mc.Event) -> None:
        try:
            want = _general(event)
        except (TypeError, ValueError):
            return
        record, text = encoded_record("case/c-1", 2, "u-1", AT, event)
        saved = dict(_events._PAYLOAD_WRITERS)
        _events._PAYLOAD_WRITERS.clear()  # as if a class had changed shape
        try:
            general, general_text = encoded_record("case/c-1", 2, "u-1", AT, event)
        finally:
            _events._PAYLOAD_WRITERS.update(saved)
        assert (repr(general.data), general_text) == (repr(want[0]), want[1])
        assert (repr(record.data), text) == (repr(general.data), general_text)

    def test_the_batch_shares_the_shape_check(self) -> None:
        assert _fast.FAST_ENCODE
        assert _fast._EXPECTED_FIELDS[mk.Observation] is _fastenc.EXPECTED_FIELDS[mk.Observation]

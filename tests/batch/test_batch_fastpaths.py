"""The engine's trusted fast paths give exactly what the validated slow paths give.

* Receipts the engine builds without validators, and reasons it keeps per
  fact value, equal the ones built the validated way.
* Integer weights declared by a plugin come out as floats, so result lines
  round-trip as text, with unchanged scores.
"""

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._receipts import make_receipt, trusted_receipt
from mentorkit.batch import BatchRecord, Processor
from mentorkit.hookspecs import hookimpl
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SAMPLE_RUBRIC, SamplePlugin

ON = dt.date(2025, 6, 30)


def _engine() -> mk.Engine:
    return mk.Engine(mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True))


ENGINE = _engine()

FLOATED = attrs.evolve(
    SAMPLE_RUBRIC,
    criteria=tuple(attrs.evolve(c, weight=float(c.weight)) for c in SAMPLE_RUBRIC.criteria),
)


class _FloatWeights(SamplePlugin):
    """The sample plugin with its weights declared as floats."""

    @hookimpl
    def register_rubrics(self) -> list[mk.Rubric]:
        return [FLOATED]


class TestIntegerWeights:
    """A plugin's ``weight=3`` is scored as 3 and written as 3.0: lines round-trip as text."""

    def test_the_sample_rubric_declares_integer_weights(self) -> None:
        assert any(type(c.weight) is int for c in SAMPLE_RUBRIC.criteria)

    @given(mks.businesses(), st.data())
    def test_weights_are_floats_and_lines_round_trip(
        self, business: mk.Business, data: st.DataObject
    ) -> None:
        observations = data.draw(
            mks.observations_for(SAMPLE_RUBRIC, business.id, on=ON, complete=False)
        )
        evaluation = ENGINE.evaluate(business, observations, on=ON)
        declared = {c.id: c.weight for c in SAMPLE_RUBRIC.criteria}
        for assessment in evaluation.assessments:
            for result in assessment.criteria:
                assert type(result.weight) is float
                assert result.weight == declared[result.criterion_id]
        line = Processor.encode(evaluation)
        assert mk.dumps(mk.loads(line, mk.Evaluation)) == line

    @given(mks.businesses(), st.data())
    def test_scores_equal_those_of_float_weights(
        self, business: mk.Business, data: st.DataObject
    ) -> None:
        observations = data.draw(mks.observations_for(SAMPLE_RUBRIC, business.id, on=ON))
        other = mk.Engine(
            mk.Registry.load(plugins=[_FloatWeights()], entry_points=False, strict=True)
        )
        mine = ENGINE.assess(business, observations, on=ON).assessments
        theirs = other.assess(business, observations, on=ON).assessments
        assert [(a.score, a.level, a.criteria) for a in mine] == [
            (a.score, a.level, a.criteria) for a in theirs
        ]


class TestTrustedReceipt:
    """Receipts the engine builds without validators equal validated ones."""

    @given(mks.receipts())
    def test_equal_to_make_receipt(self, receipt: mk.Receipt) -> None:
        made = trusted_receipt(receipt.declaration, receipt.pack, receipt.inputs, receipt.on)
        expected = make_receipt(receipt.declaration, receipt.pack, receipt.inputs, receipt.on)
        assert trusted_receipt is not make_receipt
        assert type(made) is mk.Receipt
        assert made == expected
        assert hash(made) == hash(expected)

    @given(mks.businesses(), st.data())
    def test_engine_receipts_are_valid_receipts(
        self, business: mk.Business, data: st.DataObject
    ) -> None:
        observations = data.draw(mks.observations_for(SAMPLE_RUBRIC, business.id, on=ON))
        evaluation = ENGINE.evaluate(
            business, observations, on=ON, facts={"case.mentored": data.draw(st.booleans())}
        )
        decisions: list[mk.Assessment | mk.Referral] = [
            *evaluation.assessments,
            *evaluation.referrals,
        ]
        assert decisions
        for decision in decisions:
            receipt = decision.receipt
            assert receipt is not None
            # Rebuilt through the validators: the same receipt.
            assert attrs.evolve(receipt) == receipt


RULES = [rule for rule, _owner in ENGINE._rules]
READ = sorted({c.fact for rule in RULES for c in rule.conditions})

fact_values: st.SearchStrategy[mk.FactValue] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=12),
    st.sampled_from([0.0, -0.0, 0.5, 6.0, float("nan")]),
    st.sampled_from(["developing", "basic", "advanced", "x", ""]),
    st.tuples(st.sampled_from(["online", "shop"])),
)


class TestKeptReasons:
    """Reasons kept by the engine are the ones ``Engine.reasons`` computes."""

    @given(st.lists(st.fixed_dictionaries(dict.fromkeys(READ, fact_values)), max_size=8))
    def test_held_reasons_equal_reasons(self, many: list[dict[str, mk.FactValue]]) -> None:
        engine = _engine()  # a fresh cache per example
        for facts in many * 2:  # the second round reads the cache
            for position, rule in enumerate(RULES):
                expected = engine.reasons(rule, facts)
                got = engine._held_reasons(position, rule, facts)
                if all(reason.held for reason in expected):
                    assert got == expected
                else:
                    assert got is None

    def test_minus_zero_shows_as_it_is(self) -> None:
        engine = _engine()
        rule = mk.ReferralRule(
            id="any-amount",
            version="1",
            unit="capital",
            label=mk.Label(en="Any amount", id="Jumlah apa pun"),
            conditions=(mk.Condition("x.amount", mk.Op.KNOWN),),
        )
        shown = []
        for amount in (0, 0.0, -0.0, 0.0, False):
            reasons = engine._held_reasons(99, rule, {"x.amount": amount})
            assert reasons == engine.reasons(rule, {"x.amount": amount})
            shown.append(reasons[0].actual if reasons else None)
        # 0, 0.0, -0.0 and False are equal keys in a dict, but each shows as itself.
        assert shown == ["0", "0.0", "-0.0", "0.0", "false"]


# Changes that make a line fall off the answers path: another business, an unknown rubric or
# criterion, an answer that does not fit, a bad field, an unknown key, a later date.
_DAMAGE: list[tuple[str, object]] = [
    ("business_id", "B-other"),
    ("rubric_id", "no-such-rubric"),
    ("criterion_id", "no-such-criterion"),
    ("value", 99),
    ("value", "maybe"),
    ("value", None),
    ("observed_on", "2025-02-30"),
    ("observed_on", "2099-01-01"),
    ("evidence", 5),
    ("evidence", "\ud800"),
    ("observer", 3),
    ("observer", "\udc00 a lone surrogate"),
    ("extra", 1),
    # The answers path looks these up in dicts or compares them: unhashable or odd types.
    ("business_id", 5),
    ("business_id", ["B-1"]),
    ("rubric_id", ["sample"]),
    ("criterion_id", {"id": 1}),
    ("observed_on", ["2025-01-01"]),
    ("observed_on", 20250101),
    ("value", 1.0),
    ("value", "\ud800"),
    ("value", [True]),
]
_REQUIRED = ("business_id", "rubric_id", "criterion_id", "value", "observed_on")


@st.composite
def batch_lines(draw: st.DrawFn) -> dict[str, object]:
    """Batch records for the sample rubric: most plainly valid, some with one damaged item."""
    business = draw(mks.businesses())
    observations = mk.encode(
        draw(mks.observations_for(SAMPLE_RUBRIC, business.id, complete=False, derived=True))
    )
    if observations and draw(st.booleans()):
        index = draw(st.integers(0, len(observations) - 1))
        if draw(st.booleans()):
            name, value = draw(st.sampled_from(_DAMAGE))
            observations[index] = {**observations[index], name: value}
        else:  # a required field left out, or not an object at all
            damaged = dict(observations[index])
            del damaged[draw(st.sampled_from(_REQUIRED))]
            observations[index] = draw(st.sampled_from([damaged, [damaged], "x", None]))
    return {"business": mk.encode(business), "observations": observations}


class TestAnswersPath:
    """The batch assesses from answers read off the data: the same as decode, then evaluate."""

    @given(batch_lines(), st.booleans())
    def test_the_same_result_or_the_same_error_as_the_general_path(
        self, data: dict[str, object], receipts: bool
    ) -> None:
        engine = ENGINE if receipts else mk.Engine(ENGINE.registry, receipts=False)
        evaluation, error = Processor(engine, ON).process(json.dumps(data).encode(), 3, "in")
        try:
            record = mk.decode(data, BatchRecord)
        except mk.DecodeError:
            assert evaluation is None
            assert error is not None
            return
        assert error is None
        assert evaluation == engine.evaluate(record.business, record.observations, on=ON)

    @given(batch_lines())
    def test_answers_are_those_assess_uses_or_none(self, data: dict[str, Any]) -> None:
        business = mk.decode(data["business"], mk.Business)
        answers = ENGINE._answers_from_data(business.id, data["observations"], ON, {})
        try:
            observations = mk.decode(data["observations"], tuple[mk.Observation, ...])
        except mk.DecodeError:
            assert answers is None
            return
        issues: list[mk.FieldIssue] = []
        expected = ENGINE._answers(business, observations, ON, issues)
        if answers is None:
            assert issues, "plainly valid observations that raise no issue take the fast path"
        else:
            assert answers == expected
            assert issues == []

    @pytest.mark.parametrize("odd_id", [" ", "\ud800"])
    def test_the_registry_refuses_ids_an_observation_would_refuse(self, odd_id: str) -> None:
        # The answers path checks an observation's rubric and criterion ids by finding them
        # in the registry: that is only enough while the registry refuses blank ids and lone
        # surrogates, which an Observation refuses too.
        odd = attrs.evolve(
            SAMPLE_RUBRIC,
            criteria=(*SAMPLE_RUBRIC.criteria, attrs.evolve(SAMPLE_RUBRIC.criteria[0], id=odd_id)),
        )

        class _Odd(SamplePlugin):
            @hookimpl
            def register_rubrics(self) -> list[mk.Rubric]:
                return [odd]

        with pytest.raises(mk.DeclarationError, match="lower-case id"):
            mk.Registry.load(plugins=[_Odd()], entry_points=False, strict=True)
        item = {"business_id": "B-1", "rubric_id": odd.id, "criterion_id": odd_id,
                "value": True, "observed_on": "2025-03-01"}  # fmt: skip
        with pytest.raises(mk.DecodeError, match="criterion_id"):
            mk.decode(item, mk.Observation)

    def test_a_clean_line_takes_the_answers_path(self) -> None:
        business = mk.Business(
            id="B-1", name="Toko", owner=mk.Person(name="Siti"), sector=mk.Sector.CRAFT,
            district="Setu",
        )  # fmt: skip
        item = {
            "business_id": "B-1",
            "rubric_id": SAMPLE_RUBRIC.id,
            "criterion_id": "separate-money",
            "value": True,
            "observed_on": "2025-03-01",
        }
        answers = ENGINE._answers_from_data("B-1", [item], ON, {})
        assert answers == {SAMPLE_RUBRIC.id: {"separate-money": (True, dt.date(2025, 3, 1), None)}}
        assert ENGINE._evaluate_answers(business, answers, on=ON) == ENGINE.evaluate(
            business, [mk.decode(item, mk.Observation)], on=ON
        )

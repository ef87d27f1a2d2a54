"""The engine's trusted fast paths give exactly what the validated slow paths give.

* Receipts the engine builds without validators, and reasons it keeps per
  fact value, equal the ones built the validated way.
* Integer weights declared by a plugin come out as floats, so result lines
  round-trip as text, with unchanged scores.
"""

import datetime as dt

import attrs
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._receipts import make_receipt, trusted_receipt
from mentorkit.batch import Processor
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

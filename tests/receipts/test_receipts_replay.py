"""Replaying decisions from their receipts, and the errors that name what changed."""

import datetime as dt

import attrs
import pytest
import receipts_pack as pack
from hypothesis import given

import mentorkit as mk

Case = tuple[mk.Business, list[mk.Observation], dict[str, mk.FactValue]]

WARUNG = mk.Business(
    id="b-warung",
    name="Warung Bu Siti",
    owner=mk.Person(name="Siti", nik="3674011234560001"),
    sector=mk.Sector.CULINARY,
    district="Pamulang",
    founded=dt.date(2020, 1, 1),
    annual_sales=400_000_000,
    financing_need=20_000_000,
)
OBSERVATIONS = [
    mk.Observation("b-warung", "bookkeeping", "separate-money", True, pack.ON),
    mk.Observation("b-warung", "bookkeeping", "cash-records", 2, pack.ON),
    mk.Observation("b-warung", "bookkeeping", "pricing", "guess", pack.ON),
]
FACTS: dict[str, mk.FactValue] = {"case.mentored": True, "case.has_prospects": False}


def _evaluate(engine: mk.Engine) -> mk.Evaluation:
    return engine.evaluate(
        WARUNG, OBSERVATIONS, on=pack.ON, facts=FACTS, cooperatives=pack.COOPERATIVES
    )


class TestReplayReproduces:
    """replay(result) == result, for any business, observations and case facts."""

    @given(pack.cases())
    def test_every_result_replays_to_itself(self, case: Case) -> None:
        business, observations, facts = case
        engine = pack.ENGINE
        result = engine.evaluate(
            business, observations, on=pack.ON, facts=facts, cooperatives=pack.COOPERATIVES
        )
        for assessment in result.assessments:
            assert mk.replay(assessment, business, observations, engine=engine) == assessment
        for referral in result.referrals:
            again = mk.replay(
                referral,
                business,
                observations,
                engine=engine,
                facts=facts,
                cooperatives=pack.COOPERATIVES,
            )
            assert again == referral

    @given(pack.cases())
    def test_replay_in_a_freshly_loaded_pack_reproduces(self, case: Case) -> None:
        """A stored result replays after the plugins are loaded again (a new process, later)."""
        business, observations, _facts = case
        result = pack.ENGINE.evaluate(business, observations, on=pack.ON)
        stored = [mk.dumps(a) for a in result.assessments]
        fresh = pack.ENGINE_AGAIN
        for text in stored:
            assessment = mk.loads(text, mk.Assessment)
            assert mk.replay(assessment, business, observations, engine=fresh) == assessment

    def test_the_worked_example_replays(self) -> None:
        result = _evaluate(pack.ENGINE)
        units = {r.unit for r in result.referrals}
        # Score 3/7 = 42.9: developing; financing needed; mentored; micro without a NIB.
        assert units == {"capital", "cooperative", "licensing"}
        coop = next(r for r in result.referrals if r.unit == "cooperative")
        assert coop.details == (("cooperative", "k-pamulang"),)
        replayed = mk.replay(
            coop,
            WARUNG,
            OBSERVATIONS,
            engine=pack.registry(),
            facts=FACTS,
            cooperatives=pack.COOPERATIVES,
        )
        assert replayed == coop


class TestReplayMismatch:
    """Each kind of difference gets an error that says what differs."""

    def test_a_changed_pack_is_named_with_both_hashes(self) -> None:
        assessment = _evaluate(pack.ENGINE).assessments[0]
        stricter = pack.STRICTER
        with pytest.raises(mk.ReplayMismatchError) as caught:
            mk.replay(assessment, WARUNG, OBSERVATIONS, engine=stricter)
        assert assessment.receipt is not None
        recorded = assessment.receipt.pack.removeprefix("sha256:")[:12]
        loaded = stricter.pack_hash.removeprefix("sha256:")[:12]
        assert f"rule pack changed: hash {recorded} recorded, {loaded} loaded" in str(caught.value)
        assert isinstance(caught.value, mk.MentorkitError)

    def test_a_changed_rubric_is_named_when_pack_changes_are_allowed(self) -> None:
        assessment = next(
            a for a in _evaluate(pack.ENGINE).assessments
            if a.rubric_id == "bookkeeping"
        )  # fmt: skip
        stricter = pack.registry(pack.StricterPlugin())
        with pytest.raises(mk.ReplayMismatchError, match=r"rubric 'bookkeeping' changed"):
            mk.replay(assessment, WARUNG, OBSERVATIONS, engine=stricter, allow_pack_change=True)

    def test_an_unchanged_rubric_replays_in_a_changed_pack_when_allowed(self) -> None:
        """A rule threshold changed, the halal rubric did not: its assessments still replay."""
        halal = next(a for a in _evaluate(pack.ENGINE).assessments if a.rubric_id == "halal")
        other = mk.Engine(pack.registry(pack.ReceiptsPlugin(min_age=12)))
        with pytest.raises(mk.ReplayMismatchError, match="rule pack changed"):
            mk.replay(halal, WARUNG, OBSERVATIONS, engine=other)
        again = mk.replay(halal, WARUNG, OBSERVATIONS, engine=other, allow_pack_change=True)
        assert attrs.evolve(again, receipt=None) == attrs.evolve(halal, receipt=None)

    def test_different_inputs_are_named(self) -> None:
        assessment = next(
            a for a in _evaluate(pack.ENGINE).assessments
            if a.rubric_id == "bookkeeping"
        )  # fmt: skip
        fewer = OBSERVATIONS[:2]
        with pytest.raises(mk.ReplayMismatchError, match=r"inputs differ: hash \w{12} recorded"):
            mk.replay(assessment, WARUNG, fewer, engine=pack.registry())

    def test_missing_case_facts_are_hinted(self) -> None:
        coop = next(r for r in _evaluate(pack.ENGINE).referrals if r.unit == "cooperative")
        with pytest.raises(mk.ReplayMismatchError, match="case facts"):
            mk.replay(coop, WARUNG, OBSERVATIONS, engine=pack.registry())

    def test_a_tampered_result_is_named_by_field(self) -> None:
        assessment = _evaluate(pack.ENGINE).assessments[0]
        tampered = attrs.evolve(assessment, level="established", score=99.0)
        with pytest.raises(mk.ReplayMismatchError) as caught:
            mk.replay(tampered, WARUNG, OBSERVATIONS, engine=pack.registry())
        assert any(d.startswith("level: 'established' recorded") for d in caught.value.differences)
        assert any(d.startswith("score: 99.0 recorded") for d in caught.value.differences)

    def test_a_result_without_receipt_cannot_be_replayed(self) -> None:
        bare = _evaluate(mk.Engine(pack.registry(), receipts=False)).assessments[0]
        with pytest.raises(mk.ReplayMismatchError, match="carries no receipt"):
            mk.replay(bare, WARUNG, OBSERVATIONS, engine=pack.registry())

    def test_another_business_is_refused_without_echoing_personal_data(self) -> None:
        assessment = _evaluate(pack.ENGINE).assessments[0]
        other = attrs.evolve(WARUNG, id="b-other")
        with pytest.raises(mk.ReplayMismatchError) as caught:
            mk.replay(assessment, other, OBSERVATIONS, engine=pack.registry())
        assert "b-other" in str(caught.value)
        assert WARUNG.owner.nik is not None
        assert WARUNG.owner.nik not in str(caught.value)

    def test_a_rubric_missing_from_the_pack_is_named(self) -> None:
        assessment = next(a for a in _evaluate(pack.ENGINE).assessments if a.rubric_id == "halal")

        class OnlyBookkeeping(pack.ReceiptsPlugin):  # type: ignore[misc]  # loaded by path
            @mk.hookimpl
            def register_rubrics(self) -> list[mk.Rubric]:
                return [pack.bookkeeping()]

        smaller = pack.registry(OnlyBookkeeping())
        with pytest.raises(mk.ReplayMismatchError, match="rubric 'halal' is not in the loaded"):
            mk.replay(assessment, WARUNG, OBSERVATIONS, engine=smaller, allow_pack_change=True)

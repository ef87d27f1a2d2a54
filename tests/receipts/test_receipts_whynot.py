"""Why-not: the failed conditions, and a nearest change that really makes the rule fire."""

import datetime as dt

import pytest
import receipts_pack as pack
from hypothesis import assume, given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit._whynot import nearest_change

Case = tuple[mk.Business, list[mk.Observation], dict[str, mk.FactValue]]

YOUNG = mk.Business(
    id="b-young",
    name="Kriya Muda",
    owner=mk.Person(name="Dewi"),
    sector=mk.Sector.CRAFT,
    district="Setu",
    founded=dt.date(2024, 1, 1),
    annual_sales=50_000_000,
    financing_need=15_000_000,
    nib="1234567890123",
)
# Score (0 + 2*0.25 + 0 + 1) / 6 = 25: basic.
WEAK = [
    mk.Observation("b-young", "bookkeeping", "separate-money", False, pack.ON),
    mk.Observation("b-young", "bookkeeping", "cash-records", 1, pack.ON),
    mk.Observation("b-young", "bookkeeping", "pricing", "guess", pack.ON),
]


class TestWhyNotExample:
    """The issue's example: would be referred to capital if bookkeeping level ≥ developing."""

    def test_the_failed_condition_and_nearest_change_are_named(self) -> None:
        answer = mk.why_not(YOUNG, "capital", WEAK, engine=pack.registry(), on=pack.ON)
        assert not answer.referred
        nearest = answer.nearest
        assert nearest is not None
        assert nearest.rule_id == "capital-ready"
        assert [c.fact for c in nearest.failed] == ["assessment.bookkeeping.level"]
        assert nearest.failed[0].actual == "basic"
        assert nearest.changes == {"assessment.bookkeeping.level": "developing"}
        assert answer.explain("en") == (
            "would be referred to Capital facilitation if Bookkeeping level ≥ developing "
            "(rule capital-ready)"
        )
        assert answer.explain("id") == (
            "akan dirujuk ke Fasilitasi permodalan jika tingkat Pembukuan ≥ developing "
            "(aturan capital-ready)"
        )

    def test_the_other_rule_needs_more_and_is_listed_too(self) -> None:
        answer = mk.why_not(YOUNG, "capital", WEAK, engine=pack.registry(), on=pack.ON)
        kur = next(r for r in answer.rules if r.rule_id == "capital-kur-small")
        assert [c.fact for c in kur.failed] == ["business.financing_need"]
        assert kur.changes == {"business.financing_need": 100_000_001}

    def test_two_failed_conditions_are_joined(self) -> None:
        younger = mk.Business(
            id="b-young", name="Kriya Muda", owner=mk.Person(name="Dewi"),
            sector=mk.Sector.CRAFT, district="Setu", founded=dt.date(2025, 3, 1),
            financing_need=15_000_000,
        )  # fmt: skip
        answer = mk.why_not(younger, "capital", WEAK, engine=pack.registry(), on=pack.ON)
        assert answer.nearest is not None
        assert answer.nearest.changes == {
            "assessment.bookkeeping.level": "developing",
            "business.age_months": 6,
        }
        assert "Bookkeeping level ≥ developing and months in business ≥ 6" in answer.explain()
        assert "dan umur usaha (bulan) ≥ 6" in answer.explain("id")

    def test_a_referred_business_says_by_which_rule(self) -> None:
        strong = [
            mk.Observation("b-young", "bookkeeping", "separate-money", True, pack.ON),
            mk.Observation("b-young", "bookkeeping", "cash-records", 4, pack.ON),
            mk.Observation("b-young", "bookkeeping", "pricing", "cost-plus", pack.ON),
        ]
        answer = mk.why_not(YOUNG, "capital", strong, engine=pack.registry(), on=pack.ON)
        assert answer.referred_by == "capital-ready"
        assert answer.explain() == "is referred to Capital facilitation by rule capital-ready"

    def test_a_boolean_fact_is_flipped(self) -> None:
        answer = mk.why_not(
            YOUNG, "cooperative", WEAK, engine=pack.registry(), on=pack.ON,
            facts={"case.mentored": False},
        )  # fmt: skip
        assert answer.nearest is not None
        assert answer.nearest.changes == {"case.mentored": True}
        assert "if mentored is yes" in answer.explain()
        assert "jika sudah didampingi = ya" in answer.explain("id")

    def test_an_unknown_unit_is_not_found(self) -> None:
        with pytest.raises(mk.NotFoundError, match="unit 'nowhere'"):
            mk.why_not(YOUNG, "nowhere", engine=pack.registry(), on=pack.ON)


class TestNearestChangeProperties:
    """Applying the nearest change makes the business referred: checked, not assumed."""

    @given(pack.cases(), st.sampled_from([u.id for u in pack.UNITS]))
    def test_applying_the_nearest_change_refers_the_business(self, case: Case, unit: str) -> None:
        business, observations, facts = case
        engine = pack.ENGINE
        answer = mk.why_not(business, unit, observations, engine=engine, on=pack.ON, facts=facts)
        assume(not answer.referred and answer.nearest is not None)
        assert answer.nearest is not None
        assessed = engine.assess(business, observations, on=pack.ON)
        changed = {**facts, **answer.nearest.changes}
        referred = engine.refer(business, assessed.assessments, on=pack.ON, facts=changed)
        assert unit in {r.unit for r in referred.referrals}

    @given(pack.cases(), st.sampled_from([u.id for u in pack.UNITS]))
    def test_why_not_agrees_with_the_engine(self, case: Case, unit: str) -> None:
        business, observations, facts = case
        engine = pack.ENGINE
        answer = mk.why_not(business, unit, observations, engine=engine, on=pack.ON, facts=facts)
        result = engine.evaluate(business, observations, on=pack.ON, facts=facts)
        proposed = {r.unit: r.rule_id for r in result.referrals}
        assert answer.referred_by == proposed.get(unit)

    @given(
        st.sampled_from([mk.Op.LT, mk.Op.LE, mk.Op.GT, mk.Op.GE, mk.Op.EQ, mk.Op.NE]),
        st.integers(min_value=-1000, max_value=1000),
        st.none() | st.integers(min_value=-1000, max_value=1000),
    )
    def test_numeric_conditions(self, op: mk.Op, threshold: int, actual: int | None) -> None:
        condition = mk.Condition("business.employees", op, threshold)
        facts: dict[str, mk.FactValue] = {"business.employees": actual}
        value = nearest_change(condition, facts, {})
        assert value is not None
        assert mk.check_condition(condition, {"business.employees": value}, {})

    @given(
        st.sampled_from([mk.Op.LT, mk.Op.LE, mk.Op.GT, mk.Op.GE]),
        st.floats(min_value=0.01, max_value=99.99),
    )
    def test_score_conditions(self, op: mk.Op, threshold: float) -> None:
        fact = "assessment.bookkeeping.score"
        condition = mk.Condition(fact, op, round(threshold, 6))
        value = nearest_change(condition, {fact: 50.0}, {})
        assert mk.check_condition(condition, {fact: value}, {})

    @given(
        st.sampled_from(
            [mk.Op.LT, mk.Op.LE, mk.Op.GT, mk.Op.GE, mk.Op.EQ, mk.Op.NE, mk.Op.IN, mk.Op.NOT_IN]
        ),
        st.sampled_from(["basic", "developing", "established"]),
        st.none() | st.sampled_from(["basic", "developing", "established"]),
    )
    def test_level_conditions(self, op: mk.Op, level: str, actual: str | None) -> None:
        fact = "assessment.bookkeeping.level"
        value: mk.FactValue = (level,) if op in (mk.Op.IN, mk.Op.NOT_IN) else level
        condition = mk.Condition(fact, op, value)
        ranks = pack.ENGINE.level_ranks
        change = nearest_change(condition, {fact: actual}, ranks)
        impossible = (op is mk.Op.LT and level == "basic") or (
            op is mk.Op.GT and level == "established"
        )
        if impossible:
            assert change is None
        else:
            assert mk.check_condition(condition, {fact: change}, ranks)

    @given(
        st.lists(st.sampled_from([c.value for c in mk.SalesChannel]), unique=True).map(tuple),
        st.lists(st.sampled_from([c.value for c in mk.SalesChannel]), min_size=1).map(tuple),
        st.sampled_from([mk.Op.IN, mk.Op.NOT_IN]),
    )
    def test_membership_on_a_list_fact(
        self, actual: tuple[str, ...], members: tuple[str, ...], op: mk.Op
    ) -> None:
        fact = "business.sales_channels"
        condition = mk.Condition(fact, op, members)
        change = nearest_change(condition, {fact: actual}, {})
        assert mk.check_condition(condition, {fact: change}, {})

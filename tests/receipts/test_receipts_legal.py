"""An assessment uses the legal parameters in force on its date; its receipt keeps that date."""

import datetime as dt

import receipts_pack as pack
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import legal

#: Annual sales of Rp1.5 bn: small under UU 20/2008 (micro up to Rp300 m),
#: micro under PP 7/2021 (micro up to Rp2 bn, in force from 2 February 2021).
SALES = 1_500_000_000

TOKO = mk.Business(
    id="b-toko",
    name="Toko Kue Ani",
    owner=mk.Person(name="Ani"),
    sector=mk.Sector.CULINARY,
    district="Serpong",
    founded=dt.date(2015, 5, 1),
    annual_sales=SALES,
)


def _units(engine: mk.Engine, on: dt.date) -> set[str]:
    return {r.unit for r in engine.evaluate(TOKO, on=on).referrals}


class TestSizeThresholdsByDate:
    """PP 7/2021 replaced UU 20/2008's thresholds: the same business changes class."""

    def test_the_same_business_is_small_before_and_micro_after(self) -> None:
        before = mk.business_facts(TOKO, dt.date(2020, 12, 31))
        after = mk.business_facts(TOKO, dt.date(2021, 3, 1))
        assert before["business.size_class"] == "small"
        assert after["business.size_class"] == "micro"

    def test_a_rule_on_size_class_fires_only_under_the_new_thresholds(self) -> None:
        engine = pack.ENGINE
        assert "licensing" not in _units(engine, dt.date(2020, 12, 31))
        assert "licensing" in _units(engine, dt.date(2021, 3, 1))

    def test_replay_uses_the_recorded_date_not_today(self) -> None:
        engine = pack.ENGINE
        old = engine.evaluate(TOKO, on=dt.date(2021, 3, 1)).referrals
        licensing = next(r for r in old if r.unit == "licensing")
        assert licensing.receipt is not None
        assert licensing.receipt.on == dt.date(2021, 3, 1)
        assert mk.replay(licensing, TOKO, engine=engine) == licensing

    @given(st.integers(min_value=300_000_001, max_value=2_000_000_000))
    def test_between_the_old_and_new_micro_ceiling_the_class_flips(self, sales: int) -> None:
        assert mk.size_class(annual_sales=sales, on=dt.date(2021, 2, 1)) is mk.SizeClass.SMALL
        assert mk.size_class(annual_sales=sales, on=dt.date(2021, 2, 2)) is mk.SizeClass.MICRO


class TestHalalDeadlineByDate:
    """Micro and small food businesses must be certified halal from 18 October 2026 (PP 42/2024)."""

    def _halal_level(self, business: mk.Business, on: dt.date) -> str | None:
        engine = pack.ENGINE
        result = engine.assess(business, on=on, rubrics=["halal"])
        return result.assessments[0].level

    def test_a_micro_food_business_is_in_order_until_the_deadline(self) -> None:
        deadline = legal.halal_mandatory_from(mk.SizeClass.MICRO, dt.date(2026, 10, 17))
        assert deadline == dt.date(2026, 10, 18)
        assert self._halal_level(TOKO, dt.date(2026, 10, 17)) == "ok"
        assert self._halal_level(TOKO, dt.date(2026, 10, 18)) == "due"

    def test_a_medium_food_business_was_due_two_years_earlier(self) -> None:
        medium = mk.Business(
            id="b-pabrik", name="Pabrik Roti", owner=mk.Person(name="Budi"),
            sector=mk.Sector.CULINARY, district="Setu", annual_sales=20_000_000_000,
        )  # fmt: skip
        assert self._halal_level(medium, dt.date(2024, 10, 17)) == "ok"
        assert self._halal_level(medium, dt.date(2024, 10, 18)) == "due"

    def test_a_certificate_puts_it_in_order_after_the_deadline(self) -> None:
        certified = mk.Business(
            id="b-toko", name="Toko Kue Ani", owner=mk.Person(name="Ani"),
            sector=mk.Sector.CULINARY, district="Serpong", annual_sales=SALES,
            licences=(mk.Licence(mk.LicenceKind.HALAL, "ID311", issued=dt.date(2026, 1, 5)),),
        )  # fmt: skip
        assert self._halal_level(certified, dt.date(2027, 1, 1)) == "ok"

    @given(st.dates(min_value=dt.date(2021, 3, 1), max_value=dt.date(2030, 12, 31)))
    def test_the_assessment_follows_the_parameters_in_force(self, on: dt.date) -> None:
        entry = legal.in_force(legal.HALAL_DEADLINES, on)
        assert entry is not None
        due = on >= entry.value.for_size(mk.SizeClass.MICRO)
        assert self._halal_level(TOKO, on) == ("due" if due else "ok")

    def test_an_old_assessment_replays_with_its_own_date(self) -> None:
        engine = pack.ENGINE
        before = engine.assess(TOKO, on=dt.date(2026, 10, 17), rubrics=["halal"]).assessments[0]
        assert before.level == "ok"
        assert mk.replay(before, TOKO, engine=engine) == before

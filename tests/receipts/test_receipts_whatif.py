"""What-if: a candidate rule pack over a cohort, side by side with today's."""

import datetime as dt

import receipts_pack as pack
from hypothesis import given, settings
from hypothesis import strategies as st

import mentorkit as mk

Case = tuple[mk.Business, list[mk.Observation], dict[str, mk.FactValue]]


def _business(ident: str) -> mk.Business:
    return mk.Business(
        id=ident,
        name=f"Usaha {ident}",
        owner=mk.Person(name="Pemilik"),
        sector=mk.Sector.CRAFT,
        district="Ciputat",
        founded=dt.date(2020, 1, 1),
        annual_sales=100_000_000,
        financing_need=10_000_000,
        nib="1234567890123",
    )


def _answers(ident: str, separate: bool, cash: int, pricing: str) -> list[mk.Observation]:
    return [
        mk.Observation(ident, "bookkeeping", "separate-money", separate, pack.ON),
        mk.Observation(ident, "bookkeeping", "cash-records", cash, pack.ON),
        mk.Observation(ident, "bookkeeping", "pricing", pricing, pack.ON),
    ]


class TestWhatIf:
    """Stricter level thresholds move some businesses down and change their referrals."""

    def test_identical_packs_change_nothing(self) -> None:
        cohort = [_business("b-1"), _business("b-2")]
        obs = _answers("b-1", True, 4, "cost-plus") + _answers("b-2", False, 0, "guess")
        report = mk.what_if(cohort, pack.registry(), pack.registry(), on=pack.ON, observations=obs)
        assert report.changed == ()
        assert report.current_pack == report.candidate_pack
        assert len(report.rows) == 2

    def test_a_stricter_rubric_moves_a_business_down_and_off_capital(self) -> None:
        # Weights: separate-money 2, cash-records 2, pricing 1, has-nib 1 (derived: yes).
        # b-mid scores (2 + 0 + 0 + 1) / 6 = 50: developing now, basic from 60.
        # b-top scores 6/6 = 100: established under both.
        cohort = [_business("b-mid"), _business("b-top")]
        obs = _answers("b-mid", True, 0, "guess") + _answers("b-top", True, 4, "cost-plus")
        report = mk.what_if(
            cohort,
            pack.registry(),
            pack.registry(pack.StricterPlugin()),
            on=pack.ON,
            observations=obs,
            facts={"b-top": {"case.has_prospects": True}},
        )
        assert [row.business_id for row in report.changed] == ["b-mid"]
        mid = report.changed[0]
        level = next(c for c in mid.levels if c.rubric_id == "bookkeeping")
        assert (level.before, level.after, level.direction) == (
            "developing",
            "basic",
            mk.LevelDirection.DOWN,
        )
        assert mid.referrals_removed == ("capital",)
        assert mid.referrals_added == ("training",)
        counts = report.level_counts()["bookkeeping"]
        assert counts[mk.LevelDirection.DOWN] == 1
        assert counts[mk.LevelDirection.SAME] == 1
        assert report.referral_counts()["capital"] == (2, 1)
        assert report.referral_counts()["marketing"] == (1, 1)
        assert "2 businesses compared on 2025-06-01; 1 would change." in report.summary()

    def test_a_looser_rubric_moves_a_business_up(self) -> None:
        cohort = [_business("b-mid")]
        obs = _answers("b-mid", True, 0, "guess")
        report = mk.what_if(
            cohort,
            pack.registry(pack.StricterPlugin()),
            pack.registry(),
            on=pack.ON,
            observations={"b-mid": obs},
        )
        change = next(c for c in report.rows[0].levels if c.rubric_id == "bookkeeping")
        assert change.direction is mk.LevelDirection.UP

    def test_a_rubric_only_in_the_candidate_is_reported_as_changed(self) -> None:
        class NoHalal(pack.ReceiptsPlugin):  # type: ignore[misc]  # loaded by path
            @mk.hookimpl
            def register_rubrics(self) -> list[mk.Rubric]:
                return [pack.bookkeeping()]

        report = mk.what_if(
            [_business("b-1")], pack.registry(NoHalal()), pack.registry(), on=pack.ON
        )
        halal = next(c for c in report.rows[0].levels if c.rubric_id == "halal")
        assert (halal.before, halal.after) == (None, "ok")
        assert halal.direction is mk.LevelDirection.CHANGED

    @settings(max_examples=30)  # each example is a whole cohort
    @given(st.lists(pack.cases(), max_size=4, unique_by=lambda case: case[0].id))
    def test_identical_packs_never_report_a_change(self, cohort: list[Case]) -> None:
        report = mk.what_if(
            [business for business, _, _ in cohort],
            pack.ENGINE,
            pack.ENGINE_AGAIN,
            on=pack.ON,
            observations=[o for _, obs, _ in cohort for o in obs],
            facts={business.id: facts for business, _, facts in cohort},
        )
        assert report.changed == ()
        assert all(c.direction is mk.LevelDirection.SAME for row in report.rows for c in row.levels)

    @settings(max_examples=30)  # each example is a whole cohort
    @given(st.lists(pack.cases(), min_size=1, max_size=4, unique_by=lambda case: case[0].id))
    def test_stricter_thresholds_never_raise_a_level(self, cohort: list[Case]) -> None:
        report = mk.what_if(
            [business for business, _, _ in cohort],
            pack.ENGINE,
            pack.STRICTER,
            on=pack.ON,
            observations=[o for _, obs, _ in cohort for o in obs],
        )
        for row in report.rows:
            for change in row.levels:
                assert change.direction in (mk.LevelDirection.SAME, mk.LevelDirection.DOWN)

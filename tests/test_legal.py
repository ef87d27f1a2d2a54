"""Tests of mentorkit.legal: dated legal parameters and their boundaries."""

import datetime as dt
import pathlib
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit
from mentorkit import SizeClass, legal
from mentorkit.legal import (
    COOPERATIVE_MIN_MEMBERS,
    HALAL_DEADLINES,
    HALAL_SELF_DECLARE,
    KUR,
    Confidence,
    Dated,
    halal_mandatory_from,
    in_force,
    kur_scheme,
    self_declare_eligible,
)

ONE_DAY = dt.timedelta(days=1)
TABLES = (HALAL_DEADLINES, HALAL_SELF_DECLARE, KUR, COOPERATIVE_MIN_MEMBERS)


class TestInForce:
    """in_force picks the latest entry whose valid-from date has come."""

    TABLE = (
        Dated("old", dt.date(2020, 1, 1), "A"),
        Dated("new", dt.date(2024, 10, 17), "B"),
    )

    @pytest.mark.parametrize(
        ("day", "expected"),
        [
            (dt.date(2019, 12, 31), None),
            (dt.date(2020, 1, 1), "old"),
            (dt.date(2024, 10, 16), "old"),
            (dt.date(2024, 10, 17), "new"),
            (dt.date(2099, 1, 1), "new"),
        ],
    )
    def test_boundaries(self, day: dt.date, expected: str | None) -> None:
        entry = in_force(self.TABLE, day)
        assert (entry.value if entry else None) == expected

    def test_same_day_last_listed_wins(self) -> None:
        table = (Dated(1, dt.date(2020, 1, 1), "A"), Dated(2, dt.date(2020, 1, 1), "B"))
        entry = in_force(table, dt.date(2021, 1, 1))
        assert entry is not None
        assert entry.value == 2

    @given(
        dates=st.lists(st.dates(), min_size=1, max_size=6, unique=True),
        day=st.dates(),
        data=st.data(),
    )
    def test_order_of_the_table_does_not_matter(
        self, dates: list[dt.date], day: dt.date, data: st.DataObject
    ) -> None:
        table = [Dated(i, d, f"source {i}") for i, d in enumerate(dates)]
        shuffled = data.draw(st.permutations(table))
        chosen = in_force(table, day)
        assert in_force(shuffled, day) == chosen
        started = [d for d in dates if d <= day]
        if chosen is None:
            assert not started
        else:
            assert chosen.valid_from == max(started)

    def test_every_entry_cites_a_source_with_a_confidence(self) -> None:
        for table in TABLES:
            for entry in table:
                assert entry.source
                assert isinstance(entry.confidence, Confidence)


class TestHalal:
    """Halal deadlines: PP 39/2021, then PP 42/2024 from 17 Oct 2024."""

    @pytest.mark.parametrize(
        ("size", "day", "mandatory_from"),
        [
            (SizeClass.MICRO, dt.date(2021, 2, 1), None),  # before PP 39/2021
            (SizeClass.MICRO, dt.date(2021, 2, 2), dt.date(2024, 10, 18)),
            (SizeClass.MICRO, dt.date(2024, 10, 16), dt.date(2024, 10, 18)),
            (SizeClass.MICRO, dt.date(2024, 10, 17), dt.date(2026, 10, 18)),  # PP 42/2024
            (SizeClass.SMALL, dt.date(2024, 10, 17), dt.date(2026, 10, 18)),
            (SizeClass.MEDIUM, dt.date(2024, 10, 17), dt.date(2024, 10, 18)),
            (SizeClass.LARGE, dt.date(2030, 1, 1), dt.date(2024, 10, 18)),
        ],
    )
    def test_mandatory_from(
        self, size: SizeClass, day: dt.date, mandatory_from: dt.date | None
    ) -> None:
        assert halal_mandatory_from(size, day) == mandatory_from

    def test_micro_and_small_transition_ends_17_october_2026(self) -> None:
        due = halal_mandatory_from(SizeClass.MICRO, dt.date(2026, 1, 1))
        assert due is not None
        assert due - ONE_DAY == dt.date(2026, 10, 17)

    @pytest.mark.parametrize(
        ("sales", "nib", "expected"),
        [
            (500_000_000, True, True),
            (500_000_001, True, False),
            (0, False, False),
            (None, True, None),
        ],
    )
    def test_self_declare(self, sales: int | None, nib: bool, expected: bool | None) -> None:
        assert self_declare_eligible(annual_sales=sales, has_nib=nib, on=dt.date(2025, 1, 1)) is (
            expected
        )

    def test_self_declare_unknown_before_the_rule(self) -> None:
        day = dt.date(2021, 2, 1)
        assert self_declare_eligible(annual_sales=1, has_nib=True, on=day) is None


class TestKur:
    """KUR schemes (Permenko 1/2023): ceilings are inclusive, floors exclusive."""

    ON = dt.date(2024, 1, 1)

    @pytest.mark.parametrize(
        ("amount", "scheme"),
        [
            (0, None),
            (1, "super_micro"),
            (10_000_000, "super_micro"),
            (10_000_001, "micro"),
            (100_000_000, "micro"),
            (100_000_001, "small"),
            (500_000_000, "small"),
            (500_000_001, None),
        ],
    )
    def test_scheme_boundaries(self, amount: int, scheme: str | None) -> None:
        found = kur_scheme(amount, self.ON)
        assert (found.id if found else None) == scheme

    def test_not_in_force_before_2023(self) -> None:
        assert kur_scheme(5_000_000, dt.date(2022, 12, 31)) is None
        assert kur_scheme(5_000_000, dt.date(2023, 1, 1)) is not None

    def test_interest_ladder(self) -> None:
        micro = kur_scheme(50_000_000, self.ON)
        assert micro is not None
        assert [micro.interest_for(n) for n in range(7)] == [6, 6, 7, 8, 9, 9, 9]
        super_micro = kur_scheme(5_000_000, self.ON)
        assert super_micro is not None
        assert super_micro.interest_for(3) == 3

    def test_six_months_running(self) -> None:
        entry = in_force(KUR, self.ON)
        assert entry is not None
        assert entry.value.min_months_running == 6

    @given(amount=st.integers(min_value=1, max_value=500_000_000))
    def test_schemes_tile_the_range(self, amount: int) -> None:
        entry = in_force(KUR, self.ON)
        assert entry is not None
        covering = [s for s in entry.value.schemes if s.covers(amount)]
        assert len(covering) == 1


class TestCooperativesAndSizes:
    """Cooperative minimum membership and the re-exported size classes."""

    def test_twenty_members_from_uu_25_1992(self) -> None:
        assert in_force(COOPERATIVE_MIN_MEMBERS, dt.date(1992, 10, 20)) is None
        entry = in_force(COOPERATIVE_MIN_MEMBERS, dt.date(1992, 10, 21))
        assert entry is not None
        assert entry.value == 20
        assert "25/1992" in entry.source

    def test_size_thresholds_are_the_core_ones(self) -> None:
        assert legal.SIZE_THRESHOLDS is mentorkit.SIZE_THRESHOLDS
        assert legal.size_class is mentorkit.size_class
        assert legal.size_class(annual_sales=2_000_000_000, on=dt.date(2024, 1, 1)) is (
            SizeClass.MICRO
        )

    def test_public_names_are_documented(self) -> None:
        for name in legal.__all__:
            assert getattr(legal, name) is not None
        for name in ("Dated", "in_force", "kur_scheme", "halal_mandatory_from", "KurScheme"):
            assert getattr(legal, name).__doc__


class TestDocs:
    """The reference page documents every public name of mentorkit.legal."""

    def test_every_public_name_is_documented(self) -> None:
        page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "reference" / "legal.md"
        text = page.read_text(encoding="utf-8")
        for name in legal.__all__:
            assert f"`{name}" in text, name

    def test_the_example_runs_and_says_what_it_shows(self) -> None:
        page = pathlib.Path(__file__).resolve().parents[1] / "docs" / "reference" / "legal.md"
        (block,) = re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.DOTALL)
        namespace: dict[str, object] = {}
        exec(block, namespace)  # the example is a script of expressions
        for line in block.splitlines():
            code, _, shown = line.partition("#")
            if shown.strip() and "=" not in code and not code.startswith(("import", "from")):
                value = eval(code.strip(), namespace)  # each commented line shows its value
                first = shown.split()[0].rstrip(",")
                assert first.strip('"') in repr(value) or first in str(value), line

"""Tests of the domain model: validators, size classes, personal-data helpers."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import InvalidFieldError, SizeClass, size_class
from mentorkit._sizeclass import PP_7_2021, UU_20_2008
from mentorkit.testing import strategies as mks

DAY = dt.date(2025, 1, 1)


class TestValidators:
    """Each validator rejects bad values with the field's name and no echo of the value."""

    @pytest.mark.parametrize(
        "nik",
        [
            "123",
            "12345678901234567",
            "36740112345600a1",
            "",
            "\uff13\uff16\uff17\uff14" * 4,  # full-width digits: \d would take them
            "\u0663\u0666\u0667\u0664" * 4,  # Arabic-Indic digits
        ],
    )
    def test_bad_nik_is_rejected_without_echo(self, nik: str) -> None:
        with pytest.raises(InvalidFieldError) as caught:
            mk.Person(name="Siti", nik=nik)
        assert caught.value.field == "nik"
        assert "16 digits" in caught.value.message
        if nik:
            assert nik not in str(caught.value)

    @pytest.mark.parametrize("phone", ["12-34", "\uff10\uff18" * 5, "+\u0666\u0662" * 5])
    def test_bad_phone(self, phone: str) -> None:
        with pytest.raises(InvalidFieldError, match="phone"):
            mk.Person(name="Siti", phone=phone)

    def test_nib_in_other_digits(self) -> None:
        with pytest.raises(InvalidFieldError, match="NIB must be exactly 13 digits"):
            mk.Business(
                id="b-1",
                name="W",
                owner=mk.Person(name="Siti"),
                sector=mk.Sector.CULINARY,
                district="Setu",
                nib="\uff11" * 13,
            )

    def test_blank_name(self) -> None:
        with pytest.raises(InvalidFieldError, match="name: must not be empty"):
            mk.Person(name="   ")

    def test_negative_money(self) -> None:
        owner = mk.Person(name="Siti")
        with pytest.raises(InvalidFieldError, match="annual_sales: must not be negative"):
            mk.Business(
                id="b-1",
                name="W",
                owner=owner,
                sector=mk.Sector.CULINARY,
                district="Setu",
                annual_sales=-1,
            )

    def test_licence_expiry_before_issue(self) -> None:
        with pytest.raises(InvalidFieldError, match="expires"):
            mk.Licence(
                kind=mk.LicenceKind.HALAL, number="H1", issued=DAY, expires=DAY - dt.timedelta(1)
            )

    def test_done_milestone_needs_completion_date(self) -> None:
        with pytest.raises(InvalidFieldError, match="completed_on"):
            mk.Milestone(id="m", title="Open account", due=DAY, status=mk.MilestoneStatus.DONE)

    def test_complete_assessment_needs_score(self) -> None:
        with pytest.raises(InvalidFieldError, match="score"):
            mk.Assessment(
                business_id="b",
                rubric_id="r",
                rubric_version="1",
                assessed_on=DAY,
                status=mk.AssessmentStatus.COMPLETE,
            )

    def test_duplicate_sales_channels(self) -> None:
        owner = mk.Person(name="Siti")
        with pytest.raises(InvalidFieldError, match="sales_channels"):
            mk.Business(
                id="b-1",
                name="W",
                owner=owner,
                sector=mk.Sector.CRAFT,
                district="Setu",
                sales_channels=(mk.SalesChannel.SHOP, mk.SalesChannel.SHOP),
            )

    @pytest.mark.parametrize("weight", [float("nan"), float("inf"), -1.0])
    def test_criterion_result_weight_is_finite(self, weight: float) -> None:
        # Stored JSON must be valid JSON: no NaN or infinity reaches an event payload.
        with pytest.raises(InvalidFieldError, match="weight: must be a finite number"):
            mk.CriterionResult("c", weight, mk.AnswerSource.MISSING)

    def test_criterion_result_weight_in_a_stored_payload_has_a_path(self) -> None:
        data = {"criterion_id": "c", "weight": float("nan"), "source": "missing"}
        with pytest.raises(mk.DecodeError) as caught:
            mk.decode(data, mk.CriterionResult, record="result 1")
        assert [i.path for i in caught.value.issues] == ["$.weight"]
        assert "result 1" in str(caught.value)

    def test_repr_hides_personal_data(self) -> None:
        person = mk.Person(name="Siti", nik="3674011234560001", phone="081234567890")
        assert "3674011234560001" not in repr(person)
        assert "081234567890" not in repr(person)


class TestBusinessFacts:
    """Derived facts on the Business: licences in force, age in months."""

    @given(business=mks.businesses(), day=mks.dates())
    def test_licence_found_only_when_valid(self, business: mk.Business, day: dt.date) -> None:
        for kind in mk.LicenceKind:
            held = business.licence(kind, day)
            if held is not None and not (kind is mk.LicenceKind.NIB and business.nib):
                assert held.kind is kind
                assert held.valid_on(day)

    @given(founded=mks.dates(), days=st.integers(min_value=0, max_value=4000))
    def test_age_in_months_grows_with_time(self, founded: dt.date, days: int) -> None:
        owner = mk.Person(name="A")
        business = mk.Business(
            id="b",
            name="B",
            owner=owner,
            sector=mk.Sector.FASHION,
            district="Setu",
            founded=founded,
        )
        later = founded + dt.timedelta(days=days)
        age = business.age_in_months(later)
        assert age is not None
        assert age >= 0
        assert age <= days // 28 + 1
        assert business.age_in_months(later + dt.timedelta(days=31)) >= age

    def test_age_exact_months(self) -> None:
        owner = mk.Person(name="A")
        business = mk.Business(
            id="b",
            name="B",
            owner=owner,
            sector=mk.Sector.FASHION,
            district="Setu",
            founded=dt.date(2024, 1, 31),
        )
        assert business.age_in_months(dt.date(2024, 7, 30)) == 5
        assert business.age_in_months(dt.date(2024, 7, 31)) == 6


class TestSizeClass:
    """Size classes per PP 7/2021 Art. 35, exactly at every boundary, and dated sets."""

    @pytest.mark.parametrize(
        ("sales", "expected"),
        [
            (0, SizeClass.MICRO),
            (2_000_000_000, SizeClass.MICRO),
            (2_000_000_001, SizeClass.SMALL),
            (15_000_000_000, SizeClass.SMALL),
            (15_000_000_001, SizeClass.MEDIUM),
            (50_000_000_000, SizeClass.MEDIUM),
            (50_000_000_001, SizeClass.LARGE),
        ],
    )
    def test_sales_boundaries(self, sales: int, expected: SizeClass) -> None:
        assert size_class(annual_sales=sales, on=DAY) is expected

    @pytest.mark.parametrize(
        ("capital", "expected"),
        [
            (1_000_000_000, SizeClass.MICRO),
            (1_000_000_001, SizeClass.SMALL),
            (5_000_000_000, SizeClass.SMALL),
            (5_000_000_001, SizeClass.MEDIUM),
            (10_000_000_000, SizeClass.MEDIUM),
            (10_000_000_001, SizeClass.LARGE),
        ],
    )
    def test_capital_boundaries(self, capital: int, expected: SizeClass) -> None:
        assert size_class(capital=capital, on=DAY) is expected

    @given(amount=mks.money(), bound_index=st.integers(min_value=0, max_value=2))
    def test_matches_table_definition(self, amount: int, bound_index: int) -> None:
        order = [SizeClass.MICRO, SizeClass.SMALL, SizeClass.MEDIUM, SizeClass.LARGE]
        got = size_class(annual_sales=amount, on=DAY)
        assert got is not None
        position = order.index(got)
        bounds = PP_7_2021.sales_max
        if position < 3:
            assert amount <= bounds[position]
        if position > 0:
            assert amount > bounds[position - 1]
        del bound_index

    @given(a=mks.money(), b=mks.money())
    def test_monotone_in_sales(self, a: int, b: int) -> None:
        order = list(SizeClass)
        low, high = sorted((a, b))
        small = size_class(annual_sales=low, on=DAY)
        big = size_class(annual_sales=high, on=DAY)
        assert small is not None
        assert big is not None
        assert order.index(small) <= order.index(big)

    def test_sales_decide_over_capital(self) -> None:
        assert size_class(capital=20_000_000_000, annual_sales=1, on=DAY) is SizeClass.MICRO

    def test_unknown_when_nothing_known(self) -> None:
        assert size_class(on=DAY) is None

    def test_dated_thresholds(self) -> None:
        sales = 1_000_000_000  # small under UU 20/2008, micro under PP 7/2021
        before = PP_7_2021.valid_from - dt.timedelta(days=1)
        assert size_class(annual_sales=sales, on=before) is SizeClass.SMALL
        assert size_class(annual_sales=sales, on=PP_7_2021.valid_from) is SizeClass.MICRO
        assert mk.thresholds_on(before) is UU_20_2008


class TestMasking:
    """NIK and phone masking (UU PDP 27/2022)."""

    @given(nik=mks.niks())
    def test_mask_nik_keeps_region_and_tail(self, nik: str) -> None:
        masked = mk.mask_nik(nik)
        assert masked is not None
        assert len(masked) == 16
        assert masked[:4] == nik[:4]
        assert masked[-4:] == nik[-4:]
        assert masked[4:12] == "*" * 8

    @given(phone=mks.phones())
    def test_mask_phone(self, phone: str) -> None:
        masked = mk.mask_phone(phone)
        assert masked is not None
        assert masked.endswith(phone[-3:])
        assert set(masked[:-3]) <= {"*"}

    def test_sensitive_fields(self) -> None:
        assert mk.sensitive_fields(mk.Person) == ("nik", "phone")
        assert mk.sensitive_fields(mk.Mentor) == ("phone",)
        assert mk.sensitive_fields(mk.Business) == ()

"""The synthetic cohort scales past 9,999 businesses with valid, unique NIKs."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mentorkit import Person
from mentorkit.demo import DISTRICTS, generate_cohort
from mentorkit.demo._generate import _synthetic_nik

_CODES = sorted(DISTRICTS.values())


class TestSyntheticNikAtScale:
    """Every serial a city-sized cohort uses gives a distinct 16-digit Tangsel NIK."""

    @given(st.sampled_from(_CODES), st.integers(min_value=1, max_value=10**8 - 1))
    def test_sixteen_digits_region_and_district(self, code: str, serial: int) -> None:
        nik = _synthetic_nik(code, serial)
        assert re.fullmatch(r"\d{16}", nik)
        assert nik[:4] == "3674"
        assert nik[4:6] == code
        assert nik[6:8] == "00"  # birth day 00: never a real person's NIK
        # The serial can be read back, so two serials never share a NIK.
        assert int(nik[6:]) == serial
        assert Person(name="Contoh", nik=nik).nik == nik

    @given(st.sampled_from(_CODES), st.integers(min_value=1, max_value=9_999))
    def test_small_serials_keep_the_original_form(self, code: str, serial: int) -> None:
        # The 400-business demo (serials 1..400) must not change: no birth date, 4-digit serial.
        assert _synthetic_nik(code, serial) == f"3674{code}000000{serial:04d}"

    def test_a_million_serials_are_unique(self) -> None:
        niks = {_synthetic_nik(_CODES[s % len(_CODES)], s) for s in range(1, 1_000_001)}
        assert len(niks) == 1_000_000
        assert {len(n) for n in niks} == {16}

    @pytest.mark.parametrize("serial", [-1, 10**8])
    def test_out_of_range_serial_is_refused(self, serial: int) -> None:
        with pytest.raises(ValueError, match="serial out of range"):
            _synthetic_nik("01", serial)

    def test_cohort_past_ten_thousand_has_valid_unique_niks(self) -> None:
        cohort = generate_cohort(3, businesses=10_050, mentors=20)
        niks = [b.owner.nik for b in cohort.businesses]
        assert len(set(niks)) == len(niks) == 10_050
        assert all(n is not None and re.fullmatch(r"3674(0[1-7])00\d{8}", n) for n in niks)

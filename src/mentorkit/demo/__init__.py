"""A reproducible synthetic cohort for demos, tutorials and tests.

:func:`generate_cohort` builds, from a seed, a mentoring cohort shaped like
Tangerang Selatan's: businesses in the city's seven districts (kecamatan)
in culinary, craft, fashion and services, mentors who are practitioners or
academics from local universities, cooperatives per district, and baseline
and follow-up observations for whichever rubrics are loaded
(:func:`observations_for`). The same seed always gives the same cohort.

Every person is invented. NIKs start with Tangsel's region code ``3674``
and the district code, but their birth day is ``00`` (no real NIK has
that; in cohorts under 10,000 businesses all six birth-date digits are
``000000``) and phone numbers start with ``0800``: clearly fake.
"""

from ._files import write_spreadsheets
from ._generate import (
    DEFAULT_SEED,
    DISTRICTS,
    SECTORS,
    DemoCohort,
    generate_cohort,
    observations_for,
)

__all__ = [
    "DEFAULT_SEED",
    "DISTRICTS",
    "SECTORS",
    "DemoCohort",
    "generate_cohort",
    "observations_for",
    "write_spreadsheets",
]

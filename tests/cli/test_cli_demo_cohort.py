"""The synthetic Tangsel cohort: reproducible, realistic in shape, clearly fake."""

import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorkit import Engine, MentorKind, Observation, Registry, Sector, SizeClass, size_class
from mentorkit.demo import (
    DISTRICTS,
    SECTORS,
    DemoCohort,
    generate_cohort,
    observations_for,
    write_spreadsheets,
)
from mentorkit.io import import_file
from mentorkit.testing.sample import SAMPLE_RUBRIC


class TestReproducibility:
    """The same seed gives the same cohort; another seed gives another."""

    def test_same_seed_same_cohort(self) -> None:
        a = generate_cohort(7, businesses=60, mentors=6)
        b = generate_cohort(7, businesses=60, mentors=6)
        assert a.businesses == b.businesses
        assert a.mentors == b.mentors
        assert a.cooperatives == b.cooperatives
        assert observations_for(a, [SAMPLE_RUBRIC]) == observations_for(b, [SAMPLE_RUBRIC])

    def test_other_seed_other_cohort(self) -> None:
        a = generate_cohort(7, businesses=60, mentors=6)
        b = generate_cohort(8, businesses=60, mentors=6)
        assert a.businesses != b.businesses

    def test_story_randomness_is_keyed(self) -> None:
        cohort = generate_cohort(7, businesses=5, mentors=2)
        assert cohort.rng("x", "k").random() == cohort.rng("x", "k").random()
        assert cohort.rng("x", "k").random() != cohort.rng("y", "k").random()


@pytest.fixture(scope="module")
def cohort() -> DemoCohort:
    """The default cohort (seed 2026, 400 businesses, 40 mentors)."""
    return generate_cohort()


class TestShape:
    """The default cohort looks like Tangsel's creative-economy programme."""

    def test_sizes(self, cohort: DemoCohort) -> None:
        assert len(cohort.businesses) == 400
        assert len(cohort.mentors) == 40
        assert len({b.id for b in cohort.businesses}) == 400

    def test_every_district_and_only_tangsel(self, cohort: DemoCohort) -> None:
        districts = {b.district for b in cohort.businesses}
        assert districts == set(DISTRICTS)
        assert len(DISTRICTS) == 7
        assert {c.district for c in cohort.cooperatives} == set(DISTRICTS)

    def test_sectors_of_the_programme(self, cohort: DemoCohort) -> None:
        sectors = Counter(b.sector for b in cohort.businesses)
        assert (
            set(sectors)
            == set(SECTORS)
            == {
                Sector.CULINARY,
                Sector.CRAFT,
                Sector.FASHION,
                Sector.SERVICES,
            }
        )
        # Culinary is the largest sector, as in the programme's news items.
        assert sectors.most_common(1)[0][0] is Sector.CULINARY

    def test_mostly_micro(self, cohort: DemoCohort) -> None:
        sizes = Counter(
            size_class(capital=b.capital, annual_sales=b.annual_sales, on=cohort.baseline_on)
            for b in cohort.businesses
        )
        assert sizes[SizeClass.MICRO] > 0.7 * 400
        assert sizes[SizeClass.SMALL] > 0
        assert sizes[SizeClass.MEDIUM] > 0

    def test_niks_are_obviously_fake(self, cohort: DemoCohort) -> None:
        for b in cohort.businesses:
            nik = b.owner.nik
            assert nik is not None
            assert re.fullmatch(r"3674(0[1-7])000000\d{4}", nik), "region 3674, no birth date"
            assert nik[4:6] == DISTRICTS[b.district]
            assert b.owner.phone is not None
            assert b.owner.phone.startswith("0800")

    def test_mentors_practitioners_and_academics(self, cohort: DemoCohort) -> None:
        kinds = Counter(m.kind for m in cohort.mentors)
        assert kinds[MentorKind.ACADEMIC] == 15
        assert kinds[MentorKind.PRACTITIONER] == 25
        academics = [m for m in cohort.mentors if m.kind is MentorKind.ACADEMIC]
        universities = ("Universitas", "Institut", "UIN", "University")
        assert all(any(u in str(m.affiliation) for u in universities) for m in academics)
        # Enough places for every business.
        assert sum(m.capacity for m in cohort.mentors) >= 400

    def test_some_facts_unknown_as_in_real_registers(self, cohort: DemoCohort) -> None:
        assert any(b.annual_sales is None for b in cohort.businesses)
        assert any(b.nib is None for b in cohort.businesses)
        assert any(b.cooperative is not None for b in cohort.businesses)


class TestObservations:
    """Observations fit the rubric they answer, at baseline and follow-up."""

    @settings(max_examples=10)
    @given(seed=st.integers(0, 10_000))
    def test_every_answer_fits_its_criterion(self, seed: int) -> None:
        registry = Registry.load(plugins=[_sample()], entry_points=False, strict=True)
        engine = Engine(registry)
        cohort = generate_cohort(seed, businesses=12, mentors=3)
        observations = observations_for(cohort, registry.rubrics.values())
        by_business: dict[str, list[Observation]] = {}
        for o in observations:
            by_business.setdefault(o.business_id, []).append(o)
        for business in cohort.businesses:
            evaluation = engine.assess(
                business, by_business.get(business.id, []), on=cohort.follow_up_on
            )
            assert evaluation.issues == ()
            assert evaluation.failures == ()

    def test_two_waves(self) -> None:
        cohort = generate_cohort(3, businesses=20, mentors=2)
        days = {o.observed_on for o in observations_for(cohort, [SAMPLE_RUBRIC])}
        assert days == {cohort.baseline_on, cohort.follow_up_on}
        baseline_only = observations_for(cohort, [SAMPLE_RUBRIC], follow_up=False)
        assert {o.observed_on for o in baseline_only} == {cohort.baseline_on}

    def test_derived_criteria_are_not_asked_when_known(self) -> None:
        cohort = generate_cohort(3, businesses=40, mentors=2)
        observations = observations_for(cohort, [SAMPLE_RUBRIC])
        with_nib = {b.id for b in cohort.businesses if b.nib is not None}
        asked = {o.business_id for o in observations if o.criterion_id == "has-nib"}
        # 'has-nib' derives from the record: never observed for a business that holds one.
        assert not (asked & with_nib)

    def test_rubric_that_does_not_apply_is_skipped(self) -> None:
        import attrs

        only_food = attrs.evolve(SAMPLE_RUBRIC, applies_to=lambda b: b.sector is Sector.CULINARY)
        cohort = generate_cohort(3, businesses=40, mentors=2)
        observed = {o.business_id for o in observations_for(cohort, [only_food])}
        culinary = {b.id for b in cohort.businesses if b.sector is Sector.CULINARY}
        assert observed <= culinary
        assert observed


def _sample() -> object:
    from mentorkit.testing.sample import SamplePlugin

    return SamplePlugin()


class TestSpreadsheets:
    """The cohort's spreadsheets import back as the same records."""

    @pytest.mark.parametrize("suffix", ["csv", "xlsx"])
    def test_written_tables_import_back(self, tmp_path: Path, suffix: str) -> None:
        cohort = generate_cohort(8, businesses=30, mentors=3)
        observations = observations_for(cohort, [SAMPLE_RUBRIC])
        files = write_spreadsheets(cohort, observations, tmp_path / "data", suffix=suffix)
        assert list(files) == ["cooperatives", "mentors", "businesses", "observations"]
        expected = {
            "cooperatives": list(cohort.cooperatives),
            "mentors": list(cohort.mentors),
            "businesses": list(cohort.businesses),
            "observations": list(observations),
        }
        for kind, path in files.items():
            assert path == tmp_path / "data" / f"{kind}.{suffix}"
            result = import_file(path, rubrics={SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
            assert result.errors == ()
            assert list(result.records) == expected[kind]

    def test_other_formats_are_refused(self, tmp_path: Path) -> None:
        cohort = generate_cohort(8, businesses=2, mentors=1)
        with pytest.raises(ValueError, match="csv or xlsx, not 'jsonl'"):
            write_spreadsheets(cohort, [], tmp_path, suffix="jsonl")
        assert list(tmp_path.iterdir()) == []

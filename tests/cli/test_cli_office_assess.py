"""`Office.assess` by chunks: what the former whole-cohort pass stored and said, in less memory.

The former pass read every case state first, asked the store for each
business's observations with one query each, and kept every state in the
service's cache. The chunked pass must store the very same events (kinds,
payloads, versions, times) and return the same problems in the same order,
whatever the chunk size; in the bounded mode (``keep_states=False``, what
``mentorkit assess`` uses) the cache never holds more than one chunk.
"""

import datetime as dt
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.cli._office import COORDINATOR, Office, Problem, _failures, _issues, _obs_key
from mentorkit.store import SQLStore, open_store
from mentorkit.testing.sample import SamplePlugin

RUBRIC = "sample-bookkeeping"
PROGRAMME = mk.Programme(
    "p-1", "Pendampingan 2026", mk.ProgrammeKind.MENTORING, dt.date(2026, 1, 5)
)
FIRST = dt.date(2026, 2, 2)  # the earlier round, recorded before the pass under test
ON = dt.date(2026, 3, 2)  # the pass under test
LATER = dt.date(2026, 4, 6)  # observed after ON: never recorded by it
NOW = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)

#: (rubric, criterion, value): good answers, and bad ones that come back as problems.
ANSWERS: tuple[tuple[str, str, bool | int | str], ...] = (
    (RUBRIC, "separate-money", True),
    (RUBRIC, "separate-money", False),
    (RUBRIC, "cash-records", 0),
    (RUBRIC, "cash-records", 4),
    (RUBRIC, "pricing", "cost-plus"),
    (RUBRIC, "pricing", "guess"),
    (RUBRIC, "has-nib", True),
    (RUBRIC, "cash-records", 9),  # beyond the scale
    (RUBRIC, "pricing", "dunno"),  # no such choice
    (RUBRIC, "no-such-criterion", True),
    ("no-such-rubric", "books", True),
)


class Flaky:
    """A plugin whose assessment hook raises for the businesses marked ``x``."""

    @mk.hookimpl
    def on_assessment_recorded(self, case_id: str, assessment: mk.Assessment) -> None:
        if case_id.endswith("x"):
            raise RuntimeError("flaky")


REGISTRY = mk.Registry.load(plugins=[SamplePlugin(), ("flaky", Flaky())], entry_points=False)


@attrs.frozen
class Spec:
    """One business of the drawn cohort and what happened to its case before the pass."""

    answers: tuple[tuple[int, dt.date], ...]  # (index into ANSWERS, observed on)
    earlier: bool  # recorded and assessed on FIRST: some observations are on the case already
    closed: bool  # closed before the pass: skipped by it
    flaky: bool  # the plugin fails on its assessments


SPECS = st.builds(
    Spec,
    answers=st.lists(
        st.tuples(st.integers(0, len(ANSWERS) - 1), st.sampled_from([FIRST, ON, LATER])),
        max_size=5,
    ).map(tuple),
    earlier=st.booleans(),
    closed=st.booleans(),
    flaky=st.booleans(),
)


def business(business_id: str) -> mk.Business:
    return mk.Business(
        id=business_id,
        name=f"Kripik {business_id}",
        owner=mk.Person(name="Ani", nik="3674011234560001", phone="081234567890"),
        sector=mk.Sector.CULINARY,
        district="Setu",
        founded=dt.date(2019, 6, 1),
        financing_need=20_000_000,
    )


def business_ids(specs: list[Spec]) -> list[str]:
    return [f"b-{n:02d}{'x' if spec.flaky else ''}" for n, spec in enumerate(specs)]


def prepared(specs: list[Spec]) -> SQLStore[Any]:
    """A store holding the cohort, its imported observations and its cases before the pass.

    Built with the case service alone (not the code under test).
    """
    store = open_store(":memory:")
    store.put_programmes([PROGRAMME])
    ids = business_ids(specs)
    store.put_businesses([business(b) for b in ids])
    imported = [
        mk.Observation(b, ANSWERS[index][0], ANSWERS[index][1], ANSWERS[index][2], day)
        for b, spec in zip(ids, specs, strict=True)
        for index, day in spec.answers
    ]
    store.add_observations(sorted(imported, key=lambda o: o.observed_on))  # interleaved
    service = mc.CaseService(store, REGISTRY, clock=lambda: NOW)
    service.open_cases(COORDINATOR, [business(b) for b in ids], PROGRAMME.id, on=FIRST)
    for b, spec in zip(ids, specs, strict=True):
        case_id = f"{PROGRAMME.id}:{b}"
        if spec.earlier:
            early = [o for o in store.observations(b) if o.observed_on <= FIRST]
            service.record_observations(COORDINATOR, case_id, early)
            service.assess(COORDINATOR, case_id, on=FIRST)
        if spec.closed:
            service.close_case(COORDINATOR, case_id, mc.CaseOutcome.WITHDRAWN, "pindah", on=FIRST)
    return store


def former_assess(office: Office, programme: mk.Programme, *, on: dt.date) -> list[Problem]:
    """``Office.assess`` as it was before the chunked pass (in one chunk: the cohorts are small)."""
    problems: list[Problem] = []
    states = [s for s in office.states(programme) if s.is_open]
    found: dict[str, list[Problem]] = {s.case_id: [] for s in states}
    to_record = []
    for state in states:
        have = {_obs_key(o) for o in state.observations}
        new = [
            o
            for o in office.store.observations(state.business.id)
            if o.observed_on <= on and _obs_key(o) not in have
        ]
        if new:
            to_record.append((state.case_id, new))
    recorded = office.service.record_observations_many(COORDINATOR, to_record)
    for (case_id, _), outcome in zip(to_record, recorded, strict=True):
        found[case_id].extend(_issues(case_id, outcome.issues))
    ids = [s.case_id for s in states]
    assessed = office.service.assess_many(COORDINATOR, ids, on=on)
    for case_id, outcome in zip(ids, assessed, strict=True):
        found[case_id].extend(_failures(outcome.failures))
    for state in states:
        problems.extend(found[state.case_id])
    return problems


def stored(store: SQLStore[Any]) -> list[mk.EventRecord]:
    """Every stored event, by stream and version."""
    return [record for stream in store.streams() for record in store.read(stream)]


def cache_sizes(office: Office) -> list[int]:
    """Spy on the service's cache: its size after every state it keeps (test-only peeking)."""
    sizes: list[int] = []
    keep: Callable[[str, mc.CaseState], None] = office.service._remember

    def remember(stream: str, state: mc.CaseState) -> None:
        keep(stream, state)
        sizes.append(len(office.service._cache or {}))

    office.service._remember = remember  # type: ignore[method-assign]  # a spy, for this test
    return sizes


class TestChunkedAssess:
    """The chunked pass against the former one, on drawn cohorts and chunk sizes."""

    @given(
        specs=st.lists(SPECS, min_size=1, max_size=9),
        chunk=st.integers(1, 4),
        keep_states=st.booleans(),
    )
    def test_same_events_and_problems_as_the_former_pass(
        self, specs: list[Spec], chunk: int, keep_states: bool
    ) -> None:
        before, after = prepared(specs), prepared(specs)
        assert stored(before) == stored(after)
        expected = former_assess(Office(before, REGISTRY, clock=lambda: NOW), PROGRAMME, on=ON)

        office = Office(after, REGISTRY, clock=lambda: NOW)
        progress: list[int] = []
        tallied: list[mc.CaseState] = []
        with patch("mentorkit.cli._office._CHUNK", chunk):
            problems = office.assess(
                PROGRAMME,
                on=ON,
                progress=progress.append,
                keep_states=keep_states,
                tally=tallied.append,
            )

        assert problems == expected
        assert stored(after) == stored(before)
        opened = sum(1 for spec in specs if not spec.closed)
        assert progress == sorted(progress)
        assert progress[-1:] == ([opened] if opened else [])
        assert tallied == office.states(PROGRAMME)  # every case once, as stored now, by id

    def test_the_example_cohort_meets_every_case(self) -> None:
        """A fixed cohort with each kind of case, chunks of 3: the comparison sees something."""
        good, bad = (0, ON), (7, ON)  # a good answer; cash-records 9, beyond the scale
        specs = [
            Spec((good, (4, FIRST)), earlier=True, closed=False, flaky=False),  # one new answer
            Spec((good, bad), earlier=False, closed=False, flaky=True),  # a bad answer, flaky
            Spec((good,), earlier=False, closed=True, flaky=False),  # closed: untouched
            Spec((), earlier=False, closed=False, flaky=False),  # no observations at all
            Spec(((2, LATER),), earlier=True, closed=False, flaky=False),  # nothing new by ON
            Spec((bad, (10, ON)), earlier=False, closed=False, flaky=True),  # two bad answers
            Spec((good,), earlier=True, closed=True, flaky=True),  # closed after assessment
        ]
        before, after = prepared(specs), prepared(specs)
        expected = former_assess(Office(before, REGISTRY, clock=lambda: NOW), PROGRAMME, on=ON)
        with patch("mentorkit.cli._office._CHUNK", 3):
            problems = Office(after, REGISTRY, clock=lambda: NOW).assess(
                PROGRAMME, on=ON, keep_states=False
            )
        assert problems == expected
        scale = "sample-bookkeeping/cash-records expects a whole number from 0 to 4"
        flaky = "on_assessment_recorded() raised RuntimeError"
        assert problems == [
            Problem("p-1:b-01x", f"$.observations[1].value: {scale}"),
            Problem("plugin flaky", f"event p-1:b-01x: {flaky}"),
            Problem("p-1:b-05x", f"$.observations[0].value: {scale}"),
            Problem("p-1:b-05x", "$.observations[1].rubric_id: no such rubric"),
            Problem("plugin flaky", f"event p-1:b-05x: {flaky}"),
        ]
        assert stored(after) == stored(before)
        kinds: dict[str, list[str]] = {}
        for record in stored(after):
            kinds.setdefault(record.stream.removeprefix("case/p-1:"), []).append(record.kind)
        opened, observed, assessed, closed = (
            "case.opened",
            "observations.recorded",
            "assessment.recorded",
            "case.closed",
        )
        assert kinds == {
            "b-00": [opened, observed, assessed, observed, assessed],  # only ON's answer is new
            "b-01x": [opened, observed, assessed],  # the good answer recorded, the bad one not
            "b-02": [opened, closed],
            "b-03": [opened, assessed],  # nothing to record: assessed all the same
            "b-04": [opened, assessed, assessed],  # LATER's answer waits
            "b-05x": [opened, assessed],
            "b-06x": [opened, assessed, closed],  # closed: its answer of ON is not recorded
        }


class TestBoundedCache:
    """``keep_states=False`` holds one chunk of states at most, and none once done."""

    @pytest.mark.parametrize("chunk", [1, 3, 2_000])
    def test_the_cache_holds_one_chunk_at_most(self, chunk: int) -> None:
        specs = [Spec(((0, ON), (2, ON)), False, n % 4 == 3, False) for n in range(10)]
        office = Office(prepared(specs), REGISTRY, clock=lambda: NOW)
        sizes = cache_sizes(office)
        with patch("mentorkit.cli._office._CHUNK", chunk):
            office.assess(PROGRAMME, on=ON, keep_states=False)
        assert sizes, "the pass kept states while it worked"
        assert max(sizes) <= chunk
        assert office.service._cache == {}

    def test_kept_states_stay_cached_for_the_next_step(self) -> None:
        specs = [Spec(((0, ON),), False, False, False) for _ in range(5)]
        office = Office(prepared(specs), REGISTRY, clock=lambda: NOW)
        with patch("mentorkit.cli._office._CHUNK", 2):
            office.assess(PROGRAMME, on=ON)
        assert len(office.service._cache or {}) == 5

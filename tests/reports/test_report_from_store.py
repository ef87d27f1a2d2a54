"""The cohort report counted case by case, and read straight from the store.

``cohort_indicators`` gathers its counts in one pass (``Tally``): the same JSON
as the version that held every case, kept here as the reference.
``cohort_indicators_from_store`` reads only what the indicators need and
replays it: the same JSON, or the same error, as folding every case
(``CaseService.states``), on any history of case events, on SQLite and on
PostgreSQL.
"""

import datetime as dt
import json
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import attrs
import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit._declarations import Rubric, Unit
from mentorkit._json import dumps_stdlib
from mentorkit._model import Label
from mentorkit._sizeclass import size_class
from mentorkit.cases._events import CASE_EVENT_CLASSES
from mentorkit.reports import (
    SCHEMA,
    CohortCase,
    CohortReferral,
    _from_store,
    cohort_cases,
    cohort_indicators,
    cohort_indicators_from_store,
)
from mentorkit.store import PostgresStore, SQLiteStore
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SAMPLE_RUBRIC, SamplePlugin

REGISTRY = mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)
BOSS = mc.Actor(id="boss", role=mc.Role.COORDINATOR)
AS_OF = dt.date(2026, 8, 3)
AT = dt.datetime(2026, 8, 3, 9, 30, tzinfo=dt.UTC)
#: A second rubric the registry does not know: its levels are counted as they come.
OTHER = "other-rubric"
LEVELS = [level.id for level in SAMPLE_RUBRIC.levels]
UNITS = ["capital", "cooperative", "training"]
MENTOR_IDS = ["m-1", "m-2", "m-3"]
#: Overlapping ids, so that later events find (or miss) the referrals and milestones.
REFERRAL_IDS = ["r-1", "r-2", "r-3"]
MILESTONE_IDS = ["ms-1", "ms-2"]
# Hypothesis examples share one store (fresh programme ids keep them apart).
_SHARED_STORE = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    deadline=None,
)


# --------------------------------------------------------------------------- the reference


def _listed_indicators(
    cases: Iterable[CohortCase],
    *,
    as_of: dt.date,
    mentors: Iterable[mk.Mentor] = (),
    rubrics: Mapping[str, Rubric] | None = None,
    units: Mapping[str, Unit] | None = None,
    programme: mk.Programme | None = None,
) -> dict[str, Any]:
    """``cohort_indicators`` as it was before it counted case by case (every case held)."""
    unknown, incomplete, joined, loan = (
        "unknown",
        "incomplete",
        "joined_cooperative",
        "loan_granted",
    )

    def member(case: CohortCase) -> bool:
        if case.business.cooperative is not None:
            return True
        return any(r.outcome == joined for r in case.referrals)

    def label(text: Label | None) -> dict[str, str] | None:
        return None if text is None else {"en": text.en, "id": text.id}

    def count(values: Iterable[str]) -> dict[str, int]:
        counted = Counter(values)
        return {key: counted[key] for key in sorted(counted)}

    def level_of(assessment: mk.Assessment | None) -> str:
        if assessment is None or assessment.status is not mk.AssessmentStatus.COMPLETE:
            return incomplete
        return assessment.level or incomplete

    def levels(
        cases: Sequence[CohortCase], rubrics: Mapping[str, Rubric]
    ) -> dict[str, dict[str, Any]]:
        ids = sorted({a.rubric_id for c in cases for a in c.baseline + c.latest} | set(rubrics))
        out: dict[str, dict[str, Any]] = {}
        for rubric_id in ids:
            rubric = rubrics.get(rubric_id)
            order = [level.id for level in rubric.levels] if rubric else []
            baseline: Counter[str] = Counter()
            latest: Counter[str] = Counter()
            moved = Counter({"up": 0, "down": 0, "same": 0})
            scores: list[float] = []
            for case in cases:
                first = next((a for a in case.baseline if a.rubric_id == rubric_id), None)
                last = next((a for a in case.latest if a.rubric_id == rubric_id), None)
                if first is None and last is None:
                    continue
                baseline[level_of(first)] += 1
                latest[level_of(last)] += 1
                if last is not None and last.score is not None:
                    scores.append(last.score)
                a, b = level_of(first), level_of(last)
                if a != incomplete and b != incomplete and rubric is not None:
                    rank_a, rank_b = rubric.level_rank(a), rubric.level_rank(b)
                    moved["up" if rank_b > rank_a else "down" if rank_b < rank_a else "same"] += 1
            for seen in list(baseline) + list(latest):
                if seen not in order and seen != incomplete:
                    order.append(seen)
            order.append(incomplete)
            out[rubric_id] = {
                "levels": order,
                "baseline": {level: baseline[level] for level in order},
                "latest": {level: latest[level] for level in order},
                "moved": dict(moved),
                "assessed": sum(latest.values()),
                "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
            }
        return out

    cases = tuple(cases)
    rubrics = dict(rubrics or {})
    units = dict(units or {})
    mentors = tuple(mentors)
    total = len(cases)
    sizes = []
    for case in cases:
        b = case.business
        size = size_class(capital=b.capital, annual_sales=b.annual_sales, on=as_of)
        sizes.append(unknown if size is None else size.value)
    prospects = Counter(
        unknown if c.has_prospects is None else ("yes" if c.has_prospects else "no") for c in cases
    )
    referral_units = sorted({r.unit for c in cases for r in c.referrals} | set(units))
    referrals: dict[str, Any] = {}
    for unit in referral_units:
        made = [r for c in cases for r in c.referrals if r.unit == unit]
        referrals[unit] = {
            "total": len(made),
            "loans_granted_rupiah": sum(r.loan_amount or 0 for r in made if r.outcome == loan),
            "businesses": sum(1 for c in cases if any(r.unit == unit for r in c.referrals)),
            "by_status": count(r.status for r in made),
            "by_outcome": count(r.outcome for r in made if r.outcome is not None),
        }
    members = sum(1 for c in cases if member(c))
    load = Counter(c.mentor_id for c in cases if c.mentor_id is not None)
    caseloads: list[dict[str, Any]] = [
        {
            "mentor_id": m.id,
            "name": m.name,
            "kind": m.kind.value,
            "cases": load.get(m.id, 0),
            "capacity": m.capacity,
        }
        for m in sorted(mentors, key=lambda m: m.id)
    ]
    known = {m.id for m in mentors}
    caseloads.extend(
        {"mentor_id": ident, "name": ident, "kind": unknown, "cases": n, "capacity": None}
        for ident, n in sorted(load.items())
        if ident not in known
    )
    counts: list[int] = [row["cases"] for row in caseloads]
    milestones = [m for c in cases for m in c.milestones]
    overdue: list[dict[str, Any]] = [
        {"business_id": c.business.id, "milestone_id": m.id, "title": m.title, "due": m.due}
        for c in cases
        for m in c.milestones
        if m.overdue(as_of)
    ]
    overdue.sort(key=lambda row: (row["due"], row["business_id"]))
    for row in overdue:
        row["due"] = row["due"].isoformat()
    return {
        "schema": SCHEMA,
        "as_of": as_of.isoformat(),
        "programme": None
        if programme is None
        else {"id": programme.id, "name": programme.name, "starts": programme.starts.isoformat()},
        "businesses": {
            "total": total,
            "by_district": count(c.business.district for c in cases),
            "by_sector": count(c.business.sector.value for c in cases),
            "by_size_class": {
                key: n
                for key in [*(s.value for s in mk.SizeClass), unknown]
                if (n := sizes.count(key))
            },
        },
        "levels": levels(cases, rubrics),
        "prospects": {key: prospects.get(key, 0) for key in ("yes", "no", unknown)},
        "referrals": referrals,
        "cooperative": {
            "members": members,
            "rate": round(members / total, 4) if total else None,
            "joined_after_referral": sum(
                1 for c in cases for r in c.referrals if r.outcome == joined
            ),
        },
        "mentors": {
            "count": len(caseloads),
            "assigned_cases": sum(load.values()),
            "unassigned_cases": sum(1 for c in cases if c.mentor_id is None),
            "mean_caseload": round(sum(counts) / len(counts), 2) if counts else None,
            "max_caseload": max(counts, default=0),
            "over_capacity": sum(
                1
                for row in caseloads
                if row["capacity"] is not None and row["cases"] > row["capacity"]
            ),
            "caseloads": caseloads,
        },
        "milestones": {
            "total": len(milestones),
            "by_status": {
                s.value: sum(1 for m in milestones if m.status is s) for s in mk.MilestoneStatus
            },
            "overdue": len(overdue),
            "overdue_list": overdue,
        },
        "labels": {
            "rubrics": {r.id: label(r.label) for r in rubrics.values()},
            "levels": {
                r.id: {level.id: label(level.label) for level in r.levels} for r in rubrics.values()
            },
            "units": {u.id: label(u.label) for u in units.values()},
        },
    }


def _outcome(make: Callable[[], dict[str, Any]]) -> tuple[object, str]:
    """The report's JSON text as ``mentorkit report`` writes it, or the error raised."""
    try:
        return "report", json.dumps(make(), ensure_ascii=False, indent=2)
    except Exception as error:  # the same error, or the same text
        return type(error), str(error)


# --------------------------------------------------------------------------- strategies

#: Days of 2026, the report's day and the days either side of it most often.
_DAYS = st.sampled_from(
    [AS_OF - dt.timedelta(days=1), AS_OF, AS_OF + dt.timedelta(days=1)]
) | mks.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
_TEXT = st.none() | mks.names()
_MENTOR_ID = st.sampled_from(MENTOR_IDS)
#: The businesses' ids: an event names the case's own business now and then (check() wants it).
_BUSINESS_ID = st.sampled_from(["b-1", "b-2", "b-3", "b-4"])


def _about(records: st.SearchStrategy[Any], **more: st.SearchStrategy[Any]) -> Any:
    """``records`` about one of the businesses (and ``more`` fields drawn likewise)."""
    return st.builds(
        lambda record, business_id, **fields: attrs.evolve(
            record, business_id=business_id, **fields
        ),
        records,
        _BUSINESS_ID,
        **more,
    )


@st.composite
def _assessments(draw: st.DrawFn) -> mk.Assessment:
    """Assessments of the sample rubric or another one, with known and unknown levels."""
    rubric_id = draw(st.sampled_from([SAMPLE_RUBRIC.id, OTHER]))
    known = rubric_id == SAMPLE_RUBRIC.id and draw(st.integers(0, 9)) > 0
    complete = draw(st.booleans())
    levels = LEVELS if known else ["odd", "even", *LEVELS]
    return attrs.evolve(
        draw(mks.assessments()),
        business_id=draw(_BUSINESS_ID),
        rubric_id=rubric_id,
        status=mk.AssessmentStatus.COMPLETE if complete else mk.AssessmentStatus.INCOMPLETE,
        score=draw(st.floats(0, 100) | st.integers(0, 100).map(float)) if complete else None,
        level=draw(st.sampled_from(levels)) if complete else None,
        missing=() if complete else ("pricing",),
    )


def _milestones(status: st.SearchStrategy[mk.MilestoneStatus]) -> st.SearchStrategy[Any]:
    return st.builds(
        lambda m, ident, state, due, done: attrs.evolve(
            m,
            id=ident,
            status=state,
            due=due,
            completed_on=done if state is mk.MilestoneStatus.DONE else None,
        ),
        mks.milestones(),
        st.sampled_from(MILESTONE_IDS),
        status,
        _DAYS,
        _DAYS,
    )


_OUTCOMES = st.builds(
    mc.ReferralOutcome,
    success=st.booleans(),
    loan_amount=st.none() | st.sampled_from([0, 5_000_000, 250_000_000]),
    cooperative_id=st.none() | st.sampled_from(["", "k-1"]),
    note=_TEXT,
)
_REFERRAL_ID = st.sampled_from(REFERRAL_IDS)
_ASSESSED = st.builds(mc.AssessmentRecorded, _assessments(), st.sampled_from(mc.AssessmentPhase))
_PROPOSED = st.builds(
    mc.ReferralProposed,
    referral_id=_REFERRAL_ID,
    referral=_about(mks.referrals(), unit=st.sampled_from(UNITS)),
)
_SENT = st.builds(mc.ReferralSent, referral_id=_REFERRAL_ID, sent_on=_DAYS, due=_DAYS)
_ACCEPTED = st.builds(mc.ReferralAccepted, referral_id=_REFERRAL_ID, accepted_on=_DAYS, due=_DAYS)
_DECLINED = st.builds(
    mc.ReferralDeclined, referral_id=_REFERRAL_ID, declined_on=_DAYS, reason=mks.names()
)
_COMPLETED = st.builds(
    mc.ReferralCompleted, referral_id=_REFERRAL_ID, completed_on=_DAYS, outcome=_OUTCOMES
)
_CLOSED = st.builds(
    mc.CaseClosed, outcome=st.sampled_from(mc.CaseOutcome), reason=mks.names(), closed_on=_DAYS
)
_OTHER_EVENTS: list[st.SearchStrategy[Any]] = [
    st.builds(mc.MentorAssigned, mentor_id=_MENTOR_ID, assigned_on=_DAYS, explanation=_TEXT),
    st.builds(
        mc.MentorReassigned,
        mentor_id=_MENTOR_ID,
        previous_mentor_id=_MENTOR_ID,
        reassigned_on=_DAYS,
        reason=_TEXT,
    ),
    st.builds(mc.ProspectsRecorded, has_prospects=st.booleans(), recorded_on=_DAYS, note=_TEXT),
    st.builds(mc.MentoringStarted, started_on=_DAYS),
    st.builds(mc.SessionLogged, session=_about(mks.sessions(), mentor_id=_MENTOR_ID)),
    st.builds(
        mc.ObservationsRecorded,
        observations=_about(mks.observations()).map(lambda o: (o,)),
    ),
    st.builds(mc.ObservationRecorded, observation=_about(mks.observations())),
    st.builds(mc.MilestoneAdded, milestone=_milestones(st.sampled_from(mk.MilestoneStatus))),
    st.builds(
        mc.MilestoneCompleted,
        milestone_id=st.sampled_from(MILESTONE_IDS),
        completed_on=_DAYS,
        evidence=_TEXT,
    ),
    st.builds(
        mc.MilestoneMissed, milestone_id=st.sampled_from(MILESTONE_IDS), noted_on=_DAYS, note=_TEXT
    ),
]
#: Any later event; assessments and the steps of a referral's loop come up most.
_LATER_EVENTS: list[st.SearchStrategy[Any]] = [
    *[_ASSESSED] * 3,
    *[_PROPOSED] * 3,
    _SENT,
    *[_ACCEPTED] * 2,
    _DECLINED,
    *[_COMPLETED] * 2,
    _CLOSED,
    *_OTHER_EVENTS,
]
_BUSINESSES = mks.businesses(
    ids=st.sampled_from(["b-1", "b-2", "b-3", "b-4"]), districts=("Setu", "Serpong", "Pamulang")
)


def _opened(business: mk.Business, programme: str) -> mc.CaseOpened:
    return mc.CaseOpened(
        case_id=f"{programme}:{business.id}",
        business=business,
        programme_id=programme,
        opened_on=dt.date(2026, 2, 2),
    )


#: A case: its business, its events after the opening (a second opening now and then).
_CASE = st.tuples(
    _BUSINESSES,
    st.lists(
        st.one_of(*_LATER_EVENTS) | _BUSINESSES.map(lambda b: _opened(b, "again")),
        max_size=14,
    ),
)


# --------------------------------------------------------------------------- stores


def _sqlite() -> Iterator[SQLiteStore]:
    store = SQLiteStore(":memory:")
    yield store
    store.close()


def _postgres() -> Iterator[PostgresStore]:
    dsn = os.environ.get("MENTORKIT_PG_DSN")
    if not dsn:
        pytest.skip("MENTORKIT_PG_DSN is not set: `source .ci/postgres.sh` starts PostgreSQL")
    store = PostgresStore(dsn, schema=f"t_{uuid.uuid4().hex[:16]}")
    yield store
    store.drop_schema()
    store.close()


@pytest.fixture(
    params=[
        pytest.param(_sqlite, id="sqlite"),
        pytest.param(_postgres, id="postgres", marks=pytest.mark.postgres),
    ]
)
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    """An SQL store, shared by the examples of one test."""
    yield from request.param()


_programmes = iter(range(10**9))


def _write(
    store: Any, programme: str, cases: Sequence[tuple[mk.Business, Sequence[Any]]], checked: bool
) -> list[str]:
    """Store each case's events (only those ``check`` allows when ``checked``); the case ids."""
    ids = []
    for business, later in cases:
        case_id = f"{programme}:{business.id}"
        if case_id in ids:
            continue
        ids.append(case_id)
        stream = mc.stream_name(case_id)
        events: list[Any] = [_opened(business, programme)]
        state = mc.apply(None, events[0], 1, AT)
        for event in later:
            if checked:
                try:
                    mc.check(state, event)
                except mk.MentorkitError:
                    continue
                state = mc.apply(state, event, len(events) + 1, AT)
            events.append(event)
        records = [
            mc.to_record(stream, version, "u-1", AT, event)
            for version, event in enumerate(events, start=1)
        ]
        store.append(stream, 0, records)
    return ids


def _both(store: Any, ids: Sequence[str], **context: Any) -> tuple[object, object]:
    """(the report read straight from the store, the report of the folded states)."""
    context = {"as_of": AS_OF, "rubrics": REGISTRY.rubrics, "units": REGISTRY.units, **context}
    service = mc.CaseService(store, REGISTRY)

    def folded() -> dict[str, Any]:
        states = service.states(BOSS, ids, observations=False, traces=False)
        return cohort_indicators(cohort_cases(states), **context)

    return _outcome(lambda: cohort_indicators_from_store(store, ids, **context)), _outcome(folded)


class _Refolds:
    """Counts the cases :func:`cohort_indicators_from_store` folds in full."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = _from_store.fold

        def spy(records: Any, **kwargs: Any) -> Any:
            self.count += 1
            return real(records, **kwargs)

        monkeypatch.setattr(_from_store, "fold", spy)


# --------------------------------------------------------------------------- tests


def _referrals() -> st.SearchStrategy[CohortReferral]:
    return st.builds(
        CohortReferral,
        unit=st.sampled_from(UNITS),
        status=st.sampled_from([s.value for s in mc.ReferralStatus]),
        proposed_on=_DAYS,
        outcome=st.none()
        | st.sampled_from(
            [
                "loan_granted",
                "joined_cooperative",
                "succeeded",
                "not_succeeded",
                "declined",
                "cancelled",
            ]
        ),
        loan_amount=st.none() | st.sampled_from([0, 7_500_000, 100_000_000]),
    )


_COHORT_CASES = st.builds(
    CohortCase,
    business=_BUSINESSES,
    mentor_id=st.none() | _MENTOR_ID,
    baseline=st.lists(_assessments(), max_size=3).map(tuple),
    latest=st.lists(_assessments(), max_size=3).map(tuple),
    has_prospects=st.none() | st.booleans(),
    milestones=st.lists(_milestones(st.sampled_from(mk.MilestoneStatus)), max_size=3).map(tuple),
    referrals=st.lists(_referrals(), max_size=3).map(tuple),
)
_MENTORS = st.lists(
    st.builds(
        lambda m, ident: attrs.evolve(m, id=ident), mks.mentors(), st.sampled_from(MENTOR_IDS)
    ),
    max_size=3,
    unique_by=lambda m: m.id,
)
_RUBRICS = st.sampled_from([{}, REGISTRY.rubrics, {**REGISTRY.rubrics, OTHER: None}]).map(
    lambda rubrics: {k: v for k, v in rubrics.items() if v is not None}
)


class TestCountedCaseByCase:
    """``cohort_indicators`` counts in one pass: the JSON of the version that held every case."""

    @given(
        cases=st.lists(_COHORT_CASES, max_size=6),
        mentors=_MENTORS,
        rubrics=_RUBRICS,
        units=st.sampled_from([{}, REGISTRY.units]),
        as_of=_DAYS,
    )
    def test_same_json_as_the_listed_version(
        self,
        cases: list[CohortCase],
        mentors: list[mk.Mentor],
        rubrics: dict[str, Rubric],
        units: dict[str, Unit],
        as_of: dt.date,
    ) -> None:
        context = {"as_of": as_of, "mentors": mentors, "rubrics": rubrics, "units": units}
        counted = _outcome(lambda: cohort_indicators(iter(cases), **context))
        assert counted == _outcome(lambda: _listed_indicators(cases, **context))

    def test_an_unknown_level_raises_as_before(self) -> None:
        """Rubric by rubric, case by case: the first level the rubric lacks is the error."""
        business = mk.Business(
            "b-1",
            "Usaha",
            mk.Person(name="Sari", nik="3674010000000001", phone="081234567890"),
            mk.Sector.CRAFT,
            "Setu",
        )

        def assessed(rubric_id: str, level: str) -> mk.Assessment:
            return mk.Assessment(
                "b-1", rubric_id, "1", AS_OF, mk.AssessmentStatus.COMPLETE, 50.0, level
            )

        second = attrs.evolve(SAMPLE_RUBRIC, id="a-first")  # sorts before the sample rubric
        rubrics = {SAMPLE_RUBRIC.id: SAMPLE_RUBRIC, second.id: second}
        cases = [
            CohortCase(business, baseline=(assessed(SAMPLE_RUBRIC.id, "odd"),), latest=()),
            CohortCase(business, baseline=(assessed(second.id, LEVELS[0]),), latest=()),
            CohortCase(
                business,
                baseline=(assessed(second.id, LEVELS[0]),),
                latest=(assessed(second.id, "strange"),),
            ),
        ]
        # Complete at both ends: only then are levels ranked.
        cases[0] = attrs.evolve(cases[0], latest=cases[0].baseline)
        with pytest.raises(ValueError, match="'a-first' has no level 'strange'"):
            cohort_indicators(cases, as_of=AS_OF, rubrics=rubrics)
        with pytest.raises(ValueError, match="'a-first' has no level 'strange'"):
            _listed_indicators(cases, as_of=AS_OF, rubrics=rubrics)


class TestReadStraightFromTheStore:
    """``cohort_indicators_from_store``: the report of the folded cases, without folding them."""

    def test_every_case_event_kind_is_read_or_left_unread(self) -> None:
        kinds = {cls.kind for cls in CASE_EVENT_CLASSES}
        assert set(_from_store.READS).isdisjoint(_from_store.UNREAD)
        assert set(_from_store.READS) | _from_store.UNREAD == kinds
        assert {
            cls.kind: cls.SCHEMA for cls in CASE_EVENT_CLASSES if cls.kind in _from_store.READS
        } == _from_store.SCHEMAS
        assert all(paths[0] == "schema" for paths in _from_store.READS.values())

    @_SHARED_STORE
    @given(
        cases=st.lists(_CASE, min_size=1, max_size=4),
        others=st.lists(_CASE, max_size=2),
        missing=st.booleans(),
        mentors=_MENTORS,
    )
    def test_any_history_gives_the_folded_report(
        self,
        store: Any,
        monkeypatch: pytest.MonkeyPatch,
        cases: list[tuple[mk.Business, list[Any]]],
        others: list[tuple[mk.Business, list[Any]]],
        missing: bool,
        mentors: list[mk.Mentor],
    ) -> None:
        """Unchecked histories: closed cases, answers to referrals that are not there,
        milestones missed after they were done... The same report or the same error."""
        refolds = _Refolds(monkeypatch)
        programme = f"p-{next(_programmes)}"
        ids = _write(store, programme, cases, checked=False)
        _write(store, f"{programme}-other", others, checked=False)  # another programme's cases
        if missing:
            ids.insert(1, f"{programme}:nobody")
        direct, folded = _both(store, ids, mentors=mentors)
        assert direct == folded
        # --hypothesis-show-statistics: how many examples each path carried.
        hypothesis.event("every case replayed" if not refolds.count else "some folded in full")

    @_SHARED_STORE
    @given(cases=st.lists(_CASE, min_size=1, max_size=5), others=st.lists(_CASE, max_size=2))
    def test_a_lawful_history_is_never_folded(
        self,
        store: Any,
        monkeypatch: pytest.MonkeyPatch,
        cases: list[tuple[mk.Business, list[Any]]],
        others: list[tuple[mk.Business, list[Any]]],
    ) -> None:
        """Histories the case service would write (each event passes ``check``)."""
        refolds = _Refolds(monkeypatch)
        programme = f"p-{next(_programmes)}"
        ids = _write(store, programme, cases, checked=True)
        _write(store, f"{programme}-other", others, checked=True)
        direct, folded = _both(store, ids)
        assert direct == folded  # a report, or the error of a level the rubric lacks
        assert refolds.count == 0

    def test_a_case_through_its_whole_life(
        self, store: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Several assessments, milestones, a declined, a completed and a cancelled referral."""
        refolds = _Refolds(monkeypatch)
        programme = f"p-{next(_programmes)}"
        business = mk.Business(
            "b-1",
            "Usaha",
            mk.Person(name="Sari", nik="3674010000000001", phone="081234567890"),
            mk.Sector.CULINARY,
            "Setu",
            annual_sales=400_000_000,
        )

        def assessed(level: str, score: float, on: dt.date) -> mk.Assessment:
            return mk.Assessment(
                "b-1", SAMPLE_RUBRIC.id, "1.0", on, mk.AssessmentStatus.COMPLETE, score, level
            )

        def referral(unit: str) -> mk.Referral:
            return mk.Referral("b-1", unit, f"{unit}.rule", "1", dt.date(2026, 3, 1))

        day = dt.date(2026, 3, 1)
        later = [
            mc.AssessmentRecorded(
                attrs.evolve(
                    assessed(LEVELS[0], 20.0, day),
                    status=mk.AssessmentStatus.INCOMPLETE,
                    score=None,
                    level=None,
                    missing=("pricing",),
                ),
                mc.AssessmentPhase.BASELINE,
            ),
            mc.AssessmentRecorded(assessed(LEVELS[0], 20.0, day), mc.AssessmentPhase.BASELINE),
            # A second complete baseline: the first complete one stays the baseline.
            mc.AssessmentRecorded(assessed(LEVELS[1], 50.0, day), mc.AssessmentPhase.BASELINE),
            mc.MentorAssigned("m-1", day),
            mc.MentoringStarted(day),
            mc.MilestoneAdded(mk.Milestone("ms-1", "Buka rekening", dt.date(2026, 5, 1))),
            mc.MilestoneAdded(mk.Milestone("ms-2", "Catat kas", dt.date(2026, 6, 1))),
            mc.MilestoneAdded(mk.Milestone("ms-3", "Hitung harga", dt.date(2026, 9, 1))),
            mc.MilestoneAdded(mk.Milestone("ms-4", "Daftar NIB", AS_OF)),  # due today: not late
            mc.MilestoneCompleted("ms-1", dt.date(2026, 4, 20)),
            mc.ReferralProposed("r-1", referral("capital")),
            mc.ReferralProposed("r-2", referral("cooperative")),
            mc.ReferralProposed("r-3", referral("training")),
            mc.ReferralSent("r-1", day, dt.date(2026, 3, 15)),
            mc.ReferralSent("r-2", day, dt.date(2026, 3, 15)),
            mc.ReferralDeclined("r-2", dt.date(2026, 3, 10), "penuh"),
            mc.ReferralAccepted("r-1", dt.date(2026, 3, 10), dt.date(2026, 4, 10)),
            mc.ReferralCompleted(
                "r-1",
                dt.date(2026, 4, 1),
                mc.ReferralOutcome(True, loan_amount=50_000_000, cooperative_id="k-1"),
            ),
            mc.ReferralSent("r-3", day, dt.date(2026, 3, 15)),
            mc.ReferralAccepted("r-3", dt.date(2026, 3, 10), dt.date(2026, 9, 10)),
            mc.ProspectsRecorded(True, dt.date(2026, 7, 1)),
            mc.MentorReassigned("m-2", "m-1", dt.date(2026, 7, 1)),
            mc.AssessmentRecorded(
                assessed(LEVELS[-1], 80.0, dt.date(2026, 7, 2)), mc.AssessmentPhase.FOLLOW_UP
            ),
            mc.CaseClosed(mc.CaseOutcome.WITHDRAWN, "pindah", dt.date(2026, 7, 3)),
        ]
        ids = _write(store, programme, [(business, later)], checked=True)
        assert mc.fold(store.read(mc.stream_name(ids[0]))).version == len(later) + 1  # all kept
        direct, folded = _both(store, ids)
        assert direct == folded
        assert refolds.count == 0
        indicators = json.loads(str(direct[1]))
        assert indicators["referrals"]["capital"]["loans_granted_rupiah"] == 50_000_000
        assert indicators["cooperative"]["joined_after_referral"] == 0  # a loan comes first
        assert indicators["referrals"]["cooperative"]["by_outcome"] == {"declined": 1}
        assert indicators["referrals"]["training"]["by_status"] == {"cancelled": 1}  # accepted
        assert indicators["milestones"]["by_status"]["done"] == 1
        assert indicators["milestones"]["overdue"] == 1
        rubric = indicators["levels"][SAMPLE_RUBRIC.id]
        assert rubric["baseline"][LEVELS[0]] == 1
        assert rubric["latest"][LEVELS[-1]] == 1
        assert rubric["moved"]["up"] == 1
        assert indicators["mentors"]["unassigned_cases"] == 0


def _damaged(
    store: Any, kind: str, change: Callable[[dict[str, Any]], None], programme: str
) -> list[str]:
    """One lawful case and one whose first ``kind`` event's payload ``change`` rewrote."""
    business = mk.Business(
        "b-1",
        "Usaha",
        mk.Person(name="Sari", nik="3674010000000001", phone="081234567890"),
        mk.Sector.TRADE,
        "Setu",
        capital=10_000_000,
    )
    assessment = mk.Assessment(
        "b-1",
        SAMPLE_RUBRIC.id,
        "1.0",
        AS_OF,
        mk.AssessmentStatus.COMPLETE,
        62.5,
        LEVELS[1],
        criteria=(
            mk.CriterionResult("pricing", 1.0, mk.AnswerSource.OBSERVED, 0.5, "copy", False),
        ),
    )
    referral = mk.Referral("b-1", "capital", "capital.rule", "1", AS_OF)
    later = [
        mc.AssessmentRecorded(assessment, mc.AssessmentPhase.BASELINE),
        mc.MilestoneAdded(mk.Milestone("ms-1", "Catat kas", dt.date(2026, 6, 1))),
        mc.ReferralProposed("r-1", referral),
        mc.ReferralSent("r-1", AS_OF, AS_OF),
        mc.ReferralAccepted("r-1", AS_OF, AS_OF),
        mc.ReferralCompleted("r-1", AS_OF, mc.ReferralOutcome(True, cooperative_id="k-1")),
        mc.MentorAssigned("m-1", AS_OF),
        mc.ProspectsRecorded(True, AS_OF),
        mc.CaseClosed(mc.CaseOutcome.CLOSED, "selesai", AS_OF),
    ]
    ids = []
    for ident in ("b-1", "b-2"):
        case_id = f"{programme}:{ident}"
        ids.append(case_id)
        stream = mc.stream_name(case_id)
        events = [_opened(attrs.evolve(business, id=ident), programme), *later]
        records = [
            mc.to_record(stream, version, "u-1", AT, event)
            for version, event in enumerate(events, start=1)
        ]
        if ident == "b-2":
            index = next(i for i, r in enumerate(records) if r.kind == kind)
            data = json.loads(dumps_stdlib(dict(records[index].data)))
            change(data)
            records[index] = attrs.evolve(records[index], data=data)
        store.append(stream, 0, records)
    return ids


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[key]
        del node[last]

    return change


def _incomplete_with_level(data: dict[str, Any]) -> None:
    data["assessment"].update(status="incomplete", score=None)


class TestOutOfTheOrdinary:
    """A case the report cannot read plainly is folded in full: the same report or error."""

    @pytest.mark.parametrize(
        ("kind", "change"),
        [
            ("case.opened", _set("schema", True)),
            ("case.opened", _set("schema", 2)),
            ("case.opened", _set("business.district", " ")),
            ("case.opened", _set("business.sector", "mining")),
            ("case.opened", _set("business.capital", -1)),
            ("case.opened", _set("business.cooperative", "k-1")),
            ("case.opened", _drop("business.id")),
            ("assessment.recorded", _set("phase", "midway")),
            ("assessment.recorded", _set("assessment.score", 101.0)),
            ("assessment.recorded", _set("assessment.level", None)),
            ("assessment.recorded", _incomplete_with_level),
            ("assessment.recorded", _set("assessment.status", "COMPLETE")),
            ("referral.proposed", _set("referral_id", "")),
            ("referral.proposed", _set("referral.unit", 7)),
            ("referral.sent", _set("referral_id", None)),
            ("referral.completed", _set("outcome.loan_amount", -5)),
            ("referral.completed", _set("outcome.cooperative_id", 3)),
            ("referral.completed", _set("outcome.success", 1)),
            ("milestone.added", _set("milestone.status", "done")),
            ("milestone.added", _set("milestone.title", "")),
            ("milestone.added", _set("milestone.due", "2026-6-1")),
            ("case.closed", _set("outcome", "merged")),
            ("case.closed", _set("outcome", {"is": "closed"})),
            ("case.opened", _set("business.sector", ["trade"])),
            ("assessment.recorded", _set("phase", {})),
            ("milestone.added", _set("milestone.status", [])),
            ("mentor.assigned", _set("mentor_id", " ")),
            ("prospects.recorded", _set("has_prospects", "yes")),
        ],
    )
    def test_damaged_read_field(
        self,
        store: Any,
        monkeypatch: pytest.MonkeyPatch,
        kind: str,
        change: Callable[[dict[str, Any]], None],
    ) -> None:
        """What the strict decoder refuses in a field the report reads: the same error."""
        refolds = _Refolds(monkeypatch)
        ids = _damaged(store, kind, change, f"p-{next(_programmes)}")
        direct, folded = _both(store, ids)
        assert direct == folded
        assert direct[0] != "report"
        assert refolds.count == 1  # the damaged case only

    @pytest.mark.parametrize(
        ("kind", "change", "refolded"),
        [
            # A whole score, as the strict decoder reads it (a float): no need to fold.
            ("assessment.recorded", _set("assessment.score", 62), False),
            ("case.opened", _drop("schema"), False),
            ("referral.completed", _drop("outcome.loan_amount"), False),
            # Not for the report to judge: the strict decoder converts or refuses.
            ("assessment.recorded", _set("assessment.score", 10**400), True),
            ("assessment.recorded", _set("assessment.score", "62.5"), True),
            ("case.opened", _set("business.annual_sales", 2.5e9), True),
            ("milestone.added", _set("milestone.completed_on", "2026-05-01"), True),
        ],
    )
    def test_unusual_read_field(
        self,
        store: Any,
        monkeypatch: pytest.MonkeyPatch,
        kind: str,
        change: Callable[[dict[str, Any]], None],
        refolded: bool,
    ) -> None:
        refolds = _Refolds(monkeypatch)
        ids = _damaged(store, kind, change, f"p-{next(_programmes)}")
        direct, folded = _both(store, ids)
        assert direct == folded
        assert refolds.count == refolded

    @pytest.mark.parametrize(
        "oddity",
        ["unknown kind", "wave event", "observation first", "no opening", "missed after done"],
    )
    def test_odd_stream(self, store: Any, monkeypatch: pytest.MonkeyPatch, oddity: str) -> None:
        """What the fold refuses in a stream: the same error."""
        refolds = _Refolds(monkeypatch)
        programme = f"p-{next(_programmes)}"
        ids = _damaged(store, "case.opened", lambda data: None, programme)
        stream = mc.stream_name(ids[1])
        version = store.version(stream)
        seen = mc.ObservationRecorded(
            mk.Observation("b-2", SAMPLE_RUBRIC.id, "pricing", "copy", AS_OF)
        )
        if oddity in ("observation first", "no opening"):
            ids.append(f"{programme}:b-3")
            stream = mc.stream_name(ids[-1])
            events: list[Any] = [seen]
            if oddity == "observation first":
                events.append(_opened(attrs.evolve(_business(), id="b-3"), programme))
            store.append(
                stream,
                0,
                [mc.to_record(stream, v, "u-1", AT, e) for v, e in enumerate(events, start=1)],
            )
        elif oddity == "missed after done":
            events = [mc.MilestoneCompleted("ms-1", AS_OF), mc.MilestoneMissed("ms-1", AS_OF)]
            store.append(
                stream,
                version,
                [
                    mc.to_record(stream, v, "u-1", AT, e)
                    for v, e in enumerate(events, start=version + 1)
                ],
            )
        else:
            kind, data = ("case.note", {"text": "x"})
            if oddity == "wave event":
                kind, data = (
                    "participant.enrolled",
                    {
                        "case_id": ids[1],
                        "business_id": "b-2",
                        "enrolled_on": "2026-08-03",
                    },
                )
            record = mk.EventRecord(
                stream=stream, version=version + 1, kind=kind, actor="u-1", at=AT, data=data
            )
            store.append(stream, version, [record])
        direct, folded = _both(store, ids)
        assert direct == folded
        assert direct[0] != "report"
        assert refolds.count == 1

    def test_damage_where_the_report_does_not_read_is_not_seen(self, store: Any) -> None:
        """The known difference: the fold refuses the case, the report counts it."""
        ids = _damaged(store, "case.opened", _set("business.owner.nik", "36"), "p-nik")
        direct, folded = _both(store, ids)
        assert folded[0] is mk.DecodeError
        assert direct[0] == "report"
        assert json.loads(str(direct[1]))["businesses"]["total"] == 2


def _business() -> mk.Business:
    return mk.Business(
        "b-1",
        "Usaha",
        mk.Person(name="Sari", nik="3674010000000001", phone="081234567890"),
        mk.Sector.TRADE,
        "Setu",
    )

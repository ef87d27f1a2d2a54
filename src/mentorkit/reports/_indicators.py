"""Cohort indicators as plain, JSON-ready data."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from attrs import frozen

from .._declarations import Rubric, Unit
from .._model import (
    Assessment,
    AssessmentStatus,
    Business,
    Label,
    Mentor,
    Milestone,
    MilestoneStatus,
    Programme,
    SizeClass,
)
from .._sizeclass import size_class

__all__ = ["SCHEMA", "CohortCase", "CohortReferral", "cohort_indicators"]

#: Identifies the layout of the indicators' JSON.
SCHEMA = "mentorkit-cohort-report/1"

#: Key used for "no value" (size class unknown, assessment incomplete).
UNKNOWN = "unknown"
INCOMPLETE = "incomplete"
#: Referral outcome words that the indicators count.
JOINED = "joined_cooperative"
LOAN = "loan_granted"


@frozen
class CohortReferral:
    """A referral as a report sees it: the unit, where it stands and how it ended.

    ``status`` is the referral's state in the case (for example
    ``proposed``, ``sent``, ``accepted``, ``declined``, ``resolved``);
    ``outcome`` how it ended, when it has (``loan_approved``, ``joined``...).
    """

    unit: str
    status: str
    proposed_on: dt.date
    outcome: str | None = None
    loan_amount: int | None = None


@frozen
class CohortCase:
    """One business's case as a report sees it (ringkasan kasus).

    ``baseline`` holds the first assessment per rubric, ``latest`` the
    most recent; ``has_prospects`` is the mentor's call ("punya prospek"),
    None when not yet made.
    """

    business: Business
    mentor_id: str | None = None
    baseline: tuple[Assessment, ...] = ()
    latest: tuple[Assessment, ...] = ()
    has_prospects: bool | None = None
    milestones: tuple[Milestone, ...] = ()
    referrals: tuple[CohortReferral, ...] = ()


#: An assessment as the indicators read it: rubric id, status, level and score.
Level = tuple[str, AssessmentStatus, str | None, float | None]
#: A milestone as the indicators read it: id, title, due date and status.
MilestoneView = tuple[str, str, dt.date, MilestoneStatus]
#: A referral as the indicators read it: unit, status, outcome word and loan amount.
ReferralView = tuple[str, str, str | None, int | None]


def _label(label: Label | None) -> dict[str, str] | None:
    return None if label is None else {"en": label.en, "id": label.id}


def _count(counted: Mapping[str, int]) -> dict[str, int]:
    return {key: counted[key] for key in sorted(counted)}


def _level_of(assessment: Level | None) -> str:
    if assessment is None or assessment[1] is not AssessmentStatus.COMPLETE:
        return INCOMPLETE
    return assessment[2] or INCOMPLETE


def _level(assessment: Assessment) -> Level:
    return (assessment.rubric_id, assessment.status, assessment.level, assessment.score)


class _RubricTally:
    """One rubric's levels at baseline and now, counted case by case."""

    def __init__(self, rubric: Rubric | None) -> None:
        self.rubric = rubric
        self.baseline: Counter[str] = Counter()
        self.latest: Counter[str] = Counter()
        self.moved = Counter({"up": 0, "down": 0, "same": 0})
        # Kept and summed at the end: the mean is the sum of the scores in case order.
        self.scores: list[float] = []
        #: The first level the rubric does not have, raised by :meth:`result`.
        self.error: ValueError | None = None

    def add(self, first: Level | None, last: Level | None) -> None:
        a, b = _level_of(first), _level_of(last)
        self.baseline[a] += 1
        self.latest[b] += 1
        if last is not None and last[3] is not None:
            self.scores.append(last[3])
        rubric = self.rubric
        if a != INCOMPLETE and b != INCOMPLETE and rubric is not None and self.error is None:
            try:
                rank_a, rank_b = rubric.level_rank(a), rubric.level_rank(b)
            except ValueError as unknown:
                # Raised at the end, rubric by rubric: the error a count rubric by rubric
                # over every case meets first.
                self.error = unknown
                return
            self.moved["up" if rank_b > rank_a else "down" if rank_b < rank_a else "same"] += 1

    def result(self) -> dict[str, Any]:
        if self.error is not None:
            raise self.error
        rubric = self.rubric
        order = [level.id for level in rubric.levels] if rubric else []
        for seen in list(self.baseline) + list(self.latest):
            if seen not in order and seen != INCOMPLETE:
                order.append(seen)
        order.append(INCOMPLETE)
        scores = self.scores
        return {
            "levels": order,
            "baseline": {level: self.baseline[level] for level in order},
            "latest": {level: self.latest[level] for level in order},
            "moved": dict(self.moved),
            "assessed": sum(self.latest.values()),
            "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
        }


class _UnitTally:
    """One unit's referrals, counted case by case."""

    def __init__(self) -> None:
        self.total = 0
        self.loans = 0
        self.businesses = 0
        self.statuses: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()

    def result(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "loans_granted_rupiah": self.loans,
            "businesses": self.businesses,
            "by_status": _count(self.statuses),
            "by_outcome": _count(self.outcomes),
        }


class Tally:
    """The cohort indicators gathered case by case, in one pass.

    :func:`cohort_indicators` feeds it :class:`CohortCase` values
    (:meth:`add_case`); a reader that never builds them feeds it what the
    indicators read of each case (:meth:`add`). Nothing is kept per case
    but the overdue milestones and the latest score per rubric, so a
    cohort of any size is counted in little memory. Feed the cases in the
    same order to get the same indicators (ties among overdue milestones
    and the order of unexpected levels follow it).
    """

    def __init__(self, *, as_of: dt.date, rubrics: Mapping[str, Rubric] | None = None) -> None:
        self.as_of = as_of
        self.rubrics = dict(rubrics or {})
        self.total = 0
        self.districts: Counter[str] = Counter()
        self.sectors: Counter[str] = Counter()
        self.sizes: Counter[str] = Counter()
        self.prospects: Counter[str] = Counter()
        self.levels: dict[str, _RubricTally] = {}
        self.units: dict[str, _UnitTally] = {}
        self.members = 0
        self.joined = 0
        self.load: Counter[str] = Counter()
        self.unassigned = 0
        self.milestones = 0
        self.milestone_statuses: Counter[MilestoneStatus] = Counter()
        self.overdue: list[dict[str, Any]] = []

    def add_case(self, case: CohortCase) -> None:
        """Count one :class:`CohortCase`."""
        business = case.business
        self.add(
            business_id=business.id,
            district=business.district,
            sector=business.sector.value,
            capital=business.capital,
            annual_sales=business.annual_sales,
            cooperative=business.cooperative is not None,
            mentor_id=case.mentor_id,
            has_prospects=case.has_prospects,
            levels=[
                (
                    rubric_id,
                    next((_level(a) for a in case.baseline if a.rubric_id == rubric_id), None),
                    next((_level(a) for a in case.latest if a.rubric_id == rubric_id), None),
                )
                for rubric_id in dict.fromkeys(a.rubric_id for a in (*case.baseline, *case.latest))
            ],
            milestones=[(m.id, m.title, m.due, m.status) for m in case.milestones],
            referrals=[(r.unit, r.status, r.outcome, r.loan_amount) for r in case.referrals],
        )

    def add(
        self,
        *,
        business_id: str,
        district: str,
        sector: str,
        capital: int | None,
        annual_sales: int | None,
        cooperative: bool,
        mentor_id: str | None,
        has_prospects: bool | None,
        levels: Iterable[tuple[str, Level | None, Level | None]],
        milestones: Iterable[MilestoneView],
        referrals: Iterable[ReferralView],
    ) -> None:
        """Count one case from what the indicators read of it.

        ``cooperative`` is True when the business record names a
        cooperative membership; ``levels`` holds, once per rubric the case
        was assessed on, ``(rubric_id, baseline, latest)``: its baseline and
        latest assessment of that rubric (either may be None, as in a
        :class:`CohortCase` that lacks one of them).
        """
        self.total += 1
        size = size_class(capital=capital, annual_sales=annual_sales, on=self.as_of)
        self.sizes[UNKNOWN if size is None else size.value] += 1
        self.districts[district] += 1
        self.sectors[sector] += 1
        self.prospects[
            UNKNOWN if has_prospects is None else ("yes" if has_prospects else "no")
        ] += 1
        for rubric_id, first, last in levels:
            held = self.levels.get(rubric_id)
            if held is None:
                held = self.levels[rubric_id] = _RubricTally(self.rubrics.get(rubric_id))
            held.add(first, last)
        member = cooperative
        units: set[str] = set()
        for unit, status, outcome, loan_amount in referrals:
            tally = self.units.get(unit)
            if tally is None:
                tally = self.units[unit] = _UnitTally()
            tally.total += 1
            tally.statuses[status] += 1
            if outcome is not None:
                tally.outcomes[outcome] += 1
                if outcome == LOAN:
                    tally.loans += loan_amount or 0
                elif outcome == JOINED:
                    self.joined += 1
                    member = True
            units.add(unit)
        for unit in units:
            self.units[unit].businesses += 1
        if member:
            self.members += 1
        if mentor_id is None:
            self.unassigned += 1
        else:
            self.load[mentor_id] += 1
        as_of = self.as_of
        for milestone_id, title, due, status in milestones:
            self.milestones += 1
            self.milestone_statuses[status] += 1
            # Milestone.overdue: still planned after its due date.
            if status is MilestoneStatus.PLANNED and as_of > due:
                self.overdue.append(
                    {
                        "business_id": business_id,
                        "milestone_id": milestone_id,
                        "title": title,
                        "due": due,
                    }
                )

    def indicators(
        self,
        *,
        mentors: Iterable[Mentor] = (),
        units: Mapping[str, Unit] | None = None,
        programme: Programme | None = None,
    ) -> dict[str, Any]:
        """The indicators of the cases counted so far (see :func:`cohort_indicators`)."""
        rubrics = self.rubrics
        units = dict(units or {})
        mentors = tuple(mentors)
        total = self.total
        referrals = {
            unit: self.units.get(unit, _UnitTally()).result()
            for unit in sorted(set(self.units) | set(units))
        }
        load = self.load
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
            {"mentor_id": ident, "name": ident, "kind": UNKNOWN, "cases": n, "capacity": None}
            for ident, n in sorted(load.items())
            if ident not in known
        )
        counts: list[int] = [row["cases"] for row in caseloads]
        overdue = sorted(self.overdue, key=lambda row: (row["due"], row["business_id"]))
        overdue = [{**row, "due": row["due"].isoformat()} for row in overdue]
        members = self.members
        return {
            "schema": SCHEMA,
            "as_of": self.as_of.isoformat(),
            "programme": None
            if programme is None
            else {
                "id": programme.id,
                "name": programme.name,
                "starts": programme.starts.isoformat(),
            },
            "businesses": {
                "total": total,
                "by_district": _count(self.districts),
                "by_sector": _count(self.sectors),
                "by_size_class": {
                    key: n
                    for key in [*(s.value for s in SizeClass), UNKNOWN]
                    if (n := self.sizes[key])
                },
            },
            "levels": {
                rubric_id: (
                    self.levels.get(rubric_id) or _RubricTally(rubrics.get(rubric_id))
                ).result()
                for rubric_id in sorted(set(self.levels) | set(rubrics))
            },
            "prospects": {key: self.prospects[key] for key in ("yes", "no", UNKNOWN)},
            "referrals": referrals,
            "cooperative": {
                "members": members,
                "rate": round(members / total, 4) if total else None,
                "joined_after_referral": self.joined,
            },
            "mentors": {
                "count": len(caseloads),
                "assigned_cases": sum(load.values()),
                "unassigned_cases": self.unassigned,
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
                "total": self.milestones,
                "by_status": {s.value: self.milestone_statuses[s] for s in MilestoneStatus},
                "overdue": len(overdue),
                "overdue_list": overdue,
            },
            "labels": {
                "rubrics": {r.id: _label(r.label) for r in rubrics.values()},
                "levels": {
                    r.id: {level.id: _label(level.label) for level in r.levels}
                    for r in rubrics.values()
                },
                "units": {u.id: _label(u.label) for u in units.values()},
            },
        }


def cohort_indicators(
    cases: Iterable[CohortCase],
    *,
    as_of: dt.date,
    mentors: Iterable[Mentor] = (),
    rubrics: Mapping[str, Rubric] | None = None,
    units: Mapping[str, Unit] | None = None,
    programme: Programme | None = None,
) -> dict[str, Any]:
    """The cohort's indicators on ``as_of`` as JSON-ready data.

    Counts businesses by district, sector and size class; levels per rubric
    at baseline and now, and how many moved up; how many have prospects;
    referrals per unit by status and outcome; the cooperative membership
    rate; mentor caseloads; and milestones, including overdue ones. Labels
    of rubrics, levels and units (both languages) travel with the data so
    a renderer needs nothing else. See :func:`render_html`.

    ``cases`` is read once, case by case, and no case is kept: a generator
    of cases is counted in little memory.
    """
    tally = Tally(as_of=as_of, rubrics=rubrics)
    for case in cases:
        tally.add_case(case)
    return tally.indicators(mentors=mentors, units=units, programme=programme)

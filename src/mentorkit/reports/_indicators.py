"""Cohort indicators as plain, JSON-ready data."""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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


def _member(case: CohortCase) -> bool:
    """In a cooperative: on the business record, or through a completed referral."""
    if case.business.cooperative is not None:
        return True
    return any(r.outcome == JOINED for r in case.referrals)


def _label(label: Label | None) -> dict[str, str] | None:
    return None if label is None else {"en": label.en, "id": label.id}


def _count(values: Iterable[str]) -> dict[str, int]:
    counted = Counter(values)
    return {key: counted[key] for key in sorted(counted)}


def _level_of(assessment: Assessment | None) -> str:
    if assessment is None or assessment.status is not AssessmentStatus.COMPLETE:
        return INCOMPLETE
    return assessment.level or INCOMPLETE


def _levels(
    cases: Sequence[CohortCase], rubrics: Mapping[str, Rubric]
) -> dict[str, dict[str, Any]]:
    ids = sorted(
        {a.rubric_id for c in cases for a in c.baseline + c.latest} | set(rubrics),
    )
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
            baseline[_level_of(first)] += 1
            latest[_level_of(last)] += 1
            if last is not None and last.score is not None:
                scores.append(last.score)
            a, b = _level_of(first), _level_of(last)
            if a != INCOMPLETE and b != INCOMPLETE and rubric is not None:
                rank_a, rank_b = rubric.level_rank(a), rubric.level_rank(b)
                moved["up" if rank_b > rank_a else "down" if rank_b < rank_a else "same"] += 1
        for seen in list(baseline) + list(latest):
            if seen not in order and seen != INCOMPLETE:
                order.append(seen)
        order.append(INCOMPLETE)
        out[rubric_id] = {
            "levels": order,
            "baseline": {level: baseline[level] for level in order},
            "latest": {level: latest[level] for level in order},
            "moved": dict(moved),
            "assessed": sum(latest.values()),
            "mean_score": round(sum(scores) / len(scores), 1) if scores else None,
        }
    return out


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
    """
    cases = tuple(cases)
    rubrics = dict(rubrics or {})
    units = dict(units or {})
    mentors = tuple(mentors)
    total = len(cases)
    sizes = []
    for case in cases:
        b = case.business
        size = size_class(capital=b.capital, annual_sales=b.annual_sales, on=as_of)
        sizes.append(UNKNOWN if size is None else size.value)
    prospects = Counter(
        UNKNOWN if c.has_prospects is None else ("yes" if c.has_prospects else "no") for c in cases
    )
    referral_units = sorted({r.unit for c in cases for r in c.referrals} | set(units))
    referrals: dict[str, Any] = {}
    for unit in referral_units:
        made = [r for c in cases for r in c.referrals if r.unit == unit]
        referrals[unit] = {
            "total": len(made),
            "loans_granted_rupiah": sum(r.loan_amount or 0 for r in made if r.outcome == LOAN),
            "businesses": sum(1 for c in cases if any(r.unit == unit for r in c.referrals)),
            "by_status": _count(r.status for r in made),
            "by_outcome": _count(r.outcome for r in made if r.outcome is not None),
        }
    members = sum(1 for c in cases if _member(c))
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
        {"mentor_id": ident, "name": ident, "kind": UNKNOWN, "cases": n, "capacity": None}
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
            "by_district": _count(c.business.district for c in cases),
            "by_sector": _count(c.business.sector.value for c in cases),
            "by_size_class": {
                key: n
                for key in [*(s.value for s in SizeClass), UNKNOWN]
                if (n := sizes.count(key))
            },
        },
        "levels": _levels(cases, rubrics),
        "prospects": {key: prospects.get(key, 0) for key in ("yes", "no", UNKNOWN)},
        "referrals": referrals,
        "cooperative": {
            "members": members,
            "rate": round(members / total, 4) if total else None,
            "joined_after_referral": sum(
                1 for c in cases for r in c.referrals if r.outcome == JOINED
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
                s.value: sum(1 for m in milestones if m.status is s) for s in MilestoneStatus
            },
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

"""The whole story on a synthetic cohort: ``mentorkit demo``."""

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import frozen

from .._model import Milestone, ProgrammeKind, Session
from .._registry import Registry
from ..cases import Actor, ReferralOutcome, ReferralStatus, Role
from ..demo import DEFAULT_SEED, DemoCohort, generate_cohort, observations_for, write_spreadsheets
from ..io import write_table
from ..reports import write_report
from ._office import COORDINATOR, Office, Problem, unit_columns

__all__ = ["DemoResult", "Step", "run_demo"]

#: Called at the start of each step with its name and how many items it has.
Step = Callable[[str, int], Callable[[int], None]]

_TOPICS = (
    "pembukuan harian",
    "harga pokok produksi",
    "pemasaran digital",
    "perizinan NIB/P-IRT",
    "kemasan dan label",
    "rencana usaha",
)


@frozen
class DemoResult:
    """What the demo wrote and what happened on the way."""

    database: Path
    report_html: Path
    report_json: Path
    exports: tuple[Path, ...]
    data_files: tuple[Path, ...]
    businesses: int
    mentors: int
    plugins: tuple[str, ...]
    problems: tuple[Problem, ...]
    indicators: dict[str, Any]


def _quiet(_name: str, _total: int) -> Callable[[int], None]:
    return lambda _done: None


def _units(unit: str) -> Actor:
    return Actor(id=f"unit-{unit}", role=Role.UNIT_OFFICER, unit=unit)


def run_demo(
    out: Path,
    *,
    seed: int = DEFAULT_SEED,
    businesses: int = 400,
    mentors: int = 40,
    lang: str = "id",
    registry: Registry | None = None,
    step: Step = _quiet,
) -> DemoResult:
    """Run the mentoring story on a synthetic cohort and write its report into ``out``.

    init an SQLite store -> import the cohort -> open cases -> baseline
    assessment -> match mentors -> business plans and sessions ->
    follow-up assessment -> prospects -> referrals sent, units answer ->
    report (HTML + JSON) and each unit's list (CSV, NIK masked). The
    cohort's spreadsheets are written to ``out/data`` so the same story can
    be replayed with ``mentorkit import``.
    """
    out.mkdir(parents=True, exist_ok=True)
    db = out / "mentorkit-demo.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    registry = registry if registry is not None else Registry.load()
    cohort = generate_cohort(seed, businesses=businesses, mentors=mentors)
    observations = observations_for(cohort, registry.rubrics.values())
    as_of = cohort.follow_up_on + dt.timedelta(days=60)
    clock = _StoryClock(cohort.baseline_on)
    office = Office.open(db, registry=registry, create=True, fast=True, clock=clock)
    problems: list[Problem] = []
    try:
        data_files = tuple(write_spreadsheets(cohort, observations, out / "data").values())
        tick = step("import", 4)
        office.store.put_cooperatives(cohort.cooperatives)
        office.service.cooperatives = cohort.cooperatives
        tick(1)
        office.store.put_mentors(cohort.mentors)
        tick(2)
        office.store.put_businesses(cohort.businesses)
        tick(3)
        office.store.add_observations(observations)
        tick(4)
        programme = cohort.programme
        office.store.put_programmes([programme])
        assert programme.kind is ProgrammeKind.MENTORING

        office.open_cases(programme, on=cohort.baseline_on, progress=step("open cases", businesses))
        problems += office.assess(
            programme, on=cohort.baseline_on, progress=step("baseline assessment", businesses)
        )
        clock.day = cohort.baseline_on + dt.timedelta(days=7)
        office.match(programme, on=clock.day)
        _mentoring(office, cohort, step, lang)
        clock.day = cohort.follow_up_on
        problems += office.assess(
            programme, on=cohort.follow_up_on, progress=step("follow-up assessment", businesses)
        )
        _prospects(office, cohort)
        send_day = cohort.follow_up_on + dt.timedelta(days=3)
        clock.day = send_day
        _, _, refer_problems = office.refer(
            programme, on=send_day, send=True, progress=step("referrals", businesses)
        )
        problems += refer_problems
        _units_answer(office, cohort, send_day, step)
        clock.day = as_of
        tick = step("report", 2)
        states = office.states(programme)  # read every case once for the report and lists
        indicators = office.indicators(programme, as_of=as_of, states=states)
        html, json_path = write_report(indicators, out, lang=lang)
        tick(1)
        exports = []
        for unit in sorted(registry.units):
            rows = office.unit_rows(programme, unit, on=as_of, states=states)
            exports.append(write_table(out / "units" / f"{unit}.csv", unit_columns(), rows))
        tick(2)
    finally:
        office.close()
    return DemoResult(
        database=db,
        report_html=html,
        report_json=json_path,
        exports=tuple(exports),
        data_files=data_files,
        businesses=len(cohort.businesses),
        mentors=len(cohort.mentors),
        plugins=tuple(p.display for p in registry.plugins),
        problems=tuple(problems),
        indicators=indicators,
    )


class _StoryClock:
    """The demo's clock: event times follow the story's days, so reruns match."""

    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.datetime:
        return dt.datetime.combine(self.day, dt.time(9, 0), tzinfo=dt.UTC)


def _mentoring(office: Office, cohort: DemoCohort, step: Step, lang: str) -> None:
    """Start mentoring, agree plans, log sessions and carry the plans out (or not)."""
    service = office.service
    states = office.states(cohort.programme)
    tick = step("mentoring", len(states))
    plan_day = cohort.baseline_on + dt.timedelta(days=14)
    for index, state in enumerate(states, start=1):
        tick(index)
        if state.mentor_id is None:
            continue
        rng = cohort.rng("mentoring", state.business.id)
        case_id = state.case_id
        if state.status.value == "assessed":
            service.start_mentoring(COORDINATOR, case_id, on=plan_day)
        plan: list[Milestone] = []
        if state.status.value != "intake":  # a plan needs a complete baseline
            plan = service.recommend_milestones(COORDINATOR, case_id, on=plan_day, lang=lang)[:4]
        if plan:
            service.add_milestones(COORDINATOR, case_id, plan)
        for n in range(rng.randint(2, 6)):
            held = cohort.baseline_on + dt.timedelta(days=10 + n * 30 + rng.randint(0, 20))
            service.log_session(
                COORDINATOR,
                case_id,
                Session(
                    id=f"S{n + 1}",
                    business_id=state.business.id,
                    mentor_id=state.mentor_id,
                    held_on=held,
                    duration_minutes=rng.choice((60, 90, 120)),
                    topics=tuple(rng.sample(_TOPICS, k=2)),
                ),
            )
        diligence = cohort.diligence[state.business.id]
        for milestone in plan:
            _carry_out(office, cohort, case_id, milestone, diligence, rng.random())


def _carry_out(
    office: Office,
    cohort: DemoCohort,
    case_id: str,
    milestone: Milestone,
    diligence: float,
    roll: float,
) -> None:
    follow_up = cohort.follow_up_on
    if roll < diligence:
        done_on = min(milestone.due, follow_up) - dt.timedelta(days=int(roll * 10))
        office.service.complete_milestone(
            COORDINATOR, case_id, milestone.id, evidence="checked by mentor", on=done_on
        )
    elif roll < diligence + 0.25 and milestone.due < follow_up:
        office.service.miss_milestone(COORDINATOR, case_id, milestone.id, on=follow_up)
    # Otherwise it stays planned: overdue once its due date has passed.


def _prospects(office: Office, cohort: DemoCohort) -> None:
    """The mentors' judgement: prospects when ability and progress are good enough."""
    for state in office.states(cohort.programme):
        if not state.is_open or state.mentor_id is None:
            continue
        bid = state.business.id
        rng = cohort.rng("prospects", bid)
        outlook = cohort.capability[bid] + cohort.growth[bid] + rng.gauss(0, 0.08)
        office.service.record_prospects(
            COORDINATOR, state.case_id, outlook >= 0.5, on=cohort.follow_up_on
        )


def _units_answer(office: Office, cohort: DemoCohort, sent_on: dt.date, step: Step) -> None:
    """Each unit accepts, declines or completes some of what it was sent; the rest waits."""
    service = office.service
    states = office.states(cohort.programme)
    tick = step("units answer", len(states))
    coop_by_district = {c.district: c for c in reversed(cohort.cooperatives)}
    for index, state in enumerate(states, start=1):
        tick(index)
        for referral in state.referrals:
            if referral.status is not ReferralStatus.SENT:
                continue
            rng = cohort.rng("unit", f"{state.case_id}/{referral.id}")
            actor = _units(referral.unit)
            roll = rng.random()
            day = sent_on + dt.timedelta(days=rng.randint(5, 25))
            if roll < 0.15:
                service.decline_referral(
                    actor, state.case_id, referral.id, "not eligible yet", on=day
                )
                continue
            if roll > 0.8:
                continue  # no answer yet: overdue after the unit's response days
            service.accept_referral(actor, state.case_id, referral.id, on=day)
            if rng.random() < 0.35:
                continue  # accepted, still in progress
            done = day + dt.timedelta(days=rng.randint(5, 20))
            service.complete_referral(
                actor,
                state.case_id,
                referral.id,
                _outcome(referral.unit, state.business, coop_by_district, rng.random()),
                on=done,
            )


def _outcome(unit: str, business: Any, coops: dict[str, Any], roll: float) -> ReferralOutcome:
    success = roll < 0.8
    if unit == "capital" and success:
        need = business.financing_need or 10_000_000
        return ReferralOutcome(success=True, loan_amount=min(need, 100_000_000), note="KUR")
    if unit == "cooperative" and success:
        coop = coops.get(business.district)
        return ReferralOutcome(success=True, cooperative_id=None if coop is None else coop.id)
    return ReferralOutcome(success=success)

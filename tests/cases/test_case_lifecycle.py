"""The case lifecycle: a stateful model test and clear errors for illegal transitions."""

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.testing.sample import SamplePlugin

REGISTRY = mk.Registry.load(plugins=[SamplePlugin()], entry_points=False, strict=True)
BOSS = mc.Actor("u-coord", mc.Role.COORDINATOR)
OFFICER = {
    "capital": mc.Actor("u-fas", mc.Role.UNIT_OFFICER, unit="capital"),
    "cooperative": mc.Actor("u-kop", mc.Role.UNIT_OFFICER, unit="cooperative"),
}
MENTORS = {
    m: mk.Mentor(m, m.title(), mk.MentorKind.PRACTITIONER, districts=("Setu",), capacity=50)
    for m in ("m-sari", "m-budi")
}
BUSINESS = mk.Business(
    id="b-1",
    name="Kripik Setu",
    owner=mk.Person(name="Ani", nik="3674011234560001"),
    sector=mk.Sector.CULINARY,
    district="Setu",
    founded=dt.date(2019, 6, 1),
    financing_need=20_000_000,
)
OPEN = {mc.CaseStatus.INTAKE, mc.CaseStatus.ASSESSED, mc.CaseStatus.MENTORING}
LIVE = {mc.ReferralStatus.SENT, mc.ReferralStatus.ACCEPTED}
ENDS = {
    mc.CaseOutcome.GRADUATED: mc.CaseStatus.GRADUATED,
    mc.CaseOutcome.REFERRED_ON: mc.CaseStatus.REFERRED_ON,
    mc.CaseOutcome.WITHDRAWN: mc.CaseStatus.WITHDRAWN,
    mc.CaseOutcome.CLOSED: mc.CaseStatus.CLOSED,
}


class CaseMachine(RuleBasedStateMachine):
    """Drives one case through random commands and checks them against a small model.

    The model says, for each command, whether the lifecycle allows it; an
    allowed command must write, a forbidden one must raise TransitionError
    and write nothing.
    """

    def __init__(self) -> None:
        super().__init__()
        self.store = mk.InMemoryEventStore()
        self.now = dt.datetime(2025, 1, 6, 3, tzinfo=dt.UTC)
        self.service = mc.CaseService(self.store, REGISTRY, clock=lambda: self.now)
        self.case_id = ""
        self.state: mc.CaseState | None = None
        self.seen_version = 0
        # The model.
        self.status = mc.CaseStatus.INTAKE
        self.mentor: str | None = None
        self.milestones: dict[str, mk.MilestoneStatus] = {}
        self.referrals: dict[str, mc.ReferralStatus] = {}
        self.sessions = 0

    # ----------------------------------------------------------------------- helpers

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def attempt(self, allowed: bool, command: Callable[[], mc.Outcome]) -> mc.Outcome | None:
        before = self.store.version(mc.stream_name(self.case_id))
        event(f"{'allowed' if allowed else 'refused'} in {self.status.value}")
        if not allowed:
            with pytest.raises(mk.TransitionError):
                command()
            assert self.store.version(mc.stream_name(self.case_id)) == before
            return None
        outcome = command()
        assert outcome.state.version > before
        self.state = outcome.state
        return outcome

    # ----------------------------------------------------------------------- rules

    @initialize()
    def open_case(self) -> None:
        self.state = self.service.open_case(BOSS, BUSINESS, "p-2025").state
        self.case_id = self.state.case_id
        assert self.state.status is mc.CaseStatus.INTAKE

    @rule(days=st.integers(min_value=0, max_value=40))
    def time_passes(self, days: int) -> None:
        self.now += dt.timedelta(days=days)

    @rule(name=st.sampled_from(sorted(MENTORS)))
    def assign(self, name: str) -> None:
        allowed = self.is_open and self.mentor is None
        if self.attempt(
            allowed, lambda: self.service.assign_mentor(BOSS, self.case_id, MENTORS[name])
        ):
            self.mentor = name

    @rule(name=st.sampled_from(sorted(MENTORS)))
    def reassign(self, name: str) -> None:
        allowed = self.is_open and self.mentor is not None and self.mentor != name
        command = lambda: self.service.reassign_mentor(BOSS, self.case_id, MENTORS[name])  # noqa: E731
        if self.attempt(allowed, command):
            self.mentor = name

    @rule(strong=st.booleans())
    def observe_and_assess(self, strong: bool) -> None:
        day = self.now.date()
        observations = [
            mk.Observation("b-1", "sample-bookkeeping", "separate-money", strong, day),
            mk.Observation("b-1", "sample-bookkeeping", "cash-records", 4 if strong else 1, day),
            mk.Observation(
                "b-1", "sample-bookkeeping", "pricing", "cost-plus" if strong else "guess", day
            ),
        ]
        if not self.attempt(
            self.is_open,
            lambda: self.service.record_observations(BOSS, self.case_id, observations),
        ):
            return
        outcome = self.attempt(True, lambda: self.service.assess(BOSS, self.case_id))
        assert outcome is not None
        if self.status is mc.CaseStatus.INTAKE:
            self.status = mc.CaseStatus.ASSESSED
        for referral in outcome.state.referrals:
            if referral.id not in self.referrals:
                self.referrals[referral.id] = mc.ReferralStatus.PROPOSED
                assert referral.status is mc.ReferralStatus.PROPOSED

    @rule()
    def start_mentoring(self) -> None:
        allowed = self.status is mc.CaseStatus.ASSESSED and self.mentor is not None
        if self.attempt(allowed, lambda: self.service.start_mentoring(BOSS, self.case_id)):
            self.status = mc.CaseStatus.MENTORING

    @rule(due_in=st.integers(min_value=1, max_value=60))
    def add_milestone(self, due_in: int) -> None:
        allowed = self.status in (mc.CaseStatus.ASSESSED, mc.CaseStatus.MENTORING)
        milestone = mk.Milestone(
            id=f"ms-{len(self.milestones) + 1}",
            title="Catat kas harian",
            due=self.now.date() + dt.timedelta(days=due_in),
        )
        if self.attempt(
            allowed, lambda: self.service.add_milestones(BOSS, self.case_id, [milestone])
        ):
            self.milestones[milestone.id] = mk.MilestoneStatus.PLANNED

    @precondition(lambda self: self.milestones)
    @rule(data=st.data(), done=st.booleans())
    def finish_milestone(self, data: st.DataObject, done: bool) -> None:
        milestone_id = data.draw(st.sampled_from(sorted(self.milestones)))
        allowed = self.is_open and self.milestones[milestone_id] is mk.MilestoneStatus.PLANNED
        if done:
            command = lambda: self.service.complete_milestone(  # noqa: E731
                BOSS, self.case_id, milestone_id, evidence="foto buku kas"
            )
        else:
            command = lambda: self.service.miss_milestone(BOSS, self.case_id, milestone_id)  # noqa: E731
        if self.attempt(allowed, command):
            self.milestones[milestone_id] = (
                mk.MilestoneStatus.DONE if done else mk.MilestoneStatus.MISSED
            )

    @rule()
    def log_session(self) -> None:
        allowed = self.is_open and self.mentor is not None
        session = mk.Session(
            id=f"s-{self.sessions + 1}",
            business_id="b-1",
            mentor_id=self.mentor or "m-nobody",
            held_on=self.now.date(),
        )
        if self.attempt(allowed, lambda: self.service.log_session(BOSS, self.case_id, session)):
            self.sessions += 1

    @precondition(lambda self: self.referrals)
    @rule(data=st.data(), action=st.sampled_from(["send", "accept", "decline", "complete"]))
    def referral_step(self, data: st.DataObject, action: str) -> None:
        referral_id = data.draw(st.sampled_from(sorted(self.referrals)))
        current = self.referrals[referral_id]
        needs = {
            "send": mc.ReferralStatus.PROPOSED,
            "accept": mc.ReferralStatus.SENT,
            "decline": mc.ReferralStatus.SENT,
            "complete": mc.ReferralStatus.ACCEPTED,
        }[action]
        goes_to = {
            "send": mc.ReferralStatus.SENT,
            "accept": mc.ReferralStatus.ACCEPTED,
            "decline": mc.ReferralStatus.DECLINED,
            "complete": mc.ReferralStatus.COMPLETED,
        }[action]
        allowed = self.is_open and current is needs
        service, case_id = self.service, self.case_id
        unit = referral_id.rsplit("-", 1)[0]
        officer = OFFICER[unit]
        commands: dict[str, Callable[[], mc.Outcome]] = {
            "send": lambda: service.send_referral(BOSS, case_id, referral_id),
            "accept": lambda: service.accept_referral(officer, case_id, referral_id),
            "decline": lambda: service.decline_referral(officer, case_id, referral_id, "kuota"),
            "complete": lambda: service.complete_referral(
                officer, case_id, referral_id, mc.ReferralOutcome(True, loan_amount=10_000_000)
            ),
        }
        if self.attempt(allowed, commands[action]):
            event(f"referral {goes_to.value}")
            self.referrals[referral_id] = goes_to

    @rule(outcome=st.sampled_from(mc.CaseOutcome), gate=st.integers(min_value=0, max_value=7))
    def close(self, outcome: mc.CaseOutcome, gate: int) -> None:
        # Closing ends the run's interesting part: try it rarely before mentoring.
        if gate and self.status is not mc.CaseStatus.MENTORING:
            return
        live = any(s in LIVE for s in self.referrals.values())
        if outcome is mc.CaseOutcome.GRADUATED:
            allowed = self.status is mc.CaseStatus.MENTORING and not live
        elif outcome is mc.CaseOutcome.REFERRED_ON:
            completed = mc.ReferralStatus.COMPLETED in self.referrals.values()
            allowed = self.is_open and completed and not live
        else:
            allowed = self.is_open
        command = lambda: self.service.close_case(BOSS, self.case_id, outcome, "akhir program")  # noqa: E731
        if self.attempt(allowed, command):
            event(f"closed as {outcome.value}")
            self.status = ENDS[outcome]
            for referral_id, status in self.referrals.items():
                if status in (mc.ReferralStatus.PROPOSED, *LIVE):
                    self.referrals[referral_id] = mc.ReferralStatus.CANCELLED

    @precondition(lambda self: self.state is not None and self.state.version > 1)
    @rule()
    def stale_write_conflicts(self) -> None:
        assert self.state is not None
        before = self.store.version(mc.stream_name(self.case_id))
        with pytest.raises(mk.ConflictError):
            self.service.record_prospects(
                BOSS, self.case_id, True, expected_version=self.state.version - 1
            )
        assert self.store.version(mc.stream_name(self.case_id)) == before

    @rule(prospects=st.booleans())
    def record_prospects(self, prospects: bool) -> None:
        assert self.state is not None
        outcome = self.attempt(
            self.is_open,
            lambda: self.service.record_prospects(
                BOSS, self.case_id, prospects, expected_version=self.state.version
            ),
        )
        if outcome is not None:
            assert outcome.state.has_prospects is prospects

    # ----------------------------------------------------------------------- invariants

    @invariant()
    def version_only_grows(self) -> None:
        version = self.store.version(mc.stream_name(self.case_id))
        assert version >= self.seen_version
        self.seen_version = version

    @invariant()
    def fold_equals_live_state(self) -> None:
        assert mc.fold(self.store.read(mc.stream_name(self.case_id))) == self.state

    @invariant()
    def fold_without_observations_is_the_rest_of_the_state(self) -> None:
        records = self.store.read(mc.stream_name(self.case_id))
        whole = mc.fold(records)
        assert whole is not None
        lean = attrs.evolve(whole, observations=())
        assert mc.fold(records, observations=False) == lean
        # ... also when the store leaves out those payloads (read_many's bare_kinds)
        bare = [attrs.evolve(r, data={}) if r.kind in mc.OBSERVATION_KINDS else r for r in records]
        assert mc.fold(bare, observations=False) == lean
        assert list(self.service.states(BOSS, [self.case_id], observations=False)) == [lean]
        assert list(self.service.states(BOSS, observations=True)) == [whole]

    @invariant()
    def model_agrees(self) -> None:
        state = self.state
        assert state is not None
        assert state.status is self.status
        assert state.mentor_id == self.mentor
        assert {m.id: m.status for m in state.milestones} == self.milestones
        assert {r.id: r.status for r in state.referrals} == self.referrals
        assert len(state.sessions) == self.sessions

    @invariant()
    def closed_cases_accept_no_writes(self) -> None:
        if self.is_open:
            return
        before = self.store.version(mc.stream_name(self.case_id))
        with pytest.raises(mk.TransitionError, match="closed and accepts no changes"):
            self.service.record_prospects(BOSS, self.case_id, True)
        assert self.store.version(mc.stream_name(self.case_id)) == before


TestCaseMachine = CaseMachine.TestCase


class TestIllegalTransitions:
    """Illegal transitions raise TransitionError naming the case and what is wrong."""

    def test_cannot_start_mentoring_at_intake(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        with pytest.raises(
            mk.TransitionError, match=r"'p-1:b-1' \(intake\): mentoring starts only"
        ):
            memory_service.start_mentoring(kit.COORDINATOR, case_id)

    def test_cannot_graduate_from_assessed(self, memory_service: mc.CaseService, kit: Any) -> None:
        case_id = kit.assessed_case(memory_service, kit.Clock())
        with pytest.raises(mk.TransitionError, match="only a case in mentoring can graduate"):
            memory_service.close_case(kit.COORDINATOR, case_id, mc.CaseOutcome.GRADUATED, "selesai")

    def test_referred_on_needs_a_completed_referral(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = kit.assessed_case(memory_service, kit.Clock())
        with pytest.raises(mk.TransitionError, match="needs a completed referral"):
            memory_service.close_case(
                kit.COORDINATOR, case_id, mc.CaseOutcome.REFERRED_ON, "ke koperasi"
            )

    def test_opening_twice_conflicts(self, memory_service: mc.CaseService, kit: Any) -> None:
        memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1")
        with pytest.raises(mk.ConflictError, match="already exists"):
            memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1")

    def test_assigning_twice_says_reassign(self, memory_service: mc.CaseService, kit: Any) -> None:
        case_id = memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        memory_service.assign_mentor(kit.COORDINATOR, case_id, kit.mentor())
        with pytest.raises(mk.TransitionError, match="reassign instead"):
            memory_service.assign_mentor(kit.COORDINATOR, case_id, kit.mentor("m-budi"))

    def test_unknown_case(self, memory_service: mc.CaseService, kit: Any) -> None:
        with pytest.raises(mk.NotFoundError, match="no case 'nope'"):
            memory_service.get(kit.COORDINATOR, "nope")

    def test_session_by_another_mentor(self, memory_service: mc.CaseService, kit: Any) -> None:
        case_id = memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        memory_service.assign_mentor(kit.COORDINATOR, case_id, kit.mentor())
        session = mk.Session("s-1", "b-1", "m-budi", dt.date(2025, 3, 3))
        with pytest.raises(mk.TransitionError, match="session's mentor is not the case's mentor"):
            memory_service.log_session(kit.COORDINATOR, case_id, session)

    def test_fold_rejects_a_wave_event_in_a_case_stream(self) -> None:
        at = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
        record = mc.to_record("case/c-1", 1, "u-1", at, mc.MentoringStarted(dt.date(2025, 1, 1)))
        with pytest.raises(mk.TransitionError, match="must be opened"):
            mc.fold([record])
        wave = mc.to_record(
            "case/c-1",
            1,
            "u-1",
            at,
            mc.AttendanceRecorded("c-1", dt.date(2025, 1, 1), True),
        )
        with pytest.raises(mk.TransitionError, match="does not belong in a case stream"):
            mc.fold([wave])

    def test_empty_stream_folds_to_none(self) -> None:
        assert mc.fold([]) is None

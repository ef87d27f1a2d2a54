"""Referrals as a closed loop: transitions, deadlines, the per-unit overdue view, hooks."""

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SamplePlugin

DAY = dt.date(2025, 3, 3)
AT = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)
S = mc.ReferralStatus
NEXT = {
    "send": (S.PROPOSED, S.SENT),
    "accept": (S.SENT, S.ACCEPTED),
    "decline": (S.SENT, S.DECLINED),
    "complete": (S.ACCEPTED, S.COMPLETED),
}


def event_for(action: str, day: dt.date) -> mc.CaseEvent:
    if action == "send":
        return mc.ReferralSent("r-1", day, day + dt.timedelta(days=14))
    if action == "accept":
        return mc.ReferralAccepted("r-1", day, day + dt.timedelta(days=30))
    if action == "decline":
        return mc.ReferralDeclined("r-1", day, "di luar wilayah")
    return mc.ReferralCompleted("r-1", day, mc.ReferralOutcome(True, loan_amount=50_000_000))


def proposed_state(business: mk.Business) -> mc.CaseState:
    state = mc.CaseState(
        case_id="c-1",
        business=business,
        programme_id="p-1",
        opened_on=DAY,
        version=1,
        updated_at=AT,
        status=mc.CaseStatus.ASSESSED,
    )
    referral = mk.Referral(business.id, "capital", "sample-capital", "1.0", DAY)
    event = mc.ReferralProposed("r-1", referral)
    mc.check(state, event)
    return mc.apply(state, event, 2, AT)


class TestReferralLoop:
    """Only proposed -> sent -> accepted/declined, accepted -> completed are allowed."""

    @given(
        mks.businesses(),
        st.lists(st.sampled_from(sorted(NEXT)), max_size=6),
        st.lists(st.integers(min_value=0, max_value=20), min_size=6, max_size=6),
    )
    def test_transitions_follow_the_loop(
        self, business: mk.Business, actions: list[str], gaps: list[int]
    ) -> None:
        state = proposed_state(business)
        model = S.PROPOSED
        day = DAY
        for action, gap in zip(actions, gaps, strict=False):
            day += dt.timedelta(days=gap)
            event = event_for(action, day)
            needed, goes_to = NEXT[action]
            if model is needed:
                mc.check(state, event)
                state = mc.apply(state, event, state.version + 1, AT)
                model = goes_to
            else:
                with pytest.raises(mk.TransitionError, match="referral 'r-1' is"):
                    mc.check(state, event)
            assert state.referral("r-1").status is model
        referral = state.referral("r-1")
        assert (referral.outcome is not None) == (model is S.COMPLETED)
        assert (referral.decline_reason is not None) == (model is S.DECLINED)

    @given(st.sampled_from(list(S)), mks.dates(), st.integers(min_value=-40, max_value=40))
    def test_overdue_only_while_the_unit_owes_something(
        self, status: mc.ReferralStatus, due: dt.date, offset: int
    ) -> None:
        referral = mc.CaseReferral(
            id="r-1",
            referral=mk.Referral("b-1", "capital", "sample-capital", "1.0", DAY),
            status=status,
            due=due,
        )
        on = due + dt.timedelta(days=offset)
        assert referral.overdue(on) == (status in (S.SENT, S.ACCEPTED) and offset > 0)


class TestReferralService:
    """The service runs the loop with deadlines, outcomes and views per unit."""

    def test_full_loop_with_deadlines_and_outcome(self, service: mc.CaseService, kit: Any) -> None:
        clock = kit.Clock()
        case_id = kit.referred_case(service, clock)
        service.clock = clock
        state = service.get(kit.COORDINATOR, case_id).state
        assert [(r.id, r.unit, r.status) for r in state.referrals] == [
            ("capital-1", "capital", S.PROPOSED),
            ("cooperative-2", "cooperative", S.PROPOSED),
        ]
        sent = service.send_referral(kit.MENTOR, case_id, "capital-1").state
        # The sample units declare no response_days, so the default 30 days apply.
        assert sent.referral("capital-1").due == clock.today + dt.timedelta(days=30)
        clock.advance(3)
        accepted = service.accept_referral(
            kit.CAPITAL_OFFICER, case_id, "capital-1", due=clock.today + dt.timedelta(days=60)
        ).state
        assert accepted.referral("capital-1").due == clock.today + dt.timedelta(days=60)
        outcome = mc.ReferralOutcome(True, loan_amount=50_000_000, note="KUR mikro")
        done = service.complete_referral(kit.CAPITAL_OFFICER, case_id, "capital-1", outcome)
        assert done.state.referral("capital-1").outcome == outcome
        assert done.state.referral("capital-1").completed_on == clock.today

    def test_overdue_at_unit_view(self, service: mc.CaseService, kit: Any) -> None:
        clock = kit.Clock()
        service.clock = clock
        first = kit.referred_case(service, clock, "b-1")
        second = kit.referred_case(service, clock, "b-2")
        service.send_referral(kit.COORDINATOR, first, "capital-1", due=clock.today)
        service.send_referral(kit.COORDINATOR, first, "cooperative-2", due=clock.today)
        service.send_referral(
            kit.COORDINATOR, second, "capital-1", due=clock.today + dt.timedelta(days=10)
        )
        on = clock.today + dt.timedelta(days=1)
        everything = service.overdue_at_units(kit.COORDINATOR, on=on)
        assert {unit: [s.case_id for s in rows] for unit, rows in everything.items()} == {
            "capital": [first],
            "cooperative": [first],
        }
        own = service.overdue_at_units(kit.CAPITAL_OFFICER, on=on)
        assert list(own) == ["capital"]
        assert all(s.overdue for s in own["capital"])
        queue = service.referrals_for_unit(kit.CAPITAL_OFFICER, "capital", on=on)
        assert [(s.case_id, s.overdue) for s in queue] == [(first, True), (second, False)]
        late = service.referrals_for_unit(kit.CAPITAL_OFFICER, "capital", on=on, overdue_only=True)
        assert [s.case_id for s in late] == [first]
        with pytest.raises(mk.AccessDeniedError):
            service.overdue_at_units(kit.MENTOR, on=on)

    def test_declined_unit_may_be_proposed_again_completed_not(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = kit.referred_case(memory_service, kit.Clock())
        s = memory_service
        s.send_referral(kit.MENTOR, case_id, "capital-1")
        s.decline_referral(kit.CAPITAL_OFFICER, case_id, "capital-1", "kuota habis")
        s.send_referral(kit.MENTOR, case_id, "cooperative-2")
        s.accept_referral(kit.COOP_OFFICER, case_id, "cooperative-2")
        s.complete_referral(
            kit.COOP_OFFICER,
            case_id,
            "cooperative-2",
            mc.ReferralOutcome(True, cooperative_id="kop-setu"),
        )
        again = s.propose_referrals(kit.MENTOR, case_id).state
        assert [(r.id, r.status) for r in again.referrals] == [
            ("capital-1", S.DECLINED),
            ("cooperative-2", S.COMPLETED),
            ("capital-3", S.PROPOSED),
        ]

    def test_withdrawing_cancels_open_referrals(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = kit.referred_case(memory_service, kit.Clock())
        memory_service.send_referral(kit.MENTOR, case_id, "capital-1")
        closed = memory_service.close_case(
            kit.COORDINATOR, case_id, mc.CaseOutcome.WITHDRAWN, "usaha tutup"
        ).state
        assert {r.status for r in closed.referrals} == {S.CANCELLED}
        assert memory_service.referrals_for_unit(kit.CAPITAL_OFFICER, "capital")[0].status is (
            S.CANCELLED
        )

    def test_graduating_with_an_open_referral_is_refused(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = kit.referred_case(memory_service, kit.Clock())
        memory_service.send_referral(kit.MENTOR, case_id, "capital-1")
        with pytest.raises(mk.TransitionError, match=r"\['capital-1'\] are still open"):
            memory_service.close_case(kit.COORDINATOR, case_id, mc.CaseOutcome.GRADUATED, "ok")


class Recorder:
    """A plugin recording the event hooks it receives."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, object]] = []

    @mk.hookimpl
    def on_assessment_recorded(self, case_id: str, assessment: mk.Assessment) -> None:
        self.calls.append(("assessment", case_id, assessment.rubric_id))

    @mk.hookimpl
    def on_referral_sent(self, case_id: str, referral: mk.Referral) -> None:
        self.calls.append(("referral", case_id, referral.unit))

    @mk.hookimpl
    def on_case_closed(self, case_id: str, reason: str) -> None:
        self.calls.append(("closed", case_id, reason))


class Broken:
    """A plugin whose event hooks all raise."""

    @mk.hookimpl
    def on_assessment_recorded(self, case_id: str, assessment: mk.Assessment) -> None:
        raise ValueError("nope")

    @mk.hookimpl
    def on_case_closed(self, case_id: str, reason: str) -> None:
        raise KeyError(case_id)


class TestEventHooks:
    """Hooks run after the append; a raising hook is recorded and undoes nothing."""

    def test_hooks_run_and_failures_are_recorded(self, kit: Any) -> None:
        recorder = Recorder()
        registry = mk.Registry.load(
            plugins=[SamplePlugin(), ("recorder", recorder), ("broken", Broken())],
            entry_points=False,
        )
        store = mk.InMemoryEventStore()
        service = mc.CaseService(store, registry, clock=kit.Clock())
        case_id = service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        service.assign_mentor(kit.COORDINATOR, case_id, kit.mentor())
        service.record_observations(
            kit.MENTOR,
            case_id,
            kit.observations("b-1", kit.START.date(), money=True, records=4, pricing="cost-plus"),
        )
        assessed = service.assess(kit.MENTOR, case_id)
        assert [(f.plugin, f.stage, f.item) for f in assessed.failures] == [
            ("broken", "event", case_id)
        ]
        assert assessed.state.status is mc.CaseStatus.ASSESSED  # the write stands
        service.send_referral(kit.MENTOR, case_id, "capital-1")
        closed = service.close_case(kit.COORDINATOR, case_id, mc.CaseOutcome.CLOSED, "pindah kota")
        assert closed.failures[0].message == "on_case_closed() raised KeyError"
        assert mc.fold(store.read(mc.stream_name(case_id))) == closed.state
        assert recorder.calls == [
            ("assessment", case_id, "sample-bookkeeping"),
            ("referral", case_id, "capital"),
            ("closed", case_id, "closed"),
        ]

    def test_hook_not_called_when_the_write_fails(self, kit: Any) -> None:
        recorder = Recorder()
        registry = mk.Registry.load(
            plugins=[SamplePlugin(), ("recorder", recorder)], entry_points=False
        )
        service = mc.CaseService(mk.InMemoryEventStore(), registry, clock=kit.Clock())
        case_id = service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        with pytest.raises(mk.TransitionError):
            service.close_case(kit.COORDINATOR, case_id, mc.CaseOutcome.GRADUATED, "?")
        assert recorder.calls == []


def test_summary_fields_are_plain() -> None:
    """ReferralSummary is a frozen attrs class (a value the API can return as is)."""
    assert attrs.has(mc.ReferralSummary)

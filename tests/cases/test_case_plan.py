"""Business plans and progress: template milestones, overdue detection, "naik kelas"."""

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.testing import strategies as mks


class TestMilestones:
    """Milestones come from plugin templates for unmet criteria, or from the mentor."""

    def test_recommended_from_unmet_criteria(self, service: mc.CaseService, kit: Any) -> None:
        clock = kit.Clock()
        service.clock = clock
        case_id = kit.assessed_case(service, clock)
        recommended = service.recommend_milestones(kit.MENTOR, case_id)
        # separate-money is unmet and names the open-business-account template (30 days).
        assert [(m.id, m.template, m.criterion) for m in recommended] == [
            ("open-business-account", "open-business-account", "sample-bookkeeping/separate-money")
        ]
        assert recommended[0].title == "Buka rekening usaha"
        assert recommended[0].due == clock.today + dt.timedelta(days=30)
        english = service.recommend_milestones(kit.MENTOR, case_id, lang="en")
        assert english[0].title == "Open a business bank account"
        service.add_milestones(kit.MENTOR, case_id, recommended)
        assert service.recommend_milestones(kit.MENTOR, case_id) == []

    def test_mentor_written_milestone_and_evidence(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = kit.assessed_case(memory_service, kit.Clock())
        own = mk.Milestone("daftar-halal", "Daftar sertifikasi halal", dt.date(2025, 5, 1))
        memory_service.add_milestones(kit.MENTOR, case_id, [own])
        done = memory_service.complete_milestone(
            kit.MENTOR,
            case_id,
            "daftar-halal",
            evidence="bukti daftar SIHALAL",
            on=dt.date(2025, 4, 2),
        ).state
        milestone = done.milestone("daftar-halal")
        assert milestone.status is mk.MilestoneStatus.DONE
        assert milestone.completed_on == dt.date(2025, 4, 2)
        assert milestone.evidence == "bukti daftar SIHALAL"
        with pytest.raises(mk.TransitionError, match="is done, not planned"):
            memory_service.miss_milestone(kit.MENTOR, case_id, "daftar-halal")
        with pytest.raises(mk.NotFoundError, match="no milestone 'nope'"):
            memory_service.complete_milestone(kit.MENTOR, case_id, "nope")

    def test_no_plan_before_assessment(self, memory_service: mc.CaseService, kit: Any) -> None:
        case_id = memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        milestone = mk.Milestone("x", "Langkah", dt.date(2025, 5, 1))
        with pytest.raises(mk.TransitionError, match="needs a complete baseline assessment"):
            memory_service.add_milestones(kit.COORDINATOR, case_id, [milestone])

    @given(
        st.lists(
            st.tuples(st.sampled_from(mk.MilestoneStatus), mks.dates(), mks.dates()), max_size=8
        ),
        mks.dates(),
    )
    def test_overdue_detection(
        self, drawn: list[tuple[mk.MilestoneStatus, dt.date, dt.date]], on: dt.date
    ) -> None:
        milestones = [
            mk.Milestone(
                id=f"ms-{i}",
                title="Langkah",
                due=due,
                status=status,
                completed_on=done if status is mk.MilestoneStatus.DONE else None,
            )
            for i, (status, due, done) in enumerate(drawn)
        ]
        state = mc.CaseState(
            case_id="c-1",
            business=mk.Business("b-1", "Toko", mk.Person("Ani"), mk.Sector.TRADE, "Setu"),
            programme_id="p-1",
            opened_on=dt.date(2020, 1, 1),
            version=1,
            updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
            milestones=tuple(milestones),
        )
        overdue = state.overdue_milestones(on)
        for milestone in milestones:
            late = milestone.status is mk.MilestoneStatus.PLANNED and milestone.due < on
            assert (milestone in overdue) == late
        # Completing an overdue milestone takes it off the list.
        for milestone in overdue:
            done = attrs.evolve(milestone, status=mk.MilestoneStatus.DONE, completed_on=on)
            assert not done.overdue(on)


class TestAssessments:
    """Baseline and follow-up assessments; progress per business."""

    def test_moves_up_a_level(self, service: mc.CaseService, kit: Any) -> None:
        clock = kit.Clock()
        service.clock = clock
        case_id = kit.assessed_case(service, clock)
        clock.advance(90)
        service.record_observations(
            kit.MENTOR,
            case_id,
            kit.observations("b-1", clock.today, money=True, records=4, pricing="cost-plus"),
        )
        state = service.assess(kit.MENTOR, case_id).state
        assert [r.phase for r in state.assessments] == [
            mc.AssessmentPhase.BASELINE,
            mc.AssessmentPhase.FOLLOW_UP,
        ]
        (progress,) = service.progress(kit.MENTOR, case_id)
        # Weak answers score below 40 (beginner), all criteria met scores 100 (established).
        assert (progress.level_before, progress.level_after) == ("beginner", "established")
        assert progress.moved_up is True
        # Before: no separate money (0 x 3), cash records 1 of 4 (0.25 x 2), guessed
        # prices (0 x 1), a NIB (1 x 1): 1.5 of 7 weights.
        assert progress.score_before == pytest.approx(100 * 1.5 / 7, abs=1e-5)
        assert progress.score_after == 100.0
        assert service.cohort_progress(kit.COORDINATOR) == [progress]

    def test_incomplete_assessment_keeps_intake(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        one = kit.observations("b-1", kit.START.date(), money=True, records=4, pricing="guess")[:1]
        memory_service.record_observations(kit.COORDINATOR, case_id, one)
        state = memory_service.assess(kit.COORDINATOR, case_id).state
        assert state.status is mc.CaseStatus.INTAKE
        assert state.assessments[0].assessment.status is mk.AssessmentStatus.INCOMPLETE
        assert state.referrals == ()  # no referrals from an incomplete intake
        assert memory_service.progress(kit.COORDINATOR, case_id) == []

    def test_bad_observations_are_reported_good_ones_kept(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = memory_service.open_case(kit.COORDINATOR, kit.business(), "p-1").state.case_id
        day = kit.START.date()
        observations = [
            mk.Observation("b-1", "sample-bookkeeping", "separate-money", True, day),
            mk.Observation("b-1", "sample-bookkeeping", "cash-records", 9, day),
            mk.Observation("b-1", "no-such-rubric", "x", True, day),
            mk.Observation("b-2", "sample-bookkeeping", "pricing", "copy", day),
            mk.Observation("b-1", "sample-bookkeeping", "pricing", "copy", day),
        ]
        outcome = memory_service.record_observations(kit.COORDINATOR, case_id, observations)
        assert [i.path for i in outcome.issues] == [
            "$.observations[1].value",
            "$.observations[2].rubric_id",
            "$.observations[3].business_id",
        ]
        assert "from 0 to 4" in outcome.issues[0].message
        kept = [(o.criterion_id, o.value) for o in outcome.state.observations]
        assert kept == [("separate-money", True), ("pricing", "copy")]

    def test_has_prospects_reaches_the_rules(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = kit.assessed_case(memory_service, kit.Clock())
        state = memory_service.record_prospects(kit.MENTOR, case_id, False, note="pasar sepi").state
        assert state.facts() == {
            "case.mentored": True,
            "case.has_prospects": False,
            "case.sessions_logged": 0,
        }

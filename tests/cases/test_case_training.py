"""Training and certification waves: participants, attendance, certificates, milestones."""

import datetime as dt
from typing import Any

import pytest

import mentorkit as mk
from mentorkit import cases as mc

WAVE = mk.Programme(
    id="sertifikasi-halal-2",
    name="Sertifikasi halal gelombang 2",
    kind=mk.ProgrammeKind.CERTIFICATION,
    starts=dt.date(2025, 4, 1),
    capacity=2,
    wave=2,
)


class TestWaves:
    """A wave is its own event stream; certifying can complete a case milestone."""

    def test_enrol_attend_certify(self, service: mc.CaseService, kit: Any) -> None:
        clock = kit.Clock()
        service.clock = clock
        first = kit.assessed_case(service, clock, "b-1")
        second = kit.assessed_case(service, clock, "b-2")
        third = kit.assessed_case(service, clock, "b-3")
        step = mk.Milestone("halal", "Sertifikat halal", dt.date(2025, 6, 1))
        service.add_milestones(kit.MENTOR, first, [step])

        service.open_wave(kit.COORDINATOR, WAVE)
        service.enrol(kit.COORDINATOR, WAVE.id, first)
        service.enrol(kit.COORDINATOR, WAVE.id, second)
        with pytest.raises(mk.TransitionError, match="is full"):
            service.enrol(kit.COORDINATOR, WAVE.id, third)
        with pytest.raises(mk.TransitionError, match="already enrolled"):
            service.enrol(kit.COORDINATOR, WAVE.id, first)

        service.record_attendance(kit.COORDINATOR, WAVE.id, first, dt.date(2025, 4, 1))
        service.record_attendance(
            kit.COORDINATOR, WAVE.id, first, dt.date(2025, 4, 2), present=False
        )
        wave = service.certify(
            kit.COORDINATOR,
            WAVE.id,
            first,
            on=dt.date(2025, 4, 5),
            certificate="ID-123",
            milestone_id="halal",
        )
        participant = wave.participant(first)
        assert participant.present == (dt.date(2025, 4, 1),)
        assert participant.absent == (dt.date(2025, 4, 2),)
        assert participant.certified
        assert wave.certified_count == 1
        milestone = service.get(kit.MENTOR, first).state.milestone("halal")
        assert milestone.status is mk.MilestoneStatus.DONE
        assert milestone.evidence == "certificate ID-123 of wave sertifikasi-halal-2"
        assert mc.fold_wave(service.store.read(mc.wave_stream(WAVE.id))) == wave
        with pytest.raises(mk.TransitionError, match="already certified"):
            service.certify(kit.COORDINATOR, WAVE.id, first)

    def test_milestone_checked_before_anything_is_written(
        self, memory_service: mc.CaseService, kit: Any
    ) -> None:
        case_id = kit.assessed_case(memory_service, kit.Clock())
        memory_service.open_wave(kit.COORDINATOR, WAVE)
        memory_service.enrol(kit.COORDINATOR, WAVE.id, case_id)
        before = memory_service.store.version(mc.wave_stream(WAVE.id))
        with pytest.raises(mk.NotFoundError, match="no milestone 'nope'"):
            memory_service.certify(kit.COORDINATOR, WAVE.id, case_id, milestone_id="nope")
        assert memory_service.store.version(mc.wave_stream(WAVE.id)) == before
        assert not memory_service.wave(kit.COORDINATOR, WAVE.id).participant(case_id).certified

    def test_refusals(self, memory_service: mc.CaseService, kit: Any) -> None:
        mentoring = mk.Programme("p-1", "Pendampingan", mk.ProgrammeKind.MENTORING, WAVE.starts)
        with pytest.raises(mk.TransitionError, match="not a wave"):
            memory_service.open_wave(kit.COORDINATOR, mentoring)
        with pytest.raises(mk.AccessDeniedError):
            memory_service.open_wave(kit.MENTOR, WAVE)
        memory_service.open_wave(kit.COORDINATOR, WAVE)
        with pytest.raises(mk.ConflictError, match="already exists"):
            memory_service.open_wave(kit.COORDINATOR, WAVE)
        with pytest.raises(mk.NotFoundError, match="not enrolled"):
            memory_service.record_attendance(kit.COORDINATOR, WAVE.id, "c-x", WAVE.starts)
        with pytest.raises(mk.NotFoundError, match="no wave"):
            memory_service.wave(kit.COORDINATOR, "nope")
        case_id = kit.assessed_case(memory_service, kit.Clock())
        memory_service.close_case(kit.COORDINATOR, case_id, mc.CaseOutcome.WITHDRAWN, "pindah")
        with pytest.raises(mk.TransitionError, match="is closed"):
            memory_service.enrol(kit.COORDINATOR, WAVE.id, case_id)

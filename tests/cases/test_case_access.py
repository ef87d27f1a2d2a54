"""Access control and personal data: each denial, masking, summaries and logs."""

import logging
from typing import Any

import attrs
import pytest

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.testing.sample import SamplePlugin


@pytest.fixture
def case_id(memory_service: mc.CaseService, kit: Any) -> str:
    return kit.referred_case(memory_service, kit.Clock())


class TestMentors:
    """A mentor acts only on the cases assigned to them."""

    @pytest.mark.parametrize(
        "command",
        [
            lambda s, a, c: s.get(a, c),
            lambda s, a, c: s.record_prospects(a, c, True),
            lambda s, a, c: s.assess(a, c),
            lambda s, a, c: s.record_observations(a, c, []),
            lambda s, a, c: s.add_milestones(a, c, []),
            lambda s, a, c: s.log_session(a, c, mk.Session("s-9", "b-1", "m-budi", s._today(None))),
            lambda s, a, c: s.send_referral(a, c, "capital-1"),
            lambda s, a, c: s.progress(a, c),
            lambda s, a, c: s.recommend_milestones(a, c),
        ],
    )
    def test_other_mentor_is_denied(
        self, memory_service: mc.CaseService, case_id: str, kit: Any, command: Any
    ) -> None:
        before = memory_service.store.version(mc.stream_name(case_id))
        with pytest.raises(mk.AccessDeniedError, match="it is not assigned to them") as caught:
            command(memory_service, kit.OTHER_MENTOR, case_id)
        assert "u-budi" in str(caught.value)
        assert memory_service.store.version(mc.stream_name(case_id)) == before

    def test_own_mentor_may_act(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        outcome = memory_service.record_prospects(kit.MENTOR, case_id, True)
        assert outcome.state.has_prospects is True

    @pytest.mark.parametrize(
        "command",
        [
            lambda s, a, c, k: s.open_case(a, k.business("b-2"), "p-2025"),
            lambda s, a, c, k: s.assign_mentor(a, c, k.mentor("m-budi")),
            lambda s, a, c, k: s.reassign_mentor(a, c, k.mentor("m-budi")),
            lambda s, a, c, k: s.close_case(a, c, mc.CaseOutcome.WITHDRAWN, "pindah"),
            lambda s, a, c, k: s.history(a, c),
            lambda s, a, c, k: s.caseloads(a),
            lambda s, a, c, k: s.cohort_progress(a),
            lambda s, a, c, k: s.propose_mentors(a, []),
        ],
    )
    def test_coordinator_only_commands(
        self, memory_service: mc.CaseService, case_id: str, kit: Any, command: Any
    ) -> None:
        with pytest.raises(mk.AccessDeniedError, match="only a coordinator may"):
            command(memory_service, kit.MENTOR, case_id, kit)

    def test_mentor_lists_only_own_cases(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        memory_service.open_case(kit.COORDINATOR, kit.business("b-2"), "p-2025")
        assert [v.state.case_id for v in memory_service.cases(kit.MENTOR)] == [case_id]
        assert memory_service.cases(kit.OTHER_MENTOR) == []
        assert len(memory_service.cases(kit.COORDINATOR)) == 2


class TestUnitOfficers:
    """A unit officer sees only referrals addressed to their unit, as summaries."""

    def test_cannot_read_cases(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        with pytest.raises(mk.AccessDeniedError, match="unit officers see referrals only"):
            memory_service.get(kit.CAPITAL_OFFICER, case_id)
        with pytest.raises(mk.AccessDeniedError):
            memory_service.cases(kit.CAPITAL_OFFICER)

    def test_cannot_answer_another_units_referral(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        memory_service.send_referral(kit.MENTOR, case_id, "cooperative-2")
        with pytest.raises(mk.AccessDeniedError, match="addressed to unit 'cooperative'"):
            memory_service.accept_referral(kit.CAPITAL_OFFICER, case_id, "cooperative-2")
        accepted = memory_service.accept_referral(kit.COOP_OFFICER, case_id, "cooperative-2")
        assert accepted.state.referral("cooperative-2").status is mc.ReferralStatus.ACCEPTED

    def test_cannot_list_another_units_queue(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        with pytest.raises(mk.AccessDeniedError):
            memory_service.referrals_for_unit(kit.CAPITAL_OFFICER, "cooperative")

    def test_summary_has_no_personal_data(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        memory_service.send_referral(kit.MENTOR, case_id, "capital-1")
        memory_service.send_referral(kit.MENTOR, case_id, "cooperative-2")
        summaries = memory_service.referrals_for_unit(kit.CAPITAL_OFFICER, "capital")
        assert [s.referral_id for s in summaries] == ["capital-1"]
        names = {f.name for f in attrs.fields(mc.ReferralSummary)}
        assert not names & {"nik", "phone", "owner", "business"}
        assert kit.NIK not in repr(summaries)
        assert kit.PHONE not in repr(summaries)
        assert summaries[0].business_name == "Warung Bu Ani"

    def test_unit_officer_needs_a_unit(self) -> None:
        with pytest.raises(mk.InvalidFieldError, match="unit"):
            mc.Actor("u-x", mc.Role.UNIT_OFFICER)
        with pytest.raises(mk.InvalidFieldError, match="mentor_id"):
            mc.Actor("u-x", mc.Role.MENTOR)


class TestMasking:
    """NIK and phone are masked unless the actor may see them and asks."""

    def test_default_view_is_masked_for_everyone(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        for actor in (kit.COORDINATOR, kit.MENTOR):
            view = memory_service.get(actor, case_id)
            assert view.owner_nik == mk.mask_nik(kit.NIK)
            assert view.owner_phone == mk.mask_phone(kit.PHONE)
            assert view.state.business.owner.nik is None
            assert view.state.business.owner.phone is None
            assert kit.NIK not in repr(view)

    def test_coordinator_may_reveal(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        view = memory_service.get(kit.COORDINATOR, case_id, reveal=True)
        assert (view.owner_nik, view.owner_phone) == (kit.NIK, kit.PHONE)

    def test_mentor_may_reveal_the_phone_only(
        self, memory_service: mc.CaseService, case_id: str, kit: Any
    ) -> None:
        view = memory_service.get(kit.MENTOR, case_id, reveal=True)
        assert view.owner_phone == kit.PHONE
        assert view.owner_nik == mk.mask_nik(kit.NIK)

    def test_may_see_policy(self, memory_service: mc.CaseService, case_id: str, kit: Any) -> None:
        state = memory_service._load(case_id)
        assert mc.may_see(kit.COORDINATOR, state, "nik")
        assert not mc.may_see(kit.MENTOR, state, "nik")
        assert not mc.may_see(kit.OTHER_MENTOR, state, "phone")
        assert not mc.may_see(kit.CAPITAL_OFFICER, state, "phone")


class TestLogs:
    """Personal data never reaches the logs, even when a hook fails."""

    def test_no_nik_or_phone_in_logs(self, kit: Any, caplog: pytest.LogCaptureFixture) -> None:
        class Leaky:
            @mk.hookimpl
            def on_referral_sent(self, case_id: str, referral: mk.Referral) -> None:
                raise RuntimeError(f"boom {kit.NIK} {kit.PHONE}")

        leaky = mk.Registry.load(
            plugins=[("leaky", Leaky()), SamplePlugin()],
            entry_points=False,
        )
        service = mc.CaseService(mk.InMemoryEventStore(), leaky, clock=kit.Clock())
        with caplog.at_level(logging.DEBUG, logger="mentorkit"):
            case_id = kit.referred_case(service, kit.Clock())
            sent = service.send_referral(kit.MENTOR, case_id, "capital-1")
            service.get(kit.COORDINATOR, case_id, reveal=True)
        assert [f.plugin for f in sent.failures] == ["leaky"]
        assert sent.failures[0].message == "on_referral_sent() raised RuntimeError"
        assert caplog.records, "the service logs its writes"
        text = "\n".join(r.getMessage() for r in caplog.records)
        assert "referral.sent" in text
        assert kit.NIK not in text
        assert kit.PHONE not in text
        assert kit.NIK not in str(sent.failures)

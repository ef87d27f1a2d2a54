"""User story: a coordinator replays the decisions stored on a case a year later."""

import datetime as dt

import receipts_pack as pack

import mentorkit as mk
from mentorkit import cases as mc

COORDINATOR = mc.Actor("u-coord", mc.Role.COORDINATOR)
MENTOR = mc.Actor("u-sari", mc.Role.MENTOR, mentor_id="m-sari")
DAY = dt.date(2025, 3, 3)


def _clock() -> dt.datetime:
    return dt.datetime(2025, 3, 3, 2, 0, tzinfo=dt.UTC)


class TestCaseDecisionsReplay:
    """Assessments and referrals recorded by case management replay from the case's own record."""

    def test_a_stored_case_replays_after_being_read_back(self) -> None:
        store = mk.InMemoryEventStore()
        service = mc.CaseService(store, pack.registry(), clock=_clock)
        business = mk.Business(
            id="b-1", name="Warung Sari", owner=mk.Person(name="Sari", nik="3674011234560001"),
            sector=mk.Sector.CULINARY, district="Pamulang", founded=dt.date(2020, 1, 1),
            annual_sales=300_000_000, financing_need=20_000_000,
        )  # fmt: skip
        case_id = service.open_case(COORDINATOR, business, "p-2025").state.case_id
        mentor = mk.Mentor(id="m-sari", name="Sari", kind=mk.MentorKind.ACADEMIC)
        service.assign_mentor(COORDINATOR, case_id, mentor)
        service.record_observations(
            MENTOR,
            case_id,
            [
                mk.Observation("b-1", "bookkeeping", "separate-money", True, DAY),
                mk.Observation("b-1", "bookkeeping", "cash-records", 3, DAY),
                mk.Observation("b-1", "bookkeeping", "pricing", "guess", DAY),
            ],
        )
        state = service.assess(MENTOR, case_id).state
        assert state.referrals, "the strong assessment proposes referrals"

        # Later, with the plugins loaded afresh, from what the case's event log recorded:
        recorded = mc.fold(store.read(mc.stream_name(case_id)))
        engine = mk.Engine(pack.registry())
        for entry in recorded.assessments:
            stored = entry.assessment
            again = mk.replay(stored, recorded.business, recorded.observations, engine=engine)
            assert again == stored
        assessments = list(recorded.latest_assessments().values())
        for case_referral in recorded.referrals:
            referral = case_referral.referral
            again = mk.replay(
                referral,
                recorded.business,
                engine=engine,
                facts=recorded.facts(),
                assessments=assessments,
            )
            assert again == referral

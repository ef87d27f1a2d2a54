"""Case events: every kind round-trips through the stored form; old and bad payloads.

Also the fold, event by event, against the two-evolve fold it replaced.
"""

import datetime as dt
from typing import Any, get_args

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit._json import dumps_stdlib
from mentorkit.cases._events import encoded_record
from mentorkit.testing import strategies as mks

AT = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
text = st.none() | mks.names()
ids = mks.identifiers()

outcomes = st.builds(
    mc.ReferralOutcome,
    success=st.booleans(),
    loan_amount=st.none() | st.integers(min_value=0, max_value=500_000_000),
    cooperative_id=st.none() | ids,
    note=text,
)

EVENTS: dict[type[Any], st.SearchStrategy[Any]] = {
    mc.CaseOpened: st.builds(
        mc.CaseOpened,
        case_id=ids,
        business=mks.businesses(),
        programme_id=ids,
        opened_on=mks.dates(),
    ),
    mc.MentorAssigned: st.builds(
        mc.MentorAssigned, mentor_id=ids, assigned_on=mks.dates(), explanation=text
    ),
    mc.MentorReassigned: st.builds(
        mc.MentorReassigned,
        mentor_id=ids,
        previous_mentor_id=ids,
        reassigned_on=mks.dates(),
        reason=text,
    ),
    mc.ObservationRecorded: st.builds(mc.ObservationRecorded, observation=mks.observations()),
    mc.ObservationsRecorded: st.builds(
        mc.ObservationsRecorded,
        observations=st.lists(mks.observations(), min_size=1, max_size=3).map(tuple),
    ),
    mc.AssessmentRecorded: st.builds(
        mc.AssessmentRecorded,
        assessment=mks.assessments(),
        phase=st.sampled_from(mc.AssessmentPhase),
    ),
    mc.ProspectsRecorded: st.builds(
        mc.ProspectsRecorded, has_prospects=st.booleans(), recorded_on=mks.dates(), note=text
    ),
    mc.MentoringStarted: st.builds(mc.MentoringStarted, started_on=mks.dates()),
    mc.MilestoneAdded: st.builds(mc.MilestoneAdded, milestone=mks.milestones()),
    mc.MilestoneCompleted: st.builds(
        mc.MilestoneCompleted, milestone_id=ids, completed_on=mks.dates(), evidence=text
    ),
    mc.MilestoneMissed: st.builds(
        mc.MilestoneMissed, milestone_id=ids, noted_on=mks.dates(), note=text
    ),
    mc.SessionLogged: st.builds(mc.SessionLogged, session=mks.sessions()),
    mc.ReferralProposed: st.builds(mc.ReferralProposed, referral_id=ids, referral=mks.referrals()),
    mc.ReferralSent: st.builds(
        mc.ReferralSent, referral_id=ids, sent_on=mks.dates(), due=mks.dates()
    ),
    mc.ReferralAccepted: st.builds(
        mc.ReferralAccepted, referral_id=ids, accepted_on=mks.dates(), due=mks.dates()
    ),
    mc.ReferralDeclined: st.builds(
        mc.ReferralDeclined, referral_id=ids, declined_on=mks.dates(), reason=mks.names()
    ),
    mc.ReferralCompleted: st.builds(
        mc.ReferralCompleted, referral_id=ids, completed_on=mks.dates(), outcome=outcomes
    ),
    mc.CaseClosed: st.builds(
        mc.CaseClosed,
        outcome=st.sampled_from(mc.CaseOutcome),
        reason=mks.names(),
        closed_on=mks.dates(),
    ),
    mc.WaveOpened: st.builds(mc.WaveOpened, programme=mks.programmes()),
    mc.ParticipantEnrolled: st.builds(
        mc.ParticipantEnrolled, case_id=ids, business_id=ids, enrolled_on=mks.dates()
    ),
    mc.AttendanceRecorded: st.builds(
        mc.AttendanceRecorded, case_id=ids, day=mks.dates(), present=st.booleans()
    ),
    mc.ParticipantCertified: st.builds(
        mc.ParticipantCertified,
        case_id=ids,
        certified_on=mks.dates(),
        certificate=text,
        milestone_id=st.none() | ids,
    ),
}

any_event = st.one_of(*EVENTS.values())


class TestRoundTrip:
    """Every event kind survives the stored form unchanged."""

    def test_every_kind_has_a_strategy(self) -> None:
        assert set(EVENTS) == set(mc.EVENT_CLASSES.values())

    def test_kinds_are_unique_tags(self) -> None:
        assert len({cls.kind for cls in EVENTS}) == len(EVENTS)
        assert all(mc.EVENT_CLASSES[cls.kind] is cls for cls in EVENTS)

    @given(any_event, st.integers(min_value=1, max_value=10_000))
    def test_record_round_trip(self, event: mc.Event, version: int) -> None:
        record = mc.to_record("case/c-1", version, "u-1", AT, event)
        assert record.kind == event.kind
        assert record.data["schema"] == 1
        assert mc.from_record(record) == event

    @given(any_event)
    def test_payload_is_plain_json(self, event: mc.Event) -> None:
        record = mc.to_record("case/c-1", 1, "u-1", AT, event)

        def plain(value: object) -> bool:
            if isinstance(value, dict):
                return all(isinstance(k, str) and plain(v) for k, v in value.items())
            if isinstance(value, list):
                return all(plain(v) for v in value)
            # Enums must have become their plain string values.
            return value is None or type(value) in (str, int, float, bool)

        assert plain(record.data)


class TestSchemas:
    """The payload version lets old events decode after an upgrade."""

    def _record(self, data: dict[str, Any], kind: str = "prospects.recorded") -> mk.EventRecord:
        return mk.EventRecord("case/c-1", 3, kind, "u-1", AT, data)

    def test_payload_without_schema_reads_as_schema_1(self) -> None:
        event = mc.from_record(self._record({"has_prospects": True, "recorded_on": "2025-01-02"}))
        assert event == mc.ProspectsRecorded(True, dt.date(2025, 1, 2))

    def test_newer_schema_is_refused_clearly(self) -> None:
        data = {"has_prospects": True, "recorded_on": "2025-01-02", "schema": 9}
        with pytest.raises(mk.DecodeError, match=r"\$\.schema: schema 9 is newer"):
            mc.from_record(self._record(data))

    def test_upcaster_upgrades_an_old_payload(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # Pretend schema 2 renamed 'note' to 'remark' and back: a release that
        # bumped the schema registers the step from 1 to 2.
        monkeypatch.setattr(mc.ProspectsRecorded, "SCHEMA", 2)

        def upgrade(data: dict[str, Any]) -> dict[str, Any]:
            data = dict(data)
            data["note"] = data.pop("remark", None)
            return data

        monkeypatch.setitem(mc.UPCASTERS, ("prospects.recorded", 1), upgrade)
        old = {"has_prospects": False, "recorded_on": "2024-05-01", "remark": "stok habis"}
        event = mc.from_record(self._record({**old, "schema": 1}))
        assert isinstance(event, mc.ProspectsRecorded)
        assert event.note == "stok habis"
        assert event.schema == 2

    def test_missing_upcaster_is_reported(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(mc.ProspectsRecorded, "SCHEMA", 2)
        data = {"has_prospects": False, "recorded_on": "2024-05-01", "schema": 1}
        with pytest.raises(mk.DecodeError, match="no upgrade from schema 1"):
            mc.from_record(self._record(data))


class TestBadPayloads:
    """A bad stored payload names the event and the field path, never the value."""

    def test_unknown_kind(self) -> None:
        record = mk.EventRecord("case/c-1", 2, "case.teleported", "u-1", AT, {})
        with pytest.raises(mk.DecodeError, match=r"case/c-1@2 .*\$\.kind: unknown event kind"):
            mc.from_record(record)

    def test_bad_nik_is_named_by_path_not_echoed(self) -> None:
        bad_nik = "36740112345600XY"
        data = {
            "case_id": "c-1",
            "programme_id": "p-1",
            "opened_on": "2025-01-01",
            "business": {
                "id": "b-1",
                "name": "Toko",
                "owner": {"name": "Ani", "nik": bad_nik},
                "sector": "trade",
                "district": "Setu",
            },
        }
        record = mk.EventRecord("case/c-1", 1, "case.opened", "u-1", AT, data)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(record)
        assert "$.business.owner.nik" in str(caught.value)
        assert bad_nik not in str(caught.value)

    def test_strict_types(self) -> None:
        data = {"has_prospects": "false", "recorded_on": "2025-01-02"}
        record = mk.EventRecord("case/c-1", 2, "prospects.recorded", "u-1", AT, data)
        with pytest.raises(mk.DecodeError, match=r"\$\.has_prospects: expected true or false"):
            mc.from_record(record)

    def test_negative_loan_is_rejected(self) -> None:
        with pytest.raises(mk.InvalidFieldError, match="loan_amount"):
            mc.ReferralOutcome(success=True, loan_amount=-1)


class TestObservationEvents:
    """A visit's answers are one event; logs with one event per answer still fold the same."""

    @given(mks.businesses(), st.lists(mks.observations(), min_size=1, max_size=6), st.data())
    def test_one_event_folds_like_one_per_answer(
        self, business: mk.Business, given_obs: list[mk.Observation], data: st.DataObject
    ) -> None:
        answers = tuple(attrs.evolve(o, business_id=business.id) for o in given_obs)
        opened = mc.CaseOpened("c-1", business, "p-1", dt.date(2025, 1, 1))

        def records(events: list[Any]) -> list[mk.EventRecord]:
            return [mc.to_record("case/c-1", n, "u", AT, e) for n, e in enumerate(events, 1)]

        old = mc.fold(records([opened, *(mc.ObservationRecorded(o) for o in answers)]))
        new = mc.fold(records([opened, mc.ObservationsRecorded(answers)]))
        assert old is not None
        assert new is not None
        assert new.observations == old.observations == answers
        # Old and new kinds mixed in one log, as after an upgrade.
        split = data.draw(st.integers(min_value=1, max_value=len(answers)))
        mixed = mc.fold(
            records(
                [
                    opened,
                    *(mc.ObservationRecorded(o) for o in answers[:split]),
                    *([mc.ObservationsRecorded(answers[split:])] if answers[split:] else []),
                ]
            )
        )
        assert mixed is not None
        assert mixed.observations == answers

    def test_empty_is_refused(self) -> None:
        with pytest.raises(mk.InvalidFieldError, match="observations"):
            mc.ObservationsRecorded(())

    def test_another_business_is_refused(self) -> None:
        business = mk.Business(
            id="b-1",
            name="Warung",
            owner=mk.Person(name="Ani"),
            sector=mk.Sector.CULINARY,
            district="Setu",
        )
        state = mc.fold(
            [mc.to_record("case/c-1", 1, "u", AT, mc.CaseOpened("c-1", business, "p-1", AT.date()))]
        )
        assert state is not None
        stray = mk.Observation("b-2", "r", "c", True, AT.date())
        with pytest.raises(mk.TransitionError, match="another business"):
            mc.check(state, mc.ObservationsRecorded((stray,)))

    @given(st.lists(mks.observations(), min_size=1, max_size=4), st.data())
    def test_a_damaged_payload_is_named_by_field_path(
        self, answers: list[mk.Observation], data: st.DataObject
    ) -> None:
        record = mc.to_record("case/c-1", 3, "u", AT, mc.ObservationsRecorded(tuple(answers)))
        assert mc.from_record(record) == mc.ObservationsRecorded(tuple(answers))
        broken = data.draw(st.integers(min_value=0, max_value=len(answers) - 1))
        field_name, bad = data.draw(
            st.sampled_from(
                [("value", 1.5), ("value", None), ("observed_on", "31/01/2025"), ("rubric_id", "")]
            )
        )
        payload = {**record.data, "observations": [dict(o) for o in record.data["observations"]]}
        payload["observations"][broken][field_name] = bad
        damaged = mk.EventRecord(record.stream, record.version, record.kind, "u", AT, payload)
        with pytest.raises(mk.DecodeError) as caught:
            mc.from_record(damaged)
        assert "event case/c-1@3 (observations.recorded)" in str(caught.value)
        assert f"$.observations[{broken}].{field_name}" in str(caught.value)


class TestEncodedRecords:
    """What the service hands an SQL store: the record of to_record and its payload's text."""

    @given(any_event, st.integers(min_value=1, max_value=10_000))
    def test_encoded_record_is_to_record_with_the_stored_text(
        self, event: mc.Event, version: int
    ) -> None:
        record, text = encoded_record("case/c-1", version, "u-1", AT, event)
        assert record == mc.to_record("case/c-1", version, "u-1", AT, event)
        # Exactly what the SQL store wrote for the record before it was handed the text.
        assert text == dumps_stdlib(dict(record.data))


# --------------------------------------------------------------------------- fold, step by step

_CASE_KINDS = set(get_args(mc.CaseEvent))
_REFERRAL_IDS = st.sampled_from(["r-1", "r-2"])  # few ids, so later events find them
_MILESTONE_IDS = st.sampled_from(["ms-1", "ms-2"])
_STEP_EVENTS: dict[type[Any], st.SearchStrategy[Any]] = {
    **{cls: strategy for cls, strategy in EVENTS.items() if cls in _CASE_KINDS},
    mc.MilestoneAdded: st.builds(
        mc.MilestoneAdded,
        milestone=st.builds(attrs.evolve, mks.milestones(), id=_MILESTONE_IDS),
    ),
    mc.MilestoneCompleted: st.builds(
        mc.MilestoneCompleted, milestone_id=_MILESTONE_IDS, completed_on=mks.dates(), evidence=text
    ),
    mc.MilestoneMissed: st.builds(
        mc.MilestoneMissed, milestone_id=_MILESTONE_IDS, noted_on=mks.dates(), note=text
    ),
    mc.ReferralProposed: st.builds(
        mc.ReferralProposed, referral_id=_REFERRAL_IDS, referral=mks.referrals()
    ),
    mc.ReferralSent: st.builds(
        mc.ReferralSent, referral_id=_REFERRAL_IDS, sent_on=mks.dates(), due=mks.dates()
    ),
    mc.ReferralAccepted: st.builds(
        mc.ReferralAccepted, referral_id=_REFERRAL_IDS, accepted_on=mks.dates(), due=mks.dates()
    ),
    mc.ReferralDeclined: st.builds(
        mc.ReferralDeclined,
        referral_id=_REFERRAL_IDS,
        declined_on=mks.dates(),
        reason=mks.names(),
    ),
    mc.ReferralCompleted: st.builds(
        mc.ReferralCompleted, referral_id=_REFERRAL_IDS, completed_on=mks.dates(), outcome=outcomes
    ),
}
_ENDS = {
    mc.CaseOutcome.GRADUATED: mc.CaseStatus.GRADUATED,
    mc.CaseOutcome.REFERRED_ON: mc.CaseStatus.REFERRED_ON,
    mc.CaseOutcome.WITHDRAWN: mc.CaseStatus.WITHDRAWN,
    mc.CaseOutcome.CLOSED: mc.CaseStatus.CLOSED,
}


def _two_evolves(state: mc.CaseState, event: Any, version: int, at: dt.datetime) -> mc.CaseState:
    """The fold as it was written before one evolve per event (the reference).

    First the stamp (version, time), then the event's own change, each by
    ``attrs.evolve``.
    """
    state = attrs.evolve(state, version=version, updated_at=at)

    def each(items: tuple[Any, ...], ident: str, **changes: Any) -> tuple[Any, ...]:
        return tuple(attrs.evolve(i, **changes) if i.id == ident else i for i in items)

    if isinstance(event, mc.MentorAssigned | mc.MentorReassigned):
        return attrs.evolve(
            state, mentor_id=event.mentor_id, mentors=(*state.mentors, event.mentor_id)
        )
    if isinstance(event, mc.ObservationsRecorded):
        return attrs.evolve(state, observations=(*state.observations, *event.observations))
    if isinstance(event, mc.ObservationRecorded):
        return attrs.evolve(state, observations=(*state.observations, event.observation))
    if isinstance(event, mc.AssessmentRecorded):
        status = state.status
        if (
            status is mc.CaseStatus.INTAKE
            and event.assessment.status is mk.AssessmentStatus.COMPLETE
        ):
            status = mc.CaseStatus.ASSESSED
        recorded = mc.RecordedAssessment(event.assessment, event.phase)
        return attrs.evolve(state, assessments=(*state.assessments, recorded), status=status)
    if isinstance(event, mc.ProspectsRecorded):
        return attrs.evolve(state, has_prospects=event.has_prospects)
    if isinstance(event, mc.MentoringStarted):
        return attrs.evolve(state, status=mc.CaseStatus.MENTORING)
    if isinstance(event, mc.MilestoneAdded):
        return attrs.evolve(state, milestones=(*state.milestones, event.milestone))
    if isinstance(event, mc.MilestoneCompleted):
        done = mk.MilestoneStatus.DONE
        milestones = each(
            state.milestones,
            event.milestone_id,
            status=done,
            completed_on=event.completed_on,
            evidence=event.evidence,
        )
        return attrs.evolve(state, milestones=milestones)
    if isinstance(event, mc.MilestoneMissed):
        missed = mk.MilestoneStatus.MISSED
        return attrs.evolve(
            state, milestones=each(state.milestones, event.milestone_id, status=missed)
        )
    if isinstance(event, mc.SessionLogged):
        return attrs.evolve(state, sessions=(*state.sessions, event.session))
    if isinstance(event, mc.ReferralProposed):
        added = mc.CaseReferral(id=event.referral_id, referral=event.referral)
        return attrs.evolve(state, referrals=(*state.referrals, added))
    changes: dict[str, Any]
    if isinstance(event, mc.ReferralSent):
        changes = {"status": mc.ReferralStatus.SENT, "sent_on": event.sent_on, "due": event.due}
    elif isinstance(event, mc.ReferralAccepted):
        changes = {
            "status": mc.ReferralStatus.ACCEPTED,
            "answered_on": event.accepted_on,
            "due": event.due,
        }
    elif isinstance(event, mc.ReferralDeclined):
        changes = {
            "status": mc.ReferralStatus.DECLINED,
            "answered_on": event.declined_on,
            "decline_reason": event.reason,
        }
    elif isinstance(event, mc.ReferralCompleted):
        changes = {
            "status": mc.ReferralStatus.COMPLETED,
            "completed_on": event.completed_on,
            "outcome": event.outcome,
        }
    else:
        assert isinstance(event, mc.CaseClosed)
        live = (mc.ReferralStatus.PROPOSED, mc.ReferralStatus.SENT, mc.ReferralStatus.ACCEPTED)
        referrals = tuple(
            attrs.evolve(r, status=mc.ReferralStatus.CANCELLED) if r.status in live else r
            for r in state.referrals
        )
        return attrs.evolve(
            state,
            status=_ENDS[event.outcome],
            outcome=event.outcome,
            close_reason=event.reason,
            closed_on=event.closed_on,
            referrals=referrals,
        )
    return attrs.evolve(state, referrals=each(state.referrals, event.referral_id, **changes))


class TestFoldStepByStep:
    """apply() gives, event by event, the states of the two-evolve fold it replaced."""

    def test_every_case_event_kind_has_a_strategy(self) -> None:
        assert set(_STEP_EVENTS) - {mc.CaseOpened} == _CASE_KINDS - {mc.CaseOpened}

    @given(
        EVENTS[mc.CaseOpened],
        # Both referrals proposed and both milestones planned first, so that the events
        # naming them (sent, accepted, completed, missed...) find them.
        st.tuples(
            *(st.builds(mc.ReferralProposed, st.just(i), mks.referrals()) for i in ("r-1", "r-2")),
            *(
                st.builds(
                    mc.MilestoneAdded,
                    st.builds(
                        attrs.evolve,
                        mks.milestones(),
                        id=st.just(i),
                        status=st.just(mk.MilestoneStatus.PLANNED),
                        completed_on=st.none(),
                    ),
                )
                for i in ("ms-1", "ms-2")
            ),
        ),
        st.lists(
            st.tuples(
                st.one_of(*(s for cls, s in _STEP_EVENTS.items() if cls is not mc.CaseOpened)),
                st.datetimes(timezones=st.just(dt.UTC)),
            ),
            max_size=8,
        ),
    )
    def test_each_state_is_the_reference_state(
        self,
        opened: mc.CaseOpened,
        first: tuple[Any, ...],
        later: list[tuple[Any, dt.datetime]],
    ) -> None:
        state = mc.apply(None, opened, 1, AT)
        reference = state
        records = [mc.to_record("case/c-1", 1, "u", AT, opened)]
        steps = [*((e, AT) for e in first), *later]
        for version, (event, at) in enumerate(steps, start=2):
            # Unchecked events (check() is not run): one may make an invalid milestone
            # (missed after done); then both folds refuse it alike.
            try:
                reference = _two_evolves(reference, event, version, at)
            except mk.InvalidFieldError as refused:
                with pytest.raises(mk.InvalidFieldError, match=str(refused)):
                    mc.apply(state, event, version, at)
                break
            state = mc.apply(state, event, version, at)
            assert state == reference
            assert (state.version, state.updated_at) == (version, at)
            records.append(mc.to_record("case/c-1", version, "u", at, event))
        # And the fold of the stored records reaches the same state.
        assert mc.fold(records) == state

    @given(
        EVENTS[mc.CaseOpened],
        EVENTS[mc.CaseOpened],
        st.lists(
            st.one_of(
                EVENTS[mc.ProspectsRecorded],
                EVENTS[mc.MentorAssigned],
                EVENTS[mc.ObservationsRecorded],
                EVENTS[mc.AssessmentRecorded],
            ),
            max_size=4,
        ),
        st.lists(
            st.one_of(
                EVENTS[mc.ProspectsRecorded],
                EVENTS[mc.SessionLogged],
                EVENTS[mc.ObservationsRecorded],
            ),
            max_size=3,
        ),
    )
    def test_a_second_opening_starts_over_in_both_folds(
        self, first: mc.CaseOpened, again: mc.CaseOpened, before: list[Any], after: list[Any]
    ) -> None:
        # check() refuses a second opening; a fold of such a log (written by hand) still
        # agrees with apply(): the state starts over from the second opening.
        events = [first, *before, again, *after]
        state = None
        records = []
        for version, event in enumerate(events, start=1):
            at = AT + dt.timedelta(minutes=version)
            state = mc.apply(state, event, version, at)
            records.append(mc.to_record("case/c-1", version, "u", at, event))
        assert mc.fold(records) == state
        assert state is not None
        assert state.case_id == again.case_id
        lean = attrs.evolve(state, observations=())
        assert mc.fold(records, observations=False) == lean

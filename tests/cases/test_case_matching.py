"""Mentor matching: never over capacity, same choice as a brute-force oracle, explained."""

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import mentorkit as mk
from mentorkit import cases as mc
from mentorkit.testing import strategies as mks
from mentorkit.testing.sample import SAMPLE_RUBRIC

DISTRICTS = ("Setu", "Pamulang", "Serpong")
TAGS = ("accounting", "marketing", "licensing", "finance")

mentor_lists = st.lists(
    st.builds(
        mk.Mentor,
        id=mks.identifiers("m-"),
        name=mks.names(),
        kind=st.sampled_from(mk.MentorKind),
        expertise=st.lists(st.sampled_from(TAGS), unique=True, max_size=3).map(tuple),
        districts=st.lists(st.sampled_from(DISTRICTS), unique=True, max_size=2).map(tuple),
        capacity=st.integers(min_value=1, max_value=4),
    ),
    unique_by=lambda m: m.id,
    max_size=8,
)
request_lists = st.lists(
    st.builds(
        mc.MatchRequest,
        case_id=mks.identifiers("c-"),
        business_id=mks.identifiers("b-"),
        district=st.sampled_from(DISTRICTS),
        needs=st.lists(st.sampled_from(TAGS), unique=True, max_size=2).map(tuple),
        rubric_id=st.just("sample-bookkeeping"),
    ),
    max_size=30,
)


def loads_for(mentors: Sequence[mk.Mentor]) -> st.SearchStrategy[dict[str, int]]:
    return st.fixed_dictionaries(
        {m.id: st.integers(min_value=0, max_value=m.capacity + 1) for m in mentors}
    )


def oracle(
    requests: Sequence[mc.MatchRequest], mentors: Sequence[mk.Mentor], load: dict[str, int]
) -> list[tuple[str | None, str | None]]:
    """The rule in words, checked pair by pair: O(cases x mentors), for small inputs."""
    free = {m.id: m.capacity - load.get(m.id, 0) for m in mentors}
    out: list[tuple[str | None, str | None]] = []
    for request in requests:
        choice: tuple[str | None, str | None] = (None, None)
        wanted: list[str | None] = [*request.needs, None]
        for need in wanted:
            fits = [
                m
                for m in mentors
                if request.district in m.districts
                and (need is None or need in m.expertise)
                and free[m.id] > 0
            ]
            if fits:
                best = min(fits, key=lambda m: (-free[m.id], m.id))
                choice = (best.id, need)
                free[best.id] -= 1
                break
        out.append(choice)
    return out


class TestMatchingProperties:
    """Properties of :func:`match` on generated cohorts."""

    @given(st.data(), mentor_lists, request_lists)
    def test_agrees_with_the_brute_force_oracle(
        self, data: st.DataObject, mentors: list[mk.Mentor], requests: list[mc.MatchRequest]
    ) -> None:
        load = data.draw(loads_for(mentors))
        proposals = mc.match(requests, mentors, load=load)
        assert [(p.mentor_id, p.expertise) for p in proposals] == oracle(requests, mentors, load)

    @given(st.data(), mentor_lists, request_lists)
    def test_never_over_capacity(
        self, data: st.DataObject, mentors: list[mk.Mentor], requests: list[mc.MatchRequest]
    ) -> None:
        load = data.draw(loads_for(mentors))
        proposals = mc.match(requests, mentors, load=load)
        given_out: dict[str, int] = {}
        for proposal in proposals:
            if proposal.mentor_id is not None:
                given_out[proposal.mentor_id] = given_out.get(proposal.mentor_id, 0) + 1
        for m in mentors:
            assert given_out.get(m.id, 0) <= max(m.capacity - load[m.id], 0)

    @given(mentor_lists, request_lists)
    def test_each_proposal_fits_and_says_why(
        self, mentors: list[mk.Mentor], requests: list[mc.MatchRequest]
    ) -> None:
        by_id = {m.id: m for m in mentors}
        proposals = mc.match(requests, mentors)
        assert [p.case_id for p in proposals] == [r.case_id for r in requests]
        for request, proposal in zip(requests, proposals, strict=True):
            assert proposal.district in proposal.explanation.en
            if proposal.mentor_id is None:
                assert "No mentor" in proposal.explanation.en
                continue
            chosen = by_id[proposal.mentor_id]
            assert request.district in chosen.districts
            assert proposal.mentor_id in proposal.explanation.en
            assert f"{proposal.capacity_left} of {chosen.capacity}" in proposal.explanation.en
            if proposal.expertise is not None:
                assert proposal.expertise in chosen.expertise
                assert proposal.expertise in request.needs
                assert f"'{proposal.expertise}'" in proposal.explanation.id

    @given(mentor_lists, request_lists, st.randoms(use_true_random=False))
    def test_mentor_order_does_not_matter(
        self, mentors: list[mk.Mentor], requests: list[mc.MatchRequest], rnd: Any
    ) -> None:
        shuffled = list(mentors)
        rnd.shuffle(shuffled)
        assert mc.match(requests, shuffled) == mc.match(requests, mentors)


class TestMatchingExamples:
    """Worked examples of the matching rule."""

    def mentor(self, mentor_id: str, tags: tuple[str, ...], capacity: int) -> mk.Mentor:
        return mk.Mentor(
            mentor_id, mentor_id, mk.MentorKind.PRACTITIONER, expertise=tags,
            districts=("Setu",), capacity=capacity,
        )  # fmt: skip

    def test_expertise_first_then_most_free_places(self) -> None:
        mentors = [
            self.mentor("m-a", ("marketing",), 9),
            self.mentor("m-b", ("accounting",), 2),
            self.mentor("m-c", ("accounting",), 3),
        ]
        requests = [
            mc.MatchRequest(f"c-{i}", f"b-{i}", "Setu", ("accounting",), "sample-bookkeeping")
            for i in range(6)
        ]
        chosen = [p.mentor_id for p in mc.match(requests, mentors)]
        # m-c (3 free) first, then tie 2-2 goes to the smaller id m-b, and so on until
        # the accountants are full; the sixth case falls back to m-a on district alone.
        assert chosen == ["m-c", "m-b", "m-c", "m-b", "m-c", "m-a"]
        last = mc.match(requests, mentors)[-1]
        assert last.expertise is None
        assert "No mentor in Setu with accounting has a free place" in last.explanation.en

    def test_nobody_in_the_district(self) -> None:
        proposal = mc.match(
            [mc.MatchRequest("c-1", "b-1", "Pamulang")], [self.mentor("m-a", (), 5)]
        )[0]
        assert proposal.mentor_id is None
        assert proposal.explanation.id.startswith("Tidak ada pendamping di Pamulang")

    def test_load_counts_against_capacity(self) -> None:
        mentors = [self.mentor("m-a", (), 2)]
        requests = [mc.MatchRequest("c-1", "b-1", "Setu")]
        assert mc.match(requests, mentors, load={"m-a": 2})[0].mentor_id is None
        assert mc.match(requests, mentors, load={"m-a": 1})[0].capacity_left == 0


class TestExpertiseNeeded:
    """The needs come from the unmet criteria of the weakest complete rubric."""

    def assessment(self, rubric_id: str, score: float, unmet: dict[str, float]) -> mk.Assessment:
        results = tuple(
            mk.CriterionResult(cid, weight, mk.AnswerSource.OBSERVED, score=0.0)
            for cid, weight in unmet.items()
        )
        return mk.Assessment(
            business_id="b-1",
            rubric_id=rubric_id,
            rubric_version="1.0",
            assessed_on=dt.date(2025, 1, 1),
            status=mk.AssessmentStatus.COMPLETE,
            score=score,
            level="beginner",
            criteria=results,
        )

    def test_ranked_by_unmet_weight(self) -> None:
        weak = self.assessment(
            "sample-bookkeeping", 20.0, {"pricing": 1.0, "separate-money": 3.0, "has-nib": 1.0}
        )
        rubric_id, needs = mc.expertise_needed([weak], {SAMPLE_RUBRIC.id: SAMPLE_RUBRIC})
        assert rubric_id == "sample-bookkeeping"
        # accounting (3) before finance (1) and licensing (1), the latter two by name.
        assert needs == ("accounting", "finance", "licensing")

    def test_weakest_rubric_wins(self) -> None:
        strong = self.assessment("other", 90.0, {})
        weak = self.assessment("sample-bookkeeping", 10.0, {"pricing": 1.0})
        rubrics = {SAMPLE_RUBRIC.id: SAMPLE_RUBRIC}
        assert mc.expertise_needed([strong, weak], rubrics) == ("sample-bookkeeping", ("finance",))

    def test_no_complete_assessment_means_no_needs(self) -> None:
        assert mc.expertise_needed([], {}) == (None, ())


class TestProposeThroughTheService:
    """The service proposes for unassigned open cases and applies the proposals."""

    def test_propose_and_assign(self, service: mc.CaseService, kit: Any) -> None:
        for i in range(3):
            service.open_case(kit.COORDINATOR, kit.business(f"b-{i}"), "p-2025")
        mentors = [kit.mentor("m-sari", capacity=2), kit.mentor("m-budi", capacity=1)]
        proposals = service.propose_mentors(kit.COORDINATOR, mentors)
        assert [p.mentor_id for p in proposals] == ["m-sari", "m-budi", "m-sari"]
        done = service.assign_proposals(kit.COORDINATOR, proposals, mentors)
        assert [o.state.mentor_id for o in done] == ["m-sari", "m-budi", "m-sari"]
        assert service.caseloads(kit.COORDINATOR) == {"m-sari": 2, "m-budi": 1}
        explained = [
            r for r in service.history(kit.COORDINATOR, "p-2025:b-0") if r.kind == "mentor.assigned"
        ]
        assert "covers Setu" in explained[0].data["explanation"]
        # Nobody is left with capacity: a fourth case is proposed no mentor, and a
        # direct assignment beyond capacity is refused.
        service.open_case(kit.COORDINATOR, kit.business("b-3"), "p-2025")
        assert service.propose_mentors(kit.COORDINATOR, mentors)[0].mentor_id is None
        with pytest.raises(mk.TransitionError, match="at capacity"):
            service.assign_mentor(kit.COORDINATOR, "p-2025:b-3", mentors[1])

"""Mentor matching: propose a mentor per case by expertise, district and capacity.

Mentors are indexed once by ``(district, expertise)`` and by district
alone; each index is a heap ordered by remaining capacity (most free first,
then mentor id), updated lazily: an entry whose capacity has changed is
corrected when it reaches the top. Each case then costs a few heap
operations, so 90,000 businesses and 2,000 mentors match in about a second,
with no loop over every pair.

The result is deterministic (cases in the order given, ties broken by
mentor id) and never puts a mentor over capacity. Each proposal says why.
"""

import heapq
from collections.abc import Iterable, Mapping, Sequence

from attrs import frozen

from .._declarations import Rubric
from .._model import Assessment, AssessmentStatus, Label, Mentor

__all__ = ["MatchRequest", "Proposal", "expertise_needed", "match"]


@frozen
class MatchRequest:
    """A case waiting for a mentor.

    ``needs`` lists the expertise tags wanted, most needed first;
    ``rubric_id`` is the weakest rubric they come from (None before any
    complete assessment).
    """

    case_id: str
    business_id: str
    district: str
    needs: tuple[str, ...] = ()
    rubric_id: str | None = None


@frozen
class Proposal:
    """A proposed assignment (usulan pendamping) and its explanation.

    ``mentor_id`` is None when no mentor covering the district has a free
    place. ``expertise`` is the need the mentor meets (None when matched on
    district only) among the case's ``needs``; ``capacity_left`` is the
    mentor's free places after this case, out of ``capacity``.
    """

    case_id: str
    business_id: str
    district: str
    mentor_id: str | None
    expertise: str | None
    rubric_id: str | None
    capacity_left: int
    capacity: int
    needs: tuple[str, ...] = ()

    @property
    def explanation(self) -> Label:
        """Why this mentor (or why none), in English and Indonesian."""
        return _explain(self)


def expertise_needed(
    assessments: Iterable[Assessment], rubrics: Mapping[str, Rubric]
) -> tuple[str | None, tuple[str, ...]]:
    """The weakest rubric and the expertise its unmet criteria need.

    The weakest rubric is the complete assessment with the lowest score
    (ties: smallest rubric id). Its unmet criteria's ``expertise`` tags are
    ranked by their total weight (ties: name).
    """
    complete = [
        a for a in assessments if a.status is AssessmentStatus.COMPLETE and a.score is not None
    ]
    if not complete:
        return None, ()
    weakest = min(complete, key=lambda a: (a.score, a.rubric_id))
    rubric = rubrics.get(weakest.rubric_id)
    if rubric is None:
        return weakest.rubric_id, ()
    weights: dict[str, float] = {}
    index = {c.id: c for c in rubric.criteria}
    for result in weakest.unmet:
        criterion = index.get(result.criterion_id)
        if criterion is not None and criterion.expertise:
            weights[criterion.expertise] = weights.get(criterion.expertise, 0.0) + result.weight
    ranked = sorted(weights, key=lambda tag: (-weights[tag], tag))
    return weakest.rubric_id, tuple(ranked)


def _explain(proposal: "Proposal") -> Label:
    district, mentor, need = proposal.district, proposal.mentor_id, proposal.expertise
    left, capacity = proposal.capacity_left, proposal.capacity
    if mentor is None:
        return Label(
            en=f"No mentor covering {district} has a free place.",
            id=f"Tidak ada pendamping di {district} yang masih punya tempat.",
        )
    places_en = f"{left} of {capacity} places left after this case"
    places_id = f"sisa {left} dari {capacity} tempat setelah kasus ini"
    if need is not None:
        return Label(
            en=f"{mentor} covers {district} and has the '{need}' expertise that the weakest "
            f"rubric '{proposal.rubric_id}' needs; {places_en}.",
            id=f"{mentor} melayani {district} dan ahli '{need}' yang dibutuhkan rubrik "
            f"terlemah '{proposal.rubric_id}'; {places_id}.",
        )
    if proposal.needs:
        wanted = ", ".join(proposal.needs)
        return Label(
            en=f"No mentor in {district} with {wanted} has a free place; {mentor} covers "
            f"{district}; {places_en}.",
            id=f"Tidak ada pendamping ahli {wanted} di {district} yang masih punya tempat; "
            f"{mentor} melayani {district}; {places_id}.",
        )
    return Label(
        en=f"{mentor} covers {district}; {places_en} (no complete assessment yet, so no "
        "expertise was asked for).",
        id=f"{mentor} melayani {district}; {places_id} (belum ada penilaian lengkap, jadi "
        "belum ada keahlian yang dicari).",
    )


def match(
    requests: Sequence[MatchRequest],
    mentors: Sequence[Mentor],
    *,
    load: Mapping[str, int] | None = None,
) -> list[Proposal]:
    """Propose one mentor per request, in order; never beyond a mentor's capacity.

    ``load`` gives the cases each mentor already has (their free places are
    ``capacity - load``). For each case the mentor covering its district
    with the first needed expertise and the most free places is chosen
    (ties: smallest mentor id); failing any needed expertise, any mentor
    covering the district. A case no mentor can take gets a proposal with
    ``mentor_id`` None that says so.
    """
    load = load or {}
    capacity = {m.id: m.capacity for m in mentors}
    remaining = {m.id: m.capacity - load.get(m.id, 0) for m in mentors}
    pools: dict[tuple[str, str | None], list[tuple[int, str]]] = {}
    for mentor in mentors:
        free = remaining[mentor.id]
        if free <= 0:
            continue
        entry = (-free, mentor.id)
        for district in mentor.districts:
            pools.setdefault((district, None), []).append(entry)
            for tag in mentor.expertise:
                pools.setdefault((district, tag), []).append(entry)
    for heap in pools.values():
        heapq.heapify(heap)

    def take(key: tuple[str, str | None]) -> str | None:
        heap = pools.get(key)
        while heap:
            stored, mentor_id = heap[0]
            free = remaining[mentor_id]
            if free <= 0:
                heapq.heappop(heap)
            elif -stored != free:
                heapq.heapreplace(heap, (-free, mentor_id))
            else:
                return mentor_id
        return None

    proposals = []
    for request in requests:
        chosen: str | None = None
        met: str | None = None
        for need in request.needs:
            chosen = take((request.district, need))
            if chosen is not None:
                met = need
                break
        if chosen is None:
            chosen = take((request.district, None))
        left = cap = 0
        if chosen is not None:
            remaining[chosen] -= 1
            left, cap = remaining[chosen], capacity[chosen]
        proposals.append(
            Proposal(
                case_id=request.case_id,
                business_id=request.business_id,
                district=request.district,
                mentor_id=chosen,
                expertise=met,
                rubric_id=request.rubric_id,
                capacity_left=left,
                capacity=cap,
                needs=request.needs,
            )
        )
    return proposals

"""Mentor-matching benchmark: a Tangsel cohort (400 x 40) and a city-wide run (90,000 x 2,000).

Run with ``python benchmarks/bench_matching.py``; it prints the time each
size takes and how many cases got a mentor. Not run by the tests.
Deterministic for a given seed.
"""

from __future__ import annotations

import random
import sys
import time

import mentorkit as mk
from mentorkit.cases import MatchRequest, match

DISTRICTS = (
    "Ciputat",
    "Ciputat Timur",
    "Pamulang",
    "Pondok Aren",
    "Serpong",
    "Serpong Utara",
    "Setu",
)
TAGS = ("accounting", "marketing", "licensing", "production", "finance", "packaging")


def cohort(
    businesses: int, mentors: int, seed: int = 7
) -> tuple[list[MatchRequest], list[mk.Mentor]]:
    """Requests and mentors with enough total capacity for about every case."""
    rnd = random.Random(seed)
    capacity = max(1, -(-businesses * 11 // 10 // mentors))  # 10% spare places
    people = [
        mk.Mentor(
            id=f"m-{i:05d}",
            name=f"Mentor {i}",
            kind=mk.MentorKind.PRACTITIONER if i % 3 else mk.MentorKind.ACADEMIC,
            expertise=tuple(rnd.sample(TAGS, rnd.randint(1, 3))),
            districts=tuple(rnd.sample(DISTRICTS, rnd.randint(1, 2))),
            capacity=capacity,
        )
        for i in range(mentors)
    ]
    requests = [
        MatchRequest(
            case_id=f"p-2025:b-{i:06d}",
            business_id=f"b-{i:06d}",
            district=rnd.choice(DISTRICTS),
            needs=tuple(rnd.sample(TAGS, rnd.randint(0, 2))),
            rubric_id="accounting",
        )
        for i in range(businesses)
    ]
    return requests, people


def run(businesses: int, mentors: int) -> None:
    requests, people = cohort(businesses, mentors)
    started = time.perf_counter()
    proposals = match(requests, people)
    took = time.perf_counter() - started
    matched = sum(1 for p in proposals if p.mentor_id is not None)
    on_need = sum(1 for p in proposals if p.expertise is not None)
    print(
        f"{businesses:>7,} businesses x {mentors:>5,} mentors: {took:7.3f} s, "
        f"{matched:,} matched ({on_need:,} on a needed expertise)"
    )


def main() -> None:
    print(f"Python {sys.version.split()[0]}")
    run(400, 40)
    run(90_000, 2_000)


if __name__ == "__main__":
    main()

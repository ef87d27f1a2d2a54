"""Deterministic batch input for the batch tests (sample plugin's rubric)."""

import datetime as dt
import json
import random
from collections.abc import Iterator
from pathlib import Path

from mentorkit.batch import PluginSpec

ON = dt.date(2025, 6, 30)
SPEC = PluginSpec(plugins=("mentorkit.testing.sample:SamplePlugin",), entry_points=False)
RUBRIC = "sample-bookkeeping"


def records(count: int, seed: int = 1, start: int = 0) -> Iterator[dict[str, object]]:
    """``count`` JSON-ready batch records; the same for the same arguments."""
    rnd = random.Random(seed * 7919 + start)
    for number in range(start, start + count):
        bid = f"B-{number:06d}"
        business: dict[str, object] = {
            "id": bid,
            "name": f"Usaha {number}",
            "owner": {"name": f"Pemilik {number}"},
            "sector": rnd.choice(["culinary", "craft", "trade"]),
            "district": rnd.choice(["Ciputat", "Pamulang", "Setu"]),
            "founded": f"20{rnd.randint(15, 24)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
            "financing_need": rnd.choice([0, 10_000_000, 50_000_000]),
        }
        if rnd.random() < 0.5:
            business["nib"] = "1234567890123"
        observations = [
            {
                "business_id": bid,
                "rubric_id": RUBRIC,
                "criterion_id": "separate-money",
                "value": rnd.random() < 0.5,
                "observed_on": "2025-03-01",
            },
            {
                "business_id": bid,
                "rubric_id": RUBRIC,
                "criterion_id": "cash-records",
                "value": rnd.randint(0, 4),
                "observed_on": "2025-04-01",
            },
        ]
        if rnd.random() < 0.8:
            observations.append(
                {
                    "business_id": bid,
                    "rubric_id": RUBRIC,
                    "criterion_id": "pricing",
                    "value": rnd.choice(["guess", "copy", "cost-plus"]),
                    "observed_on": "2025-05-01",
                }
            )
        yield {"business": business, "observations": observations}


def write(path: Path, count: int, *, seed: int = 1, start: int = 0, bad_every: int = 0) -> None:
    """Write ``count`` records to ``path``; every ``bad_every``-th line is broken."""
    with open(path, "w", encoding="utf-8") as out:
        for index, record in enumerate(records(count, seed, start), start=1):
            if bad_every and index % bad_every == 0:
                business = record["business"]
                assert isinstance(business, dict)
                business["sector"] = "not-a-sector"
            out.write(json.dumps(record) + "\n")

"""The cost of decision receipts: ``Engine.evaluate`` with and without them, same run.

Uses the batch benchmark's rule pack (``bench_plugin.py``: 2 rubrics of 10
criteria, 4 referral rules) on generated businesses, already decoded, so
only the engine is timed. Runs are interleaved, best of ``--repeat``, per
CPU-second of this process (``process_time``).

    python benchmarks/bench_receipts.py --records 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_plugin

import mentorkit as mk


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    registry = mk.Registry.load(plugins=[bench_plugin], entry_points=False, strict=True)
    items = []
    for record in bench_plugin.records(args.records):
        business = mk.decode(record["business"], mk.Business)
        raw: Any = record["observations"]
        observations = [mk.decode(o, mk.Observation) for o in raw]
        items.append((business, observations))
    facts: dict[str, mk.FactValue] = {"case.mentored": True, "case.has_prospects": True}
    engines = {
        "receipts off": mk.Engine(registry, receipts=False),
        "receipts on": mk.Engine(registry),
    }
    best = dict.fromkeys(engines, float("inf"))
    gc.collect()
    gc.freeze()
    for _ in range(args.repeat):
        for name, engine in engines.items():
            start = time.process_time()
            for business, observations in items:
                engine.evaluate(business, observations, on=bench_plugin.ON, facts=facts)
            best[name] = min(best[name], time.process_time() - start)
    print(f"{args.records} businesses, best of {args.repeat}, per CPU-second of this process")
    for name, seconds in best.items():
        per = seconds / args.records * 1e6
        print(f"{name:13} {args.records / seconds:>10,.0f} businesses/s  {per:6.1f} µs each")
    extra = (best["receipts on"] - best["receipts off"]) / args.records * 1e6
    print(f"receipts add {extra:.1f} µs per business")


if __name__ == "__main__":
    main()

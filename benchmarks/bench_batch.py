"""Throughput: mentorkit's streaming batch against a hand-written baseline, same run.

Generates one input (2 rubrics of 10 criteria, 4 referral rules: see
``bench_plugin.py``), checks that the baseline writes exactly mentorkit's
result lines, then times each pipeline end to end (read JSON Lines, decode
and check, assess, refer, write JSON Lines) in this one process, best of
``--repeat`` runs, interleaved. One process is one core: businesses per
second per core are counted per CPU-second of this process (``process_time``),
which other load on the machine disturbs less than wall time (also shown).

    python benchmarks/bench_batch.py --records 20000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import baseline
import bench_plugin

import mentorkit as mk
from mentorkit import batch
from mentorkit._json import BACKEND

try:
    import orjson
except ImportError:  # the extra mentorkit[fast] is not installed
    orjson = None


def _strip_receipts(line: str) -> str:
    data = json.loads(line)
    for item in data["assessments"] + data["referrals"]:
        item["receipt"] = None
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    registry = mk.Registry.load(plugins=[bench_plugin], entry_points=False, strict=True)
    engines = {
        "mentorkit": mk.Engine(registry),
        "mentorkit, receipts off": mk.Engine(registry, receipts=False),
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = root / "input.jsonl"
        bench_plugin.generate(str(source), args.records, args.seed)

        def run_baseline(name: str = "baseline") -> Path:
            out = root / name.replace(" ", "").replace(",", "-")
            out.mkdir(exist_ok=True)
            fast = {"loads": orjson.loads, "dumps": orjson.dumps} if "orjson" in name else {}
            baseline.run(
                str(source),
                str(out / "results.jsonl"),
                str(out / "errors.jsonl"),
                bench_plugin.ON,
                **fast,
            )
            return out / "results.jsonl"

        def run_mentorkit(name: str) -> Path:
            out = root / name.replace(" ", "").replace(",", "-")
            batch.run_batch(source, out, on=bench_plugin.ON, plugins=engines[name], resume=False)
            return out / batch.RESULTS_NAME

        # Same work: identical result lines (receipts aside).
        expected = run_baseline().read_text(encoding="utf-8").splitlines()
        plain = run_mentorkit("mentorkit, receipts off").read_text(encoding="utf-8")
        assert plain.splitlines() == expected, "baseline and mentorkit disagree"
        full = run_mentorkit("mentorkit").read_text(encoding="utf-8").splitlines()
        assert [_strip_receipts(x) for x in full] == expected, "receipts changed the results"

        baselines = ["baseline"]
        if orjson is not None:
            baselines.append("baseline, orjson")
            fast = run_baseline("baseline, orjson").read_text(encoding="utf-8")
            assert fast.splitlines() == expected, "the baseline's JSON library changed its output"
        wall: dict[str, list[float]] = {
            **{name: [] for name in baselines},
            **{name: [] for name in engines},
        }
        cpu: dict[str, list[float]] = {name: [] for name in wall}
        for _ in range(args.repeat):
            for name in wall:
                start, start_cpu = time.perf_counter(), time.process_time()
                run_baseline(name) if name in baselines else run_mentorkit(name)
                cpu[name].append(time.process_time() - start_cpu)
                wall[name].append(time.perf_counter() - start)

    print(
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cores; {args.records} businesses, best of {args.repeat}; "
        f"per core = per CPU-second of this one process; mentorkit's JSON: {BACKEND}"
    )
    print(f"{'pipeline':<26}{'CPU s':>8}{'wall s':>8}{'businesses/s/core':>19}{'ratio':>7}")
    base = min(cpu["baseline"])
    for name in wall:
        seconds = min(cpu[name])
        print(
            f"{name:<26}{seconds:>8.3f}{min(wall[name]):>8.3f}"
            f"{args.records / seconds:>19,.0f}{seconds / base:>7.2f}"
        )


if __name__ == "__main__":
    main()

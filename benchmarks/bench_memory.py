"""Peak memory of the streaming batch: 10,000 against 1,000,000 businesses.

Each size runs in a fresh Python process that loads the benchmark plugin,
runs :func:`mentorkit.batch.run_batch` over the whole file and reports its
own peak resident set size (``ru_maxrss``). Constant memory means the two
peaks are about the same. The input for 1M records is about 2.5 GB and the
output about 4.5 GB: they are written to a temporary directory (``--tmp``)
and removed afterwards.

    python benchmarks/bench_memory.py --sizes 10000,1000000
    python benchmarks/bench_memory.py --sizes 5000,50000,200000 --format parquet
    python benchmarks/bench_memory.py --sizes 5000,50000,200000 --format parquet --arrow-pool system

``--arrow-pool`` sets ``ARROW_DEFAULT_MEMORY_POOL`` for the measured
processes (``system`` is what ``mentorkit batch --format parquet`` uses);
without it they inherit the environment's, pyarrow's default otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

CHILD = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
import bench_plugin
import mentorkit as mk
from mentorkit import batch
start = time.perf_counter()
registry = mk.Registry.load(plugins=[bench_plugin], entry_points=False, strict=True)
summary = batch.run_batch({source!r}, {out!r}, on=bench_plugin.ON,
                          plugins=mk.Engine(registry, receipts={receipts}), resume=False,
                          format={fmt!r}, checkpoint_every={every})
seconds = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"records": summary.records, "seconds": seconds, "peak_kb": peak_kb}}))
"""

BASELINE_CHILD = """
import json, resource, sys
sys.path.insert(0, {here!r})
import mentorkit  # the same imports as the batch, for a fair floor
if {fmt!r} == "parquet":  # and what Parquet output needs before its first row
    from pathlib import Path
    from mentorkit.batch._parquet import open_writer, parquet_schema
    writer = open_writer(Path({out!r}), parquet_schema())
    writer.close()
    import pyarrow
    pool = pyarrow.default_memory_pool().backend_name
else:
    pool = None
print(json.dumps({{"peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "pool": pool}}))
"""


def _child(code: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--tmp", default=None, help="directory for the temporary files")
    parser.add_argument("--receipts-off", action="store_true")
    parser.add_argument("--format", choices=("jsonl", "parquet"), default="jsonl")
    parser.add_argument("--checkpoint-every", type=int, default=10_000, metavar="N")
    parser.add_argument(
        "--arrow-pool",
        choices=("system", "mimalloc", "jemalloc"),
        help="ARROW_DEFAULT_MEMORY_POOL of the measured processes",
    )
    args = parser.parse_args()
    env = dict(os.environ)
    if args.arrow_pool:
        env["ARROW_DEFAULT_MEMORY_POOL"] = args.arrow_pool
    sys.path.insert(0, str(HERE))
    import bench_plugin

    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        empty = str(Path(tmp) / "empty.parquet")
        code = BASELINE_CHILD.format(here=str(HERE), fmt=args.format, out=empty)
        baseline = _child(code, env)
        floor = baseline["peak_kb"] / 1024
    extra = ""
    if args.format == "parquet":
        extra = f" + pyarrow and an empty Parquet writer (Arrow allocator: {baseline['pool']})"
    print(f"python + mentorkit imported{extra}: {floor:.1f} MB")
    print(f"{'businesses':>12}{'seconds':>10}{'businesses/s':>14}{'peak RSS MB':>13}")
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
            source = Path(tmp) / "input.jsonl"
            bench_plugin.generate(str(source), size)
            code = CHILD.format(
                here=str(HERE),
                source=str(source),
                out=str(Path(tmp) / "out"),
                receipts=not args.receipts_off,
                fmt=args.format,
                every=args.checkpoint_every,
            )
            result = _child(code, env)
        rate = result["records"] / result["seconds"]
        peak = result["peak_kb"] / 1024
        print(f"{int(result['records']):>12,}{result['seconds']:>10.1f}{rate:>14,.0f}{peak:>13.1f}")


if __name__ == "__main__":
    main()

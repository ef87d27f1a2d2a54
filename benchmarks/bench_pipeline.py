"""The analyst's pipeline on a city: import -> assess -> refer -> SQLite -> report, timed.

Unlike ``bench_city.py`` (the whole ``mentorkit demo`` story, with mentoring,
sessions, follow-up and the units' answers), this runs exactly the steps of
issue 7's city target as an analyst would type them, each in a fresh
process on a fresh SQLite store, and prints the seconds and peak memory
of each (the peak of the command alone: it is started from a small process):

    mentorkit init --db city.db
    mentorkit import --db city.db businesses.csv mentors.csv cooperatives.csv observations.csv
    mentorkit assess --db city.db --on DAY
    mentorkit refer --db city.db --on DAY
    mentorkit report --db city.db --as-of DAY

The spreadsheets come from the synthetic demo cohort (``mentorkit.demo``)
and are written before the clock starts. Target: 90,000 businesses
(Tangsel's registered UMKM) under 10 s in total. Needs the plugins
installed (``pip install -e plugins/*``).

    python benchmarks/bench_pipeline.py --businesses 90000 --mentors 2000

``--keep DIR`` leaves the spreadsheets, the store and the report in DIR, to
profile one step again on the same data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mentorkit import Registry
from mentorkit.demo import generate_cohort, observations_for, write_spreadsheets

PLUGINS = "accounting,product_standards,referrals"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--businesses", type=int, default=90_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="work in DIR (created; must be empty) and keep the spreadsheets, store and report",
    )
    args = parser.parse_args()
    script = Path(sys.executable).with_name("mentorkit")
    command = str(script) if script.exists() else (shutil.which("mentorkit") or "mentorkit")
    registry = Registry.load(allow=PLUGINS.split(","))
    cohort = generate_cohort(args.seed, businesses=args.businesses, mentors=args.mentors)
    observations = observations_for(cohort, registry.rubrics.values())
    day = cohort.follow_up_on.isoformat()
    env = {**os.environ, "MENTORKIT_PLUGINS": PLUGINS, "MENTORKIT_LANG": "en"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if args.keep:
            root = Path(args.keep)
            root.mkdir(parents=True, exist_ok=True)
            if any(root.iterdir()):
                parser.error(f"--keep {args.keep}: the directory is not empty")
        files = [str(p) for p in write_spreadsheets(cohort, observations, root).values()]
        db = str(root / "city.db")
        steps = [
            ("init", ["init", "--db", db, "--programme", cohort.programme.id]),
            ("import", ["import", "--db", db, *files]),
            ("assess", ["assess", "--db", db, "--on", day]),
            ("refer", ["refer", "--db", db, "--on", day]),
            ("report", ["report", "--db", db, "--as-of", day, "--out", str(root / "report")]),
        ]
        total = 0.0
        print(
            f"{args.businesses:,} businesses, {args.mentors:,} mentors, "
            f"{len(observations):,} observations"
        )
        for name, argv in steps:
            seconds, peak_mb, code, errors = _timed([command, "-q", *argv], env, root)
            total += seconds
            status = "" if code in (0, 1) else f"  FAILED ({errors.strip()})"
            print(f"{name:<8}{seconds:>8.1f} s {peak_mb:>8.1f} MB peak{status}")
            if status:
                return
        print(f"{'total':<8}{total:>8.1f} s   (target: under 10 s for 90,000)")


#: Runs a command and writes its peak RSS (KiB) to a file. The command is started from this
#: small process, not from the benchmark, whose cohort would count in a forked child's peak.
_PEAK = (
    "import os, subprocess, sys\n"
    "child = subprocess.Popen(sys.argv[2:], stdout=subprocess.DEVNULL)\n"
    "_pid, status, usage = os.wait4(child.pid, 0)\n"
    "open(sys.argv[1], 'w').write(str(usage.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def _timed(argv: list[str], env: dict[str, str], root: Path) -> tuple[float, float, int, str]:
    """Run ``argv``: (wall seconds, peak RSS in MB, exit code, stderr)."""
    peak = root / "peak.txt"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, str(peak), *argv],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    return seconds, int(peak.read_text()) / 1024, done.returncode, done.stderr


if __name__ == "__main__":
    main()

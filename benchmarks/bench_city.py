"""A city end to end: import -> assess -> refer -> SQLite -> report, timed.

Runs ``mentorkit demo --businesses N`` (synthetic cohort written as
spreadsheets, imported into a fresh SQLite store, cases opened, mentors
matched, baseline and follow-up assessments, plans, sessions, referrals,
then the HTML/JSON report and the unit lists) in a fresh process and prints
the wall time. Target: 90,000 businesses (Tangsel's registered UMKM) in
under 10 s. Needs the plugins installed (``pip install -e plugins/*``).

    python benchmarks/bench_city.py --businesses 90000 --mentors 2000
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--businesses", type=int, default=90_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("mentorkit")
    command = [str(script)] if script.exists() else [shutil.which("mentorkit") or "mentorkit"]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        done = subprocess.run(
            [
                *command,
                "-q",
                "--lang",
                "en",
                "demo",
                "--out",
                tmp,
                "--businesses",
                str(args.businesses),
                "--mentors",
                str(args.mentors),
            ],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
    if done.returncode != 0:
        print(f"mentorkit demo failed (exit {done.returncode}): {done.stderr.strip()}")
        return
    print(done.stdout.strip())
    print(f"{args.businesses:,} businesses end to end in {seconds:.1f} s")


if __name__ == "__main__":
    main()

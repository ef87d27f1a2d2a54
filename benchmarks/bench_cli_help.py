"""Start-up time of ``mentorkit --help`` (target: under 150 ms).

Runs the installed ``mentorkit`` script beside this Python (or
``python -m mentorkit.cli`` when there is none) ``--runs`` times and prints
the best and median wall time, next to a bare ``python -c pass`` for the
interpreter's own start-up. With ``--importtime`` it also prints the ten
slowest imports (``python -X importtime``).

    python benchmarks/bench_cli_help.py --runs 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _times(command: list[str], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def _command() -> list[str]:
    script = Path(sys.executable).with_name("mentorkit")
    if script.exists():
        return [str(script), "--help"]
    found = shutil.which("mentorkit")
    if found:
        return [found, "--help"]
    return [sys.executable, "-m", "mentorkit.cli", "--help"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    command = _command()
    try:
        subprocess.run(command, check=True, capture_output=True)
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        print(f"mentorkit --help does not run here: {exc}")
        return
    for label, cmd in (
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("mentorkit --help", command),
    ):
        times = _times(cmd, args.runs)
        print(
            f"{label:<18} best {min(times) * 1000:7.1f} ms   "
            f"median {statistics.median(times) * 1000:7.1f} ms   ({args.runs} runs)"
        )
    if args.importtime:
        done = subprocess.run(
            [sys.executable, "-X", "importtime", *command[1:]]
            if command[0] == sys.executable
            else [
                sys.executable,
                "-X",
                "importtime",
                "-c",
                "from mentorkit.cli import main; main(['--help'])",
            ],
            capture_output=True,
            text=True,
        )
        rows = []
        for line in done.stderr.splitlines():
            parts = line.split("|")
            if len(parts) == 3 and parts[1].strip().isdigit():
                rows.append((int(parts[1]), parts[2].rstrip()))
        for cumulative, name in sorted(rows, reverse=True)[:10]:
            print(f"{cumulative / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()

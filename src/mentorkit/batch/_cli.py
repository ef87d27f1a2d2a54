"""``python -m mentorkit.batch``: the streaming batch as a command.

The ``mentorkit`` command can mount it as a subcommand through
:func:`add_arguments` and :func:`run_command`; :func:`main` runs it alone.
"""

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence

from .._errors import MentorkitError
from ._run import run_batch
from ._spec import PluginSpec

__all__ = ["add_arguments", "main", "run_command"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("expected a date as YYYY-MM-DD") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the batch command's arguments to ``parser``."""
    parser.add_argument(
        "inputs", nargs="+", help="JSON Lines files, or directories of *.jsonl files"
    )
    parser.add_argument("-o", "--out", required=True, help="output directory")
    parser.add_argument(
        "--on", type=_date, required=True, help="assessment date, YYYY-MM-DD (tanggal penilaian)"
    )
    parser.add_argument(
        "--allow",
        action="append",
        metavar="NAME",
        help="load only this installed plugin (entry-point or distribution name); repeatable",
    )
    parser.add_argument(
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE[:ATTR]",
        help="also register this plugin object or module; repeatable",
    )
    parser.add_argument("--no-entry-points", action="store_true", help="load no installed plugins")
    parser.add_argument("--run-id", help="run id (default: derived from inputs, date and rules)")
    parser.add_argument(
        "--checkpoint-every", type=int, default=10_000, metavar="N", help="records per checkpoint"
    )
    parser.add_argument(
        "--format",
        choices=["jsonl", "parquet"],
        default="jsonl",
        help="results as JSON Lines (default) or Parquet parts (extra 'parquet')",
    )
    parser.add_argument(
        "--restart", action="store_true", help="ignore an existing checkpoint and start over"
    )
    parser.add_argument(
        "--no-fsync", action="store_true", help="do not fsync at checkpoints (faster, less safe)"
    )


def run_command(args: argparse.Namespace) -> int:
    """Run the batch described by parsed ``args``; print the summary as JSON."""
    spec = PluginSpec(
        allow=args.allow,
        plugins=args.plugin,
        entry_points=not args.no_entry_points,
    )
    try:
        summary = run_batch(
            args.inputs,
            args.out,
            on=args.on,
            plugins=spec,
            run_id=args.run_id,
            checkpoint_every=args.checkpoint_every,
            resume=not args.restart,
            fsync=not args.no_fsync,
            format=args.format,
        )
    except (MentorkitError, OSError, ValueError) as exc:
        print(f"mentorkit batch: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps({"run_id": summary.run_id, "resumed": summary.resumed, **summary.counts()}))
    return 1 if summary.errors else 0


def _arrow_allocates_with_malloc() -> None:
    """Have Arrow allocate with the C library's ``malloc`` in this process.

    Arrow's default allocator (mimalloc in pyarrow's wheels) keeps freed pages
    for a while; the Parquet writer peaks about 18 MB higher with it (see
    docs/explanation/performance.md). Arrow reads ``ARROW_DEFAULT_MEMORY_POOL``
    once, when pyarrow is imported, and the choice holds for the whole process:
    so the command makes it, for its own process, and :func:`run_batch` does
    not. A value already in the environment is kept.
    """
    if "pyarrow" not in sys.modules:
        os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m mentorkit.batch``; returns the exit status.

    0: every line assessed; 1: some lines could not be decoded (see
    ``errors.jsonl``); 2: the batch could not run. With ``--format parquet``
    Arrow allocates with ``malloc`` unless ``ARROW_DEFAULT_MEMORY_POOL`` is set.
    """
    parser = argparse.ArgumentParser(
        prog="mentorkit batch",
        description="Assess and refer every business of JSON Lines files, restartably.",
    )
    add_arguments(parser)
    args = parser.parse_args(argv)
    if args.format == "parquet":
        _arrow_allocates_with_malloc()
    return run_command(args)

"""The same batch, scaled out on a Dask cluster (extra ``mentorkit[dask]``).

Each input file is one partition and one task. A task loads the plugins
from the batch's :class:`PluginSpec` (the same allow-list everywhere; the
engine is built once per worker process and cached), runs the serial
:class:`Processor` over its file and writes its outputs under
``output_dir/<run_id>/``: ``<partition>.results.jsonl``,
``<partition>.errors.jsonl`` and, last, ``<partition>.counts.json``. Each
file is written to a temporary name and renamed into place, so a task that
is retried (a worker died) or re-run overwrites its outputs with identical
bytes, and a reader never sees half a file. Only the counts travel back to
the client.
"""

import datetime as dt
import json
import os
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._engine import Engine
from .._errors import MentorkitError
from ._extras import require
from ._run import BatchSummary, PathArg, Processor, expand_inputs, sync_directory
from ._spec import PluginSpec

__all__ = ["partition_name", "process_partition", "run_dask"]

_ENGINES: dict[PluginSpec, Engine] = {}
_ENGINES_LOCK = threading.Lock()


def _distributed() -> Any:
    return require("distributed", "dask", "running a batch on Dask")


def _engine_for(spec: PluginSpec) -> Engine:
    """The engine for ``spec``, built once per process (each worker loads its plugins)."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(spec)
        if engine is None:
            engine = _ENGINES[spec] = Engine(spec.load())
        return engine


def partition_name(path: Path) -> str:
    """The partition name of an input file: its name without ``.jsonl``."""
    name = path.name
    return name[: -len(".jsonl")] if name.endswith(".jsonl") else name


def _replace(tmp: Path, final: Path, *, fsync: bool) -> None:
    if fsync:
        with open(tmp, "rb") as stream:
            os.fsync(stream.fileno())
    os.replace(tmp, final)


def process_partition(
    path: str,
    run_dir: str,
    spec: PluginSpec,
    on: dt.date,
    *,
    skip_done: bool = True,
    fsync: bool = True,
) -> dict[str, int]:
    """Process one partition file into ``run_dir``; return its counts.

    Runs on a worker. When ``skip_done`` and the partition's counts file
    exists (a previous run finished it), its counts are returned unchanged.
    """
    source = Path(path)
    out = Path(run_dir)
    name = partition_name(source)
    counts_path = out / f"{name}.counts.json"
    if skip_done and counts_path.exists():
        counts: dict[str, int] = json.loads(counts_path.read_text(encoding="utf-8"))
        return counts
    processor = Processor(_engine_for(spec), on)
    token = uuid.uuid4().hex
    tmp_results = out / f".{name}.results.{token}.tmp"
    tmp_errors = out / f".{name}.errors.{token}.tmp"
    tmp_counts = out / f".{name}.counts.{token}.tmp"
    try:
        with open(tmp_results, "wb") as results, open(tmp_errors, "wb") as errors:
            for _offset, _line, evaluation, error in processor.run_file(source):
                if evaluation is not None:
                    results.write(processor.encode_bytes(evaluation) + b"\n")
                else:
                    errors.write(f"{error}\n".encode())
        _replace(tmp_results, out / f"{name}.results.jsonl", fsync=fsync)
        _replace(tmp_errors, out / f"{name}.errors.jsonl", fsync=fsync)
        tmp_counts.write_text(json.dumps(processor.counts, sort_keys=True), encoding="utf-8")
        _replace(tmp_counts, counts_path, fsync=fsync)
        if fsync:
            sync_directory(out)
    finally:
        for tmp in (tmp_results, tmp_errors, tmp_counts):
            tmp.unlink(missing_ok=True)
    return dict(processor.counts)


def run_dask(
    inputs: PathArg | Sequence[PathArg],
    output_dir: PathArg,
    *,
    on: dt.date,
    plugins: PluginSpec,
    run_id: str,
    client: Any = None,
    skip_done: bool = True,
    fsync: bool = True,
) -> BatchSummary:
    """Run the batch over partitioned input on a Dask cluster; return the counts.

    ``inputs``: a directory of ``*.jsonl`` part files (or a list of files);
    each file is a partition. ``plugins`` says which plugins every worker
    loads (a :class:`PluginSpec`: same allow-list on every worker). Outputs
    go to ``output_dir/<run_id>/<partition>.{results,errors}.jsonl``, the
    same bytes :func:`run_batch` writes for that file. ``client`` is a
    ``distributed.Client`` (default: the current one). With ``skip_done``,
    partitions finished by an earlier run with the same ``run_id`` are not
    recomputed.
    """
    distributed = _distributed()
    if client is None:
        try:
            client = distributed.get_client()
        except ValueError:
            raise MentorkitError(
                "no Dask client: pass client=distributed.Client(...) to run_dask"
            ) from None
    paths = expand_inputs(inputs)
    names = [partition_name(p) for p in paths]
    if len(set(names)) != len(names):
        raise ValueError("partition files must have distinct names")
    run_dir = Path(output_dir) / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    futures = [
        client.submit(
            process_partition,
            str(path.resolve()),
            str(run_dir.resolve()),
            plugins,
            on,
            skip_done=skip_done,
            fsync=fsync,
            key=f"mentorkit-batch-{run_id}-{name}",
            retries=2,
        )
        for path, name in zip(paths, names, strict=True)
    ]
    summary = BatchSummary(run_id=run_id)
    for counts in client.gather(futures):
        summary = summary.merge(BatchSummary(run_id=run_id, **counts))
    return summary

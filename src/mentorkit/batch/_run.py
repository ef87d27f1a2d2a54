"""The streaming batch: JSON Lines in, results and errors out, restartable.

Input files are read one line at a time (constant memory, whatever their
size). Each good line becomes one result line (an encoded
:class:`~mentorkit.Evaluation`); each bad line becomes one error line
beside it. Every ``checkpoint_every`` records the outputs are flushed to
disk and a checkpoint records, per input, the byte offset and line number
reached, and the size of each output file. A restart truncates the outputs
back to the checkpoint and reads on from the recorded offsets, so a record
is never written twice nor lost.
"""

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any, Literal

import attrs
from attrs import frozen

from .._engine import Engine, Evaluation
from .._errors import DecodeError, MentorkitError
from .._json import dumpb, dumps_stdlib
from .._registry import Registry
from ._fast import encode_evaluation
from ._parquet import PARTS_KEY, ParquetParts
from ._record import LineDecoder
from ._spec import PluginSpec

__all__ = [
    "CHECKPOINT_NAME",
    "ERRORS_NAME",
    "RESULTS_NAME",
    "BatchSummary",
    "CheckpointError",
    "Processor",
    "expand_inputs",
    "run_batch",
    "sync_directory",
]

#: File of result lines (one encoded Evaluation per good input line) in the output directory.
RESULTS_NAME = "results.jsonl"
#: File of error lines (one per input line that could not be decoded).
ERRORS_NAME = "errors.jsonl"
#: The checkpoint: offsets reached per input and the output sizes, replaced atomically.
CHECKPOINT_NAME = "checkpoint.json"
_CHECKPOINT_VERSION = 1

Format = Literal["jsonl", "parquet"]
PathArg = str | os.PathLike[str]


class CheckpointError(MentorkitError, ValueError):
    """A checkpoint does not belong to this batch (other inputs, date or rules)."""


@frozen
class BatchSummary:
    """Counts of what a batch did; nothing else comes back from a batch.

    ``records`` is the non-blank lines read, ``results`` the result lines
    written, ``errors`` the lines that could not be decoded. ``issues``
    counts problems with observations and ``failures`` plugin failures,
    both kept inside the result lines. ``resumed`` is true when the run
    went on from a checkpoint.
    """

    run_id: str
    records: int = 0
    results: int = 0
    errors: int = 0
    assessments: int = 0
    referrals: int = 0
    issues: int = 0
    failures: int = 0
    resumed: bool = False

    def counts(self) -> dict[str, int]:
        """The counts alone, as a dict."""
        return {
            name: getattr(self, name)
            for name in (
                "records",
                "results",
                "errors",
                "assessments",
                "referrals",
                "issues",
                "failures",
            )
        }

    def merge(self, other: "BatchSummary") -> "BatchSummary":
        """The sum of two summaries of the same run (partitions)."""
        mine, theirs = self.counts(), other.counts()
        return BatchSummary(
            run_id=self.run_id,
            resumed=self.resumed or other.resumed,
            **{name: mine[name] + theirs[name] for name in mine},
        )


class Processor:
    """Evaluates raw JSON lines one by one and keeps the counts.

    Shared by the serial batch and the Dask partitions, so both write the
    same bytes for the same input.
    """

    def __init__(self, engine: Engine, on: dt.date) -> None:
        self.engine = engine
        self.on = on
        self.decoder = LineDecoder()
        self.counts = dict.fromkeys(BatchSummary(run_id="").counts(), 0)

    def process(self, raw: bytes, line: int, source: str) -> tuple[Evaluation | None, str | None]:
        """``(evaluation, error_line)`` for one raw input line (one of them is None)."""
        counts = self.counts
        counts["records"] += 1
        decoder, engine, on = self.decoder, self.engine, self.on
        evaluation = None
        try:
            data = decoder.parse(raw, line)
            # The common case: a good business with plainly valid observations, assessed from
            # the answers read straight from the data (no Observation objects). Anything that
            # would raise an issue is decoded and evaluated the general way below.
            parts = decoder.business_and_items(data)
            if parts is not None:
                business, items = parts
                answers = engine._answers_from_data(business.id, items, on, decoder.dates)
                if answers is not None:
                    evaluation = engine._evaluate_answers(business, answers, on=on)
            record = None if evaluation is not None else decoder.structure(data, line)
        except DecodeError as error:
            counts["errors"] += 1
            return None, dumps_stdlib(
                {
                    "input": source,
                    "line": line,
                    "business_id": self.decoder.business_id(raw),
                    "record": error.record,
                    "issues": [{"path": i.path, "message": i.message} for i in error.issues],
                }
            )
        if record is not None:
            evaluation = engine.evaluate(record.business, record.observations, on=on)
        assert evaluation is not None
        counts["results"] += 1
        counts["assessments"] += len(evaluation.assessments)
        counts["referrals"] += len(evaluation.referrals)
        counts["issues"] += len(evaluation.issues)
        counts["failures"] += len(evaluation.failures)
        return evaluation, None

    @staticmethod
    def encode(evaluation: Evaluation) -> str:
        """One result line: the evaluation as compact JSON (see :func:`mentorkit.dumps`)."""
        return Processor.encode_bytes(evaluation).decode()

    @staticmethod
    def encode_bytes(evaluation: Evaluation) -> bytes:
        """:meth:`encode` as UTF-8 bytes; written by orjson with the extra ``mentorkit[fast]``."""
        return dumpb(encode_evaluation(evaluation))

    def run_file(
        self, path: Path, offset: int = 0, line: int = 0
    ) -> Iterator[tuple[int, int, Evaluation | None, str | None]]:
        """Process ``path`` from byte ``offset`` (after line ``line``), lazily.

        Yields ``(offset_after, line, evaluation, error_line)`` per non-blank line.
        """
        source = str(path)
        with open(path, "rb") as stream:
            stream.seek(offset)
            for raw in stream:
                line += 1
                offset += len(raw)
                if not raw.strip():
                    continue
                evaluation, error = self.process(raw, line, source)
                yield offset, line, evaluation, error


def expand_inputs(inputs: PathArg | Sequence[PathArg]) -> list[Path]:
    """Input files: each path as given, or a directory's ``*.jsonl`` files in name order."""
    items = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            paths.extend(sorted(p for p in path.glob("*.jsonl") if p.is_file()))
        else:
            paths.append(path)
    return paths


def _pack(registry: Registry) -> list[list[str]]:
    rubrics = [["rubric", r.id, r.version] for r in registry.rubrics.values()]
    rules = [["rule", r.id, r.version] for r in registry.rules]
    return rubrics + rules


def _fingerprint(paths: Sequence[Path], on: dt.date, fmt: str, engine: Engine) -> str:
    # Always the standard library: the fingerprint is a hash of this text.
    text = dumps_stdlib(
        {
            # Path, size and modification time: a changed input is another batch.
            "inputs": [[str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in paths],
            "on": on.isoformat(),
            "format": fmt,
            "pack": _pack(engine.registry),
            "pack_hash": engine.pack_hash,  # content, not only versions
            "receipts": engine.receipts,
        }
    )
    return hashlib.sha256(text.encode()).hexdigest()


def _write_atomic(path: Path, text: str, *, fsync: bool) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        if fsync:
            os.fsync(out.fileno())
    os.replace(tmp, path)
    if fsync:
        sync_directory(path.parent)


def sync_directory(directory: Path) -> None:
    """Make renames in ``directory`` durable (fsync the directory; a no-op where unsupported)."""
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


@attrs.define
class _Checkpoint:
    fingerprint: str
    run_id: str
    offsets: list[int]
    lines: list[int]
    done: list[bool]
    sizes: dict[str, int]
    counts: dict[str, int]
    complete: bool = False

    def to_json(self) -> str:
        return dumps_stdlib({"version": _CHECKPOINT_VERSION, **attrs.asdict(self)})

    @classmethod
    def read(cls, path: Path) -> "_Checkpoint":
        try:
            data: Any = json.loads(path.read_text(encoding="utf-8"))
            data.pop("version")
            return cls(**data)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise CheckpointError(f"checkpoint {str(path)!r} cannot be read ({exc!r})") from None


def _engine_of(plugins: PluginSpec | Registry | Engine | None) -> Engine:
    if isinstance(plugins, Engine):
        return plugins
    if isinstance(plugins, Registry):
        return Engine(plugins)
    return Engine((plugins or PluginSpec()).load())


def run_batch(
    inputs: PathArg | Sequence[PathArg],
    output_dir: PathArg,
    *,
    on: dt.date,
    plugins: PluginSpec | Registry | Engine | None = None,
    run_id: str | None = None,
    checkpoint_every: int = 10_000,
    resume: bool = True,
    fsync: bool = True,
    format: Format = "jsonl",
) -> BatchSummary:
    """Assess and refer every business in ``inputs``; write results to ``output_dir``.

    ``inputs`` are JSON Lines files (or directories of ``*.jsonl`` files)
    of :class:`BatchRecord` lines or plain Business lines. ``plugins`` is
    a :class:`PluginSpec` (default: every installed plugin), a loaded
    :class:`~mentorkit.Registry` or an :class:`~mentorkit.Engine`.

    Writes ``results.jsonl`` (one encoded :class:`~mentorkit.Evaluation`
    per good line, in input order), ``errors.jsonl`` (one line per bad
    line: input, line number, business id when readable, field paths) and
    ``checkpoint.json``. ``format="parquet"`` (extra ``mentorkit[parquet]``)
    writes the results as numbered Parquet parts instead of
    ``results.jsonl`` (see :func:`parquet_schema`); errors stay JSON Lines.
    With ``resume=True`` an interrupted run with the
    same inputs, date and rules goes on from its last checkpoint; a
    finished one returns its summary without work. ``resume=False`` starts
    over. Returns the counts only.
    """
    if format not in ("jsonl", "parquet"):
        raise ValueError(f"unknown output format {format!r}; use 'jsonl' or 'parquet'")
    if checkpoint_every < 1:
        raise ValueError("checkpoint_every must be at least 1")
    paths = expand_inputs(inputs)
    engine = _engine_of(plugins)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    fingerprint = _fingerprint(paths, on, format, engine)
    checkpoint_path = out / CHECKPOINT_NAME
    state: _Checkpoint | None = None
    if resume and checkpoint_path.exists():
        state = _Checkpoint.read(checkpoint_path)
        if state.fingerprint != fingerprint or (run_id is not None and state.run_id != run_id):
            raise CheckpointError(
                f"checkpoint {str(checkpoint_path)!r} belongs to another batch (other inputs, "
                "date, rules or run id); use another output directory or resume=False"
            )
    resumed = state is not None
    if state is None:
        state = _Checkpoint(
            fingerprint=fingerprint,
            run_id=run_id or fingerprint[:12],
            offsets=[0] * len(paths),
            lines=[0] * len(paths),
            done=[False] * len(paths),
            sizes={RESULTS_NAME: 0, ERRORS_NAME: 0, PARTS_KEY: 0},
            counts=dict.fromkeys(BatchSummary(run_id="").counts(), 0),
        )
    if not state.complete:
        _run(paths, out, engine, on, state, checkpoint_every, fsync, format)
    return BatchSummary(run_id=state.run_id, resumed=resumed, **state.counts)


def _open_output(path: Path, size: int) -> IO[bytes]:
    path.touch()
    stream = open(path, "r+b")  # noqa: SIM115 - closed by the caller, in a finally
    stream.truncate(size)
    stream.seek(size)
    return stream


def _run(
    paths: Sequence[Path],
    out: Path,
    engine: Engine,
    on: dt.date,
    state: _Checkpoint,
    every: int,
    fsync: bool,
    fmt: Format,
) -> None:
    processor = Processor(engine, on)
    processor.counts.update(state.counts)
    parquet = (
        ParquetParts(out, state.sizes.get(PARTS_KEY, 0), fsync=fsync) if fmt == "parquet" else None
    )
    results = (
        _open_output(out / RESULTS_NAME, state.sizes[RESULTS_NAME]) if parquet is None else None
    )
    errors = _open_output(out / ERRORS_NAME, state.sizes[ERRORS_NAME])
    checkpoint_path = out / CHECKPOINT_NAME

    def commit() -> None:
        sizes = {RESULTS_NAME: 0, PARTS_KEY: 0}
        if parquet is not None:
            sizes[PARTS_KEY] = parquet.commit()
        for stream in (results, errors):
            if stream is not None:
                stream.flush()
                if fsync:
                    os.fsync(stream.fileno())
        if results is not None:
            sizes[RESULTS_NAME] = results.tell()
        state.sizes = {**sizes, ERRORS_NAME: errors.tell()}
        state.counts = dict(processor.counts)
        _write_atomic(checkpoint_path, state.to_json(), fsync=fsync)

    encode = processor.encode_bytes
    try:
        commit()
        for index, path in enumerate(paths):
            if state.done[index]:
                continue
            pending = 0
            for offset, line, evaluation, error in processor.run_file(
                path, state.offsets[index], state.lines[index]
            ):
                if evaluation is None:
                    errors.write(f"{error}\n".encode())
                elif results is not None:
                    results.write(encode(evaluation) + b"\n")
                else:
                    assert parquet is not None
                    parquet.write(encode_evaluation(evaluation))
                pending += 1
                if pending >= every:
                    state.offsets[index], state.lines[index] = offset, line
                    commit()
                    pending = 0
            state.done[index] = True
            commit()
        state.complete = True
        commit()
    finally:
        if results is not None:
            results.close()
        if parquet is not None:
            parquet.close()
        errors.close()

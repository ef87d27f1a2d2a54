"""``mentorkit assess`` and ``refer --workers N``: chunks of cases done in worker processes.

Each worker opens the same store with the same plugins (the allow-list the
command was given) and assesses (or refers) whole chunks of cases, exactly
as the command does in its own process (:meth:`Office.assess_cases`,
:meth:`Office.refer_cases`): the chunks hold different cases, so the
workers never write to the same case, and the store serialises their
writes (SQLite queues them, up to its ``busy_timeout``). The events,
projections and audit rows stored are those of a run in one process; only
their order in the tables and their times differ. Problems come back in
case id order, as one process reports them.

Workers are started with ``spawn`` (a fresh interpreter: no store
connection or lock is inherited), which costs each about half a second, so
a cohort of one chunk is assessed in the command's own process.
"""

import datetime as dt
import gc
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar
from urllib.parse import urlsplit

from attrs import define, field

from .._errors import MentorkitError
from ._office import _CHUNK, AssessmentTally, Office, Problem

__all__ = [
    "AssessedInWorkers",
    "assess_in_workers",
    "default_workers",
    "refer_in_workers",
    "worker_count",
]

#: The office of a worker process (opened once, by :func:`_start`).
_office: Office | None = None


def default_workers() -> int:
    """The cores this process may run on (at least 1)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        return max(1, os.cpu_count() or 1)


def worker_count(asked: int | None, cases: int, target: str) -> int:
    """How many worker processes to use: 1 means the command's own process.

    ``asked`` None means :func:`default_workers`. Never more than the cohort
    has chunks, and 1 for a store only this process can see (SQLite in
    memory).
    """
    if asked is not None and asked < 1:
        raise ValueError(f"--workers must be 1 or more, not {asked}")
    wanted = default_workers() if asked is None else asked
    chunks = -(-cases // _CHUNK)
    if _in_memory(target):
        return 1
    return max(1, min(wanted, chunks))


def _in_memory(target: str) -> bool:
    """Whether ``target`` names an SQLite store in memory (as :func:`open_store` reads it)."""
    if target == ":memory:":
        return True
    return target.startswith("sqlite:") and urlsplit(target).path in ("", "/", "/:memory:")


def _start(target: str, plugins: tuple[str, ...] | None) -> None:
    """Open the store in a new worker process (the pool's initializer)."""
    global _office
    from .._registry import Registry

    gc.set_threshold(200_000, 30, 30)  # as the mentorkit command runs (see _main.invoke)
    _office = Office.open(target, registry=Registry.load(allow=plugins))


def _worker_office() -> Office:
    if _office is None:  # pragma: no cover - the pool's initializer always ran
        raise MentorkitError("the worker's store is not open")
    return _office


def _assess_part(
    case_ids: list[str], on: dt.date, programme_id: str | None
) -> tuple[list[Problem], int, int, int, int]:
    """Assess one chunk in a worker: (problems, open cases assessed, complete, assessments, opened).

    With ``programme_id``, the chunk's cases not opened yet are opened
    first (on ``on``), from their businesses.
    """
    office = _worker_office()
    opened = 0
    if programme_id is not None:
        opened = office.open_missing(office.programme(programme_id), case_ids, on=on)
    tally = AssessmentTally()
    problems, assessed = office.assess_cases(case_ids, on=on, keep_states=False, tally=tally)
    return problems, assessed, tally.complete, tally.total, opened


def _refer_part(case_ids: list[str], on: dt.date, send: bool) -> tuple[int, int, list[Problem]]:
    """Refer one chunk in a worker: (proposed, sent, problems)."""
    return _worker_office().refer_cases(case_ids, on=on, send=send)


R = TypeVar("R")


def _run(task: Callable[..., R], case_ids: list[str], *args: Any) -> R:
    """``task(case_ids, *args)`` in a worker, any error as plain text naming the chunk."""
    try:
        return task(case_ids, *args)
    except Exception as exc:
        # Re-raised as plain text: the original may not survive the trip between processes.
        raise MentorkitError(
            f"cases {case_ids[0]} to {case_ids[-1]}: {type(exc).__name__}: {exc}"
        ) from None


def _in_workers(
    target: str,
    plugins: tuple[str, ...] | None,
    chunks: list[list[str]],
    workers: int,
    task: Callable[..., R],
    *args: Any,
) -> Iterator[R]:
    """``task(chunk, *args)`` of each chunk over ``workers`` processes, in the chunks' order."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(target, plugins)
    ) as pool:
        repeated = [itertools.repeat(arg) for arg in (task, *args)]
        yield from pool.map(_run, repeated[0], chunks, *repeated[1:])


@define
class AssessedInWorkers:
    """What :func:`assess_in_workers` did: its problems and counts."""

    #: The problems met, in case id order (as one process reports them).
    problems: list[Problem] = field(factory=list)
    #: Latest assessments that are complete, over every case (the command's summary).
    complete: int = 0
    #: Latest assessments, over every case.
    total: int = 0
    #: Cases opened by the workers (with ``open_for``).
    opened: int = 0


def _chunks(case_ids: Sequence[str], size: int) -> list[list[str]]:
    return [list(case_ids[start : start + size]) for start in range(0, len(case_ids), size)]


def assess_in_workers(
    target: str,
    plugins: tuple[str, ...] | None,
    case_ids: Sequence[str],
    *,
    on: dt.date,
    workers: int,
    progress: Callable[[int], None] | None = None,
    chunk: int = _CHUNK,
    open_for: str | None = None,
) -> AssessedInWorkers:
    """Assess ``case_ids`` in chunks over ``workers`` processes.

    ``chunk`` is the cases per task (those the command's own pass takes at
    a time). With ``open_for`` (a programme id), each worker first opens
    its chunk's cases that are not opened yet, reading only their
    businesses (:meth:`Office.open_missing`): the command's process never
    reads the whole cohort. They are not enrolled: do that before.
    ``progress`` is called with the open cases assessed so far, chunk by
    chunk in case id order. An error in a worker is raised here as
    :class:`~mentorkit.MentorkitError` naming the chunk's cases; the chunks
    already written stay written, as in one process.
    """
    result = AssessedInWorkers()
    parts = _in_workers(
        target, plugins, _chunks(case_ids, chunk), workers, _assess_part, on, open_for
    )
    done = 0
    for found, assessed, good, count, opened in parts:
        result.problems.extend(found)
        result.complete += good
        result.total += count
        result.opened += opened
        done += assessed
        if assessed and progress is not None:
            progress(done)
    return result


def refer_in_workers(
    target: str,
    plugins: tuple[str, ...] | None,
    case_ids: Sequence[str],
    *,
    on: dt.date,
    workers: int,
    send: bool = False,
    progress: Callable[[int], None] | None = None,
    chunk: int = _CHUNK,
) -> tuple[int, int, list[Problem]]:
    """:meth:`Office.refer` of ``case_ids`` over ``workers`` processes: (proposed, sent, problems).

    As :func:`assess_in_workers`; ``progress`` is called with the cases done.
    """
    proposed = sent = done = 0
    problems: list[Problem] = []
    chunks = _chunks(case_ids, chunk)
    parts = _in_workers(target, plugins, chunks, workers, _refer_part, on, send)
    for part, (more, out, found) in zip(chunks, parts, strict=True):
        proposed += more
        sent += out
        problems.extend(found)
        done += len(part)
        if progress is not None:
            progress(done)
    return proposed, sent, problems

"""``mentorkit import --workers N``: files read and checked in a worker process, stored in this one.

Reading a file is most of its import: each row's cells are checked and its
record built, and an observation is then encoded as the store keeps it.
With two processes a worker (``spawn``) does that, with the very
:class:`~mentorkit.io.ImportStream` the command reads with in one process,
while the command's process only writes. The worker sends the good records
a few thousand at a time through a bounded queue (a few messages in flight:
memory stays flat), observations as the rows the store inserts
(:func:`mentorkit.store.observation_row`, taken by
:meth:`~mentorkit.store.SQLStore.add_observation_rows`), with the bad rows
met on the way. The rows stored, their order, the audit rows, the counts and
the errors (their order and text) are those of one process.

The worker is told the rubrics' criteria (how to read an answer), not the
plugins: it loads none. A file smaller than :data:`WORTH_A_WORKER` is read
in the command's process (starting a worker costs about half a second).
"""

import gc
import itertools
import multiprocessing
import os
import queue
import signal
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from .._declarations import Rubric
from .._errors import MentorkitError
from ..io import KINDS, ImportResult, ImportStream, RowError, stream_file
from ..store import observation_row

__all__ = [
    "WORTH_A_WORKER",
    "FileReader",
    "WorkerStream",
    "file_reader",
    "import_processes",
    "open_stream",
    "worth_a_worker",
]

#: Files from this size (bytes) are read by the worker: about 18,000 observation rows.
WORTH_A_WORKER = 1 << 20
#: Good observations per message (about 650 KB as they travel).
_BATCH = 4_000
#: Good records of the other kinds per message (a business is a few KB as an object).
_RECORD_BATCH = 400
#: Messages the worker may have sent ahead of the writes.
_AHEAD = 4
#: Seconds between looks at whether the other side has gone.
_POLL = 0.2

# The worker process's state, set once by :func:`_start`.
_messages: Any = None
_stop: Any = None
_rubrics: Mapping[str, Rubric] = {}


def import_processes(asked: int | None, target: str) -> int:
    """Processes for ``mentorkit import --workers``: 1 (this one only) or 2 (a worker reads).

    ``asked`` None means one per core (:func:`default_workers`). An import
    has two parts to run side by side, reading and writing, so more than 2
    gives 2; a store only this process can see (SQLite in memory) gives 1.
    """
    from ._workers import _in_memory, default_workers  # _workers imports _office, which imports us

    if asked is not None and asked < 1:
        raise ValueError(f"--workers must be 1 or more, not {asked}")
    wanted = default_workers() if asked is None else asked
    return 1 if wanted < 2 or _in_memory(target) else 2


def _for_reading(rubrics: Mapping[str, Rubric]) -> dict[str, Rubric]:
    """The rubrics without their functions: what reading an answer needs, and can be pickled."""
    return {
        key: attrs.evolve(
            rubric,
            applies_to=None,
            criteria=tuple(attrs.evolve(c, derive=None) for c in rubric.criteria),
        )
        for key, rubric in rubrics.items()
    }


# --------------------------------------------------------------------------- the worker


def _start(messages: Any, stop: Any, rubrics: dict[str, Rubric]) -> None:
    """Set up a worker process (the pool's initializer)."""
    global _messages, _stop, _rubrics
    # Ctrl-C is the command's to handle: it stops the worker (``stop``) and shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.set_threshold(200_000, 30, 30)  # as the mentorkit command runs (see _main.invoke)
    # Messages not yet written to the pipe when the command stops are dropped, not waited for.
    messages.cancel_join_thread()
    _messages, _stop, _rubrics = messages, stop, rubrics


def _ready() -> None:
    """Nothing: submitted first, so that the worker starts while the command does other work."""


def _send(message: tuple[Any, ...]) -> bool:
    """Put ``message`` on the queue once there is room; False when the command has stopped."""
    parent = multiprocessing.parent_process()
    while True:
        try:
            _messages.put(message, timeout=_POLL)
            return True
        except queue.Full:
            if _stop.is_set() or (parent is not None and not parent.is_alive()):
                return False


def _packed(kind: str, records: list[Any]) -> Any:
    """A batch as it travels: observations as their rows, in two objects; other records as is.

    Observation rows go as the runs of their business ids (a business's
    observations come together) and one text of their JSON texts, a line
    each (JSON text has no raw line break): unpickling two objects costs a
    fraction of unpickling two strings and a tuple per row.
    """
    if kind != "observations":
        return records
    rows = [observation_row(record) for record in records]
    runs = [(key, len(list(group))) for key, group in itertools.groupby(r[0] for r in rows)]
    return runs, "\n".join(r[1] for r in rows)


def _read(number: int, path: str, kind: str, sheet: str | None, batch: int) -> None:
    """Read ``path`` and send its records, ``batch`` a message, then its end, tagged ``number``.

    Messages: ``(number, "part", batch, rows, errors)`` with the rows read so
    far and the bad rows met since the last message; then ``(number, "end",
    None, rows, errors)``, or ``(number, "failed", text, rows, errors)`` when
    reading raised.
    """
    stream = stream_file(path, kind, rubrics=_rubrics, sheet=sheet)
    sent = 0  # bad rows already sent

    def news() -> list[RowError]:
        nonlocal sent
        errors = stream.errors[sent:]
        sent = len(stream.errors)
        return errors

    records = iter(stream)
    try:
        while part := list(itertools.islice(records, batch)):
            if not _send((number, "part", _packed(kind, part), stream.rows, news())):
                return
    except Exception as exc:
        _send((number, "failed", f"{type(exc).__name__}: {exc}", stream.rows, news()))
        return
    _send((number, "end", None, stream.rows, news()))


# --------------------------------------------------------------------------- the command's side


@contextmanager
def file_reader(rubrics: Mapping[str, Rubric]) -> Iterator["FileReader"]:
    """A :class:`FileReader`: a worker process started (``spawn``), to read files with ``rubrics``.

    Leaving the context, also on an error or Ctrl-C, stops the worker part
    way if it is still reading, and waits for it to end (the pool's own
    context manager): no process is left behind.
    """
    context = multiprocessing.get_context("spawn")
    messages = context.Queue(_AHEAD)
    stop = context.Event()
    try:
        with ProcessPoolExecutor(
            1,
            mp_context=context,
            initializer=_start,
            initargs=(messages, stop, _for_reading(rubrics)),
        ) as pool:
            pool.submit(_ready)  # the worker starts while the command does other work
            try:
                yield FileReader(pool, messages, stop)
            finally:
                stop.set()
    finally:
        messages.close()


class FileReader:
    """A worker process reading import files, one at a time, for this process to store.

    Made by :func:`file_reader`. :meth:`stream` gives the stream of one file.
    """

    def __init__(self, pool: ProcessPoolExecutor, messages: Any, stop: Any) -> None:
        self._pool = pool
        self._messages = messages
        self._stop = stop
        self._streams = 0
        self._busy = False
        self._broken = False

    def stream(self, path: Path, kind: str, *, sheet: str | None = None) -> "WorkerStream":
        """The stream of ``path``'s records of ``kind``, read by the worker once iterated."""
        return WorkerStream(self, path, kind, sheet)

    def _submit(self, path: Path, kind: str, sheet: str | None) -> tuple[int, "Future[None]"]:
        if self._busy or self._broken:
            raise MentorkitError(f"{path.name}: the worker is busy or was stopped part way")
        self._streams += 1
        try:
            batch = _BATCH if kind == "observations" else _RECORD_BATCH
            task = self._pool.submit(_read, self._streams, str(path), kind, sheet, batch)
        except BrokenProcessPool as exc:
            self._broken = True
            raise MentorkitError(f"{path.name}: the worker process has stopped ({exc})") from None
        self._busy = True
        return self._streams, task

    def _receive(self, number: int, task: "Future[None]", file: str, rows: int) -> tuple[Any, ...]:
        """The next message of stream ``number``; a :class:`MentorkitError` if the worker died."""
        waited = 0.0
        while True:
            try:
                message: tuple[Any, ...] = self._messages.get(timeout=_POLL)
            except queue.Empty:
                if task.done():
                    problem = task.exception()
                    # Done without a problem: its last message is on its way (not for long).
                    waited += _POLL
                    if problem is not None or waited > 30:
                        self._broken = True
                        raise MentorkitError(
                            f"{file}: the worker process reading it stopped after {rows} rows"
                            f" ({type(problem).__name__}: {problem})"
                        ) from None
                continue
            if message[0] == number:
                return message

    def _done(self, ended: bool) -> None:
        self._busy = False
        if not ended:  # the worker may still be sending: nothing else can be read
            self._broken = True
            self._stop.set()


class WorkerStream:
    """The records of one file, read by a :class:`FileReader`'s worker as they are consumed (once).

    Reads like an :class:`~mentorkit.io.ImportStream`: :attr:`rows`,
    :attr:`errors` and :attr:`done` are complete once it has been consumed,
    then :meth:`result`. Consume it by :meth:`records` (any kind) or, for
    observations, :meth:`observation_rows` (ready to insert).
    """

    def __init__(self, reader: FileReader, path: Path, kind: str, sheet: str | None) -> None:
        self._reader = reader
        self._path = path
        self._sheet = sheet
        self._started = False
        #: The kind of record read (a key of :data:`mentorkit.io.KINDS`).
        self.kind: str = KINDS[kind].name
        #: The file's name, as errors name it.
        self.file: str = path.name
        #: Rows read so far (blank rows are not counted).
        self.rows = 0
        #: The bad rows met so far, in file order.
        self.errors: list[RowError] = []
        #: True once every row has been read.
        self.done = False
        #: Observations naming a business not in ``known`` (:meth:`observation_rows`).
        self.strays = 0

    def __repr__(self) -> str:
        return f"<WorkerStream {self.kind} from {self.file}: {self.rows} rows read>"

    def result(self) -> ImportResult:
        """What was read, as an :class:`~mentorkit.io.ImportResult` without records."""
        if not self.done:
            raise MentorkitError(f"{self.file}: the import stream has not been read to its end")
        return ImportResult(
            kind=self.kind, file=self.file, rows=self.rows, records=(), errors=tuple(self.errors)
        )

    def _batches(self) -> Iterator[Any]:
        """Each batch the worker sends, in file order, until the end of the file."""
        if self._started:
            raise MentorkitError(f"{self.file}: an import stream can be read only once")
        self._started = True
        reader = self._reader
        number, task = reader._submit(self._path, self.kind, self._sheet)
        ended = False  # the worker has sent its last message
        try:
            while True:
                _number, what, batch, self.rows, errors = reader._receive(
                    number, task, self.file, self.rows
                )
                self.errors.extend(errors)
                ended = what != "part"
                if what == "failed":
                    raise MentorkitError(
                        f"{self.file}: reading it failed in the worker process after"
                        f" {self.rows} rows ({batch})"
                    )
                if what == "end":
                    self.done = True
                    return
                yield batch
        finally:
            reader._done(ended)

    def records(self) -> Iterator[Any]:
        """The good records, in file order (what iterating an ``ImportStream`` gives)."""
        if self.kind == "observations":
            # An observation travels as its stored row: rebuilding it would undo the worker's work.
            raise MentorkitError(f"{self.file}: observations are read as rows")
        return itertools.chain.from_iterable(self._batches())

    def observation_rows(self, known: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
        """The good observations as :func:`~mentorkit.store.observation_row` gives them.

        :attr:`strays` counts those naming a business not in ``known``.
        """
        if self.kind != "observations":
            raise MentorkitError(f"{self.file}: only observations are read as rows")
        known = known if isinstance(known, set | frozenset) else set(known)

        def unpacked(batches: Iterator[tuple[list[tuple[str, int]], str]]) -> Iterator[Any]:
            for runs, text in batches:
                self.strays += sum(count for key, count in runs if key not in known)
                ids = itertools.chain.from_iterable(itertools.repeat(*run) for run in runs)
                yield zip(ids, text.split("\n"), strict=True)

        return itertools.chain.from_iterable(unpacked(self._batches()))


def _worth_a_worker(path: Path) -> bool:
    """Whether ``path`` is big enough for the worker to read it (:data:`WORTH_A_WORKER`)."""
    try:
        return os.path.getsize(path) >= WORTH_A_WORKER
    except OSError:
        return False


def worth_a_worker(paths: Iterable[Path]) -> bool:
    """Whether any of ``paths`` is big enough for a worker to read it (:data:`WORTH_A_WORKER`)."""
    return any(_worth_a_worker(path) for path in paths)


def open_stream(
    reader: "FileReader | None",
    path: Path,
    kind: str,
    *,
    rubrics: Mapping[str, Rubric],
    sheet: str | None = None,
) -> ImportStream | WorkerStream:
    """The stream of ``path``: read by ``reader``'s worker if the file is worth one, else here."""
    if reader is not None and _worth_a_worker(path):
        return reader.stream(path, kind, sheet=sheet)
    return stream_file(path, kind, rubrics=rubrics, sheet=sheet)

"""The case service: every command and view of case management.

A :class:`CaseService` is built from any :class:`~mentorkit.EventStore`, a
:class:`~mentorkit.Registry` (its rubrics, rules, units and templates) and
a clock. Each command reads the case's stream, folds it, checks access and
the lifecycle, and appends the new events with the version it read as the
expected version: if someone else wrote first, the store raises
:class:`~mentorkit.ConflictError` and nothing is retried behind the
caller's back. Event hooks run after the append succeeds; a hook that
raises is recorded as a :class:`~mentorkit.PluginFailure` and never undoes
the write.

With ``cache_states=True`` the service keeps each case's folded state and
its version, and on the next read folds only the events stored after that
version on top of it (see :class:`CaseService`).

Logs carry ids, event kinds and versions only, never personal data.
"""

import datetime as dt
import logging
import re
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from typing import Any

from attrs import frozen

from .._declarations import FactValue
from .._engine import Engine, Evaluation
from .._errors import (
    ConflictError,
    FieldIssue,
    NotFoundError,
    TransitionError,
)
from .._eventlog import EncodedRecords, EventRecord, EventStore
from .._model import (
    AssessmentStatus,
    Business,
    Cooperative,
    Mentor,
    Milestone,
    Observation,
    Programme,
    Referral,
    Session,
)
from .._registry import PluginFailure, Registry
from ._access import (
    Actor,
    CaseView,
    ReferralSummary,
    Role,
    case_view,
    referral_summary,
    require_case,
    require_coordinator,
    require_unit,
)
from ._case import (
    OBSERVATION_KINDS,
    STREAM_PREFIX,
    TRACE_PATHS,
    CaseState,
    CaseStatus,
    Progress,
    ReferralStatus,
    apply,
    check,
    fold,
    mentor_stream,
    progress,
    stream_name,
    without_traces,
)
from ._events import (
    AssessmentPhase,
    AssessmentRecorded,
    AttendanceRecorded,
    CaseClosed,
    CaseEvent,
    CaseOpened,
    CaseOutcome,
    MentorAssigned,
    MentoringStarted,
    MentorReassigned,
    MilestoneAdded,
    MilestoneCompleted,
    MilestoneMissed,
    ObservationsRecorded,
    ParticipantCertified,
    ParticipantEnrolled,
    ProspectsRecorded,
    ReferralAccepted,
    ReferralCompleted,
    ReferralDeclined,
    ReferralOutcome,
    ReferralProposed,
    ReferralSent,
    SessionLogged,
    WaveEvent,
    WaveOpened,
    encoded_record,
    from_record,
    to_record,
)
from ._matching import MatchRequest, Proposal, expertise_needed, match
from ._training import WaveState, apply_wave, check_wave, fold_wave, wave_stream

__all__ = ["CaseService", "Clock", "Outcome"]

_log = logging.getLogger("mentorkit.cases")

#: How many cases :meth:`CaseService.states` reads per query.
_SCAN_CHUNK = 400

#: A clock: returns the current time, timezone-aware.
Clock = Callable[[], dt.datetime]

_OBSERVATION_PATH = re.compile(r"\$\.observations\[(\d+)\]")
_BLOCKING = (
    ReferralStatus.PROPOSED,
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.COMPLETED,
)


def _live_units(state: CaseState) -> set[str]:
    """The units ``state`` has a referral to that blocks a new one (see ``_BLOCKING``)."""
    return {r.unit for r in state.referrals if r.status in _BLOCKING}


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _fold_onto(state: CaseState, records: Iterable[EventRecord]) -> CaseState:
    """Fold ``records`` (the events after ``state.version``) on top of ``state``.

    The same steps as :func:`fold` from the first event, so the result is
    the state a full fold of the stream gives.
    """
    for record in records:
        event = from_record(record)
        if not isinstance(event, CaseEvent):
            raise TransitionError(f"event {record.kind!r} does not belong in a case stream")
        state = apply(state, event, record.version, record.at)
    return state


@frozen
class Outcome:
    """What a command did: the case's new state, input issues and plugin failures.

    ``issues`` name each rejected input by its path (the good inputs were
    still recorded); ``failures`` are plugins that raised in an event hook
    or during evaluation. Neither undoes the write.
    """

    state: CaseState
    issues: tuple[FieldIssue, ...] = ()
    failures: tuple[PluginFailure, ...] = ()


#: The kind of the event a mentor's stream gets for each case assigned to them.
_CASE_TAKEN = "mentor.case_taken"


def _once(case_ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for case_id in case_ids:
        if case_id in seen:
            raise ValueError(f"case {case_id!r} appears twice in one bulk command")
        seen.add(case_id)


def _mentions_mentor(mentor_id: str | None) -> Callable[[list[EventRecord]], bool]:
    kinds = (MentorAssigned.kind, MentorReassigned.kind)

    def wanted(records: list[EventRecord]) -> bool:
        return any(r.kind in kinds and r.data.get("mentor_id") == mentor_id for r in records)

    return wanted


def _without_mentor(records: list[EventRecord]) -> bool:
    kinds = (MentorAssigned.kind, CaseClosed.kind)
    return not any(r.kind in kinds for r in records)


def _sent_to(unit: str | None) -> Callable[[list[EventRecord]], bool]:
    """Streams with a sent referral (to ``unit``, when given): the rest cannot matter."""

    def wanted(records: list[EventRecord]) -> bool:
        sent = {r.data.get("referral_id") for r in records if r.kind == ReferralSent.kind}
        if not sent:
            return False
        if unit is None:
            return True
        for r in records:
            if r.kind == ReferralProposed.kind and r.data.get("referral_id") in sent:
                referral = r.data.get("referral")
                if isinstance(referral, Mapping) and referral.get("unit") == unit:
                    return True
        return False

    return wanted


class CaseService:
    """Case management (pendampingan) over any event store.

    ``store`` keeps the events (stream ``case/<case_id>`` per case and
    ``wave/<programme_id>`` per wave); ``registry`` supplies rubrics, rules,
    units, milestone templates and the event hooks; ``engine`` evaluates
    them (built from the registry when not given); ``clock`` gives the
    current time (inject one in tests); ``cooperatives`` are passed to the
    referral rules. Every call takes the acting :class:`Actor` explicitly.

    ``cache_states`` keeps, per case stream, the last state the service
    read or wrote with its version. A read then asks the store only for the
    events after that version (``store.read(stream, after=version)``) and
    folds them on top, so another writer's events are never hidden and a
    command's expected version is still the version the store holds:
    :class:`~mentorkit.ConflictError` behaves exactly as without the cache.
    A successful append stores the new state; a conflicting one drops the
    case's entry. The views that scan every case (caseloads, cohort
    progress, a unit's referrals) reuse the cached states too. The cache is
    guarded by a lock, so the service stays as thread-safe as its store.

    The cache is off by default because the :class:`~mentorkit.EventStore`
    contract is append-only but the SQL stores' ``erase_person`` (UU PDP
    right to deletion) rewrites stored events in place without a new
    version: a cache cannot see that, and a long-lived service sharing its
    store with other processes would keep showing erased personal data. It
    also grows by one state per case read. Turn it on where one process
    owns the store while it works (the ``mentorkit`` command, a batch job,
    tests) and call :meth:`forget` after rewriting events in place.
    """

    def __init__(
        self,
        store: EventStore,
        registry: Registry,
        *,
        engine: Engine | None = None,
        clock: Clock | None = None,
        cooperatives: Sequence[Cooperative] = (),
        cache_states: bool = False,
    ) -> None:
        self.store = store
        self.registry = registry
        self.engine = engine if engine is not None else Engine(registry)
        self.clock = clock if clock is not None else _utc_now
        self.cooperatives = tuple(cooperatives)
        self._plugin_names = {p.name: p.display for p in registry.plugins}
        self._cache: dict[str, CaseState] | None = {} if cache_states else None
        self._cache_lock = threading.Lock()

    @property
    def caches_states(self) -> bool:
        """True when the service keeps folded case states (``cache_states=True``)."""
        return self._cache is not None

    def forget(self, case_id: str | None = None) -> None:
        """Drop the cached state of ``case_id``, or of every case when None.

        Needed only after events were rewritten in place (such as
        ``erase_person``); appends by anyone are always seen. A no-op
        without the cache.
        """
        if self._cache is None:
            return
        with self._cache_lock:
            if case_id is None:
                self._cache.clear()
            else:
                self._cache.pop(stream_name(case_id), None)

    def forget_many(self, case_ids: Iterable[str]) -> None:
        """Drop the cached states of ``case_ids`` (:meth:`forget` for many, one lock).

        Also how a batch keeps the cache bounded: drop the states of the
        cases it is done with. A no-op without the cache.
        """
        if self._cache is None:
            return
        streams = [stream_name(case_id) for case_id in case_ids]
        with self._cache_lock:
            for stream in streams:
                self._cache.pop(stream, None)

    # ----------------------------------------------------------------------- plumbing

    def _now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return a timezone-aware datetime")
        return now

    def _today(self, on: dt.date | None) -> dt.date:
        return on if on is not None else self._now().date()

    # The cache: one (version, state) per stream, the version being the state's own.

    def _cached(self, stream: str) -> CaseState | None:
        if self._cache is None:
            return None
        with self._cache_lock:
            return self._cache.get(stream)

    def _remember(self, stream: str, state: CaseState) -> None:
        """Keep ``state`` unless another thread already keeps a later one."""
        if self._cache is None:
            return
        with self._cache_lock:
            held = self._cache.get(stream)
            if held is None or held.version <= state.version:
                self._cache[stream] = state

    def _drop(self, stream: str) -> None:
        if self._cache is None:
            return
        with self._cache_lock:
            self._cache.pop(stream, None)

    def _refresh(self, stream: str, cached: CaseState) -> CaseState:
        """``cached`` brought up to date with the events stored after its version."""
        tail = self.store.read(stream, after=cached.version)
        if not tail:
            return cached
        if tail[0].version == cached.version + 1:
            state = _fold_onto(cached, tail)
        else:  # the store did not continue where the cache stopped: fold it all again
            folded = fold(self.store.read(stream))
            if folded is None:
                self._drop(stream)
                raise NotFoundError(f"no case stream {stream!r}")
            state = folded
        self._remember(stream, state)
        return state

    def _read_state(
        self, case_id: str, wanted: Callable[[list[EventRecord]], bool] | None = None
    ) -> CaseState | None:
        """The current state of a case (None when it has no events).

        ``wanted`` may skip an uncached stream by its raw records, before
        any decoding; a cached state is refreshed and returned regardless,
        so callers check the state itself too.
        """
        stream = stream_name(case_id)
        cached = self._cached(stream)
        if cached is not None:
            return self._refresh(stream, cached)
        records = self.store.read(stream)
        if wanted is not None and not wanted(records):
            return None
        state = fold(records)
        if state is not None:
            self._remember(stream, state)
        return state

    def _load_many(self, case_ids: Sequence[str]) -> list[CaseState]:
        """:meth:`_load` for each of ``case_ids`` (each once), read in bulk.

        Cached states are checked with one version query per few hundred
        cases when the store offers ``versions`` (the SQL stores), and read
        again only when the store has moved on; the others are read as
        :meth:`_scan` reads them, a few hundred per query.
        """
        streams = [stream_name(case_id) for case_id in case_ids]
        current: dict[str, CaseState] = {}
        versions = getattr(self.store, "versions", None)
        cached = {s: held for s in streams if (held := self._cached(s)) is not None}
        if cached and versions is not None:
            stored = versions(list(cached))
            current = {s: held for s, held in cached.items() if stored[s] == held.version}
        missing = [c for c, s in zip(case_ids, streams, strict=True) if s not in current]
        # The cached ones among ``missing`` are known to be behind: read their tails directly.
        scanned = (
            state for state, _lean in self._scan(missing, observations=True, known_stale=True)
        )
        return [current[s] if s in current else next(scanned) for s in streams]

    def _load(self, case_id: str) -> CaseState:
        state = self._read_state(case_id)
        if state is None:
            raise NotFoundError(f"no case {case_id!r}")
        return state

    def _commit(
        self,
        actor: Actor,
        case_id: str,
        state: CaseState | None,
        events: Sequence[CaseEvent],
        expected_version: int | None,
    ) -> CaseState:
        """Check ``events`` against ``state`` and append them as one atomic write."""
        return self._commit_many(actor, [(case_id, state, events, expected_version)])[0]

    def _prepare(
        self,
        actor: Actor,
        case_id: str,
        state: CaseState | None,
        events: Sequence[CaseEvent],
        expected_version: int | None,
        at: dt.datetime,
    ) -> tuple[str, int, list[EventRecord], CaseState | None]:
        """Check ``events`` against ``state``: (stream, read version, records, new state)."""
        read_version = 0 if state is None else state.version
        if expected_version is not None and expected_version != read_version:
            raise ConflictError(
                f"case {case_id!r} is at version {read_version}, "
                f"the write expected {expected_version}"
            )
        if not events and state is None:
            raise NotFoundError(f"no case {case_id!r}")
        stream = stream_name(case_id)
        # The records carry their payloads' stored JSON text, made along with them, so
        # an SQL store does not encode each payload a second time.
        records = EncodedRecords()
        new = state
        for offset, event in enumerate(events, start=1):
            check(new, event)
            record, text = encoded_record(stream, read_version + offset, actor.id, at, event)
            # The event itself, not its decoded record: the round trip is lossless (a
            # property test of every event kind), and the state-machine and cache tests
            # check that the live state equals a fold of what was stored.
            new = apply(new, event, record.version, at)
            records.add(record, text)
        return stream, read_version, records, new

    def _commit_many(
        self,
        actor: Actor,
        writes: Sequence[tuple[str, CaseState | None, Sequence[CaseEvent], int | None]],
        claims: Sequence[tuple[str, int, str]] = (),
        lean: Collection[str] = (),
    ) -> list[CaseState]:
        """Check and append ``(case_id, state, events, expected_version)`` writes.

        With a store that offers ``append_many`` (the SQL stores,
        :class:`~mentorkit.InMemoryEventStore`) every case is written in one
        transaction: all or nothing. Otherwise each case is its own atomic
        append, in order. ``claims`` are ``(mentor_id, read_version,
        case_id)``: a ``mentor.case_taken`` event on the mentor's stream,
        written first (see :func:`mentor_stream`). ``lean`` are the case ids
        whose states were read without observations (see :meth:`states`):
        their new states are not cached.
        """
        at = self._now().astimezone(dt.UTC)
        prepared = [self._prepare(actor, *write, at) for write in writes]
        batches = [
            (
                mentor_stream(mentor_id),
                version,
                [
                    EventRecord(
                        mentor_stream(mentor_id),
                        version + 1,
                        _CASE_TAKEN,
                        actor.id,
                        at,
                        {"case_id": case_id},
                    )
                ],
            )
            for mentor_id, version, case_id in claims
        ]
        batches.extend(
            (stream, version, records) for stream, version, records, _ in prepared if records
        )
        append_many = getattr(self.store, "append_many", None)
        try:
            if append_many is not None and len(batches) > 1:
                append_many(batches)
            else:
                for stream, version, records in batches:
                    self.store.append(stream, version, records)
        except ConflictError:
            for stream, _, _ in batches:
                self._drop(stream)
            raise
        states = []
        for (case_id, _, _, _), (stream, read_version, records, new) in zip(
            writes, prepared, strict=True
        ):
            assert new is not None  # a case without events was refused in _prepare
            states.append(new)
            if not records:
                continue
            if case_id in lean:
                self._drop(stream)  # a state without its observations is never cached
            else:
                self._remember(stream, new)
            _log.info(
                "case %s: %s by %s, version %d -> %d",
                case_id,
                ",".join(r.kind for r in records),
                actor.id,
                read_version,
                records[-1].version,
            )
        return states

    def _fire(self, hook_name: str, **kwargs: Any) -> tuple[PluginFailure, ...]:
        """Call every implementation of event hook ``hook_name`` on its own."""
        hook = getattr(self.registry.plugin_manager.hook, hook_name)
        failures = []
        for impl in hook.get_hookimpls():
            if impl.hookwrapper or getattr(impl, "wrapper", False):
                continue
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception as exc:
                plugin = self._plugin_names.get(impl.plugin_name, impl.plugin_name)
                # The message names the exception type only: its text may hold personal data.
                failure = PluginFailure(
                    plugin, "event", f"{hook_name}() raised {type(exc).__name__}", kwargs["case_id"]
                )
                _log.warning("%s", failure)
                failures.append(failure)
        return tuple(failures)

    def _case_ids(self) -> list[str]:
        return [s[len(STREAM_PREFIX) :] for s in self.store.streams(STREAM_PREFIX)]

    def _states(
        self, wanted: Callable[[list[EventRecord]], bool] | None = None
    ) -> Iterable[CaseState]:
        """Every case, by case id.

        ``wanted`` skips uncached streams by their raw records, undecoded;
        it only saves work, so callers still check each state they get.
        """
        for case_id in self._case_ids():
            state = self._read_state(case_id, wanted)
            if state is not None:
                yield state

    # ----------------------------------------------------------------------- reads

    def get(self, actor: Actor, case_id: str, *, reveal: bool = False) -> CaseView:
        """The case as ``actor`` may see it (personal data masked unless allowed and asked)."""
        state = self._load(case_id)
        require_case(actor, state, "read")
        return case_view(actor, state, reveal=reveal)

    def cases(self, actor: Actor, *, reveal: bool = False) -> list[CaseView]:
        """Every case a coordinator may see, or a mentor's own cases, by case id."""
        if actor.role is Role.UNIT_OFFICER:
            require_coordinator(actor, "list cases")
        wanted = None if actor.role is Role.COORDINATOR else _mentions_mentor(actor.mentor_id)
        out = []
        for state in self._states(wanted):
            if actor.role is Role.COORDINATOR or state.mentor_id == actor.mentor_id:
                out.append(case_view(actor, state, reveal=reveal))
        return out

    def state(self, actor: Actor, case_id: str) -> CaseState:
        """The whole state of a case, personal data in clear (coordinators only).

        For the office's own processing and exports; show people
        :meth:`get`, which masks the owner's NIK and phone.
        """
        require_coordinator(actor, f"read the state of case {case_id!r}")
        return self._load(case_id)

    def states(
        self,
        actor: Actor,
        case_ids: Iterable[str] | None = None,
        *,
        observations: bool = True,
        traces: bool = True,
    ) -> Iterator[CaseState]:
        """The whole state of every case, or of ``case_ids`` in that order (coordinators only).

        Read in bulk: a store that offers ``read_many`` (the SQL stores)
        answers a few hundred cases per query. With ``observations=False``
        the states leave out their observations (``observations`` is
        empty; every other field is as :meth:`state` gives it): most of a
        case's stored weight, which cohort indicators, referral rules and
        unit lists never read. With ``traces=False`` they leave out what
        explains each decision: assessments come without their
        per-criterion trace (``criteria`` empty) and receipt, referrals
        without their reasons, details and receipt; levels, scores,
        statuses and outcomes stay (what cohort indicators count; referral
        rules need the traces). The SQL stores leave them out in the
        database, before anything is read. Such states are not cached.
        Raises :class:`~mentorkit.NotFoundError` for an id without a case.
        """
        require_coordinator(actor, "read case states")
        ids = self._case_ids() if case_ids is None else list(case_ids)
        for state, _lean in self._scan(ids, observations=observations, traces=traces):
            yield state

    def _scan(
        self,
        case_ids: Sequence[str],
        *,
        observations: bool,
        traces: bool = True,
        known_stale: bool = False,
    ) -> Iterator[tuple[CaseState, bool]]:
        """``(state, lean)`` for each of ``case_ids``, in order, read in chunks.

        A cached state is refreshed and given whole (``lean`` False) unless
        ``traces`` is False (then without its traces, see :meth:`states`);
        the cached states of a chunk are checked with one version query
        (unless ``known_stale``: the caller knows the store has moved on)
        and only those behind read their tails. The others are folded from
        one bulk read per chunk, without their observations unless
        ``observations`` and without their traces unless ``traces``
        (``lean`` True then).
        """
        read_many = getattr(self.store, "read_many", None)
        versions = None if known_stale else getattr(self.store, "versions", None)
        bare = () if observations else OBSERVATION_KINDS
        whole = observations and traces
        for start in range(0, len(case_ids), _SCAN_CHUNK):
            chunk = case_ids[start : start + _SCAN_CHUNK]
            streams = [stream_name(case_id) for case_id in chunk]
            cold = [stream for stream in streams if self._cached(stream) is None]
            unread = set(streams).difference(cold)  # the cached ones
            # One version query for the cached ones instead of a read of each tail.
            stored: Mapping[str, int] = {}
            if versions is not None and unread:
                stored = versions(sorted(unread))
            records: Mapping[str, list[EventRecord]]
            if read_many is None:
                records = {stream: self.store.read(stream) for stream in cold}
            elif traces:
                records = read_many(cold, bare_kinds=bare)
            else:
                records = read_many(cold, bare_kinds=bare, without=TRACE_PATHS)
            for case_id, stream in zip(chunk, streams, strict=True):
                cached = self._cached(stream)
                if cached is not None:
                    if stored.get(stream) == cached.version:
                        fresh = cached  # nobody wrote since: no tail to read
                    else:
                        fresh = self._refresh(stream, cached)
                    yield (fresh, False) if traces else (without_traces(fresh), True)
                    continue
                # A stream in ``unread`` was cached when the chunk was read, and dropped since.
                found = self.store.read(stream) if stream in unread else records.get(stream, [])
                state = fold(found, observations=observations)
                if state is None:
                    raise NotFoundError(f"no case {case_id!r}")
                if whole:
                    self._remember(stream, state)
                elif not traces:
                    state = without_traces(state)  # for any store: a no-op after the SQL ones
                yield state, not whole

    def history(self, actor: Actor, case_id: str) -> list[EventRecord]:
        """The stored events of a case, oldest first.

        Coordinators only: the events hold personal data.
        """
        require_coordinator(actor, f"read the history of case {case_id!r}")
        records = self.store.read(stream_name(case_id))
        if not records:
            raise NotFoundError(f"no case {case_id!r}")
        return records

    def caseloads(self, actor: Actor) -> dict[str, int]:
        """Open cases per mentor id (coordinators only)."""
        require_coordinator(actor, "read caseloads")
        return self._caseloads()

    def _caseloads(self) -> dict[str, int]:
        loads: dict[str, int] = {}
        for case_id in self._case_ids():
            stream = stream_name(case_id)
            mentor: str | None = None
            cached = self._cached(stream)
            if cached is not None:
                state = self._refresh(stream, cached)
                mentor = state.mentor_id if state.is_open else None
            else:  # scan the raw records: cheaper than decoding them
                for record in self.store.read(stream):
                    if record.kind in (MentorAssigned.kind, MentorReassigned.kind):
                        mentor = str(record.data["mentor_id"])
                    elif record.kind == CaseClosed.kind:
                        mentor = None
            if mentor is not None:
                loads[mentor] = loads.get(mentor, 0) + 1
        return loads

    # ----------------------------------------------------------------------- intake and mentors

    def open_case(
        self,
        actor: Actor,
        business: Business,
        programme_id: str,
        *,
        case_id: str | None = None,
        on: dt.date | None = None,
    ) -> Outcome:
        """Open a case for ``business`` in programme ``programme_id`` (coordinators only).

        The case id defaults to ``<programme_id>:<business id>``; opening it
        twice raises :class:`~mentorkit.ConflictError`.
        """
        case_id = case_id if case_id is not None else f"{programme_id}:{business.id}"
        require_coordinator(actor, f"open case {case_id!r}")
        if self.store.version(stream_name(case_id)) > 0:
            raise ConflictError(f"case {case_id!r} already exists")
        event = CaseOpened(case_id, business, programme_id, self._today(on))
        return Outcome(self._commit(actor, case_id, None, [event], 0))

    def open_cases(
        self,
        actor: Actor,
        businesses: Iterable[Business],
        programme_id: str,
        *,
        on: dt.date | None = None,
    ) -> list[Outcome]:
        """Open a case for each business (ids ``<programme_id>:<business id>``) in one write.

        The same events as :meth:`open_case` one by one, written together:
        on a store with ``append_many`` (the SQL stores) all cases are
        opened or none is; an existing case raises
        :class:`~mentorkit.ConflictError` before anything is written.
        """
        require_coordinator(actor, "open cases")
        day = self._today(on)
        writes: list[tuple[str, CaseState | None, Sequence[CaseEvent], int | None]] = []
        seen: set[str] = set()
        chosen = list(businesses)
        versions = getattr(self.store, "versions", None)
        existing: Mapping[str, int] | None = None
        if versions is not None:  # one query per few hundred cases instead of one each
            existing = versions([stream_name(f"{programme_id}:{b.id}") for b in chosen])
        for business in chosen:
            case_id = f"{programme_id}:{business.id}"
            stream = stream_name(case_id)
            version = self.store.version(stream) if existing is None else existing[stream]
            if case_id in seen or version > 0:
                raise ConflictError(f"case {case_id!r} already exists")
            seen.add(case_id)
            writes.append((case_id, None, [CaseOpened(case_id, business, programme_id, day)], 0))
        return [Outcome(state) for state in self._commit_many(actor, writes)]

    def assign_mentor(
        self,
        actor: Actor,
        case_id: str,
        mentor: Mentor,
        *,
        explanation: str | None = None,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Assign ``mentor`` to a case without one (coordinators only; never over capacity)."""
        state = self._load(case_id)
        require_coordinator(actor, f"assign a mentor to case {case_id!r}")
        return Outcome(self._assign(actor, state, mentor, explanation, on, expected_version))

    def _assign(
        self,
        actor: Actor,
        state: CaseState,
        mentor: Mentor,
        explanation: str | None,
        on: dt.date | None,
        expected_version: int | None,
        loads: Mapping[str, int] | None = None,
        *,
        reassign: bool = False,
        claimed: int | None = None,
    ) -> CaseState:
        """Check capacity and write the assignment with the mentor's claim.

        ``claimed`` is the version of the mentor's stream read before
        ``loads`` were counted (read here when None): a concurrent
        assignment to the same mentor makes the write stale.
        """
        day = self._today(on)
        event: CaseEvent
        if reassign:
            event = MentorReassigned(mentor.id, state.mentor_id or "-", day, explanation)
        else:
            event = MentorAssigned(mentor.id, day, explanation)
        check(state, event)
        if claimed is None:  # read before the caseloads: a later assignment makes this stale
            claimed = self.store.version(mentor_stream(mentor.id))
        load = (loads if loads is not None else self._caseloads()).get(mentor.id, 0)
        if load >= mentor.capacity:
            raise TransitionError(
                f"mentor {mentor.id!r} is at capacity ({load} of {mentor.capacity} cases)"
            )
        write = (state.case_id, state, [event], expected_version)
        return self._commit_many(actor, [write], [(mentor.id, claimed, state.case_id)])[0]

    def reassign_mentor(
        self,
        actor: Actor,
        case_id: str,
        mentor: Mentor,
        *,
        reason: str | None = None,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Move a case to another mentor (coordinators only; never over capacity)."""
        state = self._load(case_id)
        require_coordinator(actor, f"reassign case {case_id!r}")
        return Outcome(
            self._assign(actor, state, mentor, reason, on, expected_version, reassign=True)
        )

    def propose_mentors(
        self, actor: Actor, mentors: Sequence[Mentor], *, case_ids: Sequence[str] | None = None
    ) -> list[Proposal]:
        """Propose mentors for the open cases without one, by case id (coordinators only).

        Each case's needs come from its weakest rubric (see
        :func:`expertise_needed`); current caseloads count against capacity.
        Nothing is written: pass the proposals to :meth:`assign_proposals`.
        """
        require_coordinator(actor, "propose mentors")
        wanted = None if case_ids is None else set(case_ids)
        requests = []
        for state in self._states(_without_mentor):
            if not state.is_open or state.mentor_id is not None:
                continue
            if wanted is not None and state.case_id not in wanted:
                continue
            latest = state.latest_assessments().values()
            rubric_id, needs = expertise_needed(latest, self.registry.rubrics)
            requests.append(
                MatchRequest(
                    state.case_id, state.business.id, state.business.district, needs, rubric_id
                )
            )
        return match(requests, mentors, load=self._caseloads())

    def assign_proposals(
        self,
        actor: Actor,
        proposals: Iterable[Proposal],
        mentors: Sequence[Mentor],
        *,
        on: dt.date | None = None,
    ) -> list[Outcome]:
        """Carry out proposals that name a mentor, recording each explanation.

        Coordinators only; capacity is checked again for each assignment,
        and an assignment another coordinator made to the same mentor
        meanwhile raises :class:`~mentorkit.ConflictError` (those done
        before it stay written).
        """
        require_coordinator(actor, "assign mentors")
        by_id = {m.id: m for m in mentors}
        chosen = [(p, by_id[p.mentor_id]) for p in proposals if p.mentor_id is not None]
        claimed = {m.id: self.store.version(mentor_stream(m.id)) for _, m in chosen}
        loads = self._caseloads()
        done = []
        for proposal, mentor in chosen:
            state = self._load(proposal.case_id)
            new = self._assign(
                actor,
                state,
                mentor,
                proposal.explanation.en,
                on,
                None,
                loads,
                claimed=claimed[mentor.id],
            )
            loads[mentor.id] = loads.get(mentor.id, 0) + 1
            claimed[mentor.id] += 1
            done.append(Outcome(new))
        return done

    # ----------------------------------------------------------------------- assessment

    def record_observations(
        self,
        actor: Actor,
        case_id: str,
        observations: Sequence[Observation],
        *,
        expected_version: int | None = None,
    ) -> Outcome:
        """Record a mentor's observations; bad ones are reported, good ones kept.

        An observation for another business, an unknown rubric or
        criterion, or an answer that does not fit its criterion is returned
        as an issue at ``$.observations[i]``; the rest are recorded.
        """
        state = self._load(case_id)
        events, issues = self._observation_events(actor, state, observations)
        new = self._commit(actor, case_id, state, events, expected_version)
        return Outcome(new, issues=issues)

    def record_observations_many(
        self, actor: Actor, items: Iterable[tuple[str, Sequence[Observation]]]
    ) -> list[Outcome]:
        """:meth:`record_observations` for many ``(case_id, observations)`` in one write.

        Checks and issues are those of one call per case; the events are
        written together (all or nothing on a store with ``append_many``).
        A case may appear once only.
        """
        writes: list[tuple[str, CaseState | None, Sequence[CaseEvent], int | None]] = []
        all_issues = []
        pairs = list(items)
        _once(case_id for case_id, _ in pairs)
        loaded = self._load_many([case_id for case_id, _ in pairs])
        for (case_id, observations), state in zip(pairs, loaded, strict=True):
            events, issues = self._observation_events(actor, state, observations)
            writes.append((case_id, state, events, None))
            all_issues.append(issues)
        states = self._commit_many(actor, writes)
        return [Outcome(st, issues=i) for st, i in zip(states, all_issues, strict=True)]

    def _observation_events(
        self, actor: Actor, state: CaseState, observations: Sequence[Observation]
    ) -> tuple[list[CaseEvent], tuple[FieldIssue, ...]]:
        require_case(actor, state, "record observations")
        issues = []
        bad: set[int] = set()
        known = [(i, o) for i, o in enumerate(observations) if o.rubric_id in self.registry.rubrics]
        for i, obs in enumerate(observations):
            if obs.rubric_id not in self.registry.rubrics:
                issues.append(FieldIssue(f"$.observations[{i}].rubric_id", "no such rubric"))
                bad.add(i)
        if known:
            checked = self.engine.check_observations(state.business, [o for _, o in known])
            for issue in checked:
                found = _OBSERVATION_PATH.match(issue.path)
                if found is None:
                    continue
                position = known[int(found.group(1))][0]
                rest = issue.path[found.end() :]
                issues.append(FieldIssue(f"$.observations[{position}]{rest}", issue.message))
                bad.add(position)
        good = tuple(o for i, o in enumerate(observations) if i not in bad)
        events: list[CaseEvent] = [ObservationsRecorded(good)] if good else []
        return events, tuple(sorted(issues, key=lambda x: x.path))

    def assess(
        self,
        actor: Actor,
        case_id: str,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Assess the business from its observations and record the results.

        The first complete assessment per rubric is the baseline, later ones
        are follow-ups. A complete assessment moves an intake case to
        assessed. The referral rules then run with the case facts and each
        new proposal (one per unit without a live referral) is recorded.
        Hooks ``on_assessment_recorded`` run after the write.
        """
        state = self._load(case_id)
        events, evaluation = self._assessment_events(actor, state, self._today(on))
        new = self._commit(actor, case_id, state, events, expected_version)
        return Outcome(new, issues=evaluation.issues, failures=self._assessed(case_id, evaluation))

    def assess_many(
        self, actor: Actor, case_ids: Iterable[str], *, on: dt.date | None = None
    ) -> list[Outcome]:
        """:meth:`assess` for many cases, written in one go.

        The same events and outcomes as one call per case, in the order
        given; the writes are one transaction on a store with
        ``append_many`` (all or nothing), and the ``on_assessment_recorded``
        hooks run after it. A case may appear once only.
        """
        day = self._today(on)
        ids = list(case_ids)
        _once(ids)
        writes: list[tuple[str, CaseState | None, Sequence[CaseEvent], int | None]] = []
        evaluations = []
        for case_id, state in zip(ids, self._load_many(ids), strict=True):
            events, evaluation = self._assessment_events(actor, state, day)
            writes.append((case_id, state, events, None))
            evaluations.append(evaluation)
        states = self._commit_many(actor, writes)
        return [
            Outcome(new, issues=ev.issues, failures=self._assessed(case_id, ev))
            for case_id, new, ev in zip(ids, states, evaluations, strict=True)
        ]

    def _assessment_events(
        self, actor: Actor, state: CaseState, day: dt.date
    ) -> tuple[list[CaseEvent], Evaluation]:
        require_case(actor, state, "assess")
        evaluation = self.engine.evaluate(
            state.business,
            state.observations,
            on=day,
            facts=self._facts(state),
            cooperatives=self.cooperatives,
            skip_units=_live_units(state),  # no second referral to a unit: see _proposals
        )
        complete = {
            r.assessment.rubric_id
            for r in state.assessments
            if r.assessment.status is AssessmentStatus.COMPLETE
        }
        events: list[CaseEvent] = []
        for assessment in evaluation.assessments:
            phase = (
                AssessmentPhase.FOLLOW_UP
                if assessment.rubric_id in complete
                else AssessmentPhase.BASELINE
            )
            events.append(AssessmentRecorded(assessment, phase))
        after = state
        for offset, event in enumerate(events, start=1):
            after = apply(after, event, state.version + offset, state.updated_at)
        if after.status is not CaseStatus.INTAKE:
            events.extend(self._proposals(after, evaluation.referrals))
        return events, evaluation

    def _assessed(self, case_id: str, evaluation: Evaluation) -> tuple[PluginFailure, ...]:
        failures = list(evaluation.failures)
        for assessment in evaluation.assessments:
            failures.extend(
                self._fire("on_assessment_recorded", case_id=case_id, assessment=assessment)
            )
        return tuple(failures)

    def _facts(self, state: CaseState) -> dict[str, FactValue]:
        return dict(state.facts())

    def _proposals(self, state: CaseState, referrals: Iterable[Referral]) -> list[ReferralProposed]:
        live = _live_units(state)
        count = len(state.referrals)
        events = []
        for referral in referrals:
            if referral.unit in live:
                continue
            count += 1
            events.append(ReferralProposed(f"{referral.unit}-{count}", referral))
            live.add(referral.unit)
        return events

    def propose_referrals(
        self,
        actor: Actor,
        case_id: str,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Run the referral rules on the latest assessments and case facts; record new proposals."""
        state = self._load(case_id)
        events, evaluation = self._referral_events(actor, state, self._today(on))
        new = self._commit(actor, case_id, state, events, expected_version)
        return Outcome(new, failures=evaluation.failures)

    def propose_referrals_many(
        self, actor: Actor, case_ids: Iterable[str], *, on: dt.date | None = None
    ) -> list[Outcome | TransitionError]:
        """:meth:`propose_referrals` for many cases, read in bulk and written in one go.

        The same proposals as one call per case, in the order given. A case
        that refuses them (still at intake, closed) gives its
        :class:`~mentorkit.TransitionError` in its place, as
        ``asyncio.gather(..., return_exceptions=True)`` does, and the others
        are still written (one transaction on a store with
        ``append_many``). The cases are read without their observations
        (the rules do not read them, see :meth:`states`), so the outcomes'
        states leave them out too. A case may appear once only.
        """
        return [result for _, result in self._propose_many(actor, case_ids, on=on)]

    def _propose_many(
        self, actor: Actor, case_ids: Iterable[str], *, on: dt.date | None
    ) -> list[tuple[CaseState, Outcome | TransitionError]]:
        """:meth:`propose_referrals_many`, each result with the state it was read in."""
        day = self._today(on)
        ids = list(case_ids)
        _once(ids)
        results: list[tuple[CaseState, Outcome | TransitionError]] = []
        writes: list[tuple[str, CaseState | None, Sequence[CaseEvent], int | None]] = []
        written: list[tuple[int, Evaluation]] = []
        lean: set[str] = set()
        for state, is_lean in self._scan(ids, observations=False):
            events, evaluation = self._referral_events(actor, state, day)
            try:
                after: CaseState = state
                for offset, event in enumerate(events, start=1):
                    check(after, event)
                    after = apply(after, event, state.version + offset, state.updated_at)
            except TransitionError as refused:
                results.append((state, refused))
                continue
            results.append((state, Outcome(state, failures=evaluation.failures)))
            if events:
                written.append((len(results) - 1, evaluation))
                writes.append((state.case_id, state, events, None))
                if is_lean:
                    lean.add(state.case_id)
        if writes:
            states = self._commit_many(actor, writes, lean=lean)
            for (index, evaluation), new in zip(written, states, strict=True):
                results[index] = (results[index][0], Outcome(new, failures=evaluation.failures))
        return results

    def _referral_events(
        self, actor: Actor, state: CaseState, day: dt.date
    ) -> tuple[list[ReferralProposed], Evaluation]:
        """The rules run on ``state``'s latest assessments and facts: its new proposals."""
        require_case(actor, state, "propose referrals")
        evaluation = self.engine.refer(
            state.business,
            state.latest_assessments().values(),
            on=day,
            facts=self._facts(state),
            cooperatives=self.cooperatives,
            # A unit with a live referral gets no second one: its rules need not run.
            skip_units=_live_units(state),
        )
        return self._proposals(state, evaluation.referrals), evaluation

    def record_prospects(
        self,
        actor: Actor,
        case_id: str,
        has_prospects: bool,
        *,
        note: str | None = None,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Record whether the business has prospects (the office's key indicator)."""
        state = self._load(case_id)
        require_case(actor, state, "record prospects")
        event = ProspectsRecorded(has_prospects, self._today(on), note)
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    def start_mentoring(
        self,
        actor: Actor,
        case_id: str,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Move an assessed case with a mentor into mentoring."""
        state = self._load(case_id)
        require_case(actor, state, "start mentoring")
        event = MentoringStarted(self._today(on))
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    def progress(self, actor: Actor, case_id: str) -> list[Progress]:
        """Level before and after per rubric for one case ("naik kelas")."""
        state = self._load(case_id)
        require_case(actor, state, "read progress")
        return progress(state, self.engine.level_ranks)

    def cohort_progress(self, actor: Actor) -> list[Progress]:
        """Progress of every case, by case id then rubric (coordinators only)."""
        require_coordinator(actor, "read cohort progress")
        out: list[Progress] = []
        for state in self._states():
            out.extend(progress(state, self.engine.level_ranks))
        return out

    # ----------------------------------------------------------------------- business plan

    def recommend_milestones(
        self, actor: Actor, case_id: str, *, on: dt.date | None = None, lang: str = "id"
    ) -> list[Milestone]:
        """Milestones the plugin templates recommend for the latest unmet criteria.

        One per template named by an unmet criterion of the latest
        assessments, skipping templates already in the plan; due
        ``due_in_days`` after ``on``; titles in ``lang``. Nothing is written.
        """
        state = self._load(case_id)
        require_case(actor, state, "plan")
        day = self._today(on)
        planned = {m.template for m in state.milestones if m.template is not None}
        out = []
        for rubric_id, assessment in sorted(state.latest_assessments().items()):
            rubric = self.registry.rubrics.get(rubric_id)
            if rubric is None:
                continue
            index = {c.id: c for c in rubric.criteria}
            for result in assessment.unmet:
                criterion = index.get(result.criterion_id)
                if criterion is None or criterion.milestone is None:
                    continue
                template = self.registry.templates.get(criterion.milestone)
                if template is None or template.id in planned:
                    continue
                planned.add(template.id)
                out.append(
                    Milestone(
                        id=template.id,
                        title=template.title.get(lang),
                        due=day + dt.timedelta(days=template.due_in_days),
                        template=template.id,
                        criterion=f"{rubric_id}/{criterion.id}",
                    )
                )
        return out

    def add_milestones(
        self,
        actor: Actor,
        case_id: str,
        milestones: Sequence[Milestone],
        *,
        expected_version: int | None = None,
    ) -> Outcome:
        """Add milestones to the business plan (from templates or written by the mentor)."""
        state = self._load(case_id)
        require_case(actor, state, "plan")
        events = [MilestoneAdded(m) for m in milestones]
        return Outcome(self._commit(actor, case_id, state, events, expected_version))

    def complete_milestone(
        self,
        actor: Actor,
        case_id: str,
        milestone_id: str,
        *,
        evidence: str | None = None,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Mark a planned milestone done, with its evidence."""
        state = self._load(case_id)
        require_case(actor, state, "complete a milestone")
        event = MilestoneCompleted(milestone_id, self._today(on), evidence)
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    def miss_milestone(
        self,
        actor: Actor,
        case_id: str,
        milestone_id: str,
        *,
        note: str | None = None,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Mark a planned milestone missed."""
        state = self._load(case_id)
        require_case(actor, state, "mark a milestone missed")
        event = MilestoneMissed(milestone_id, self._today(on), note)
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    def log_session(
        self,
        actor: Actor,
        case_id: str,
        session: Session,
        *,
        expected_version: int | None = None,
    ) -> Outcome:
        """Log a mentoring session held by the case's mentor."""
        state = self._load(case_id)
        require_case(actor, state, "log a session")
        event = SessionLogged(session)
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    # ----------------------------------------------------------------------- referrals

    def send_referral(
        self,
        actor: Actor,
        case_id: str,
        referral_id: str,
        *,
        on: dt.date | None = None,
        due: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Send a proposed referral to its unit; it must answer by ``due``.

        ``due`` defaults to the unit's ``response_days`` after ``on``.
        Hooks ``on_referral_sent`` run after the write.
        """
        state = self._load(case_id)
        require_case(actor, state, "send a referral")
        referral = state.referral(referral_id)
        day = self._today(on)
        due = due if due is not None else self._due(referral.unit, day)
        event = ReferralSent(referral_id, day, due)
        new = self._commit(actor, case_id, state, [event], expected_version)
        failures = self._fire("on_referral_sent", case_id=case_id, referral=referral.referral)
        return Outcome(new, failures=failures)

    def _due(self, unit: str, day: dt.date) -> dt.date:
        declared = self.registry.units.get(unit)
        days = declared.response_days if declared is not None else 30
        return day + dt.timedelta(days=days)

    def _unit_state(self, actor: Actor, case_id: str, referral_id: str, action: str) -> CaseState:
        state = self._load(case_id)
        require_unit(actor, state.referral(referral_id).unit, f"{action} {referral_id!r}")
        return state

    def accept_referral(
        self,
        actor: Actor,
        case_id: str,
        referral_id: str,
        *,
        on: dt.date | None = None,
        due: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """The unit accepts a sent referral and should complete it by ``due``."""
        state = self._unit_state(actor, case_id, referral_id, "accept referral")
        day = self._today(on)
        unit = state.referral(referral_id).unit
        due = due if due is not None else self._due(unit, day)
        event = ReferralAccepted(referral_id, day, due)
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    def decline_referral(
        self,
        actor: Actor,
        case_id: str,
        referral_id: str,
        reason: str,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """The unit declines a sent referral, saying why."""
        state = self._unit_state(actor, case_id, referral_id, "decline referral")
        event = ReferralDeclined(referral_id, self._today(on), reason)
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    def complete_referral(
        self,
        actor: Actor,
        case_id: str,
        referral_id: str,
        outcome: ReferralOutcome,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """The unit completes an accepted referral with its outcome (a loan, a membership)."""
        state = self._unit_state(actor, case_id, referral_id, "complete referral")
        event = ReferralCompleted(referral_id, self._today(on), outcome)
        return Outcome(self._commit(actor, case_id, state, [event], expected_version))

    def referrals_for_unit(
        self, actor: Actor, unit: str, *, on: dt.date | None = None, overdue_only: bool = False
    ) -> list[ReferralSummary]:
        """Summaries (no NIK, no phone) of the referrals sent to ``unit``, by case id.

        Only a coordinator or an officer of ``unit`` may ask.
        """
        require_unit(actor, unit, f"see the referrals of unit {unit!r}")
        day = self._today(on)
        out = []
        for state in self._states(_sent_to(unit)):
            for referral in state.referrals:
                if referral.unit != unit or referral.sent_on is None:
                    continue
                if overdue_only and not referral.overdue(day):
                    continue
                out.append(referral_summary(state, referral, day))
        return out

    def overdue_at_units(
        self, actor: Actor, *, on: dt.date | None = None
    ) -> dict[str, list[ReferralSummary]]:
        """Overdue referrals grouped by unit.

        A coordinator sees every unit, a unit officer their own unit only.
        """
        day = self._today(on)
        if actor.role is Role.UNIT_OFFICER:
            assert actor.unit is not None  # Actor's own check
            units: list[str] | None = [actor.unit]
        else:
            require_coordinator(actor, "see overdue referrals")
            units = None
        grouped: dict[str, list[ReferralSummary]] = {}
        for state in self._states(_sent_to(None if units is None else units[0])):
            for referral in state.referrals:
                if units is not None and referral.unit not in units:
                    continue
                if referral.overdue(day):
                    grouped.setdefault(referral.unit, []).append(
                        referral_summary(state, referral, day)
                    )
        return dict(sorted(grouped.items()))

    # ----------------------------------------------------------------------- closing

    def close_case(
        self,
        actor: Actor,
        case_id: str,
        outcome: CaseOutcome,
        reason: str,
        *,
        on: dt.date | None = None,
        expected_version: int | None = None,
    ) -> Outcome:
        """Close a case with an outcome and a reason (coordinators only).

        Graduating needs a case in mentoring; referred-on needs a completed
        referral; both need no referral still open at a unit. Withdrawing or
        closing cancels open referrals. Hooks ``on_case_closed`` (with the
        outcome as ``reason``) run after the write.
        """
        state = self._load(case_id)
        require_coordinator(actor, f"close case {case_id!r}")
        event = CaseClosed(outcome, reason, self._today(on))
        new = self._commit(actor, case_id, state, [event], expected_version)
        failures = self._fire("on_case_closed", case_id=case_id, reason=outcome.value)
        return Outcome(new, failures=failures)

    # ----------------------------------------------------------------------- waves

    def _load_wave(self, programme_id: str) -> WaveState:
        state = fold_wave(self.store.read(wave_stream(programme_id)))
        if state is None:
            raise NotFoundError(f"no wave {programme_id!r}")
        return state

    def _commit_wave(
        self, actor: Actor, programme_id: str, state: WaveState | None, event: WaveEvent
    ) -> WaveState:
        check_wave(state, event)
        version = 0 if state is None else state.version
        at = self._now().astimezone(dt.UTC)
        record = to_record(wave_stream(programme_id), version + 1, actor.id, at, event)
        stored = from_record(record)
        assert isinstance(stored, type(event))
        new = apply_wave(state, stored, version + 1)
        self.store.append(wave_stream(programme_id), version, [record])
        _log.info("wave %s: %s by %s, version %d", programme_id, event.kind, actor.id, version + 1)
        return new

    def wave(self, actor: Actor, programme_id: str) -> WaveState:
        """A training or certification wave (coordinators only)."""
        require_coordinator(actor, f"read wave {programme_id!r}")
        return self._load_wave(programme_id)

    def open_wave(self, actor: Actor, programme: Programme) -> WaveState:
        """Open a training or certification wave (coordinators only)."""
        require_coordinator(actor, f"open wave {programme.id!r}")
        if self.store.version(wave_stream(programme.id)) > 0:
            raise ConflictError(f"wave {programme.id!r} already exists")
        return self._commit_wave(actor, programme.id, None, WaveOpened(programme))

    def enrol(
        self, actor: Actor, programme_id: str, case_id: str, *, on: dt.date | None = None
    ) -> WaveState:
        """Enrol an open case's business in a wave, within the wave's capacity."""
        require_coordinator(actor, f"enrol in wave {programme_id!r}")
        wave = self._load_wave(programme_id)
        case = self._load(case_id)
        if not case.is_open:
            raise TransitionError(f"case {case_id!r} is closed and cannot be enrolled")
        event = ParticipantEnrolled(case_id, case.business.id, self._today(on))
        return self._commit_wave(actor, programme_id, wave, event)

    def record_attendance(
        self, actor: Actor, programme_id: str, case_id: str, day: dt.date, *, present: bool = True
    ) -> WaveState:
        """Record a participant present (or absent) on ``day``."""
        require_coordinator(actor, f"record attendance in wave {programme_id!r}")
        wave = self._load_wave(programme_id)
        return self._commit_wave(
            actor, programme_id, wave, AttendanceRecorded(case_id, day, present)
        )

    def certify(
        self,
        actor: Actor,
        programme_id: str,
        case_id: str,
        *,
        on: dt.date | None = None,
        certificate: str | None = None,
        milestone_id: str | None = None,
    ) -> WaveState:
        """Certify a participant; with ``milestone_id``, also complete that case milestone.

        The milestone is checked before anything is written, then the wave
        and the case are written in turn (two streams, two appends).
        """
        require_coordinator(actor, f"certify in wave {programme_id!r}")
        wave = self._load_wave(programme_id)
        day = self._today(on)
        event = ParticipantCertified(case_id, day, certificate, milestone_id)
        check_wave(wave, event)
        done: MilestoneCompleted | None = None
        case: CaseState | None = None
        if milestone_id is not None:
            case = self._load(case_id)
            evidence = f"certificate {certificate or '-'} of wave {programme_id}"
            done = MilestoneCompleted(milestone_id, day, evidence)
            check(case, done)
        new = self._commit_wave(actor, programme_id, wave, event)
        if done is not None:
            self._commit(actor, case_id, case, [done], None)
        return new

"""The office's work on one store, shared by the commands and the demo (no click here)."""

import datetime as dt
import os
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from attrs import frozen

from .._engine import Engine
from .._errors import FieldIssue, MentorkitError, NotFoundError, TransitionError
from .._model import (
    AssessmentStatus,
    Business,
    Observation,
    Programme,
    ProgrammeKind,
    mask_nik,
    mask_phone,
)
from .._registry import PluginFailure, Registry
from ..cases import Actor, CaseReferral, CaseService, CaseState, Role, stream_name
from ..io import ImportResult, ImportStream
from ..reports import (
    cohort_case,
    cohort_indicators,
    cohort_indicators_from_store,
    referral_outcome,
)
from ..store import SQLiteStore, SQLStore, Synchronous, open_store
from ._reading import WorkerStream

__all__ = ["COORDINATOR", "AssessmentTally", "Office", "Problem", "unit_columns"]

#: The actor the command line acts as: the programme coordinator.
COORDINATOR = Actor(id="mentorkit-cli", role=Role.COORDINATOR)

Progress = Callable[[int], None]


@frozen
class Problem:
    """Something one record or plugin could not do, kept for the summary."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class AssessmentTally:
    """Counts each case's latest assessments, complete and all: ``mentorkit assess``'s summary.

    Pass it as :meth:`Office.assess`'s ``tally``; read :attr:`complete`
    and :attr:`total` once the pass is done.
    """

    def __init__(self) -> None:
        #: Latest assessments that are complete.
        self.complete = 0
        #: Latest assessments, one per rubric per case.
        self.total = 0

    def __call__(self, case: CaseState) -> None:
        latest = case.latest_assessments().values()
        self.complete += sum(1 for a in latest if a.status is AssessmentStatus.COMPLETE)
        self.total += len(latest)


def _issues(where: str, issues: Iterable[FieldIssue]) -> list[Problem]:
    return [Problem(where, str(issue)) for issue in issues]


def _failures(failures: Iterable[PluginFailure]) -> list[Problem]:
    return [
        Problem(f"plugin {f.plugin}", f"{f.stage} {f.item or ''}: {f.message}") for f in failures
    ]


class Office:
    """A store, the loaded plugins and a case service, acting as the coordinator.

    The service caches folded case states (``cache_states=True``): a
    command re-reads every case several times over a cohort's story, and
    only the events written since are folded again. The process owns the
    store while a command runs, which is what the cache asks for.
    """

    def __init__(
        self,
        store: SQLStore[Any],
        registry: Registry,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.store = store
        self.registry = registry
        self.engine = Engine(registry)
        self.service = CaseService(
            store,
            registry,
            engine=self.engine,
            clock=clock,
            cooperatives=store.cooperatives(),
            cache_states=True,
        )

    @classmethod
    def open(
        cls,
        target: str | os.PathLike[str],
        *,
        registry: Registry | None = None,
        create: bool = False,
        fast: bool = False,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> "Office":
        """Open the store at ``target`` (an SQLite path or a store URL).

        A path that does not exist is an error unless ``create``: a typo
        must not silently start an empty office. ``fast`` lowers SQLite's
        ``synchronous`` to NORMAL (for throwaway demo data).
        """
        text = os.fspath(target)
        is_url = "://" in text or text in (":memory:", "sqlite://")
        if not is_url and not create and not Path(text).exists():
            hint = f"mentorkit init --db {shlex.quote(text)}"
            raise NotFoundError(f"no store at {text!r}: create it with {hint!r}")
        if fast and not is_url:
            store: SQLStore[Any] = SQLiteStore(text, synchronous=Synchronous.NORMAL)
        else:
            store = open_store(text)
        return cls(store, registry if registry is not None else Registry.load(), clock=clock)

    def close(self) -> None:
        """Close the store."""
        self.store.close()

    # ----------------------------------------------------------------------- programme

    def programme(self, programme_id: str | None = None) -> Programme:
        """The programme ``programme_id``, or the only/first one in the store."""
        if programme_id is not None:
            return self.store.get_programme(programme_id)
        found = self.store.programmes()
        if not found:
            raise NotFoundError("the store has no programme: run 'mentorkit init' first")
        return found[0]

    def ensure_programme(
        self, programme_id: str, name: str, starts: dt.date, kind: ProgrammeKind
    ) -> Programme:
        """The programme ``programme_id``, created if the store does not have it yet."""
        try:
            return self.store.get_programme(programme_id)
        except NotFoundError:
            programme = Programme(id=programme_id, name=name, kind=kind, starts=starts)
            self.store.put_programmes([programme])
            return programme

    # ----------------------------------------------------------------------- import

    def load(self, source: ImportResult | ImportStream | WorkerStream) -> tuple[int, int]:
        """Store the good records of an import; returns (how many stored, strays).

        Strays are observations naming a business the store does not hold
        (kept: they count once the business is imported). A stream is
        written as it is read, in one transaction (the store's batch write
        consumes it), so a file of any size is never held in memory; so is a
        :class:`~mentorkit.cli._reading.WorkerStream` (a file read by a worker
        process), whose observations come as rows ready to insert.
        """
        kind = source.kind
        records: Iterable[Any]
        if isinstance(source, WorkerStream):
            if kind == "observations":
                rows = source.observation_rows(known=set(self.store.business_ids()))
                return self.store.add_observation_rows(rows), source.strays
            records = source.records()
        else:
            records = source if isinstance(source, ImportStream) else source.records
        if kind == "observations":
            known = set(self.store.business_ids())
            strays = 0

            def counted(observations: Iterable[Observation]) -> Iterator[Observation]:
                nonlocal strays
                for observation in observations:
                    if observation.business_id not in known:
                        strays += 1
                    yield observation

            return self.store.add_observations(counted(records)), strays
        if kind == "businesses":
            return self.store.put_businesses(records), 0
        if kind == "mentors":
            return self.store.put_mentors(records), 0
        if kind == "cooperatives":
            count = self.store.put_cooperatives(records)
            self.service.cooperatives = tuple(self.store.cooperatives())
            return count, 0
        raise MentorkitError(f"cannot store records of kind {kind!r}")

    # ----------------------------------------------------------------------- cases

    def case_id(self, programme: Programme, business_id: str) -> str:
        """The case id of a business in a programme (``<programme>:<business>``)."""
        return f"{programme.id}:{business_id}"

    def count_cases(self, programme: Programme) -> int:
        """How many cases ``programme`` has (open or not)."""
        return len(self.store.streams(stream_name(f"{programme.id}:")))

    def states(
        self, programme: Programme | None = None, *, observations: bool = True
    ) -> list[CaseState]:
        """Every case of ``programme`` (every case when None), by case id.

        ``observations=False`` leaves them out (see :meth:`CaseService.states`):
        what the report, the unit lists and the referral rules read.
        """
        ids = self.case_ids(programme)
        return list(self.service.states(COORDINATOR, ids, observations=observations))

    def case_ids(self, programme: Programme | None) -> list[str]:
        """The ids of ``programme``'s cases (every case when None), sorted."""
        prefix = stream_name("" if programme is None else f"{programme.id}:")
        return [stream[len(stream_name("")) :] for stream in self.store.streams(prefix)]

    def open_cases(
        self,
        programme: Programme,
        *,
        on: dt.date,
        businesses: Sequence[Business] | None = None,
        progress: Progress | None = None,
        keep_states: bool = True,
    ) -> int:
        """Open a case for every business without one; returns how many were opened.

        The service keeps the opened cases' states in its cache (the next
        pass reads them again) unless ``keep_states`` is False: then each
        chunk's are dropped once written, for a pass made elsewhere (worker
        processes).
        """
        chosen = businesses if businesses is not None else self.store.businesses()
        existing = set(self.store.streams(stream_name(f"{programme.id}:")))
        new: list[Business] = []
        for index, business in enumerate(chosen, start=1):
            if stream_name(self.case_id(programme, business.id)) not in existing:
                new.append(business)
            if progress is not None:
                progress(index)
        self._open(programme, new, on=on, keep_states=keep_states)
        if new:
            self.store.enrol(programme.id, [b.id for b in new])
        return len(new)

    def _open(
        self,
        programme: Programme,
        businesses: Sequence[Business],
        *,
        on: dt.date,
        keep_states: bool,
    ) -> None:
        """Open the cases of ``businesses`` (none has one yet), :data:`_CHUNK` per write."""
        for start in range(0, len(businesses), _CHUNK):
            chunk = businesses[start : start + _CHUNK]
            self.service.open_cases(COORDINATOR, chunk, programme.id, on=on)
            if not keep_states:
                self.service.forget_many([self.case_id(programme, b.id) for b in chunk])

    def businesses_without_case(self, programme: Programme) -> list[str]:
        """The ids of the businesses that have no case in ``programme`` yet, sorted.

        Nothing is decoded: ids only, cheap on a large store.
        """
        existing = set(self.store.streams(stream_name(f"{programme.id}:")))
        return [
            ident
            for ident in self.store.business_ids()
            if stream_name(self.case_id(programme, ident)) not in existing
        ]

    def open_missing(self, programme: Programme, case_ids: Sequence[str], *, on: dt.date) -> int:
        """Open those of ``case_ids`` (cases of ``programme``) not opened yet; returns how many.

        Their businesses are read from the store (only theirs), and the
        opened cases' states stay in the service's cache for the pass that
        follows (:meth:`assess_cases` drops them with ``keep_states=False``).
        The businesses are not enrolled in the cohort: the caller does that
        once for all (``mentorkit assess --workers``, whose workers open
        their chunks' cases this way, enrols them before it starts them).
        """
        prefix = self.case_id(programme, "")
        if not all(case_id.startswith(prefix) for case_id in case_ids):
            raise ValueError(f"open_missing: every case id must start with {prefix!r}")
        versions = self.store.versions([stream_name(case_id) for case_id in case_ids])
        wanted = [c[len(prefix) :] for c in case_ids if versions[stream_name(c)] == 0]
        businesses = list(self.store.businesses_many(wanted).values())
        self._open(programme, businesses, on=on, keep_states=True)
        return len(businesses)

    def assess(
        self,
        programme: Programme,
        *,
        on: dt.date,
        progress: Progress | None = None,
        keep_states: bool = True,
        tally: Callable[[CaseState], None] | None = None,
    ) -> list[Problem]:
        """Record each open case's new observations (up to ``on``) and assess it on ``on``.

        Observations come from the store (imported ones); those already on
        the case are not recorded twice. Returns the problems met: bad
        observations by path, plugin failures. Referral proposals follow
        from the assessment (see :meth:`CaseService.assess`).

        The cases go by in chunks of :data:`_CHUNK`, in case id order: each
        chunk's states and imported observations are read in bulk, then
        recorded and assessed in one write each. ``keep_states=False``
        drops each chunk's states from the service's cache once it is
        done (those cached before the pass too), so the pass holds one
        chunk of states at most whatever the cohort's size (what
        ``mentorkit assess`` does); keep them when more steps follow on
        the same office and read the cases again (the demo). ``tally`` is
        called with every case's state once the pass is done with it (an
        open case's after its assessment, a closed case's as read), in
        case id order: for a summary that should not read the whole
        cohort again.
        """
        problems: list[Problem] = []
        ids = self.case_ids(programme)
        done = 0
        for start in range(0, len(ids), _CHUNK):
            chunk_problems, assessed = self.assess_cases(
                ids[start : start + _CHUNK], on=on, keep_states=keep_states, tally=tally
            )
            problems.extend(chunk_problems)
            done += assessed
            if assessed and progress is not None:
                progress(done)
        return problems

    def assess_cases(
        self,
        case_ids: Sequence[str],
        *,
        on: dt.date,
        keep_states: bool = True,
        tally: Callable[[CaseState], None] | None = None,
    ) -> tuple[list[Problem], int]:
        """:meth:`assess` for the cases ``case_ids`` (one chunk): (problems, open cases assessed).

        Their states and imported observations are read in bulk, then
        recorded and assessed in one write each; ``keep_states`` and
        ``tally`` as for :meth:`assess`. Chunks of different cases can go
        to different processes (``mentorkit assess --workers``).
        """
        states = list(self.service.states(COORDINATOR, case_ids))
        chunk = [s for s in states if s.is_open]
        problems: list[Problem] = []
        assessed: dict[str, CaseState] = {}
        if chunk:
            problems, assessed = self._assess_chunk(chunk, on)
        if tally is not None:
            for state in states:
                tally(assessed.get(state.case_id, state))
        if not keep_states:
            self.service.forget_many(case_ids)
        return problems, len(chunk)

    def _assess_chunk(
        self, chunk: Sequence[CaseState], on: dt.date
    ) -> tuple[list[Problem], dict[str, CaseState]]:
        """Record and assess the open cases ``chunk``: their problems, case by case, and states."""
        imported = self.store.observations_many(s.business.id for s in chunk)
        found: dict[str, list[Problem]] = {s.case_id: [] for s in chunk}
        to_record = []
        for state in chunk:
            mine = imported[state.business.id]
            if state.observations:
                have = {_obs_key(o) for o in state.observations}
                new = [o for o in mine if o.observed_on <= on and _obs_key(o) not in have]
            else:  # a case with nothing recorded yet (the first assessment): no key to compare
                new = [o for o in mine if o.observed_on <= on]
            if new:
                to_record.append((state.case_id, new))
        del imported  # the new ones are kept above: the rest need not stay through the writes
        recorded = self.service.record_observations_many(COORDINATOR, to_record)
        for (case_id, _), outcome in zip(to_record, recorded, strict=True):
            found[case_id].extend(_issues(case_id, outcome.issues))
        ids = [s.case_id for s in chunk]
        assessed = self.service.assess_many(COORDINATOR, ids, on=on)
        for case_id, outcome in zip(ids, assessed, strict=True):
            found[case_id].extend(_failures(outcome.failures))
        problems = [problem for state in chunk for problem in found[state.case_id]]
        return problems, {o.state.case_id: o.state for o in assessed}

    def match(self, programme: Programme, *, on: dt.date) -> tuple[int, int]:
        """Propose and assign mentors to cases without one; returns (assigned, unmatched)."""
        mentors = self.store.mentors()
        wanted = [
            s.case_id
            for s in self.states(programme, observations=False)
            if s.is_open and s.mentor_id is None
        ]
        proposals = self.service.propose_mentors(COORDINATOR, mentors, case_ids=wanted)
        done = self.service.assign_proposals(COORDINATOR, proposals, mentors, on=on)
        return len(done), sum(1 for p in proposals if p.mentor_id is None)

    def refer(
        self,
        programme: Programme,
        *,
        on: dt.date,
        send: bool = False,
        progress: Progress | None = None,
    ) -> tuple[int, int, list[Problem]]:
        """Run the referral rules on every open case; returns (proposed, sent, problems).

        With ``send``, every proposed referral is also sent to its unit.
        """
        proposed = sent = 0
        problems: list[Problem] = []
        ids = self.case_ids(programme)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            more, out, found = self.refer_cases(chunk, on=on, send=send)
            proposed += more
            sent += out
            problems.extend(found)
            if progress is not None:
                progress(start + len(chunk))
        return proposed, sent, problems

    def refer_cases(
        self, case_ids: Sequence[str], *, on: dt.date, send: bool = False
    ) -> tuple[int, int, list[Problem]]:
        """:meth:`refer` for the cases ``case_ids`` (one chunk): (proposed, sent, problems).

        Chunks of different cases can go to different processes
        (``mentorkit refer --workers``).
        """
        proposed = sent = 0
        problems: list[Problem] = []
        for before, outcome in self.service._propose_many(COORDINATOR, case_ids, on=on):
            if not before.is_open:
                continue  # a closed case takes no referrals: not a problem
            if isinstance(outcome, TransitionError):
                # e.g. still at intake (no complete assessment): skip it, go on with the others
                problems.append(Problem("refer", str(outcome)))
                continue
            problems.extend(_failures(outcome.failures))
            proposed += len(outcome.state.referrals) - len(before.referrals)
            if send:
                for referral in outcome.state.referrals:
                    if referral.status.value == "proposed":
                        self.service.send_referral(COORDINATOR, before.case_id, referral.id, on=on)
                        sent += 1
        return proposed, sent, problems

    # ----------------------------------------------------------------------- outputs

    def indicators(
        self,
        programme: Programme,
        *,
        as_of: dt.date,
        states: Iterable[CaseState] | None = None,
    ) -> dict[str, Any]:
        """The cohort indicators of ``programme`` on ``as_of`` (JSON-ready).

        ``states`` are the programme's cases when the caller already read
        them (see :meth:`states`), so a report reads every case once.
        Otherwise the store gives only what the indicators read of each case
        (:func:`~mentorkit.reports.cohort_indicators_from_store`): the same
        indicators, without folding the cases.
        """
        context: dict[str, Any] = {
            "as_of": as_of,
            "mentors": self.store.mentors(),
            "rubrics": self.registry.rubrics,
            "units": self.registry.units,
            "programme": programme,
        }
        if states is None:
            return cohort_indicators_from_store(self.store, self.case_ids(programme), **context)
        return cohort_indicators((cohort_case(s) for s in states), **context)

    def unit_rows(
        self,
        programme: Programme,
        unit: str,
        *,
        on: dt.date,
        include_sensitive: bool = False,
        lang: str = "id",
        states: Sequence[CaseState] | None = None,
    ) -> list[dict[str, object]]:
        """The list a unit works from: one row per referral to ``unit``, oldest first.

        The owner's NIK and phone are masked unless ``include_sensitive``;
        ``states`` as for :meth:`indicators`.
        """
        rows: list[dict[str, object]] = []
        chosen = self.states(programme, observations=False) if states is None else states
        for state in chosen:
            business = state.business
            owner = business.owner
            for referral in state.referrals:
                if referral.unit != unit:
                    continue
                ref = referral.referral
                rows.append(
                    {
                        "case_id": state.case_id,
                        "referral_id": referral.id,
                        "status": referral.status.value,
                        "proposed_on": ref.proposed_on.isoformat(),
                        "sent_on": _iso(referral.sent_on),
                        "due": _iso(referral.due),
                        "overdue": referral.overdue(on),
                        "business_id": business.id,
                        "business_name": business.name,
                        "district": business.district,
                        "sector": business.sector.value,
                        "owner_name": owner.name,
                        "owner_nik": owner.nik if include_sensitive else mask_nik(owner.nik),
                        "owner_phone": owner.phone
                        if include_sensitive
                        else mask_phone(owner.phone),
                        "financing_need": business.financing_need,
                        "annual_sales": business.annual_sales,
                        "mentor_id": state.mentor_id,
                        "rule_id": ref.rule_id,
                        "rule_version": ref.rule_version,
                        "reasons": "; ".join(
                            f"{r.fact} {r.op} {r.expected} ({r.actual})" for r in ref.reasons
                        ),
                        "details": "; ".join(f"{k}={v}" for k, v in ref.details),
                        "outcome": _outcome(referral),
                    }
                )
        rows.sort(key=lambda r: (str(r["proposed_on"]), str(r["case_id"])))
        return rows


#: How many cases one bulk write carries (one SQLite transaction each).
_CHUNK = 2_000


def unit_columns() -> tuple[str, ...]:
    """The columns of a unit's list, in order."""
    return (
        "case_id",
        "referral_id",
        "status",
        "proposed_on",
        "sent_on",
        "due",
        "overdue",
        "business_id",
        "business_name",
        "district",
        "sector",
        "owner_name",
        "owner_nik",
        "owner_phone",
        "financing_need",
        "annual_sales",
        "mentor_id",
        "rule_id",
        "rule_version",
        "reasons",
        "details",
        "outcome",
    )


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _outcome(referral: CaseReferral) -> str | None:
    return referral_outcome(referral)


def _obs_key(o: Observation) -> tuple[str, str, str, str, object]:
    return (o.rubric_id, o.criterion_id, o.observed_on.isoformat(), type(o.value).__name__, o.value)

"""The click commands of ``mentorkit`` (heavy modules are imported inside commands)."""

import datetime as dt
import gc
import importlib
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from .. import __version__
from .._errors import MentorkitError
from ..i18n import LANGUAGES, Translator, translator
from . import EXIT_ERROR, EXIT_MISSING_EXTRA, EXIT_PARTIAL
from ._help import HelpGroup

if TYPE_CHECKING:
    from .._registry import Registry
    from ._office import Office

__all__ = ["main"]

_DB_HELP = "The office's store: an SQLite file (or a store URL). Env: MENTORKIT_DB."
_LAZY = {
    "whatif": ("mentorkit.cli._whatif", "whatif"),
    "whynot": ("mentorkit.cli._whatif", "whynot"),
}


def _to_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected a date as YYYY-MM-DD", ctx, param) from None


def _date_option(*names: str, help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(*names, metavar="YYYY-MM-DD", default=None, callback=_to_date, help=help)


class _State:
    """What every command needs: the language, quietness and output helpers."""

    def __init__(self, lang: str, quiet: bool, plugins: tuple[str, ...] | None = None) -> None:
        self.t: Translator = translator(lang)
        self.lang = lang
        self.quiet = quiet
        self.plugins = plugins
        self._registry: Registry | None = None

    def registry(self) -> "Registry":
        """The plugins' registry, loaded once: all installed plugins, or the allow-list."""
        if self._registry is None:
            from .._registry import Registry

            self._registry = Registry.load(allow=self.plugins)
            loaded = {n for p in self._registry.plugins for n in (p.name, p.distribution) if n}
            for name in self.plugins or ():
                if name not in loaded:
                    self.warn(self.t.gettext("plugin not installed") + f": {name}")
        return self._registry

    def say(self, message: str) -> None:
        click.echo(message)

    def warn(self, message: str) -> None:
        click.echo(message, err=True)

    @contextmanager
    def steps(self) -> Iterator[Callable[[str, int], Callable[[int], None]]]:
        """Progress bars on stderr, one per step (none when quiet or not a terminal)."""
        current: list[Any] = []
        show = not self.quiet and sys.stderr.isatty()

        def close() -> None:
            while current:
                current.pop().__exit__(None, None, None)

        def step(name: str, total: int) -> Callable[[int], None]:
            close()
            if not show or total <= 0:
                return lambda _done: None
            bar = click.progressbar(
                length=total, label=self.t.gettext(name).ljust(22), file=sys.stderr
            )
            bar.__enter__()
            current.append(bar)
            position = [0]

            def tick(done: int) -> None:
                bar.update(done - position[0])
                position[0] = done

            return tick

        try:
            yield step
        finally:
            close()


class _Group(HelpGroup):
    """The command group: lazy subcommands, translated help, errors turned into exit codes."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(name for name in _LAZY if self._lazy(name) is not None)
        return sorted(names)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = super().get_command(ctx, cmd_name)
        return found if found is not None else self._lazy(cmd_name)

    @staticmethod
    def _lazy(name: str) -> click.Command | None:
        target = _LAZY.get(name)
        if target is None:
            return None
        try:
            module = importlib.import_module(target[0])
        except ImportError:
            return None
        command = getattr(module, target[1], None)
        return command if isinstance(command, click.Command) else None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _bulk_gc():
                return super().invoke(ctx)
        except MentorkitError as exc:
            missing = type(exc).__name__ == "MissingExtraError"
            t = translator(ctx.params.get("lang") or "id")
            click.echo(t.gettext("error") + f": {exc}", err=True)
            ctx.exit(EXIT_MISSING_EXTRA if missing else EXIT_ERROR)


#: The cyclic garbage collector's thresholds while a command runs (mypy's own choice).
BULK_GC_THRESHOLDS = (200_000, 30, 30)


@contextmanager
def _bulk_gc() -> Iterator[None]:
    """Collect cycles rarely while a command runs, then restore the thresholds.

    A command builds and drops hundreds of thousands of small containers
    (decoded events, observations, results) and keeps a large, long-lived
    cohort in memory; at the default thresholds the collector walks that
    cohort again and again and takes a fifth to a quarter of the time.
    Memory is unchanged: these objects form no cycles to wait for
    (``benchmarks/bench_pipeline.py`` prints peak memory too).
    """
    before = gc.get_threshold()
    gc.set_threshold(*BULK_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="mentorkit")
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="id",
    show_default=True,
    envvar="MENTORKIT_LANG",
    help="Language of messages and reports: Indonesian (id) or English (en).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bars.")
@click.option(
    "--plugins",
    "plugins",
    default=None,
    envvar="MENTORKIT_PLUGINS",
    metavar="NAME,NAME",
    help="Load only these installed plugins (entry-point or distribution names, comma-separated)."
    " Default: every installed plugin. Env: MENTORKIT_PLUGINS.",
)
@click.pass_context
def main(ctx: click.Context, lang: str, quiet: bool, plugins: str | None) -> None:
    """Run a UMKM mentoring programme from spreadsheets to a cohort report.

    Start with 'mentorkit demo', or: init -> import -> assess -> match ->
    refer -> report / export.
    """
    allow = None if plugins is None else tuple(p.strip() for p in plugins.split(",") if p.strip())
    ctx.obj = _State(lang, quiet, allow)


def _state(ctx: click.Context) -> _State:
    state = ctx.find_object(_State)
    assert state is not None
    return state


def _db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--db",
        default="mentorkit.db",
        show_default=True,
        envvar="MENTORKIT_DB",
        help=_DB_HELP,
    )(func)


def _programme_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--programme", "programme_id", help="Programme id (default: the store's first)."
    )(func)


def _on_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return _date_option("--on", help=f"{what} (default: today).")


def _open(db: str, *, create: bool = False) -> "Office":
    from ._office import Office

    registry = _state(click.get_current_context()).registry()
    return Office.open(db, create=create, registry=registry)


def _fail(state: _State, message: str, code: int = EXIT_ERROR) -> NoReturn:
    state.warn(state.t.gettext("error") + f": {message}")
    sys.exit(code)


# --------------------------------------------------------------------------- init


@main.command()
@_db_option
@click.option("--programme", "programme_id", default=None, help="Programme id.")
@click.option("--name", default=None, help="Programme name.")
@_date_option("--starts", help="Start date (default: today).")
@click.pass_context
def init(
    ctx: click.Context,
    db: str,
    programme_id: str | None,
    name: str | None,
    starts: dt.date | None,
) -> None:
    """Create the store (an SQLite file) and the mentoring programme."""
    from .._model import ProgrammeKind

    state = _state(ctx)
    _ = state.t.gettext
    existed = Path(db).exists()
    office = _open(db, create=True)
    try:
        day = starts or dt.date.today()
        programme = office.ensure_programme(
            programme_id or f"pendampingan-{day.year}",
            name or _("Mentoring programme {year}").format(year=day.year),
            day,
            ProgrammeKind.MENTORING,
        )
    finally:
        office.close()
    if existed:
        message = _("Store {db} already existed; programme {programme} is ready.")
    else:
        message = _("Created store {db} with programme {programme}.")
    state.say(message.format(db=db, programme=programme.id))


# --------------------------------------------------------------------------- import

_KIND_ORDER = ("cooperatives", "mentors", "businesses", "observations")


@main.command("import")
@_db_option
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The files to import: CSV, XLSX or JSON Lines.",
)
@click.option(
    "--kind",
    type=click.Choice(_KIND_ORDER),
    default=None,
    help="What the files hold (default: guessed from each file name).",
)
@click.option("--sheet", default=None, help="XLSX sheet to read (default: the first).")
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="2 or more: each file of 1 MB or more is read and checked in a worker process"
    " while this one stores it. Default: one per core (1: this process only).",
)
@click.pass_context
def import_(
    ctx: click.Context,
    db: str,
    files: Sequence[Path],
    kind: str | None,
    sheet: str | None,
    workers: int | None,
) -> None:
    """Import businesses, mentors, cooperatives or observations (CSV, XLSX, JSON Lines).

    Each bad row is reported with its row number, record id and field; the
    good rows are kept. Exit code 1 when any row was rejected.
    """
    from contextlib import nullcontext

    from ..io import guess_kind
    from ._reading import file_reader, import_processes, open_stream, worth_a_worker

    state = _state(ctx)
    _ = state.t.gettext
    kind_names = {
        "cooperatives": _("cooperatives"),
        "mentors": _("mentors"),
        "businesses": _("businesses"),
        "observations": _("observations"),
    }
    kinds = {f: kind or guess_kind(f) for f in files}
    ordered = sorted(files, key=lambda f: _KIND_ORDER.index(kinds[f]))
    office = _open(db)
    rejected = 0
    try:
        rubrics = office.registry.rubrics
        two = import_processes(workers, db) > 1 and worth_a_worker(ordered)
        with file_reader(rubrics) if two else nullcontext() as reader:
            for path in ordered:
                # Read as it is stored: no file is held whole, whatever its kind and size.
                stream = open_stream(reader, path, kinds[path], rubrics=rubrics, sheet=sheet)
                stored, strays = office.load(stream)
                result = stream.result()
                for error in result.errors:
                    who = f" ({error.record})" if error.record else ""
                    for issue in error.issues:
                        state.warn(
                            _("{file}, row {row}{record}: {issue}").format(
                                file=error.file,
                                row=error.row,
                                record=who,
                                issue=issue.render(state.t.gettext),
                            )
                        )
                if strays:
                    state.warn(
                        _(
                            "{count} observation(s) name a business that is not in the store; "
                            "they are kept and count once the business is imported."
                        ).format(count=strays)
                    )
                rejected += len(result.errors)
                state.say(
                    _("{file}: {stored} of {rows} {kind} imported, {bad} rejected.").format(
                        file=path.name,
                        stored=stored,
                        rows=result.rows,
                        kind=kind_names[result.kind],
                        bad=len(result.errors),
                    )
                )
    finally:
        office.close()
    if rejected:
        state.warn(
            _("{count} row(s) rejected; the other rows were imported.").format(count=rejected)
        )
        sys.exit(EXIT_PARTIAL)


# --------------------------------------------------------------------------- assess / match / refer


def _report_problems(state: _State, problems: Sequence[Any]) -> None:
    for problem in problems[:50]:
        state.warn(str(problem))
    if len(problems) > 50:
        state.warn(state.t.gettext("... and {count} more.").format(count=len(problems) - 50))


_workers_option = click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Processes that work on chunks of 2,000 cases side by side."
    " Default: one per core, at most one per chunk (1: this process only).",
)


@main.command()
@_db_option
@_programme_option
@_on_option("Assessment date")
@_workers_option
@click.pass_context
def assess(
    ctx: click.Context,
    db: str,
    programme_id: str | None,
    on: dt.date | None,
    workers: int | None,
) -> None:
    """Open a case for each business and assess it against every installed rubric."""
    state = _state(ctx)
    _ = state.t.gettext
    from ._office import AssessmentTally
    from ._workers import assess_in_workers, worker_count

    day = on or dt.date.today()
    tally = AssessmentTally()  # counted as the pass goes: the cohort is not read again

    office = _open(db)
    try:
        programme = office.programme(programme_id)
        # Every business has a case once they are opened: as many chunks as businesses make.
        count = len(office.store.business_ids())
        processes = worker_count(workers, count, db)
        with state.steps() as step:
            if processes > 1:
                # The workers open their chunks' cases themselves, reading only those
                # businesses: this process holds ids, never the whole cohort.
                new = office.businesses_without_case(programme)
                if new:
                    office.store.enrol(programme.id, new)
                ids = sorted(
                    {*office.case_ids(programme), *(office.case_id(programme, b) for b in new)}
                )
                done = assess_in_workers(
                    db,
                    state.plugins,
                    ids,
                    on=day,
                    workers=processes,
                    progress=step("assessment", count),
                    open_for=programme.id,
                )
                problems, opened = done.problems, done.opened
                tally.complete, tally.total = done.complete, done.total
            else:
                opened = office.open_cases(
                    programme, on=day, progress=step("open cases", count), keep_states=True
                )
                problems = office.assess(
                    programme,
                    on=day,
                    progress=step("assessment", count),
                    keep_states=False,  # the cache is emptied chunk by chunk: memory stays bounded
                    tally=tally,
                )
    finally:
        office.close()
    if not office.registry.rubrics:
        state.warn(_no_plugins(state))
    _report_problems(state, problems)
    state.say(
        _("{opened} case(s) opened; {complete} of {total} assessments complete.").format(
            opened=opened, complete=tally.complete, total=tally.total
        )
    )
    if problems:
        sys.exit(EXIT_PARTIAL)


@main.command()
@_db_option
@_programme_option
@_on_option("Assignment date")
@click.pass_context
def match(ctx: click.Context, db: str, programme_id: str | None, on: dt.date | None) -> None:
    """Assign mentors to cases without one (district, expertise, capacity)."""
    state = _state(ctx)
    _ = state.t.gettext
    office = _open(db)
    try:
        assigned, unmatched = office.match(office.programme(programme_id), on=on or dt.date.today())
    finally:
        office.close()
    state.say(
        _("{assigned} case(s) assigned a mentor; {unmatched} without a free mentor.").format(
            assigned=assigned, unmatched=unmatched
        )
    )


@main.command()
@_db_option
@_programme_option
@_on_option("Referral date")
@click.option("--send", is_flag=True, help="Also send every proposed referral to its unit.")
@_workers_option
@click.pass_context
def refer(
    ctx: click.Context,
    db: str,
    programme_id: str | None,
    on: dt.date | None,
    send: bool,
    workers: int | None,
) -> None:
    """Run the referral rules on every open case (capital, cooperative, licensing...)."""
    from ._workers import refer_in_workers, worker_count

    state = _state(ctx)
    _ = state.t.gettext
    day = on or dt.date.today()
    office = _open(db)
    try:
        programme = office.programme(programme_id)
        ids = office.case_ids(programme)
        processes = worker_count(workers, len(ids), db)
        with state.steps() as step:
            progress = step("referrals", len(ids))
            if processes > 1:
                proposed, sent, problems = refer_in_workers(
                    db,
                    state.plugins,
                    ids,
                    on=day,
                    workers=processes,
                    send=send,
                    progress=progress,
                )
            else:
                proposed, sent, problems = office.refer(
                    programme, on=day, send=send, progress=progress
                )
    finally:
        office.close()
    _report_problems(state, problems)
    state.say(
        _("{proposed} new referral(s) proposed, {sent} sent to the units.").format(
            proposed=proposed, sent=sent
        )
    )
    if problems:
        sys.exit(EXIT_PARTIAL)


# --------------------------------------------------------------------------- report / export


@main.command()
@_db_option
@_programme_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("report"),
    show_default=True,
    help="Directory for report.html and report.json.",
)
@_date_option("--as-of", help="Report date (default: today).")
@click.pass_context
def report(
    ctx: click.Context, db: str, programme_id: str | None, out: Path, as_of: dt.date | None
) -> None:
    """Write the cohort report: self-contained HTML with charts, and JSON."""
    from ..reports import write_report

    state = _state(ctx)
    _ = state.t.gettext
    office = _open(db)
    try:
        indicators = office.indicators(
            office.programme(programme_id), as_of=as_of or dt.date.today()
        )
    finally:
        office.close()
    html, data = write_report(indicators, out, lang=state.lang)
    state.say(_("Report written: {html} (data: {json})").format(html=html, json=data))


@main.command()
@_db_option
@_programme_option
@click.option("--unit", "units", multiple=True, help="Unit id (repeatable; default: every unit).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "xlsx", "json"]),
    default="csv",
    show_default=True,
    help="File format.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("exports"),
    show_default=True,
    help="Directory for one file per unit.",
)
@click.option(
    "--include-sensitive",
    is_flag=True,
    help="Show NIK and phone in clear (personal data: UU PDP 27/2022).",
)
@_date_option("--as-of", help="Date that decides what is overdue (default: today).")
@click.pass_context
def export(
    ctx: click.Context,
    db: str,
    programme_id: str | None,
    units: Sequence[str],
    fmt: str,
    out: Path,
    include_sensitive: bool,
    as_of: dt.date | None,
) -> None:
    """Write each unit's list of referred businesses (NIK and phone masked by default)."""
    from ..io import write_table
    from ._office import unit_columns

    state = _state(ctx)
    _ = state.t.gettext
    office = _open(db)
    try:
        programme = office.programme(programme_id)
        chosen = list(units) or sorted(office.registry.units)
        unknown = [u for u in chosen if u not in office.registry.units]
        if unknown:
            _fail(state, _("no plugin declares unit(s): {units}").format(units=", ".join(unknown)))
        written = []
        for unit in chosen:
            rows = office.unit_rows(
                programme, unit, on=as_of or dt.date.today(), include_sensitive=include_sensitive
            )
            path = write_table(out / f"{unit}.{fmt}", unit_columns(), rows, sheet=unit)
            written.append((path, len(rows)))
    finally:
        office.close()
    for path, count in written:
        state.say(_("{path}: {count} referral(s)").format(path=path, count=count))
    if include_sensitive:
        state.warn(
            _(
                "These files contain personal data (NIK, phone) in clear: "
                "share them only as UU PDP allows."
            )
        )


# --------------------------------------------------------------------------- plugins


def _plugin_table(registry: Any) -> list[dict[str, Any]]:
    pm = registry.plugin_manager
    out = []
    for info in registry.plugins:
        plugin = pm.get_plugin(info.name)
        callers = pm.get_hookcallers(plugin) or [] if plugin is not None else []

        names = {info.name, info.display, info.distribution}

        def owned(kind: str, names: set[str | None] = names) -> list[str]:
            prefix = f"{kind}:"
            return sorted(
                key[len(prefix) :]
                for key, owner in registry.owners.items()
                if key.startswith(prefix) and owner in names
            )

        out.append(
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "hooks": sorted(c.name for c in callers),
                "rubrics": [f"{r} {registry.rubrics[r].version}" for r in owned("rubric")],
                "rules": [
                    f"{r.id} {r.version}" for r in registry.rules if r.id in set(owned("rule"))
                ],
                "units": owned("unit"),
                "templates": owned("template"),
            }
        )
    return out


def _no_plugins(state: _State) -> str:
    return state.t.gettext(
        "No mentorkit plugins are installed: there are no rubrics or referral rules. "
        "Install some, e.g. pip install mentorkit-accounting mentorkit-referrals."
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def plugins(ctx: click.Context, as_json: bool) -> None:
    """List installed plugins: version, hooks, and the rubrics and rules they declare."""
    state = _state(ctx)
    _ = state.t.gettext
    registry = state.registry()
    table = _plugin_table(registry)
    failures = [str(f) for f in registry.failures]
    if as_json:
        state.say(json.dumps({"plugins": table, "failures": failures}, indent=2))
    else:
        if not table:
            state.say(_no_plugins(state))
        for row in table:
            title = row["distribution"] or row["name"]
            state.say(f"{title} {row['version'] or ''}".rstrip() + f"  [{row['name']}]")
            for key, label in (
                ("hooks", _("hooks")),
                ("rubrics", _("rubrics")),
                ("rules", _("rules")),
                ("units", _("units")),
                ("templates", _("milestone templates")),
            ):
                if row[key]:
                    state.say(f"  {label}: {', '.join(row[key])}")
        for failure in failures:
            state.warn(_("failed") + f": {failure}")
    if failures:
        sys.exit(EXIT_PARTIAL)


# --------------------------------------------------------------------------- demo


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mentorkit-demo"),
    show_default=True,
    help="Directory for the store, the report, the unit lists and the cohort's spreadsheets.",
)
@click.option("--seed", type=int, default=None, help="Seed of the synthetic cohort.")
@click.option(
    "--businesses",
    type=click.IntRange(1, 100_000),
    default=400,
    show_default=True,
    help="Number of businesses in the cohort.",
)
@click.option(
    "--mentors",
    type=click.IntRange(1, 10_000),
    default=40,
    show_default=True,
    help="Number of mentors.",
)
@click.pass_context
def demo(ctx: click.Context, out: Path, seed: int | None, businesses: int, mentors: int) -> None:
    """Run the whole story on a synthetic Tangsel cohort and write the report.

    400 businesses in the seven kecamatan, 40 mentors: init, import, cases,
    mentor matching, baseline and follow-up assessments, plans, sessions,
    referrals and the units' answers, then the report and the unit lists.
    """
    from ..demo import DEFAULT_SEED
    from ._demo import run_demo

    state = _state(ctx)
    _ = state.t.gettext
    registry = state.registry()
    if not registry.rubrics and not registry.rules:
        state.warn(_no_plugins(state))
    for failure in registry.failures:
        state.warn(_("failed") + f": {failure}")
    with state.steps() as step:
        result = run_demo(
            out,
            seed=DEFAULT_SEED if seed is None else seed,
            businesses=businesses,
            mentors=mentors,
            lang=state.lang,
            registry=registry,
            step=step,
        )
    _report_problems(state, result.problems)
    ind = result.indicators
    total = ind["businesses"]["total"]
    state.say(
        _("Demo cohort: {businesses} businesses, {mentors} mentors; plugins: {plugins}.").format(
            businesses=result.businesses,
            mentors=result.mentors,
            plugins=", ".join(result.plugins) or "-",
        )
    )
    state.say(
        _("{prospects} of {total} businesses have prospects; {referrals} referrals made.").format(
            prospects=ind["prospects"]["yes"],
            total=total,
            referrals=sum(u["total"] for u in ind["referrals"].values()),
        )
    )
    state.say(_("Report: {path}").format(path=result.report_html))
    state.say(_("Report data (JSON): {path}").format(path=result.report_json))
    state.say(_("Unit lists: {path}").format(path=result.report_html.parent / "units"))
    state.say(_("Store: {path}").format(path=result.database))


# --------------------------------------------------------------------------- batch


@main.command(
    "batch",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def batch(args: Sequence[str]) -> None:
    """Assess and refer JSON Lines files in a restartable, streaming batch.

    Same as 'python -m mentorkit.batch'; 'mentorkit batch --help' lists its options.
    """
    try:
        from ..batch import main as run_batch
    except ImportError:  # pragma: no cover - the batch module ships with the core
        raise click.UsageError("mentorkit.batch is not available in this installation") from None
    sys.exit(run_batch(list(args)))

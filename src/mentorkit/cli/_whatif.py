"""``mentorkit whatif`` and ``mentorkit whynot``: compare rule packs, explain a non-referral.

Click commands for the ``mentorkit`` command (the CLI registers them); the
work is done by :func:`mentorkit.what_if` and :func:`mentorkit.why_not`.
Input files are read with :func:`mentorkit.io.import_file` (CSV, XLSX or
JSON Lines); bad rows are reported on stderr and the good ones used.
"""

import datetime as dt
import importlib
import importlib.metadata
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._help import HelpCommand

# The engine and its friends are imported inside the commands, so that
# `mentorkit --help` (which reads these commands' help) starts fast.
if TYPE_CHECKING:
    from .._declarations import FactValue
    from .._model import Business, Observation
    from .._registry import Registry

__all__ = ["whatif", "whynot"]


def _load_object(spec: str) -> object:
    """``module:attr`` -> the plugin object (a class is instantiated)."""
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise click.BadParameter(f"{spec!r}: expected module:attribute", param_hint="--with")
    try:
        target: Any = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise click.BadParameter(f"{spec!r}: {exc}", param_hint="--with") from exc
    return target() if isinstance(target, type) else target


def _registry(
    plugins: Sequence[str],
    load: Sequence[str],
    add: Sequence[str] = (),
    drop: Sequence[str] = (),
) -> "Registry":
    from .._registry import Registry

    """Installed (or only ``plugins``) and ``load`` plugins, less ``drop``, plus ``add``.

    ``load`` and ``add`` are ``module:attr`` plugin objects; ``drop`` names
    installed plugins (entry point or distribution) or ``load`` specs.
    """
    allow = set(plugins) if plugins else None
    if drop:
        every = importlib.metadata.entry_points(group="mentorkit")
        names = {ep.name for ep in every} | {ep.dist.name for ep in every if ep.dist}
        allow = (names if allow is None else allow) - set(drop)
    specs = [spec for spec in load if spec not in drop] + list(add)
    return Registry.load(plugins=[(spec, _load_object(spec)) for spec in specs], allow=allow)


def _fact(text: str) -> "tuple[str, FactValue]":
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{text!r}: expected name=value", param_hint="--fact")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    if isinstance(value, list):
        value = tuple(str(v) for v in value)
    if not isinstance(value, bool | int | float | str | tuple) and value is not None:
        raise click.BadParameter(f"{text!r}: unsupported value", param_hint="--fact")
    return name, value


def _read(
    businesses_file: Path, observations_file: Path | None, registry: "Registry"
) -> "tuple[list[Business], list[Observation]]":
    from ..io import import_file

    loaded = import_file(businesses_file, "businesses")
    for error in loaded.errors:
        click.echo(str(error), err=True)
    observations: list[Observation] = []
    if observations_file is not None:
        obs = import_file(observations_file, "observations", rubrics=registry.rubrics)
        for error in obs.errors:
            click.echo(str(error), err=True)
        observations = list(obs.records)
    return list(loaded.records), observations


_DATE = click.DateTime(formats=["%Y-%m-%d"])
# The two input files of ``whatif`` and ``whynot`` (a decorator makes a new argument per use).
_businesses_file = click.argument(
    "businesses_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The businesses: CSV, XLSX or JSON Lines.",
)
_observations_file = click.argument(
    "observations_file",
    required=False,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Their observations (optional): CSV, XLSX or JSON Lines.",
)


@click.command("whatif", cls=HelpCommand)
@_businesses_file
@_observations_file
@click.option("--on", "on", type=_DATE, required=True, help="Decision date (YYYY-MM-DD).")
@click.option("--plugin", "plugins", multiple=True, help="Only load these installed plugins.")
@click.option(
    "--load",
    "load",
    multiple=True,
    metavar="MODULE:ATTR",
    help="Also load this plugin object (not installed as an entry point).",
)
@click.option(
    "--with",
    "add",
    multiple=True,
    metavar="MODULE:ATTR",
    help="Candidate: add this plugin object (e.g. a new rubric version).",
)
@click.option(
    "--without", "drop", multiple=True, metavar="NAME", help="Candidate: leave out this plugin."
)
@click.option(
    "--fact",
    "facts",
    multiple=True,
    metavar="NAME=VALUE",
    help="A case fact given to every business, e.g. case.mentored=true (repeatable).",
)
@click.option("--all", "show_all", is_flag=True, help="List every business, not only changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def whatif(
    businesses_file: Path,
    observations_file: Path | None,
    on: dt.datetime,
    plugins: tuple[str, ...],
    load: tuple[str, ...],
    add: tuple[str, ...],
    drop: tuple[str, ...],
    facts: tuple[str, ...],
    show_all: bool,
    as_json: bool,
) -> None:
    """Compare today's rule pack with a candidate over a cohort (analisis bagaimana-jika).

    The current pack is the installed plugins (or --plugin ones); the
    candidate is the same without --without plugins and with --with ones
    (--load adds a plugin object to both).
    Prints, per business, levels and referral units now and with the
    candidate, then summary counts.
    """
    current = _registry(plugins, load)
    candidate = _registry(plugins, load, add, drop)
    businesses, observations = _read(businesses_file, observations_file, current)
    given = dict(_fact(f) for f in facts)
    from .._engine import Engine
    from .._whatif import what_if

    report = what_if(
        businesses,
        Engine(current, receipts=False),
        Engine(candidate, receipts=False),
        on=on.date(),
        observations=observations,
        facts={b.id: given for b in businesses} if given else None,
    )
    rows = report.rows if show_all else report.changed
    if as_json:
        data = {
            "on": report.on.isoformat(),
            "current_pack": report.current_pack,
            "candidate_pack": report.candidate_pack,
            "rows": [
                {
                    "business_id": row.business_id,
                    "levels": {
                        c.rubric_id: {"before": c.before, "after": c.after, "change": c.direction}
                        for c in row.levels
                    },
                    "referrals_before": list(row.referrals_before),
                    "referrals_after": list(row.referrals_after),
                }
                for row in rows
            ],
        }
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"current pack   {report.current_pack}")
    click.echo(f"candidate pack {report.candidate_pack}")
    for row in rows:
        levels = ", ".join(
            f"{c.rubric_id}: {c.before or '-'} -> {c.after or '-'}" for c in row.levels if c.changed
        )
        before = ", ".join(row.referrals_before) or "-"
        after = ", ".join(row.referrals_after) or "-"
        click.echo(f"{row.business_id}\t{levels or 'levels same'}\treferrals: {before} -> {after}")
    click.echo(report.summary())


@click.command("whynot", cls=HelpCommand)
@_businesses_file
@_observations_file
@click.option("--business", "business_id", required=True, help="Id of the business to explain.")
@click.option("--unit", required=True, help="Unit id (e.g. capital).")
@click.option("--on", "on", type=_DATE, required=True, help="Decision date (YYYY-MM-DD).")
@click.option("--plugin", "plugins", multiple=True, help="Only load these installed plugins.")
@click.option(
    "--load",
    "load",
    multiple=True,
    metavar="MODULE:ATTR",
    help="Also load this plugin object (not installed as an entry point).",
)
@click.option(
    "--fact",
    "facts",
    multiple=True,
    metavar="NAME=VALUE",
    help="A case fact, e.g. case.mentored=true (repeatable).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "id"]),
    default="en",
    show_default=True,
    help="Language of the explanation: English (en) or Indonesian (id).",
)
def whynot(
    businesses_file: Path,
    observations_file: Path | None,
    business_id: str,
    unit: str,
    on: dt.datetime,
    plugins: tuple[str, ...],
    load: tuple[str, ...],
    facts: tuple[str, ...],
    lang: str,
) -> None:
    """Explain why a business is not referred to a unit, and the nearest change that would."""
    registry = _registry(plugins, load)
    businesses, observations = _read(businesses_file, observations_file, registry)
    business = next((b for b in businesses if b.id == business_id), None)
    if business is None:
        raise click.ClickException(f"no business {business_id!r} in {businesses_file.name}")
    mine = [o for o in observations if o.business_id == business_id]
    from .._engine import Engine
    from .._whynot import show_fact, why_not

    answer = why_not(
        business,
        unit,
        mine,
        engine=Engine(registry, receipts=False),
        on=on.date(),
        facts=dict(_fact(f) for f in facts),
    )
    click.echo(f"{business_id}: {answer.explain(lang)}")
    for rule in answer.rules:
        state = "fires" if rule.fired else ("reachable" if rule.reachable else "unreachable")
        click.echo(f"  rule {rule.rule_id} {rule.rule_version} ({state})")
        for condition in rule.conditions:
            mark = "ok " if condition.held else "NO "
            actual = show_fact(condition.actual, lang)
            click.echo(f"    {mark}{condition.text.get(lang)}  [now: {actual}]")

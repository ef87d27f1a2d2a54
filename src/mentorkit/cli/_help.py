"""Help texts in the user's language: click commands that translate their help when formatted.

The English help (command docstrings, option and argument ``help=``) stays in the code and is
the gettext msgid; :class:`HelpCommand` and :class:`HelpGroup` pass it through the catalog
(:func:`mentorkit.i18n.translator`) while formatting ``--help``, in the language of the root
command's ``--lang`` (or ``MENTORKIT_LANG``, default Indonesian). Nothing heavy is imported:
``mentorkit --help`` stays fast. :func:`help_messages` lists every msgid, for the catalog.
"""

import inspect
import os
from collections.abc import Callable, Iterator, Sequence

import click

from ..i18n import LANGUAGES, translator

__all__ = [
    "CLICK_WORDS",
    "HELP_LANG",
    "HelpCommand",
    "HelpGroup",
    "help_language",
    "help_messages",
    "scan_lang",
]

#: Key of :attr:`click.Context.meta` (on the root context) holding the help language.
HELP_LANG = "mentorkit.help_lang"
_DEFAULT = "id"

# click's own words (click translates them with the global gettext, which we never install).
_USAGE = "Usage: "
_OPTIONS = "Options"
_ARGUMENTS = "Positional arguments"
_COMMANDS = "Commands"
_ENV = "env var: {var}"
_DEFAULT_IS = "default: {default}"
_REQUIRED = "required"
#: click's own words in the help, put into the catalog so that the help is Indonesian throughout.
CLICK_WORDS = (_USAGE, _OPTIONS, _ARGUMENTS, _COMMANDS, _ENV, _DEFAULT_IS, _REQUIRED)


def help_language(ctx: click.Context) -> str:
    """The language of the help: the root's ``--lang``, else ``MENTORKIT_LANG``, else ``id``."""
    root = ctx.find_root()
    for lang in (
        root.meta.get(HELP_LANG),
        root.params.get("lang"),
        os.environ.get("MENTORKIT_LANG"),
    ):
        if lang in LANGUAGES:
            return str(lang)
    return _DEFAULT


def scan_lang(args: Sequence[str]) -> str | None:
    """``--lang X`` / ``--lang=X`` among the root's options (before the command name).

    Read before click parses, so that ``mentorkit --help --lang en`` is English even though
    click handles ``--help`` first.
    """
    found = None
    index = 0
    while index < len(args):
        arg = args[index]
        if arg == "--lang" and index + 1 < len(args):
            found = args[index + 1]
            index += 1
        elif arg.startswith("--lang="):
            found = arg.partition("=")[2]
        elif arg == "--plugins":
            index += 1
        elif not arg.startswith("-"):
            break
        index += 1
    return found if found in LANGUAGES else None


def _gettext(ctx: click.Context) -> Callable[[str], str]:
    return translator(help_language(ctx)).gettext


def _command_help(command: click.Command) -> str:
    """The msgid of a command's help: its docstring, cleaned as click shows it."""
    return inspect.cleandoc(command.help or "").partition("\f")[0]


def _short_help(command: click.Command, _: Callable[[str], str], limit: int) -> str:
    if command.short_help:
        return _(inspect.cleandoc(command.short_help)).strip()
    text = _command_help(command)
    if not text:
        return ""
    try:  # click's own truncation, so the list looks like click's; private, so guarded
        from click.utils import _make_default_short_help
    except ImportError:  # pragma: no cover - a future click without it
        first = _(text).split("\n\n", 1)[0].replace("\n", " ").strip()
        return first if len(first) <= limit else first[: limit - 3].rstrip() + "..."
    return _make_default_short_help(_(text), limit).strip()


def _param_record(
    param: click.Parameter, ctx: click.Context, _: Callable[[str], str]
) -> tuple[str, str] | None:
    """click's help row for ``param``, with the help and click's words translated."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    spec = record[0]
    text = _(param.help) if param.help else ""
    if isinstance(param, click.Option):
        extra = param.get_help_extra(ctx)
        items = []
        if "envvars" in extra:
            items.append(_(_ENV).format(var=", ".join(extra["envvars"])))
        if "default" in extra:
            items.append(_(_DEFAULT_IS).format(default=extra["default"]))
        if "range" in extra:
            items.append(extra["range"])
        if "required" in extra:
            items.append(_(_REQUIRED))
        if items:
            joined = "; ".join(items)
            text = f"{text}  [{joined}]" if text else f"[{joined}]"
    return spec, text


class HelpCommand(click.Command):
    """A :class:`click.Command` whose help is shown in the user's language."""

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The usage line, with its ``Usage:`` prefix translated."""
        pieces = self.collect_usage_pieces(ctx)
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=_gettext(ctx)(_USAGE))

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command's help (its docstring), translated."""
        text = _command_help(self)
        if text:
            formatter.write_paragraph()
            with formatter.indentation():
                formatter.write_text(_gettext(ctx)(text))

    def format_arguments(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The documented positional arguments, translated."""
        _ = _gettext(ctx)
        args = [p for p in self.get_params(ctx) if isinstance(p, click.Argument)]
        if any(arg.help is not None for arg in args):
            rows = [r for r in (_param_record(a, ctx, _) for a in args) if r is not None]
            with formatter.section(_(_ARGUMENTS)):
                formatter.write_dl(rows)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, their help translated."""
        _ = _gettext(ctx)
        rows = [
            record
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument)
            and (record := _param_record(param, ctx, _)) is not None
        ]
        if rows:
            with formatter.section(_(_OPTIONS)):
                formatter.write_dl(rows)


class HelpGroup(HelpCommand, click.Group):
    """A :class:`click.Group` whose help, and its commands' short help, are translated."""

    command_class = HelpCommand

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """Note the root's ``--lang`` before click parses (``--help`` may come first)."""
        if ctx.parent is None:
            lang = scan_lang(args)
            if lang is not None:
                ctx.meta[HELP_LANG] = lang
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The options, then the commands."""
        HelpCommand.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands with their translated short help."""
        _ = _gettext(ctx)
        commands = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                commands.append((name, command))
        if commands:
            limit = formatter.width - 6 - max(len(name) for name, _c in commands)
            rows = [(name, _short_help(command, _, limit)) for name, command in commands]
            with formatter.section(_(_COMMANDS)):
                formatter.write_dl(rows)


def _walk(
    command: click.Command, ctx: click.Context
) -> Iterator[tuple[click.Command, click.Context]]:
    yield command, ctx
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None:
                yield from _walk(sub, click.Context(sub, info_name=name, parent=ctx))


def help_messages(root: click.Command) -> list[str]:
    """Every help msgid of ``root`` and its subcommands, and click's words, sorted."""
    found = set(CLICK_WORDS)
    top = click.Context(root, info_name="mentorkit", help_option_names=["-h", "--help"])
    for command, ctx in _walk(root, top):
        if command.help:
            found.add(_command_help(command))
        if command.short_help:
            found.add(inspect.cleandoc(command.short_help))
        for param in command.get_params(ctx):
            if param.help:
                found.add(param.help)
    return sorted(found)

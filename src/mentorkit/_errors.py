"""The exception hierarchy.

Every error mentorkit raises derives from :class:`MentorkitError`; where a
builtin fits, the subclass inherits it too, so ``except ValueError`` keeps
working in code that does not know mentorkit.
"""

from collections.abc import Callable, Mapping, Sequence

import attrs

__all__ = [
    "AccessDeniedError",
    "ConflictError",
    "DeclarationError",
    "DecodeError",
    "FieldIssue",
    "InvalidFieldError",
    "MentorkitError",
    "MissingExtraError",
    "NotFoundError",
    "PluginError",
    "TransitionError",
]


class MentorkitError(Exception):
    """Base class of every error raised by mentorkit."""


@attrs.frozen
class FieldIssue:
    """One problem with one field of one record.

    ``path`` is a JSON-path-like address inside the record (``$.owner.nik``,
    ``$.licences[0].expires``); ``message`` says what is wrong (in English)
    without repeating the value (values may be personal data). ``template``
    and ``params`` are the message before formatting, so a user interface
    can translate it: see :meth:`render`.
    """

    path: str
    message: str
    template: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"

    def render(self, gettext: Callable[[str], str]) -> str:
        """The message translated by ``gettext`` (e.g. ``translations.gettext``).

        The template and each parameter value are looked up in the catalog;
        anything not translated stays in English.
        """
        if self.template is None:
            return f"{self.path}: {gettext(self.message)}"
        params = {key: gettext(value) for key, value in self.params}
        return f"{self.path}: {gettext(self.template).format(**params)}"


def issue(path: str, template: str, params: Mapping[str, object] | None = None) -> FieldIssue:
    """Build a :class:`FieldIssue` from a message template and its parameters."""
    values = {key: str(value) for key, value in (params or {}).items()}
    return FieldIssue(path, template.format(**values), template, tuple(sorted(values.items())))


class InvalidFieldError(MentorkitError, ValueError):
    """A model validator rejected the value of one field.

    Raised while constructing a model; the decoder turns it into a
    :class:`FieldIssue` with the full path of the field.
    """

    def __init__(self, field: str, template: str, **params: object) -> None:
        self.field = field
        self.template = template
        self.params = {key: str(value) for key, value in params.items()}
        self.message = template.format(**self.params)
        super().__init__(f"{field}: {self.message}")


class DecodeError(MentorkitError, ValueError):
    """A record could not be decoded into a model.

    ``record`` names the record (``business 'B-0001'``, ``line 12``) and
    ``issues`` lists every field that is wrong, each with its path.
    """

    def __init__(self, record: str, issues: Sequence[FieldIssue]) -> None:
        self.record = record
        self.issues = tuple(issues)
        listed = "; ".join(str(issue) for issue in self.issues)
        super().__init__(f"{record}: {listed}")


class DeclarationError(MentorkitError, ValueError):
    """A plugin declared a rubric, rule, unit or template that is not valid.

    ``plugin`` is the distribution (or registered name) that declared it.
    """

    def __init__(self, plugin: str, problems: Sequence[str]) -> None:
        self.plugin = plugin
        self.problems = tuple(problems)
        super().__init__(f"plugin {plugin!r}: " + "; ".join(self.problems))


class PluginError(MentorkitError, RuntimeError):
    """A plugin failed while mentorkit called it (see :class:`PluginFailure`)."""


class NotFoundError(MentorkitError, LookupError):
    """A record, rubric, rule or unit that was asked for does not exist."""


class ConflictError(MentorkitError):
    """A write was made against a stale version: someone else wrote first."""


class TransitionError(MentorkitError, ValueError):
    """An action is not allowed in the current state of a case or referral."""


class AccessDeniedError(MentorkitError, PermissionError):
    """The acting user may not do or see this."""


class MissingExtraError(MentorkitError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""

    def __init__(self, extra: str, purpose: str) -> None:
        self.extra = extra
        super().__init__(f"{purpose} needs the '{extra}' extra: pip install 'mentorkit[{extra}]'")

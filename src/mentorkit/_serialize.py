"""Serialization: one strict cattrs converter for every model.

Strict means: ``"false"`` is not a bool, ``3.9`` is not an int, ``None`` is
not a string, ``1`` is not a date, unknown keys are rejected. Every error is
reported as a :class:`~mentorkit.DecodeError` naming the record and listing
each bad field by its path (``$.owner.nik``), without echoing values (they
may be personal data).

Follows cattrs' own preconf pattern: :func:`configure_converter` sets up any
converter, :func:`make_converter` builds a configured one.
"""

import datetime as dt
import json
import re
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from attrs import frozen
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
)
from cattrs.gen import make_dict_structure_fn

from ._errors import DecodeError, FieldIssue, InvalidFieldError, issue
from ._fastobs import (
    OBSERVATION_FIELDS,
    criterion_results_fast,
    unstructure_observation,
    valid_text,
)
from ._model import CriterionResult, Observation

__all__ = [
    "Decoded",
    "configure_converter",
    "decode",
    "decode_lines",
    "dumps",
    "encode",
    "encode_observation",
    "field_issues",
    "loads",
    "make_converter",
]

T = TypeVar("T")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _StrictTypeError(TypeError):
    """A value of the wrong JSON type; the message names types, never values."""

    def __init__(self, template: str, **params: str) -> None:
        self.template = template
        self.params = params
        super().__init__(template.format(**params))


_NOT_UNICODE = "not valid Unicode text (a lone surrogate)"


def _structure_str(value: object, type_: type) -> str:
    if not isinstance(value, str):
        raise _StrictTypeError("expected a string, got {kind}", kind=_kind(value))
    if not (value.isascii() or valid_text(value)):
        raise _StrictTypeError(_NOT_UNICODE)
    # The hook also serves str subclasses such as StrEnum: build the member.
    return value if type_ is str else type_(value)


def _structure_int(value: object, _type: type) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _StrictTypeError("expected a whole number, got {kind}", kind=_kind(value))
    return value


def _structure_float(value: object, _type: type) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _StrictTypeError("expected a number, got {kind}", kind=_kind(value))
    return float(value)


def _structure_bool(value: object, _type: type) -> bool:
    if not isinstance(value, bool):
        raise _StrictTypeError("expected true or false, got {kind}", kind=_kind(value))
    return value


def _structure_date(value: object, _type: type) -> dt.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise _StrictTypeError("expected a date as YYYY-MM-DD, got {kind}", kind=_kind(value))
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _StrictTypeError("expected a real calendar date as YYYY-MM-DD") from None


_SCALARS: dict[type, Any] = {bool: _structure_bool, int: _structure_int, str: _structure_str}


def _is_scalar_union(tp: Any) -> bool:
    """Unions of bool/int/str (and None), such as ``Answer`` and ``Answer | None``."""
    if typing.get_origin(tp) not in (types.UnionType, typing.Union):
        return False
    args = set(typing.get_args(tp)) - {type(None)}
    return bool(args) and args <= set(_SCALARS)


def _structure_scalar_union(value: object, tp: Any) -> object:
    args = typing.get_args(tp)
    if value is None and type(None) in args:
        return None
    # bool before int: True must stay a bool, never become 1.
    for candidate in (bool, int, str):
        if candidate in args and isinstance(value, candidate):
            if candidate is int and isinstance(value, bool):
                continue
            if candidate is str and not valid_text(value):  # type: ignore[arg-type]
                raise _StrictTypeError(_NOT_UNICODE)
            return value
    names = " or ".join(
        {bool: "true/false", int: "a whole number", str: "a string"}[a]
        for a in (bool, int, str)
        if a in args
    )
    raise _StrictTypeError("expected {expected}, got {kind}", expected=names, kind=_kind(value))


def configure_converter(converter: cattrs.Converter) -> None:
    """Make ``converter`` strict and JSON-ready for mentorkit's models.

    Dates travel as ``YYYY-MM-DD`` strings, enums as their values, tuples as
    lists. Use with a converter built with ``forbid_extra_keys=True`` and
    ``detailed_validation=True`` (as :func:`make_converter` does).
    """
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(dt.date, _structure_date)
    converter.register_unstructure_hook(dt.date, dt.date.isoformat)
    converter.register_structure_hook_func(_is_scalar_union, _structure_scalar_union)
    converter.register_structure_hook_factory(
        attrs.has, lambda cls: _all_issues_hook(cls, converter)
    )
    # An assessment's trace (many per cohort): checked by hand when plainly valid, else
    # by the general hook, which reports every field path.
    trace = tuple[CriterionResult, ...]
    general = converter.get_structure_hook(trace)

    def structure_trace(value: Any, type_: Any) -> tuple[CriterionResult, ...]:
        fast = criterion_results_fast(value)
        return general(value, type_) if fast is None else fast

    converter.register_structure_hook_func(lambda type_: type_ == trace, structure_trace)
    # Observations (a few dozen per case, written with every visit): by hand while the
    # class has the fields the hand-written hook knows.
    if tuple(a.name for a in attrs.fields(Observation)) == OBSERVATION_FIELDS:
        converter.register_unstructure_hook(Observation, unstructure_observation)


def _all_issues_hook(cls: type[T], converter: cattrs.Converter) -> Any:
    """Structure ``cls`` and, when some fields fail, also validate the others.

    cattrs stops before the class's own validators when any field fails to
    structure; this hook then checks each remaining field on its own, so
    one error report lists every bad field.
    """
    base = make_dict_structure_fn(
        cls,
        converter,
        _cattrs_forbid_extra_keys=converter.forbid_extra_keys,
        _cattrs_detailed_validation=True,
    )

    def structure(data: Mapping[str, Any], _type: type) -> T:
        try:
            return base(data, cls)
        except ClassValidationError as exc:
            with_notes, without = exc.group_exceptions()
            failed = {getattr(note, "name", None) for _sub, note in with_notes}
            # cattrs runs validators itself when every field structured.
            failed |= {sub.field for sub in without if isinstance(sub, InvalidFieldError)}
            extra: list[Exception] = []
            for attribute in attrs.fields(typing.cast(Any, cls)):
                name = attribute.name
                if name in failed or name not in data or attribute.validator is None:
                    continue
                try:
                    value = converter.structure(data[name], attribute.type)
                    attribute.validator(None, attribute, value)
                except InvalidFieldError as invalid:
                    extra.append(invalid)
                except Exception:
                    continue
            if not extra:
                raise
            raise ClassValidationError(exc.message, [*exc.exceptions, *extra], cls) from None

    return structure


def make_converter() -> cattrs.Converter:
    """A new strict converter for mentorkit's models (see :func:`configure_converter`)."""
    converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    configure_converter(converter)
    return converter


_CONVERTER = make_converter()


def _record_name(cls: type, data: object) -> str:
    name = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()
    if isinstance(data, Mapping):
        ident = data.get("id")
        if isinstance(ident, str) and ident:
            return f"{name} {ident!r}"
    return name


def field_issues(exc: BaseException, path: str = "$") -> list[FieldIssue]:
    """Flatten a structuring error into one :class:`FieldIssue` per bad field."""
    if isinstance(exc, ClassValidationError | IterableValidationError):
        issues: list[FieldIssue] = []
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            if isinstance(exc, IterableValidationError):
                index = getattr(note, "index", "?")
                child = f"{path}[{index!r}]" if isinstance(index, str) else f"{path}[{index}]"
            else:
                child = f"{path}.{getattr(note, 'name', '?')}"
            issues.extend(field_issues(sub, child))
        for sub in without:
            issues.extend(field_issues(sub, path))
        return issues
    if isinstance(exc, InvalidFieldError):
        return [issue(f"{path}.{exc.field}", exc.template, exc.params)]
    if isinstance(exc, ForbiddenExtraKeysError):
        extra = ", ".join(sorted(exc.extra_fields))
        return [issue(path, "unknown field(s): {fields}", {"fields": extra})]
    if isinstance(exc, KeyError):
        return [issue(path, "required field missing")]
    if isinstance(exc, _StrictTypeError):
        return [issue(path, exc.template, exc.params)]
    if isinstance(exc, ValueError):
        # Enum lookups and similar: never echo the value.
        return [issue(path, "value is not one of the allowed values")]
    if isinstance(exc, TypeError):
        return [issue(path, "value has the wrong type")]
    return [issue(path, "could not be decoded ({error})", {"error": type(exc).__name__})]


def decode(data: object, cls: type[T], *, record: str | None = None) -> T:
    """Build a ``cls`` from JSON-ready ``data``; :class:`DecodeError` if it does not fit.

    ``record`` names the record in the error (default: the class and its
    ``id``, e.g. ``business 'B-0001'``).
    """
    if attrs.has(cls) and not isinstance(data, Mapping):
        raise DecodeError(
            record or _record_name(cls, data),
            [issue("$", "expected an object, got {kind}", {"kind": _kind(data)})],
        )
    try:
        return _CONVERTER.structure(data, cls)
    except Exception as exc:
        raise DecodeError(record or _record_name(cls, data), field_issues(exc)) from None


def encode(obj: object) -> Any:
    """JSON-ready data (dicts, lists, strings, numbers) for a model object."""
    return _CONVERTER.unstructure(obj)


#: :func:`encode` for an object whose type is exactly :class:`~mentorkit.Observation` (not a
#: subclass): the converter's own hook, looked up once instead of dispatched per call (a
#: store writes hundreds of thousands per import).
encode_observation: Callable[[Observation], Any] = _CONVERTER.get_unstructure_hook(Observation)


# json.dumps with options builds a new encoder per call: one, shared (same text).
_DUMPS_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def dumps(obj: object) -> str:
    """A model as compact JSON text (keys in declaration order, UTF-8 kept)."""
    return _DUMPS_ENCODER.encode(encode(obj))


def loads(text: str | bytes, cls: type[T], *, record: str | None = None) -> T:
    """A ``cls`` from JSON text; :class:`DecodeError` for bad JSON or bad fields."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DecodeError(
            record or cls.__name__.lower(),
            [issue("$", "not valid JSON ({error})", {"error": exc.msg})],
        ) from None
    return decode(data, cls, record=record)


@frozen
class Decoded:
    """One line of a JSON Lines stream: a value, or the error that line raised."""

    line: int
    value: Any = None
    error: DecodeError | None = None

    @property
    def ok(self) -> bool:
        """True when the line decoded."""
        return self.error is None


def decode_lines(lines: Iterable[str | bytes], cls: type[Any]) -> Iterator[Decoded]:
    """Decode JSON Lines lazily, one :class:`Decoded` per non-blank line.

    A bad line yields its error (``line 12: business 'B-0012': $.owner.nik:
    ...``) and decoding goes on with the next one; nothing good is lost.
    """
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            error = DecodeError(
                f"line {number}", [issue("$", "not valid JSON ({error})", {"error": exc.msg})]
            )
            yield Decoded(line=number, error=error)
            continue
        try:
            value = decode(data, cls, record=f"line {number}: {_record_name(cls, data)}")
        except DecodeError as error:
            yield Decoded(line=number, error=error)
        else:
            yield Decoded(line=number, value=value)

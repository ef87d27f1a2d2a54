"""Decision receipts: canonical content hashes of declarations, packs and inputs.

A receipt (:class:`~mentorkit.Receipt`) ties a result to exactly what produced
it. Every hash here is the SHA-256 of a *canonical JSON* text: keys sorted,
no spaces, UTF-8 kept, tuples as lists, enums as their values, dates as
``YYYY-MM-DD``, integral floats as integers (a weight of ``1`` and ``1.0`` is
the same weight). Nothing depends on the process (no ``hash()``, no ``id()``,
no dict order), so a hash computed today is the hash computed tomorrow in
another process from the same declarations.

Plugin code (``derive``, ``applies_to``, ``details``) is hashed by its
module, qualified name and source text (:func:`inspect.getsource`), falling
back to the qualified name alone when the source cannot be read; editing a
derivation therefore changes the hash of its rubric.

Personal data (fields marked sensitive, such as the owner's NIK and phone)
is left out of input hashes: no decision reads it, and a hash over a NIK can
be reversed by trying every NIK.
"""

import datetime as dt
import enum
import functools
import hashlib
import inspect
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import attrs

from . import legal
from ._declarations import FactValue, ReferralRule, Rubric
from ._model import (
    SENSITIVE,
    Answer,
    Business,
    Cooperative,
    CooperativeMembership,
    Licence,
    Person,
    Receipt,
)
from ._sizeclass import SIZE_THRESHOLDS
from ._trusted import trusted_constructor

__all__ = [
    "RECEIPT_SCHEME",
    "assessment_inputs_hash",
    "business_digest",
    "canonical",
    "canonical_json",
    "content_hash",
    "cooperatives_digest",
    "declaration_hash",
    "legal_parameters",
    "make_receipt",
    "pack_hash",
    "positional",
    "referral_inputs_hash",
]

#: The hashing scheme written into every receipt.
RECEIPT_SCHEME = "mentorkit-receipt/1"

_PREFIX = "sha256:"


def _callable_form(fn: Callable[..., object]) -> dict[str, str]:
    target: Any = fn
    while isinstance(target, functools.partial):
        target = target.func
    module = getattr(target, "__module__", None) or type(target).__module__
    qualname = getattr(target, "__qualname__", None) or type(target).__qualname__
    form = {"callable": f"{module}:{qualname}"}
    try:
        source = inspect.getsource(target)
    except (OSError, TypeError):
        return form
    form["source"] = hashlib.sha256(inspect.cleandoc(source).encode()).hexdigest()
    return form


_PRIMITIVES = frozenset({str, int, bool, type(None)})


@functools.cache
def _plan(cls: type) -> tuple[str, ...]:
    """Names of the non-sensitive fields of attrs class ``cls``, sorted."""
    return tuple(sorted(a.name for a in attrs.fields(cls) if not a.metadata.get(SENSITIVE)))


def canonical(value: object) -> Any:
    """``value`` as plain JSON-ready data in canonical form.

    attrs instances become objects tagged ``"@"`` with their class name,
    fields in sorted order (fields marked sensitive left out); mappings get
    string keys in sorted order; tuples and lists become lists, sets sorted
    lists, enums their values, dates ISO strings, integral floats integers,
    and callables their name and a hash of their source.
    """
    cls = value.__class__
    if cls in _PRIMITIVES:
        return value
    if isinstance(value, tuple | list):
        return [canonical(v) for v in value]
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return repr(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if attrs.has(cls):
        out: dict[str, Any] = {"@": cls.__name__}
        for name in _plan(cls):
            out[name] = canonical(getattr(value, name))
        return out
    if isinstance(value, Mapping):
        return {k: canonical(v) for k, v in sorted((str(k), v) for k, v in value.items())}
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=canonical_json)
    if callable(value):
        return _callable_form(value)
    return repr(value)


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)


def _utf8(text: str) -> bytes:
    """UTF-8 bytes to hash; a lone surrogate (from code, not from decoding) hashes too."""
    return text.encode("utf-8", "surrogatepass")


def canonical_json(value: object) -> str:
    """The canonical JSON text of ``value`` (see :func:`canonical`)."""
    return _ENCODER.encode(canonical(value))


def content_hash(value: object) -> str:
    """``sha256:<hex>`` of the canonical JSON of ``value``."""
    return _digest(canonical_json(value))


def _digest(text: str) -> str:
    return _PREFIX + hashlib.sha256(_utf8(text)).hexdigest()


def declaration_hash(declaration: Rubric | ReferralRule) -> str:
    """The content hash of one rubric or referral rule declaration.

    Any change to what it declares (a weight, a threshold, a level, a
    condition, the source of its ``derive``/``details``) changes the hash.
    """
    return content_hash(declaration)


def legal_parameters() -> dict[str, object]:
    """The dated legal parameter tables a rule pack reads, by name.

    The size thresholds (``business.size_class``) and the tables of
    :mod:`mentorkit.legal` that rubrics and rules read (halal deadlines, the
    halal self-declare route, KUR schemes, cooperative membership).
    """
    return {
        "size_thresholds": SIZE_THRESHOLDS,
        "halal_deadlines": legal.HALAL_DEADLINES,
        "halal_self_declare": legal.HALAL_SELF_DECLARE,
        "kur": legal.KUR,
        "cooperative_min_members": legal.COOPERATIVE_MIN_MEMBERS,
    }


def pack_hash(
    rubrics: Iterable[Rubric],
    rules: Iterable[ReferralRule],
    parameters: Mapping[str, object] | None = None,
) -> str:
    """The content hash of a rule pack: its rubrics, its rules and the legal parameters.

    Rubrics and rules are keyed by id, so the order plugins registered them
    in does not matter. ``parameters`` are the dated legal tables (default:
    :func:`legal_parameters`): a new dated entry, such as a postponed halal
    deadline, changes the pack's hash.
    """
    tables = legal_parameters() if parameters is None else parameters
    return content_hash(
        {
            "rubrics": {r.id: declaration_hash(r) for r in rubrics},
            "rules": {r.id: declaration_hash(r) for r in rules},
            "parameters": {name: content_hash(table) for name, table in tables.items()},
        }
    )


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def positional(value: object) -> Any:
    """Like :func:`canonical`, but attrs instances become ``[class name, *values]``.

    Values follow the sorted field names (sensitive fields left out). The
    compact form used for input hashes: shorter to encode than objects.
    """
    cls = value.__class__
    if cls in _PRIMITIVES:
        return value
    if isinstance(value, tuple | list):
        return [positional(v) for v in value]
    if attrs.has(cls):
        return [cls.__name__, *(positional(getattr(value, name)) for name in _plan(cls))]
    return canonical(value)


def _business_form(b: Business) -> list[Any]:
    """:func:`positional` of a Business, written out for the engine's hot path.

    Equal to ``positional(b)`` (a test checks it); used only while the
    models have exactly the fields in :data:`_KNOWN_FIELDS`.
    """
    owner = b.owner
    coop = b.cooperative
    return [
        "Business",
        b.address,
        b.annual_sales,
        b.capital,
        None if coop is None else ["CooperativeMembership", coop.cooperative_id, _iso(coop.joined)],
        b.district,
        b.employees,
        b.financing_need,
        _iso(b.founded),
        b.id,
        [
            ["Licence", _iso(held.expires), _iso(held.issued), held.kind.value, held.number]
            for held in b.licences
        ],
        b.name,
        b.nib,
        ["Person", None if owner.gender is None else owner.gender.value, owner.name],
        [channel.value for channel in b.sales_channels],
        b.sector.value,
    ]


_KNOWN_FIELDS = {
    Business: (
        "address",
        "annual_sales",
        "capital",
        "cooperative",
        "district",
        "employees",
        "financing_need",
        "founded",
        "id",
        "licences",
        "name",
        "nib",
        "owner",
        "sales_channels",
        "sector",
    ),
    Person: ("gender", "name"),
    Licence: ("expires", "issued", "kind", "number"),
    CooperativeMembership: ("cooperative_id", "joined"),
}

#: True while the models have exactly the fields :func:`_business_form` writes out.
_FAST_BUSINESS = all(_plan(cls) == fields for cls, fields in _KNOWN_FIELDS.items())


def _compact_stdlib(value: Any) -> bytes:
    """The canonical bytes: compact JSON by the standard library, as UTF-8."""
    return _utf8(_ENCODER.encode(value))


_PLAIN_KINDS = _PRIMITIVES | {list}


def _plain(items: list[Any]) -> bool:
    """True when ``items`` holds only text, whole numbers, yes/no, null and lists of them."""
    kinds = set(map(type, items))
    if not kinds <= _PLAIN_KINDS:
        return False
    return list not in kinds or all(_plain(i) for i in items if type(i) is list)


def _make_compact() -> Callable[[list[Any]], bytes]:
    try:
        from orjson import dumps
    except ImportError:  # pragma: no cover - exercised in environments without the extra
        return _compact_stdlib

    def compact(items: list[Any]) -> bytes:
        if not _plain(items):
            return _compact_stdlib(items)  # e.g. floats: orjson spells them its own way (1e16)
        try:
            return dumps(items)
        except TypeError:  # orjson.JSONEncodeError: a lone surrogate, an integer beyond 64 bits
            return _compact_stdlib(items)

    return compact


#: :func:`_compact_stdlib` of a list, faster: orjson (extra ``mentorkit[fast]``) writes it when
#: it holds only text, whole numbers, yes/no, null and lists of them, which come out exactly as
#: the standard library writes them (every code point and 64-bit integers are checked by
#: tests). Anything else (floats) and anything orjson refuses go to the standard library, so a
#: hash never depends on which library is installed.
_compact = _make_compact()


def business_digest(business: Business) -> str:
    """SHA-256 (hex) of the :func:`positional` JSON of a business, without personal data.

    Computed once per business and folded into the input hash of each of
    its decisions.
    """
    form = _business_form(business) if _FAST_BUSINESS else positional(business)
    return hashlib.sha256(_compact(form)).hexdigest()


def _hash_parts(parts: list[Any]) -> str:
    """``sha256:<hex>`` of the compact JSON of a flat list of plain values."""
    return _PREFIX + hashlib.sha256(_compact(parts)).hexdigest()


def assessment_inputs_hash(
    business: str | None,
    on: dt.date,
    answers: Mapping[str, tuple[Answer, dt.date, str | None]],
) -> str:
    """Input hash of an assessment.

    ``business`` is :func:`business_digest` when the rubric's plugin code
    (``derive``, ``applies_to``) reads the business, else None; ``answers``
    the observations actually used, per criterion id: (answer, day
    observed, evidence).
    """
    # A flat list, four items per criterion, days as ordinals: cheap to build and encode.
    parts: list[Any] = ["assessment", business, on.toordinal()]
    extend = parts.extend
    for cid in sorted(answers):
        value, day, note = answers[cid]
        extend((cid, value, day.toordinal(), note))
    return _hash_parts(parts)


def _fact(value: FactValue) -> Any:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def referral_inputs_hash(
    business: str | None,
    on: dt.date,
    facts: Mapping[str, FactValue],
    read: Iterable[str],
    cooperatives: str | None = None,
) -> str:
    """Input hash of a referral: the day, the facts its conditions read, and what details read.

    ``business`` is :func:`business_digest` when the rule has a ``details``
    function (which reads the business), else None. ``read`` are the fact
    names the rule's conditions read, distinct and sorted; ``cooperatives``
    is :func:`cooperatives_digest` of the cooperatives offered to a
    ``details`` function (None when the rule has none).
    """
    parts: list[Any] = ["referral", business, on.toordinal(), cooperatives]
    extend = parts.extend
    for name in read:
        extend((name, _fact(facts.get(name))))
    return _hash_parts(parts)


def cooperatives_digest(cooperatives: Sequence[Cooperative]) -> str:
    """SHA-256 (hex) of the canonical JSON of the cooperatives a ``details`` may read."""
    if not cooperatives:
        return _NO_COOPERATIVES
    text = canonical_json(sorted(cooperatives, key=lambda c: c.id))
    return hashlib.sha256(_utf8(text)).hexdigest()


_NO_COOPERATIVES = hashlib.sha256(b"[]").hexdigest()


def make_receipt(declaration: str, pack: str, inputs: str, on: dt.date) -> Receipt:
    """A :class:`~mentorkit.Receipt` with the current scheme."""
    return Receipt(declaration=declaration, pack=pack, inputs=inputs, on=on, scheme=RECEIPT_SCHEME)


_make_trusted = trusted_constructor(Receipt, ("declaration", "pack", "inputs", "on", "scheme"))


def trusted_receipt(declaration: str, pack: str, inputs: str, on: dt.date) -> Receipt:
    """:func:`make_receipt` without running the hash-text validators, for the engine only.

    Its hashes are made by this module (``sha256:`` and 64 lower-case hex
    digits), and the engine checks its declaration and pack hashes once,
    with :func:`make_receipt`.
    """
    return _make_trusted(declaration, pack, inputs, on, RECEIPT_SCHEME)

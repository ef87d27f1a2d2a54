"""Compact JSON for the hot paths, with orjson when installed (extra ``mentorkit[fast]``).

:func:`loads` accepts exactly what :func:`json.loads` accepts and returns
equal values: orjson reads the common case, and anything it refuses (NaN,
lone surrogates, UTF-16 input, bad JSON) is read again by the standard
library, which then gives its usual error. Text with a run of 19 or more
digits is read by the standard library from the start: orjson would read an
integer beyond 64 bits as a float.

:func:`dumpb` writes compact JSON bytes (``,`` and ``:`` without spaces,
UTF-8 text as is) of data that holds no NaN or infinity -- such as the
engine's results, whose floats are declared weights (checked finite when a
registry loads) and scores (checked by the models). With orjson the text
may differ from the standard library's in how it spells small floats
(``1e-6`` for ``1e-06``); it always parses to the same values. Anything
orjson refuses (types it does not know, lone surrogates, integers beyond 64
bits) is written by the standard library, which raises its usual
``TypeError`` for unknown types.

:func:`plain_and_text` gives both forms of a value at once: the plain data
``loads(dumpb(obj))`` and its standard-library text (what the SQL store
writes), encoding only once when orjson's bytes are already that text;
:func:`plain_text` gives that text of data already plain. orjson writes
plain data exactly as the standard library does (every code point, 64-bit
integers, key order) except some floats: below 1e-4 and from 1e16 the two
spell them differently (``0.00001`` for ``1e-05``, ``1e-7`` for
``1e-07``). So orjson's text is kept only when it holds no exponent (a
digit then ``e`` or ``E``) and no ``0.0000``; otherwise the standard
library writes it (a test checks millions of floats).

Receipt hashes do not use this module: their bytes must not depend on
which JSON library is installed (``mentorkit._receipts`` hands orjson only
values it writes exactly as the standard library does).
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

__all__ = [
    "BACKEND",
    "dumpb",
    "dumpb_stdlib",
    "dumps_stdlib",
    "loads",
    "loads_many",
    "loads_stdlib",
    "plain_and_text",
    "plain_and_text_stdlib",
    "plain_text",
]

_STDLIB_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)
# Digits enough for an integer beyond 64 bits (2**63 has 19): orjson reads those as floats.
# Found by mapping every digit to 0 and searching for 19 zeros (a regex costs 10 times more).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19
# The same digit mapping, and "e" and "E" mapped to 0x01 (never a raw byte of JSON text:
# control characters are escaped), so "a digit then an exponent" is one search. orjson spells
# every other float as the standard library does, except those below 1e-4 (0.00001 for
# 1e-05), which hold "0.0000" (module notes).
_NUMBER_MARKS = bytes.maketrans(b"123456789eE", b"000000000\x01\x01")
_EXPONENT_MARK = b"0\x01"
_SMALL_FLOAT = b"0.0000"


def _has_long_digits(data: str | bytes) -> bool:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    return _LONG_DIGITS in raw.translate(_DIGITS_TO_ZERO)


def dumps_stdlib(obj: Any) -> str:
    """Compact JSON text by the standard library (NaN refused)."""
    return _STDLIB_ENCODER.encode(obj)


def dumpb_stdlib(obj: Any) -> bytes:
    """:func:`dumps_stdlib` as UTF-8 bytes (the reference for :func:`dumpb`).

    Text holding a lone surrogate (JSON input may carry one as ``\\ud800``)
    has no UTF-8 form: it is written with ``\\u`` escapes instead, which
    read back to the same text.
    """
    text = _STDLIB_ENCODER.encode(obj)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return _ASCII_ENCODER.encode(obj).encode()


def loads_stdlib(data: str | bytes) -> Any:
    """:func:`json.loads` (the reference for :func:`loads`)."""
    return json.loads(data)


def plain_and_text_stdlib(obj: Any) -> tuple[Any, str]:
    """:func:`plain_and_text` by the standard library alone (the reference for it)."""
    data = loads_stdlib(dumpb_stdlib(obj))
    return data, dumps_stdlib(data)


def loads_many_stdlib(texts: Sequence[str]) -> list[Any]:
    """:func:`json.loads` of each text (the reference for :func:`loads_many`)."""
    return [json.loads(text) for text in texts]


def _make() -> tuple[
    str,
    Callable[[Any], bytes],
    Callable[[str | bytes], Any],
    Callable[[Sequence[str]], list[Any]],
]:
    try:
        import orjson
    except ImportError:  # pragma: no cover - exercised in environments without the extra
        return "json", dumpb_stdlib, loads_stdlib, loads_many_stdlib
    fast_dumps, fast_loads, error = orjson.dumps, orjson.loads, orjson.JSONDecodeError
    # Dates, dataclasses and str/int/dict subclasses go to the standard library, which
    # treats them as it always has (orjson would write them its own way).
    options = (
        orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_SUBCLASS
    )

    def dumpb_orjson(obj: Any) -> bytes:
        try:
            return fast_dumps(obj, option=options)
        except TypeError:  # orjson.JSONEncodeError: unknown type, surrogate, big int
            return dumpb_stdlib(obj)

    def loads_orjson(data: str | bytes) -> Any:
        if _has_long_digits(data):
            return json.loads(data)
        try:
            return fast_loads(data)
        except error:
            return json.loads(data)

    def loads_many_orjson(texts: Sequence[str]) -> list[Any]:
        # One long-digit scan for all (a line break between texts: no digit run spans two),
        # then orjson text by text. Anything unusual: each text as ``loads`` reads it alone.
        try:
            joined = "\n".join(texts)
        except TypeError:  # bytes, or what no JSON reader takes: each as ``loads`` reads it
            return [loads_orjson(text) for text in texts]
        if not _has_long_digits(joined):
            try:
                return [fast_loads(text) for text in texts]
            except error:
                pass
        return [loads_orjson(text) for text in texts]

    return "orjson", dumpb_orjson, loads_orjson, loads_many_orjson


def _make_texts() -> tuple[Callable[[Any], tuple[Any, str]], Callable[[Any], str]]:
    try:
        import orjson
    except ImportError:  # pragma: no cover - exercised in environments without the extra
        return plain_and_text_stdlib, dumps_stdlib
    fast_dumps, fast_loads, error = orjson.dumps, orjson.loads, orjson.JSONDecodeError
    options = (
        orjson.OPT_PASSTHROUGH_DATETIME
        | orjson.OPT_PASSTHROUGH_DATACLASS
        | orjson.OPT_PASSTHROUGH_SUBCLASS
    )

    def plain_and_text_orjson(obj: Any) -> tuple[Any, str]:
        # Step by step what loads(dumpb(obj)) does (same options, same fallbacks), with one
        # translate serving both the long-digit check and the float check.
        try:
            raw = fast_dumps(obj, option=options)
        except TypeError:  # what dumpb hands to the standard library: its path, unchanged
            data = loads(dumpb_stdlib(obj))
            return data, dumps_stdlib(data)
        marked = raw.translate(_NUMBER_MARKS)
        if _LONG_DIGITS in marked:
            data = json.loads(raw)
        else:
            try:
                data = fast_loads(raw)
            except error:  # pragma: no cover - orjson reads what it wrote
                data = json.loads(raw)
        if _EXPONENT_MARK in marked or _SMALL_FLOAT in raw:
            # Maybe a float orjson spells its own way (or only text such as "1e16"): the
            # standard library writes the text.
            return data, dumps_stdlib(data)
        # orjson's bytes are the standard library's text of ``data`` (strings, whole numbers
        # within 64 bits, floats from 1e-4 to 1e16, true/false/null, compact separators, key
        # order kept; NaN and infinity were already written as null and read back as None).
        return data, raw.decode()

    def plain_text_orjson(data: Any) -> str:
        try:
            return fast_dumps(data, option=options).decode()
        except TypeError:  # a lone surrogate, an integer beyond 64 bits, a type not plain
            return dumps_stdlib(data)

    return plain_and_text_orjson, plain_text_orjson


#: ``"orjson"`` when the extra is installed, else ``"json"`` (the standard library).
BACKEND, dumpb, loads, loads_many = _make()
dumpb.__doc__ = "Compact JSON bytes of ``obj``, which holds no NaN or infinity (module notes)."
loads.__doc__ = "The value of JSON ``data``, as :func:`json.loads` gives it."
loads_many.__doc__ = """``[loads(text) for text in texts]``, for many short texts at once.

The same values and the same error as reading each text alone (each text
is read on its own, never joined to another). With orjson, the texts are
scanned for long digit runs once, not each on its own: about half the
cost per text for rows of a table read in bulk. A text with a long digit
run sends the whole group to the text-by-text path, so group texts that
rarely hold one (a receipt's hex digests sometimes do).
"""

plain_and_text, plain_text = _make_texts()
plain_and_text.__doc__ = """``(data, text)`` of ``obj``: ``loads(dumpb(obj))`` and its stored text.

``data`` has the same values and errors as ``loads(dumpb(obj))``, and
``text`` the same bytes as ``dumps_stdlib(data)``. When orjson's bytes
hold no float it spells its own way they ARE that text and nothing is
encoded twice (module notes).
"""
plain_text.__doc__ = """``dumps_stdlib(data)``, exactly, of plain data with floats spelled alike.

Plain data is text, numbers, true/false/null, lists and objects with text
keys. The caller checks that every float in it is 0.0 or from 1e-4 to
1e16 in size -- orjson spells those as the standard library does (module
notes); it would write NaN and infinity as null, where the standard
library refuses them. orjson writes the text; what it refuses (a lone
surrogate, an integer beyond 64 bits) the standard library writes.
"""

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

Receipt hashes do not use this module: their bytes must not depend on
which JSON library is installed (``mentorkit._receipts`` hands orjson only
values it writes exactly as the standard library does).
"""

import json
from collections.abc import Callable
from typing import Any

__all__ = ["BACKEND", "dumpb", "dumpb_stdlib", "dumps_stdlib", "loads", "loads_stdlib"]

_STDLIB_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_ASCII_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False)
# Digits enough for an integer beyond 64 bits (2**63 has 19): orjson reads those as floats.
# Found by mapping every digit to 0 and searching for 19 zeros (a regex costs 10 times more).
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_LONG_DIGITS = b"0" * 19


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


def _make() -> tuple[str, Callable[[Any], bytes], Callable[[str | bytes], Any]]:
    try:
        import orjson
    except ImportError:  # pragma: no cover - exercised in environments without the extra
        return "json", dumpb_stdlib, loads_stdlib
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

    return "orjson", dumpb_orjson, loads_orjson


#: ``"orjson"`` when the extra is installed, else ``"json"`` (the standard library).
BACKEND, dumpb, loads = _make()
dumpb.__doc__ = "Compact JSON bytes of ``obj``, which holds no NaN or infinity (module notes)."
loads.__doc__ = "The value of JSON ``data``, as :func:`json.loads` gives it."

"""The batch input record and how one JSON line becomes one.

A batch line is either a *batch record* -- an object with a ``business``
and, optionally, its ``observations`` -- or a plain :class:`~mentorkit.Business`
object (assessed with no observations: only derived criteria are answered).
"""

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import cattrs
from attrs import frozen

from .._errors import DecodeError, FieldIssue
from .._fastobs import business_fast
from .._json import loads
from .._model import Business, Observation
from .._serialize import configure_converter, decode
from ._fast import observations_fast

__all__ = ["BatchRecord", "LineDecoder"]


@frozen
class BatchRecord:
    """One line of batch input: a business and the observations made of it.

    JSON form::

        {"business": {"id": "B-0001", ...},
         "observations": [{"business_id": "B-0001", "rubric_id": ..., ...}]}

    Each observation is a :class:`~mentorkit.Observation` in its usual JSON
    form (its ``business_id`` must be the business's id, or the engine
    reports it as an issue of that record).
    """

    business: Business
    observations: tuple[Observation, ...] = ()


_RECORD_KEYS = frozenset({"business", "observations"})


def _business_id(data: object) -> str | None:
    if not isinstance(data, Mapping):
        return None
    inner = data.get("business", data)
    ident = inner.get("id") if isinstance(inner, Mapping) else None
    return ident if isinstance(ident, str) and ident else None


class LineDecoder:
    """Turns raw JSON lines into :class:`BatchRecord` objects, fast.

    A converter configured like mentorkit's own but without detailed
    validation decodes good lines; a line it rejects is decoded again by
    :func:`mentorkit.decode`, which gives the error with every field path.
    Both use the same strict hooks, so they accept exactly the same lines.
    """

    def __init__(self) -> None:
        self._converter = cattrs.Converter(forbid_extra_keys=True, detailed_validation=False)
        configure_converter(self._converter)
        self._record = self._converter.get_structure_hook(BatchRecord)
        self._business = self._converter.get_structure_hook(Business)
        self._dates: dict[str, dt.date] = {}

    @property
    def dates(self) -> dict[str, dt.date]:
        """The decoder's cache of parsed observation dates (bounded)."""
        return self._dates

    def decode(self, raw: bytes | str, line: int) -> BatchRecord:
        """The record on line ``line``; :class:`~mentorkit.DecodeError` if it is bad."""
        return self.structure(self.parse(raw, line), line)

    @staticmethod
    def parse(raw: bytes | str, line: int) -> Any:
        """The JSON value of line ``line``; :class:`~mentorkit.DecodeError` if it is not JSON."""
        try:
            return loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8"
            raise DecodeError(
                f"line {line}", [FieldIssue("$", f"not valid JSON ({msg})")]
            ) from None

    def business_and_items(self, data: Any) -> tuple[Business, object] | None:
        """A batch record's business and its raw observation items, when the business is good.

        None for anything else (a plain business line, a bad business, an
        unknown key): :meth:`structure` then decodes the line as usual.
        """
        if type(data) is not dict or "business" not in data or not data.keys() <= _RECORD_KEYS:
            return None
        try:
            business = self._decode_business(data["business"])
        except Exception:  # decoded again by structure(), for its field paths
            return None
        return business, data.get("observations", [])

    def _decode_business(self, data: Any) -> Business:
        """The business of ``data``: by hand when plainly valid, else by the converter (raises)."""
        business = business_fast(data, self._dates)
        if business is None:  # not plainly valid, or a rare shape: the converter decides
            business = self._business(data, Business)
        return business

    def structure(self, data: Any, line: int) -> BatchRecord:
        """The record from the JSON value of line ``line``; :class:`~mentorkit.DecodeError`."""
        plain = isinstance(data, dict) and "business" not in data
        try:
            if plain:
                return BatchRecord(business=self._decode_business(data))
            if type(data) is dict and data.keys() <= _RECORD_KEYS:
                observations = observations_fast(data.get("observations", []), self._dates)
                if observations is not None:
                    return BatchRecord(self._decode_business(data["business"]), observations)
            return self._record(data, BatchRecord)  # type: ignore[no-any-return]
        except Exception:  # any failure: decoded again below, for its field paths
            pass
        return self._slow(data, line, plain)

    def _slow(self, data: Any, line: int, plain: bool) -> BatchRecord:
        ident = _business_id(data)
        name = f"line {line}: business {ident!r}" if ident else f"line {line}"
        if plain:
            return BatchRecord(business=decode(data, Business, record=name))
        return decode(data, BatchRecord, record=name)

    @staticmethod
    def business_id(raw: bytes | str) -> str | None:
        """The business id of a raw line, when it can be read (for error records)."""
        try:
            return _business_id(json.loads(raw))
        except ValueError:
            return None

"""A hand-written, pure-Python pipeline for the benchmark's rule pack.

What a competent programmer would write without mentorkit: JSON Lines in,
hand-checked fields, the two rubrics and four rules of ``bench_plugin`` as
plain tables and loops, JSON Lines out. It writes the same result lines as
mentorkit's batch with ``Engine(registry, receipts=False)`` -- byte for byte
(``bench_batch.py`` checks it) -- so the two do the same work. It is
written for this rule pack only, and checks fields less thoroughly than
mentorkit (no field paths in its errors, fewer model rules).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import bench_plugin

_SECTORS = {"culinary", "craft", "fashion", "services", "trade", "agribusiness", "other"}
_CHANNELS = {"shop", "marketplace", "social_media", "gallery", "reseller", "government", "export"}
_NIB = re.compile(r"\d{13}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BUSINESS_KEYS = {
    "id",
    "name",
    "owner",
    "sector",
    "district",
    "address",
    "founded",
    "employees",
    "capital",
    "annual_sales",
    "financing_need",
    "nib",
    "licences",
    "cooperative",
    "sales_channels",
}
_OBS_KEYS = {
    "business_id",
    "rubric_id",
    "criterion_id",
    "value",
    "observed_on",
    "evidence",
    "observer",
}


def _tables() -> dict[str, tuple[str, str, list[tuple], float, list[tuple[float, str]]]]:
    """rubric id -> (id, version, criteria, total weight, levels high to low).

    A criterion is (id, weight, kind, scale_max, {choice: score}, met_at, derived).
    """
    out = {}
    for rubric in (bench_plugin.FINANCE, bench_plugin.MARKET):
        criteria = [
            (
                c.id,
                c.weight,
                c.kind.value,
                c.scale_max,
                {ch.value: float(ch.score) for ch in c.choices},
                c.met_at,
                c.derive is not None,
            )
            for c in rubric.criteria
        ]
        levels = sorted(((lv.min_score, lv.id) for lv in rubric.levels), reverse=True)
        total = sum(c[1] for c in criteria)
        out[rubric.id] = (rubric.id, rubric.version, criteria, total, levels)
    return out


TABLES = _tables()
RANKS = {lv.id: rank for rank, lv in enumerate(bench_plugin.LEVELS)}


class Bad(Exception):  # noqa: N818 - the baseline keeps its own terse names
    """A record the baseline cannot read."""


def _date(value: object) -> dt.date:
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise Bad("date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Bad("date") from None


def _str(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Bad("string")
    return value


def _count(value: object) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise Bad("count")
    return value


def check_business(b: object) -> dict:
    if not isinstance(b, dict) or not _BUSINESS_KEYS.issuperset(b):
        raise Bad("business")
    _str(b["id"])
    _str(b["name"])
    owner = b["owner"]
    if not isinstance(owner, dict):
        raise Bad("owner")
    _str(owner["name"])
    if b["sector"] not in _SECTORS:
        raise Bad("sector")
    _str(b["district"])
    for key in ("employees", "capital", "annual_sales", "financing_need"):
        _count(b.get(key))
    if b.get("founded") is not None:
        b["founded"] = _date(b["founded"])
    nib = b.get("nib")
    if nib is not None and (not isinstance(nib, str) or not _NIB.fullmatch(nib)):
        raise Bad("nib")
    channels = b.get("sales_channels", [])
    if not isinstance(channels, list) or any(c not in _CHANNELS for c in channels):
        raise Bad("sales_channels")
    if len(set(channels)) != len(channels):
        raise Bad("sales_channels")
    for licence in b.get("licences", []):
        if licence.get("issued") is not None:
            licence["issued"] = _date(licence["issued"])
        if licence.get("expires") is not None:
            licence["expires"] = _date(licence["expires"])
    coop = b.get("cooperative")
    if coop is not None and (not isinstance(coop, dict) or "cooperative_id" not in coop):
        raise Bad("cooperative")
    return b


def _has_nib(b: dict, on: dt.date) -> bool:
    for licence in b.get("licences", ()):
        if licence["kind"] == "nib":
            issued, expires = licence.get("issued"), licence.get("expires")
            if (issued is None or issued <= on) and (expires is None or expires >= on):
                return True
    return b.get("nib") is not None


def _score(kind: str, top: int | None, choices: dict, answer: object) -> float | None:
    if kind == "yes_no":
        return (1.0 if answer else 0.0) if isinstance(answer, bool) else None
    if kind == "scale":
        ok = isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer <= top
        return answer / top if ok else None
    return choices.get(answer) if isinstance(answer, str) else None


def _show(value: object) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, tuple):
        return "(" + ", ".join(value) + ")"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def evaluate(record: dict, on: dt.date) -> dict:
    """The result of one batch record, as mentorkit's batch encodes it."""
    b = check_business(record["business"])
    bid = b["id"]
    today = on.isoformat()
    answers: dict[str, dict[str, tuple]] = {}
    issues = []
    for position, obs in enumerate(record.get("observations", ())):
        if not isinstance(obs, dict) or not _OBS_KEYS.issuperset(obs):
            raise Bad("observation")
        rubric_id, criterion_id, value = obs["rubric_id"], obs["criterion_id"], obs["value"]
        observed = _date(obs["observed_on"])
        where = f"$.observations[{position}]"
        if obs["business_id"] != bid:
            issues.append({"path": f"{where}.business_id", "message": "belongs elsewhere"})
            continue
        table = TABLES.get(rubric_id)
        criterion = (
            None if table is None else next((c for c in table[2] if c[0] == criterion_id), None)
        )
        if criterion is None or _score(criterion[2], criterion[3], criterion[4], value) is None:
            issues.append({"path": where, "message": "does not fit the rubric"})
            continue
        if observed > on:
            continue
        per = answers.setdefault(rubric_id, {})
        previous = per.get(criterion_id)
        if previous is None or previous[1] <= observed:
            per[criterion_id] = (value, observed, obs.get("evidence"))
    assessments = []
    facts: dict[str, object] = {}
    for rubric_id, (_, version, criteria, total_weight, levels) in TABLES.items():
        given = answers.get(rubric_id, {})
        results, missing, earned = [], [], 0.0
        for cid, weight, kind, top, choices, met_at, derived in criteria:
            note = None
            source = "observed"
            hit = given.get(cid)
            if hit is not None:
                answer, _, note = hit
            elif derived:
                source, answer = "derived", _has_nib(b, on)
            else:
                answer = None
            if answer is None:
                missing.append(cid)
                results.append(
                    {
                        "criterion_id": cid,
                        "weight": weight,
                        "source": "missing",
                        "score": None,
                        "answer": None,
                        "met": False,
                        "note": None,
                    }
                )
                continue
            score = _score(kind, top, choices, answer)
            earned += weight * score
            results.append(
                {
                    "criterion_id": cid,
                    "weight": weight,
                    "source": source,
                    "score": score,
                    "answer": answer,
                    "met": score >= met_at,
                    "note": note,
                }
            )
        if missing:
            status, total, level = "incomplete", None, None
        else:
            status = "complete"
            total = round(min(100.0, 100.0 * earned / total_weight), 6)
            level = next((lid for low, lid in levels if total >= low), levels[-1][1])
        facts[f"{rubric_id}.score"], facts[f"{rubric_id}.level"] = total, level
        assessments.append(
            {
                "business_id": bid,
                "rubric_id": rubric_id,
                "rubric_version": version,
                "assessed_on": today,
                "status": status,
                "score": total,
                "level": level,
                "criteria": results,
                "missing": missing,
                "receipt": None,
            }
        )
    referrals = []
    founded = b.get("founded")
    age = None
    if founded is not None:
        age = (on.year - founded.year) * 12 + (on.month - founded.month)
        age = max(age - (1 if on.day < founded.day else 0), 0)
    need = b.get("financing_need")
    finance_level = facts["bench-finance.level"]
    market_score = facts["bench-market.score"]
    market_level = facts["bench-market.level"]
    in_coop = b.get("cooperative") is not None
    has_nib = _has_nib(b, on)
    channels = tuple(sorted(b.get("sales_channels", ())))

    def refer(rule_id: str, unit: str, reasons: list[tuple]) -> None:
        referrals.append(
            {
                "business_id": bid,
                "unit": unit,
                "rule_id": rule_id,
                "rule_version": "2025.1",
                "proposed_on": today,
                "reasons": [
                    {"fact": f, "op": op, "expected": _show(x), "actual": _show(a), "held": True}
                    for f, op, x, a in reasons
                ],
                "details": [],
                "receipt": None,
            }
        )

    if (
        need is not None
        and need > 0
        and finance_level is not None
        and RANKS[finance_level] >= RANKS["developing"]
        and age is not None
        and age >= 6
    ):
        refer(
            "bench-capital",
            "facilitation",
            [
                ("business.financing_need", ">", 0, need),
                ("assessment.bench-finance.level", ">=", "developing", finance_level),
                ("business.age_months", ">=", 6, age),
            ],
        )
    if not in_coop and market_score is not None and market_score >= 50:
        refer(
            "bench-coop",
            "cooperative",
            [
                ("business.in_cooperative", "is false", None, in_coop),
                ("assessment.bench-market.score", ">=", 50, market_score),
            ],
        )
    if not has_nib:
        refer("bench-nib", "licensing", [("business.licence.nib", "is false", None, has_nib)])
    wanted = ("marketplace", "social_media")
    if not any(c in wanted for c in channels) and market_level in ("starting", "developing"):
        refer(
            "bench-online",
            "marketing",
            [
                ("business.sales_channels", "not in", wanted, channels),
                ("assessment.bench-market.level", "in", ("starting", "developing"), market_level),
            ],
        )
    return {
        "business_id": bid,
        "assessments": assessments,
        "referrals": referrals,
        "issues": issues,
        "failures": [],
    }


def _stdlib_dumps() -> Callable[[object], bytes]:
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    return lambda data: encode(data).encode()


def run(
    source: str,
    results_path: str,
    errors_path: str,
    on: dt.date,
    *,
    loads: Callable[[bytes], Any] = json.loads,
    dumps: Callable[[object], bytes] | None = None,
) -> int:
    """Process ``source`` into the two output files; return the records read.

    ``loads``/``dumps`` are the JSON functions (default: the standard
    library; ``dumps`` returns UTF-8 bytes, e.g. ``orjson.dumps``).
    """
    count = 0
    dumps = dumps or _stdlib_dumps()
    with (
        open(source, "rb") as lines,
        open(results_path, "wb") as results,
        open(errors_path, "wb") as errors,
    ):
        for number, raw in enumerate(lines, start=1):
            if not raw.strip():
                continue
            count += 1
            try:
                record = loads(raw)
                if "business" not in record:
                    record = {"business": record}
                results.write(dumps(evaluate(record, on)) + b"\n")
            except (Bad, ValueError, KeyError, TypeError, AttributeError) as exc:
                errors.write(dumps({"line": number, "error": type(exc).__name__}) + b"\n")
    return count

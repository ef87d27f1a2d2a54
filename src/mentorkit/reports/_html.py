"""The cohort report as one self-contained HTML page (charts as inline SVG)."""

import html
import importlib
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._errors import MentorkitError, MissingExtraError
from ..i18n import Translator, translator

__all__ = ["render_html"]

_PALETTE = ("#1b6ca8", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#9c755f")
_GREY = "#bab0ac"


#: Up to this many mentors the caseload chart has a column per mentor; above it, a column per
#: caseload band (a column per mentor is unreadable there, and slow to draw: 2,000 columns took
#: a third of a 90,000-business city's report).
_MENTOR_COLUMNS = 40
#: At most this many caseload bands (see ``_caseload_bands``).
_CASELOAD_BANDS = 20
#: Mentors listed by name of those with the most cases, when the chart shows bands.
_BUSIEST_MENTORS = 10


def _caseload_bands(
    caseloads: Sequence[int], most: int = _CASELOAD_BANDS
) -> list[tuple[int, int, int]]:
    """Mentors per caseload band: ``(low, high, mentors)``, bands of equal width from 0.

    The bands cover 0 to the largest caseload, in order and without gaps,
    each ``high - low + 1`` wide (one case per band while the largest
    caseload is under ``most``); at most ``most`` bands. Empty for no
    mentors.
    """
    if not caseloads:
        return []
    top = max(caseloads)
    width = -(-(top + 1) // most)  # ceiling: (top + 1) values in at most ``most`` bands
    counts = [0] * (top // width + 1)
    for load in caseloads:
        counts[load // width] += 1
    return [(i * width, i * width + width - 1, n) for i, n in enumerate(counts)]


def _matplotlib() -> tuple[Any, Any]:
    try:
        # Imported by name: optional dependency, loaded only when a report is drawn.
        figure = importlib.import_module("matplotlib.figure")
        mpl = importlib.import_module("matplotlib")
    except ImportError:
        raise MissingExtraError("cli", "drawing the report's charts (matplotlib)") from None
    return mpl, figure


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


class _Words:
    """Translations of the report's fixed words and of labels carried in the data."""

    def __init__(self, t: Translator, labels: Mapping[str, Any]) -> None:
        self.t = t
        self.labels = labels
        _ = t.gettext
        self.fixed: dict[str, str] = {
            "unknown": _("unknown"),
            "incomplete": _("incomplete"),
            "micro": _("micro"),
            "small": _("small"),
            "medium": _("medium"),
            "large": _("large"),
            "culinary": _("culinary"),
            "craft": _("craft"),
            "fashion": _("fashion"),
            "services": _("services"),
            "trade": _("trade"),
            "agribusiness": _("agribusiness"),
            "other": _("other"),
            "proposed": _("proposed"),
            "sent": _("sent"),
            "accepted": _("accepted"),
            "declined": _("declined"),
            "resolved": _("resolved"),
            "withdrawn": _("withdrawn"),
            "completed": _("completed"),
            "loan_granted": _("loan granted"),
            "joined_cooperative": _("joined a cooperative"),
            "succeeded": _("succeeded"),
            "not_succeeded": _("not succeeded"),
            "overdue": _("overdue"),
            "planned": _("planned"),
            "done": _("done"),
            "missed": _("missed"),
            "cancelled": _("cancelled"),
            "yes": _("yes"),
            "no": _("no"),
            "practitioner": _("practitioner"),
            "academic": _("academic"),
            "up": _("moved up"),
            "down": _("moved down"),
            "same": _("same level"),
        }

    def word(self, key: str) -> str:
        return self.fixed.get(key, key.replace("_", " "))

    def _pick(self, entry: Mapping[str, str] | None, fallback: str) -> str:
        if not entry:
            return fallback
        return entry.get(self.t.lang) or entry.get("en") or fallback

    def rubric(self, rubric_id: str) -> str:
        return self._pick(self.labels.get("rubrics", {}).get(rubric_id), rubric_id)

    def level(self, rubric_id: str, level_id: str) -> str:
        entry = self.labels.get("levels", {}).get(rubric_id, {}).get(level_id)
        return self._pick(entry, self.word(level_id))

    def unit(self, unit_id: str) -> str:
        return self._pick(self.labels.get("units", {}).get(unit_id), unit_id)


class _Charts:
    """Draws figures with matplotlib's object API (no pyplot, no global state)."""

    def __init__(self) -> None:
        self.mpl, self.figure = _matplotlib()

    def svg(self, draw: Callable[[Any], None], height: float = 3.0) -> str:
        fig = self.figure.Figure(figsize=(7.0, height), layout="constrained")
        draw(fig)
        out = io.StringIO()
        style = {
            "svg.fonttype": "none",
            "svg.hashsalt": "mentorkit",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
        with self.mpl.rc_context(style):
            fig.savefig(out, format="svg", metadata={"Date": None})
        text = out.getvalue()
        return text[text.index("<svg") :]

    def hbar(self, names: Sequence[str], values: Sequence[int], xlabel: str) -> str:
        def draw(fig: Any) -> None:
            ax = fig.subplots()
            bars = ax.barh(list(reversed(names)), list(reversed(values)), color=_PALETTE[0])
            ax.bar_label(bars, padding=2)
            ax.set_xlabel(xlabel)

        return self.svg(draw, height=max(1.6, 0.32 * len(names) + 0.8))

    def stacked(
        self,
        rows: Sequence[str],
        series: Sequence[tuple[str, Sequence[int]]],
        xlabel: str,
        colors: Sequence[str] | None = None,
    ) -> str:
        def draw(fig: Any) -> None:
            ax = fig.subplots()
            left = [0] * len(rows)
            names = list(reversed(rows))
            for index, (name, values) in enumerate(series):
                vals = list(reversed(values))
                color = (colors or _PALETTE)[index % len(colors or _PALETTE)]
                bars = ax.barh(names, vals, left=left, label=name, color=color)
                ax.bar_label(bars, labels=[str(v) if v else "" for v in vals], label_type="center")
                left = [a + b for a, b in zip(left, vals, strict=True)]
            ax.set_xlabel(xlabel)
            fig.legend(loc="outside lower center", ncols=min(len(series), 5), frameon=False)

        return self.svg(draw, height=max(1.8, 0.45 * len(rows) + 1.2))

    def columns(
        self,
        names: Sequence[str],
        values: Sequence[int],
        ylabel: str,
        xlabel: str = "",
        rotation: int = 90,
    ) -> str:
        def draw(fig: Any) -> None:
            ax = fig.subplots()
            bars = ax.bar(names, values, color=_PALETTE[2])
            ax.bar_label(bars, padding=2)
            ax.set_ylabel(ylabel)
            if xlabel:
                ax.set_xlabel(xlabel)
            ax.tick_params(axis="x", labelrotation=rotation, labelsize=7)

        return self.svg(draw, height=3.2)


def _caseload_chart(t: Translator, charts: _Charts, loads: Sequence[Mapping[str, Any]]) -> str:
    """A column per mentor, or for many mentors a column per caseload band and the busiest few."""
    _ = t.gettext
    if len(loads) <= _MENTOR_COLUMNS:
        return charts.columns(
            [row["mentor_id"] for row in loads], [row["cases"] for row in loads], _("cases")
        )
    bands = _caseload_bands([row["cases"] for row in loads])
    labels = [str(low) if low == high else f"{low}–{high}" for low, high, _n in bands]
    # The busiest few by name: those with any case (none before mentors are matched).
    busy = sorted(
        (row for row in loads if row["cases"]), key=lambda row: (-row["cases"], row["mentor_id"])
    )
    chart = charts.columns(
        labels,
        [n for _low, _high, n in bands],
        _("mentors"),
        _("cases per mentor"),
        rotation=45 if len(bands) > 10 else 0,
    )
    note = _note(
        _(
            "{count} mentors: each column counts the mentors with that many cases."
            " Every mentor's caseload is in report.json."
        ).format(count=t.number(len(loads)))
    )
    if not busy:
        return chart + note
    return (
        chart
        + note
        + _table(
            [_("Mentor"), _("Cases"), _("Capacity")],
            [
                [row["mentor_id"], t.number(row["cases"]), _capacity(t, row["capacity"])]
                for row in busy[:_BUSIEST_MENTORS]
            ],
        )
    )


def _capacity(t: Translator, capacity: int | None) -> str:
    return "–" if capacity is None else t.number(capacity)


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = "".join(f"<th>{_e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def _head(text: str) -> str:
    return f"<section><h2>{_e(text)}</h2>"


def _note(text: str) -> str:
    return f'<p class="note">{_e(text)}</p>'


def _percent(t: Translator, part: int, whole: int) -> str:
    if not whole:
        return "–"
    return t.number(100.0 * part / whole, 1) + "%"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#f6f7f9}
header{background:#1b6ca8;color:#fff;padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.5rem}
main{max-width:60rem;margin:0 auto;padding:1rem 2rem 3rem}
section{background:#fff;border-radius:6px;padding:1rem 1.4rem;margin:1rem 0;
box-shadow:0 1px 2px rgba(0,0,0,.08)}
h2{font-size:1.15rem;margin:.2rem 0 .8rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.8rem}
.card{background:#fff;border-radius:6px;padding:.8rem 1rem;box-shadow:0 1px 2px rgba(0,0,0,.08)}
.card b{display:block;font-size:1.6rem;color:#1b6ca8}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.6rem 0}
th,td{border-bottom:1px solid #e3e3e3;padding:.25rem .4rem;text-align:left}
td:not(:first-child){font-variant-numeric:tabular-nums}
svg{max-width:100%;height:auto}
.note{color:#666;font-size:.8rem}
"""


def render_html(indicators: Mapping[str, Any], *, lang: str = "id") -> str:
    """The cohort report for ``indicators`` (from :func:`cohort_indicators`) as HTML.

    One self-contained page: styles inline, charts drawn by matplotlib as
    inline SVG, no scripts and no external assets, so it can be mailed or
    opened offline. Needs the ``cli`` extra (matplotlib).
    """
    if indicators.get("schema") != "mentorkit-cohort-report/1":
        raise MentorkitError("not cohort indicators: the 'schema' field is missing or unknown")
    t = translator(lang)
    _ = t.gettext
    w = _Words(t, indicators.get("labels", {}))
    charts = _Charts()
    parts: list[str] = []
    biz = indicators["businesses"]
    total = biz["total"]
    prospects = indicators["prospects"]
    coop = indicators["cooperative"]
    moved_up = sum(r["moved"]["up"] for r in indicators["levels"].values())
    referred = sum(u["total"] for u in indicators["referrals"].values())
    miles = indicators["milestones"]

    def card(value: str, text: str) -> str:
        return f'<div class="card"><b>{_e(value)}</b>{_e(text)}</div>'

    parts.append(
        '<div class="cards">'
        + card(t.number(total), _("businesses in the cohort"))
        + card(
            _percent(t, prospects["yes"], total),
            _("have prospects ({count})").format(count=t.number(prospects["yes"])),
        )
        + card(t.number(moved_up), _("rubric levels moved up since baseline"))
        + card(_percent(t, coop["members"], total), _("cooperative membership rate"))
        + card(t.number(referred), _("referrals to other units"))
        + card(t.number(miles["overdue"]), _("overdue milestones"))
        + "</div>"
    )

    # Businesses.
    districts = list(biz["by_district"])
    sectors = list(biz["by_sector"])
    sizes = list(biz["by_size_class"])
    parts.append(
        _head(_("Businesses by district"))
        + charts.hbar(districts, [biz["by_district"][d] for d in districts], _("businesses"))
        + "</section>"
    )
    parts.append(
        _head(_("Businesses by sector and size class"))
        + charts.hbar(
            [w.word(s) for s in sectors], [biz["by_sector"][s] for s in sectors], _("businesses")
        )
        + _table(
            [_("Size class"), _("Businesses"), _("Share")],
            [
                [
                    w.word(s),
                    t.number(biz["by_size_class"][s]),
                    _percent(t, biz["by_size_class"][s], total),
                ]
                for s in sizes
            ],
        )
        + _note(_("Size classes follow PP 7/2021 (capital, or annual sales)."))
        + "</section>"
    )

    # Levels per rubric.
    for rubric_id, data in indicators["levels"].items():
        levels = data["levels"]
        colors = [*_PALETTE[: len(levels) - 1], _GREY]
        series = [
            (w.level(rubric_id, level), [data["baseline"][level], data["latest"][level]])
            for level in levels
        ]
        moved = data["moved"]
        parts.append(
            _head(_("Levels: {rubric}").format(rubric=w.rubric(rubric_id)))
            + charts.stacked([_("baseline"), _("latest")], series, _("businesses"), colors)
            + _table(
                [_("Change since baseline"), _("Businesses")],
                [[w.word(k), t.number(moved[k])] for k in ("up", "same", "down")],
            )
            + (
                _note(_("Mean score now") + ": " + t.number(data["mean_score"], 1))
                if data["mean_score"] is not None
                else ""
            )
            + "</section>"
        )

    # Prospects.
    parts.append(
        _head(_("Businesses with prospects"))
        + _table(
            [_("Has prospects"), _("Businesses"), _("Share")],
            [[w.word(k), t.number(v), _percent(t, v, total)] for k, v in prospects.items()],
        )
        + "</section>"
    )

    # Referrals.
    units = list(indicators["referrals"])
    statuses = sorted({s for u in units for s in indicators["referrals"][u]["by_status"]})
    if units:
        series = [
            (w.word(s), [indicators["referrals"][u]["by_status"].get(s, 0) for u in units])
            for s in statuses
        ]
        outcome_rows = [
            [w.unit(u), w.word(outcome), t.number(n)]
            for u in units
            for outcome, n in indicators["referrals"][u]["by_outcome"].items()
        ]
        parts.append(
            _head(_("Referrals per unit"))
            + (charts.stacked([w.unit(u) for u in units], series, _("referrals")) if series else "")
            + _table(
                [_("Unit"), _("Referrals"), _("Businesses")],
                [
                    [
                        w.unit(u),
                        t.number(indicators["referrals"][u]["total"]),
                        t.number(indicators["referrals"][u]["businesses"]),
                    ]
                    for u in units
                ],
            )
            + (
                _table([_("Unit"), _("Outcome"), _("Referrals")], outcome_rows)
                if outcome_rows
                else ""
            )
            + "</section>"
        )

    # Cooperatives.
    parts.append(
        _head(_("Cooperative membership"))
        + "<p>"
        + _e(
            _("{members} of {total} businesses are members of a cooperative ({rate}).").format(
                members=t.number(coop["members"]),
                total=t.number(total),
                rate=_percent(t, coop["members"], total),
            )
        )
        + " "
        + _e(
            _("{joined} joined after a referral to the cooperative unit.").format(
                joined=t.number(coop["joined_after_referral"])
            )
        )
        + "</p></section>"
    )

    # Mentors.
    mentors = indicators["mentors"]
    loads = mentors["caseloads"]
    if loads:
        parts.append(
            _head(_("Mentor caseloads"))
            + _caseload_chart(t, charts, loads)
            + _table(
                [
                    _("Mentors"),
                    _("Assigned cases"),
                    _("Mean caseload"),
                    _("Most cases"),
                    _("Over capacity"),
                ],
                [
                    [
                        t.number(mentors["count"]),
                        t.number(mentors["assigned_cases"]),
                        t.number(mentors["mean_caseload"] or 0, 1),
                        t.number(mentors["max_caseload"]),
                        t.number(mentors["over_capacity"]),
                    ]
                ],
            )
            + "</section>"
        )

    # Milestones.
    by_status = miles["by_status"]
    overdue_rows = [
        [row["business_id"], row["title"], row["due"]] for row in miles["overdue_list"][:25]
    ]
    parts.append(
        _head(_("Business-plan milestones"))
        + _table(
            [_("Status"), _("Milestones")],
            [[w.word(k), t.number(v)] for k, v in by_status.items()]
            + [[w.word("overdue"), t.number(miles["overdue"])]],
        )
        + (
            "<h3>"
            + _e(_("Overdue milestones"))
            + "</h3>"
            + _table([_("Business"), _("Milestone"), _("Due")], overdue_rows)
            + (
                _note(
                    _("Showing the first {shown} of {count}.").format(
                        shown=len(overdue_rows), count=miles["overdue"]
                    )
                )
                if miles["overdue"] > len(overdue_rows)
                else ""
            )
            if overdue_rows
            else ""
        )
        + "</section>"
    )

    programme = indicators.get("programme") or {}
    title = _("Mentoring cohort report")
    subtitle = " · ".join(
        x
        for x in (
            programme.get("name", ""),
            _("as of {date}").format(date=indicators["as_of"]),
        )
        if x
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(t.lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f"<header><h1>{_e(title)}</h1><div>{_e(subtitle)}</div></header>"
        f"<main>{''.join(parts)}"
        + _note(
            _("Generated by mentorkit. Personal data (NIK, phone) is not shown in this report.")
        )
        + "</main></body></html>\n"
    )

"""What-if: run a candidate rule pack over a stored cohort beside today's.

:func:`what_if` evaluates every business of a cohort with the current rule
pack and with a candidate one (a new rubric version, a changed threshold)
and reports, business by business, which levels and which referrals would
change, side by side, with summary counts. Nothing is written anywhere.
"""

import datetime as dt
import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from attrs import frozen

from ._declarations import FactValue
from ._engine import Engine
from ._model import Business, Cooperative, Observation
from ._registry import Registry

__all__ = ["LevelChange", "LevelDirection", "WhatIfReport", "WhatIfRow", "what_if"]


class LevelDirection(enum.StrEnum):
    """How a business's level under one rubric moves from the current pack to the candidate."""

    SAME = "same"  #: tetap
    UP = "up"  #: naik
    DOWN = "down"  #: turun
    CHANGED = "changed"  #: berubah (levels not comparable: added, removed or renamed)


@frozen
class LevelChange:
    """One rubric's level for one business: now (``before``) and under the candidate (``after``).

    None means no complete assessment (the rubric is missing from that pack,
    does not apply, or lacks answers).
    """

    rubric_id: str
    before: str | None
    after: str | None
    direction: LevelDirection

    @property
    def changed(self) -> bool:
        """True when the level differs."""
        return self.direction is not LevelDirection.SAME


@frozen
class WhatIfRow:
    """One business side by side: levels and referral units, current pack vs candidate."""

    business_id: str
    levels: tuple[LevelChange, ...]
    referrals_before: tuple[str, ...]
    referrals_after: tuple[str, ...]

    @property
    def referrals_added(self) -> tuple[str, ...]:
        """Units the candidate refers to and the current pack does not."""
        return tuple(u for u in self.referrals_after if u not in self.referrals_before)

    @property
    def referrals_removed(self) -> tuple[str, ...]:
        """Units the current pack refers to and the candidate does not."""
        return tuple(u for u in self.referrals_before if u not in self.referrals_after)

    @property
    def changed(self) -> bool:
        """True when a level or a referral would change."""
        return bool(
            self.referrals_added or self.referrals_removed or any(c.changed for c in self.levels)
        )


@frozen
class WhatIfReport:
    """The comparison of two rule packs over one cohort (analisis bagaimana-jika).

    ``current_pack`` and ``candidate_pack`` are the packs' content hashes;
    ``rows`` has one row per business, in cohort order.
    """

    on: dt.date
    current_pack: str
    candidate_pack: str
    rows: tuple[WhatIfRow, ...]

    @property
    def changed(self) -> tuple[WhatIfRow, ...]:
        """Only the businesses whose level or referrals would change."""
        return tuple(row for row in self.rows if row.changed)

    def level_counts(self) -> dict[str, dict[LevelDirection, int]]:
        """Per rubric id: how many businesses keep, raise, lower or change their level."""
        counts: dict[str, Counter[LevelDirection]] = {}
        for row in self.rows:
            for change in row.levels:
                counts.setdefault(change.rubric_id, Counter())[change.direction] += 1
        return {rubric: {d: c[d] for d in LevelDirection} for rubric, c in sorted(counts.items())}

    def referral_counts(self) -> dict[str, tuple[int, int]]:
        """Per unit: (businesses referred now, businesses referred under the candidate)."""
        before: Counter[str] = Counter()
        after: Counter[str] = Counter()
        for row in self.rows:
            before.update(row.referrals_before)
            after.update(row.referrals_after)
        return {unit: (before[unit], after[unit]) for unit in sorted(set(before) | set(after))}

    def summary(self) -> str:
        """A few lines of plain English for the office (counts only, no personal data)."""
        head = f"{len(self.rows)} businesses compared on {self.on.isoformat()}; "
        lines = [head + f"{len(self.changed)} would change."]
        for rubric, counts in self.level_counts().items():
            lines.append(
                f"  level {rubric}: {counts[LevelDirection.UP]} up, "
                f"{counts[LevelDirection.DOWN]} down, {counts[LevelDirection.CHANGED]} changed, "
                f"{counts[LevelDirection.SAME]} same"
            )
        for unit, (now, then) in self.referral_counts().items():
            lines.append(f"  referred to {unit}: {now} now, {then} with the candidate")
        return "\n".join(lines)


def _engine(value: Engine | Registry) -> Engine:
    return value if isinstance(value, Engine) else Engine(value, receipts=False)


def _direction(
    rubric_id: str, before: str | None, after: str | None, current: Engine, candidate: Engine
) -> LevelDirection:
    if before == after:
        return LevelDirection.SAME
    if before is None or after is None:
        return LevelDirection.CHANGED
    ranks_before = current.level_ranks.get(rubric_id, {})
    ranks_after = candidate.level_ranks.get(rubric_id, {})
    # Compare by the candidate's ordering when it knows both levels.
    ranks = ranks_after if before in ranks_after and after in ranks_after else ranks_before
    if before in ranks and after in ranks:
        return LevelDirection.UP if ranks[after] > ranks[before] else LevelDirection.DOWN
    return LevelDirection.CHANGED


def _group(
    observations: Iterable[Observation] | Mapping[str, Sequence[Observation]],
) -> Mapping[str, Sequence[Observation]]:
    if isinstance(observations, Mapping):
        return observations
    grouped: dict[str, list[Observation]] = {}
    for obs in observations:
        grouped.setdefault(obs.business_id, []).append(obs)
    return grouped


def what_if(
    businesses: Iterable[Business],
    current: Engine | Registry,
    candidate: Engine | Registry,
    *,
    on: dt.date,
    observations: Iterable[Observation] | Mapping[str, Sequence[Observation]] = (),
    facts: Mapping[str, Mapping[str, FactValue]] | None = None,
    cooperatives: Sequence[Cooperative] = (),
) -> WhatIfReport:
    """Compare ``current`` and ``candidate`` rule packs over a cohort on day ``on``.

    ``observations`` are the cohort's observations (any order, or already
    grouped by business id); ``facts`` maps a business id to its case facts
    (``case.mentored``, ...). Each business is evaluated with both packs;
    the report lists every business with its levels per rubric (of either
    pack) and the units it is referred to, before and after.
    """
    now, then = _engine(current), _engine(candidate)
    grouped = _group(observations)
    rubric_ids = sorted(set(now.registry.rubrics) | set(then.registry.rubrics))
    rows = []
    for business in businesses:
        obs = grouped.get(business.id, ())
        extra = facts.get(business.id) if facts else None
        before = now.evaluate(business, obs, on=on, facts=extra, cooperatives=cooperatives)
        after = then.evaluate(business, obs, on=on, facts=extra, cooperatives=cooperatives)
        levels_before = {a.rubric_id: a.level for a in before.assessments}
        levels_after = {a.rubric_id: a.level for a in after.assessments}
        levels = tuple(
            LevelChange(
                rubric_id=rubric,
                before=levels_before.get(rubric),
                after=levels_after.get(rubric),
                direction=_direction(
                    rubric, levels_before.get(rubric), levels_after.get(rubric), now, then
                ),
            )
            for rubric in rubric_ids
        )
        rows.append(
            WhatIfRow(
                business_id=business.id,
                levels=levels,
                referrals_before=tuple(sorted(r.unit for r in before.referrals)),
                referrals_after=tuple(sorted(r.unit for r in after.referrals)),
            )
        )
    return WhatIfReport(
        on=on, current_pack=now.pack_hash, candidate_pack=then.pack_hash, rows=tuple(rows)
    )

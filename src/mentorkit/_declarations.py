"""What plugins declare: rubrics, referral rules, units and milestone templates.

Plugins *declare*; the core validates every declaration once (see
:mod:`mentorkit._registry`) and evaluates them in plain loops (see
:mod:`mentorkit._engine`). Declarations are frozen attrs classes; the only
code a plugin supplies is small pure functions (deriving an answer from the
Business, adding details to a referral) that the core calls and guards.
"""

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from typing import TypeAlias

from attrs import field, frozen

from ._model import Answer, Business, Cooperative, Label

__all__ = [
    "AnswerKind",
    "Choice",
    "Condition",
    "Criterion",
    "FactValue",
    "Level",
    "MilestoneTemplate",
    "Op",
    "ReferralRule",
    "Rubric",
    "RuleContext",
    "Unit",
]

#: A fact's value as rules read it; None means unknown.
FactValue: TypeAlias = bool | int | float | str | tuple[str, ...] | None


class AnswerKind(enum.StrEnum):
    """How a criterion is answered and scored."""

    YES_NO = "yes_no"  #: ``bool``: yes scores 1, no scores 0
    SCALE = "scale"  #: ``int`` from 0 to ``scale_max``: scores value / scale_max
    CHOICE = "choice"  #: ``str``, one of the declared choices, each with its own score


@frozen
class Choice:
    """One allowed answer of a choice criterion and the score (0-1) it earns."""

    value: str
    score: float
    label: Label


#: Derives a criterion's answer from facts already on the Business (None: ask the mentor).
Derivation: TypeAlias = Callable[[Business, dt.date], Answer | None]


@frozen
class Criterion:
    """One criterion of a rubric (kriteria).

    ``weight`` is its share of the rubric score; ``met_at`` is the criterion
    score (0-1) from which it counts as met. ``derive``, when given, reads
    the answer off the Business (e.g. a licence held) so the mentor is not
    asked again; it returns None when it cannot tell. ``expertise`` names
    the mentor expertise tag that helps with this criterion and
    ``milestone`` the template recommended while it is unmet. ``source``
    cites the rule or standard the criterion comes from.
    """

    id: str
    label: Label
    weight: float = 1.0
    kind: AnswerKind = AnswerKind.YES_NO
    scale_max: int | None = None
    choices: tuple[Choice, ...] = ()
    met_at: float = 1.0
    derive: Derivation | None = field(default=None, eq=False)
    expertise: str | None = None
    milestone: str | None = None
    question: Label | None = None
    source: str = ""


@frozen
class Level:
    """A level of a rubric (tingkat): reached from ``min_score`` (0-100) upward."""

    id: str
    min_score: float
    label: Label


@frozen
class Rubric:
    """An assessment rubric: weighted criteria and the levels their score reaches.

    ``levels`` go from lowest to highest; the first starts at 0. ``version``
    is recorded in every assessment so history stays reproducible after the
    plugin is upgraded. ``applies_to``, when given, limits the rubric to
    some businesses (e.g. food producers).
    """

    id: str
    version: str
    label: Label
    criteria: tuple[Criterion, ...]
    levels: tuple[Level, ...]
    source: str = ""
    applies_to: Callable[[Business], bool] | None = field(default=None, eq=False)

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with id ``criterion_id`` (KeyError if absent)."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def level_rank(self, level_id: str) -> int:
        """Position of ``level_id`` from 0 (lowest); ValueError if unknown."""
        for rank, level in enumerate(self.levels):
            if level.id == level_id:
                return rank
        raise ValueError(f"rubric {self.id!r} has no level {level_id!r}")


class Op(enum.StrEnum):
    """Comparison a condition makes between a fact and its value."""

    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    IN = "in"
    NOT_IN = "not in"
    IS_TRUE = "is true"
    IS_FALSE = "is false"
    KNOWN = "is known"
    UNKNOWN = "is unknown"


@frozen
class Condition:
    """One condition of a referral rule: ``fact op value``.

    Fact names are documented in :doc:`/reference/facts` (for example
    ``business.age_months`` or ``assessment.accounting.level``). Ordering
    operators on a ``.level`` fact compare level ranks of that rubric, so
    ``Condition("assessment.accounting.level", Op.GE, "developing")`` means
    "at least developing". A condition on an unknown fact does not hold
    (except ``Op.UNKNOWN``).
    """

    fact: str
    op: Op
    value: FactValue = None
    label: Label | None = None


@frozen
class RuleContext:
    """What a rule's ``details`` function may read besides the facts."""

    business: Business
    on: dt.date
    facts: Mapping[str, FactValue]
    cooperatives: tuple[Cooperative, ...] = ()


@frozen
class ReferralRule:
    """A referral rule: when all ``conditions`` hold, refer the business to ``unit``.

    ``details``, when given, adds key/value notes to the proposal (a KUR
    scheme, a suggested cooperative). Among rules of one unit that fire for
    a business, the highest ``priority`` (then the smallest id) makes the
    proposal, so the outcome never depends on plugin registration order.
    """

    id: str
    version: str
    unit: str
    label: Label
    conditions: tuple[Condition, ...]
    source: str = ""
    priority: int = 0
    details: Callable[[RuleContext], Mapping[str, str]] | None = field(default=None, eq=False)


@frozen
class Unit:
    """A unit of the office, or a partner, that receives referrals (bidang/unit)."""

    id: str
    label: Label
    description: Label | None = None
    response_days: int = 30  #: days the unit has to respond before a referral is overdue


@frozen
class MilestoneTemplate:
    """A reusable business-plan step that rubrics recommend for unmet criteria."""

    id: str
    title: Label
    due_in_days: int = 30
    expertise: str | None = None
    description: Label | None = None

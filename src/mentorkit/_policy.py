"""Rule-pack policies: what a pack of referral rules promises, checked by search.

A plugin declares policies through the ``register_rule_policies`` hook;
:func:`mentorkit.check_rules` searches generated businesses for a business
that breaks one (a *gap* in declared coverage, a *conflict* between units
declared exclusive) and reports it with that business as the example.
"""

import enum

from attrs import field, frozen

from ._declarations import Condition
from ._model import Label

__all__ = ["PolicyKind", "RulePolicy"]


class PolicyKind(enum.StrEnum):
    """What a :class:`RulePolicy` promises."""

    #: Every business matching ``when`` is referred to at least one of ``units`` (cakupan).
    COVERAGE = "coverage"
    #: No business matching ``when`` is referred to two of ``units`` at once (saling eksklusif).
    EXCLUSIVE = "exclusive"


@frozen
class RulePolicy:
    """A promise about a rule pack (kebijakan aturan rujukan).

    ``kind`` says what is promised about ``units`` for the businesses whose
    facts meet every condition of ``when`` (all businesses when empty).
    For example, "every mentored business with a complete bookkeeping
    assessment goes to training, marketing or capital" is a coverage
    policy; "a business is never sent both to training (for low scores) and
    to marketing (for meeting standards)" an exclusive one. ``source``
    cites the office decision behind it.
    """

    id: str
    kind: PolicyKind
    units: tuple[str, ...]
    label: Label
    when: tuple[Condition, ...] = field(default=())
    source: str = ""

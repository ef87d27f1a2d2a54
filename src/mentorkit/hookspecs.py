"""The plugin contract: hook specifications and the marker pair.

Plugins implement these hooks with :data:`mentorkit.hookimpl`; a plugin
package advertises itself through an entry point in the ``mentorkit`` group::

    [project.entry-points.mentorkit]
    accounting = "mentorkit_accounting"

Registration hooks are called once, when a :class:`mentorkit.Registry` is
loaded: each plugin's implementation is called on its own, so one broken
plugin is reported against its name and the others still load. They
*declare* things; mentorkit validates and evaluates the declarations.

Event hooks are called by case management as things happen; every
implementation is called (none stops the others), and an implementation
that raises is recorded against its plugin without undoing the change.

Implementations must accept keyword arguments with the exact names below and
must not give them defaults (pluggy would silently not pass them).
"""

from collections.abc import Iterable

import pluggy

from ._declarations import MilestoneTemplate, ReferralRule, Rubric, Unit
from ._model import Assessment, Referral
from ._policy import RulePolicy

__all__ = [
    "PROJECT_NAME",
    "hookimpl",
    "hookspec",
    "on_assessment_recorded",
    "on_case_closed",
    "on_referral_sent",
    "register_milestone_templates",
    "register_referral_rules",
    "register_rubrics",
    "register_rule_policies",
    "register_units",
]

#: pluggy project name and entry-point group.
PROJECT_NAME = "mentorkit"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# --------------------------------------------------------------------------- registration


@hookspec
def register_rubrics() -> Iterable[Rubric]:
    """Declare assessment rubrics.

    Called once per plugin when a registry loads; return the
    :class:`~mentorkit.Rubric` objects this plugin provides. Rubric ids must
    be unique across all plugins; every rubric has a version.
    """
    raise NotImplementedError


@hookspec
def register_referral_rules() -> Iterable[ReferralRule]:
    """Declare referral rules.

    Called once per plugin when a registry loads; return the
    :class:`~mentorkit.ReferralRule` objects this plugin provides. Each rule
    names a unit declared by some plugin through :func:`register_units`.
    """
    raise NotImplementedError


@hookspec
def register_units() -> Iterable[Unit]:
    """Declare the units that receive referrals.

    Called once per plugin when a registry loads; return
    :class:`~mentorkit.Unit` objects (capital facilitation, cooperatives,
    licensing, ...). Unit ids must be unique across all plugins.
    """
    raise NotImplementedError


@hookspec
def register_milestone_templates() -> Iterable[MilestoneTemplate]:
    """Declare business-plan milestone templates.

    Called once per plugin when a registry loads; return
    :class:`~mentorkit.MilestoneTemplate` objects. Criteria name them in
    ``Criterion.milestone`` to recommend a step while they are unmet.
    """
    raise NotImplementedError


@hookspec
def register_rule_policies() -> Iterable[RulePolicy]:
    """Declare what the referral rules promise: coverage and exclusive units.

    Not called when a registry loads, but by :func:`mentorkit.check_rules`,
    once per plugin, each implementation on its own; return
    :class:`~mentorkit.RulePolicy` objects. Each names units declared by
    some plugin; ``check_rules`` searches generated businesses for one that
    breaks a policy and reports it with that business as the example.
    """
    raise NotImplementedError


# --------------------------------------------------------------------------- events


@hookspec
def on_assessment_recorded(case_id: str, assessment: Assessment) -> None:
    """React to an assessment recorded on a case.

    Called for every implementation after the event is stored; the return
    value is ignored. An implementation that raises is recorded as a plugin
    failure; the assessment stays recorded.
    """


@hookspec
def on_referral_sent(case_id: str, referral: Referral) -> None:
    """React to a referral sent to its unit.

    Called for every implementation after the event is stored; the return
    value is ignored. An implementation that raises is recorded as a plugin
    failure; the referral stays sent.
    """


@hookspec
def on_case_closed(case_id: str, reason: str) -> None:
    """React to a case being closed (graduated, referred on, withdrawn or closed).

    Called for every implementation after the event is stored; the return
    value is ignored. An implementation that raises is recorded as a plugin
    failure; the case stays closed.
    """

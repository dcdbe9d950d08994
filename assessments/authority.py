"""Who assesses whom: the superior (MANAGE over the unit's parent) publishes a unit's result,
enters its evaluation inputs and opens and closes its democratic evaluations — never the unit
itself; tenure holders over the unit vote. Asked by views (which forms to show) and by the
services (before they write)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from assessments.models import AssessmentSnapshot, EvaluationRound, VoterToken
from assessments.workflows import EVALUATION_ROUND_FLOW
from liangge_zeren.actors import is_system
from responsibilities.models import Organization
from responsibilities.scoping import Capability, path_in_scope


def may_evaluate(user: Any, org: Organization) -> bool:
    """The superior assesses a unit (MANAGE over its parent); a system actor (a job, a
    command, the demo) acts on the authority of whoever started it."""
    if is_system(user) or user.is_superuser:
        return True
    parent = org.parent
    return parent is not None and path_in_scope(user, Capability.MANAGE, parent.path)


def may_publish(user: Any, snapshot: AssessmentSnapshot) -> bool:
    """A superior publishes: MANAGE over the parent unit (the root: superusers only)."""
    return may_evaluate(user, snapshot.org)


def may_vote(user: Any, round_: EvaluationRound) -> bool:
    """Tenure holders of the unit and its superiors (VIEW over the unit), while it is open."""
    return (
        EVALUATION_ROUND_FLOW.can(round_, "vote")
        and not is_system(user)
        and path_in_scope(user, Capability.VIEW, round_.org_path)
        and not user.is_superuser
    )


def has_voted(user: Any, round_: EvaluationRound) -> bool:
    return VoterToken.objects.filter(round=round_, voter=user).exists()


def ranking_allowed(user: Any) -> bool:
    """Burden rule (R31): rankings only where the deployment enables them."""
    return bool(getattr(settings, "ASSESSMENT_RANKINGS_FOR_SUPERIORS", False))

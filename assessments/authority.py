"""Who assesses whom: the superior (MANAGE over the unit's parent) publishes a unit's result,
enters its evaluation inputs and opens and closes its democratic evaluations — never the unit
itself. A democratic evaluation is the unit's own people judging their leading team and each
team member: the organiser puts on the round's roll holders of a current post in the unit or
below it and invited representatives; superiors are never on it (they assess by other means).
Only people on the roll vote; an evaluated team member votes on every line but their own.
Asked by views (which forms and offers to show) and by the services (before they write)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from assessments.models import AssessmentSnapshot, EvaluationRound, RollEntry, VoterToken
from assessments.workflows import EVALUATION_ROUND_FLOW
from liangge_zeren.actors import is_system
from responsibilities.models import Organization, Person, Tenure
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


def voter_posts(user: Any) -> list[tuple[str, int, str]]:
    """The user's current posts as (org path, org id, role), one query."""
    return list(
        Tenure.objects.current()
        .filter(person__user=user)
        .values_list("org__path", "org_id", "role")
    )


def roll_refusal(person: Person, round_: EvaluationRound) -> str | None:
    """Why `person` may not be put on the round's roll (a sentence for the organiser), or
    None: they must hold a current post in the unit or below it; a superior never."""
    paths = list(Tenure.objects.current().filter(person=person).values_list("org__path", flat=True))
    if any(p.startswith(round_.org_path) for p in paths):
        return None
    if any(round_.org_path.startswith(p) for p in paths):
        return _("%(name)s是上级单位的人员, 上级不参加对下级单位领导班子的民主测评。") % {
            "name": person.name
        }
    return _("%(name)s不是本单位及所属单位的在职人员, 可作为特邀代表加入。") % {"name": person.name}


def roll_entry(user: Any, round_: EvaluationRound) -> RollEntry | None:
    """The user's entry on the round's roll (via their person record), or None."""
    return RollEntry.objects.filter(round=round_, person__user=user).first()


def vote_refusal(user: Any, round_: EvaluationRound) -> str | None:
    """Why the user may not vote in this evaluation (a sentence for them), or None."""
    if not EVALUATION_ROUND_FLOW.can(round_, "vote"):
        return _("本次民主测评已结束, 不再接受投票。")
    if is_system(user) or user.is_superuser:
        return _("系统管理员不参加民主测评。")
    entry = roll_entry(user, round_)
    if entry is None:
        posts = voter_posts(user)
        if any(round_.org_path.startswith(p[0]) and p[0] != round_.org_path for p in posts):
            return _("上级单位的人员不参加对下级单位领导班子的民主测评。")
        return _("您不在本次民主测评的参评人员名单中。")
    if entry.code_issued:
        return _("您已领取投票码, 请使用投票码投票(每人只能投一次)。")
    return None


def has_voted(user: Any, round_: EvaluationRound) -> bool:
    return VoterToken.objects.filter(round=round_, voter=user).exists()


def ranking_allowed(user: Any) -> bool:
    """Burden rule (R31): rankings only where the deployment enables them."""
    return bool(getattr(settings, "ASSESSMENT_RANKINGS_FOR_SUPERIORS", False))

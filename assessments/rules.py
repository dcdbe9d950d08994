"""Permissions of the assessments app (predicate and queryset filter side by side).

Snapshots and evaluation rows are read by every tenure holder over the unit (VIEW of the
subtree: a unit sees its own result and its subordinates'). Publishing is decided per object
in services.may_publish (MANAGE over the *parent* unit).

Public questionnaires (issue 18): the questionnaire itself is seen like the other rows of the
quarter; its free-text comments are leads for the discipline side only (SUPERVISE over the
unit — not the unit's own committee, which holds VIEW and MANAGE there). An invited
third-party evaluator holds no post: they reach exactly their own round's form, while it is
open and until its close date (`InvitedEvaluatorClause`), and nothing else.

知责 (knowledge.py): a question bank is read by its unit's subtree *and* below it (the
province's bank serves every county) and kept by MANAGE over its unit. A test is seen by VIEW
over its unit and organised by MANAGE over it. One person's answer sheet and score are seen
only by that person and the organiser (MANAGE held in exactly the test's unit, or whoever
created it) — never by a superior through the subtree, never by a peer (R31: no ranking).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q

from notifications import gate
from responsibilities.models import Organization
from responsibilities.scoping import (
    ALWAYS,
    NOTHING,
    Capability,
    Clause,
    Cond,
    HeldByUserClause,
    PathClause,
    UnitClause,
    User,
    UserClause,
    define,
    follow,
    grant_paths,
    today,
)

for _model in (
    "assessmentsnapshot",
    "evaluationround",
    "evaluationinput",
    "manualadjustment",
    "questionnaire",
):
    define(f"assessments.view_{_model}", [PathClause(Capability.VIEW, "org_path")])
    define(f"assessments.change_{_model}", [PathClause(Capability.MANAGE, "org_path")])

# Comments are leads for the discipline side: SUPERVISE over the unit, never VIEW.
for _perm in ("view", "change"):
    define(
        f"assessments.{_perm}_questionnairecomment",
        [PathClause(Capability.SUPERVISE, "org_path")],
    )
# "This unit's questionnaire has comments for you" (the notification's subject).
define(
    "assessments.supervise_questionnaire",
    [PathClause(Capability.SUPERVISE, "org_path")],
    model="assessments.questionnaire",
)


@dataclass(frozen=True)
class InvitedEvaluatorClause(Clause):
    """The user is an invited third-party evaluator of this questionnaire, the questionnaire
    is open and its close date has not passed (today is computed at each call)."""

    when: Cond = ALWAYS

    def _matches(self, user: Any, obj: Any) -> bool:
        from assessments.models import Questionnaire, ThirdPartyEvaluator

        if not user.is_authenticated or obj.pk is None:
            return False
        if obj.status != Questionnaire.Status.OPEN or obj.closes_on < today():
            return False
        return ThirdPartyEvaluator.objects.filter(user_id=user.pk, questionnaire_id=obj.pk).exists()

    def _q(self, user: Any) -> Q:
        from assessments.models import Questionnaire, ThirdPartyEvaluator

        if not user.is_authenticated:
            return NOTHING
        invited = ThirdPartyEvaluator.objects.filter(user_id=user.pk, questionnaire=OuterRef("pk"))
        return Q(Exists(invited), status=Questionnaire.Status.OPEN, closes_on__gte=today())

    def could(self, user: Any) -> bool:
        return bool(user.is_authenticated)


define(
    "assessments.evaluate_questionnaire",
    [InvitedEvaluatorClause()],
    model="assessments.questionnaire",
)

gate.subject("assessments.Questionnaire", "assessments.supervise_questionnaire")
# Per-person results (issue 18): the superior (MANAGE strictly above the unit, the one who
# publishes) and a higher discipline commission (SUPERVISE strictly above: the 廉政档案 reads
# them) see them, and the person themself — never a peer on the same team (R31: no ranking).
_SUPERIOR = [
    PathClause(Capability.MANAGE, "org_path", strict=True),
    PathClause(Capability.SUPERVISE, "org_path", strict=True),
]
define(
    "assessments.view_personassessmentsnapshot",
    [*_SUPERIOR, HeldByUserClause("tenure")],
)
define(
    "assessments.change_personassessmentsnapshot",
    [PathClause(Capability.MANAGE, "org_path", strict=True)],
)
# The 面对面 review: the person reads the superior's comments; interview records stay with
# the superior (who said what about a colleague).
define("assessments.view_reportreview", [*_SUPERIOR, HeldByUserClause("tenure")])
define("assessments.change_reportreview", [PathClause(Capability.MANAGE, "org_path", strict=True)])
define("assessments.view_personinterview", _SUPERIOR)
define(
    "assessments.change_personinterview",
    [PathClause(Capability.MANAGE, "org_path", strict=True)],
)


@dataclass(frozen=True)
class AboveGrantClause(Clause):
    """The row's unit is one of the user's granted units or an ancestor of one (a bank kept
    higher up serves the units below it)."""

    capability: Capability
    lookup: str = "org_path"
    when: Cond = ALWAYS

    def _paths(self, user: User) -> set[str]:
        return {
            prefix
            for path in grant_paths(user, self.capability)
            for prefix in Organization.path_prefixes(path)
        }

    def _matches(self, user: User, obj: Any) -> bool:
        return follow(obj, self.lookup) in self._paths(user)

    def _q(self, user: User) -> Q:
        paths = sorted(self._paths(user))
        return Q(**{f"{self.lookup}__in": paths}) if paths else NOTHING

    def could(self, user: User) -> bool:
        return bool(grant_paths(user, self.capability))


define(
    "assessments.view_knowledgequestion",
    [PathClause(Capability.VIEW, "org_path"), AboveGrantClause(Capability.VIEW)],
)
define("assessments.change_knowledgequestion", [PathClause(Capability.MANAGE, "org_path")])
define("assessments.view_knowledgetest", [PathClause(Capability.VIEW, "org_path")])
define("assessments.change_knowledgetest", [PathClause(Capability.MANAGE, "org_path")])
# The person's own sheet, or the organiser's: never a superior, never a peer.
KNOWLEDGE_SHEET_READERS = [
    UserClause("person__user_id"),
    UnitClause(Capability.MANAGE, "test__org_path"),
    UserClause("test__created_by_id"),
]
define("assessments.view_knowledgeassignment", KNOWLEDGE_SHEET_READERS)
define("assessments.take_knowledgeassignment", [UserClause("person__user_id")])

gate.subject("assessments.KnowledgeAssignment", "assessments.take_knowledgeassignment")

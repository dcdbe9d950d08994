"""Reads of public questionnaires for pages: lists with their answer counts, a
questionnaire's result (suppressed below MIN_RESPONSES), the discipline side's comments, and
the units a user may organise questionnaires for."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from assessments.models import (
    Questionnaire,
    QuestionnaireComment,
    ThirdPartyEvaluator,
    ThirdPartyReport,
)
from assessments.questionnaires import MIN_RESPONSES
from responsibilities.models import Organization
from responsibilities.scoping import Capability, covers_q, is_unrestricted, scope_paths


def visible_questionnaires(user: Any) -> QuerySet[Questionnaire]:
    return (
        Questionnaire.objects.visible_to(user)
        .select_related("org")
        .annotate(answered=Count("responses", distinct=True))
        .order_by("-year", "-quarter", "org_path", "-pk")
    )


def organisable_orgs(user: Any) -> QuerySet[Organization]:
    """Units the user may organise questionnaires for: strictly below their MANAGE subtrees
    (authority.may_evaluate, as a queryset)."""
    active = Organization.objects.filter(is_active=True).order_by("path")
    if is_unrestricted(user):
        return active
    roots = scope_paths(user, Capability.MANAGE)
    if not roots:
        return active.none()
    return active.filter(covers_q(roots, "path", strict=True))


def result(questionnaire: Questionnaire) -> dict[str, Any]:
    """Answer count and the mean 0–100 score (None below MIN_RESPONSES: shown as "—")."""
    row = questionnaire.responses.aggregate(n=Count("id"), mean=Avg("score"))
    mean = row["mean"]
    shown = row["n"] >= MIN_RESPONSES and mean is not None
    return {
        "responses": row["n"],
        "score": Decimal(mean).quantize(Decimal("0.01")) if shown else None,
        "minimum": MIN_RESPONSES,
        "codes_issued": questionnaire.codes.count(),
        "codes_used": questionnaire.codes.filter(used_on__isnull=False).count(),
    }


def evaluators(questionnaire: Questionnaire) -> QuerySet[ThirdPartyEvaluator]:
    return questionnaire.evaluators.select_related("report").order_by("pk")


def own_report(user: Any, questionnaire: Questionnaire) -> ThirdPartyReport | None:
    """The evaluator's own submitted report for the round, if any."""
    return ThirdPartyReport.objects.filter(
        evaluator__user_id=user.pk, questionnaire=questionnaire
    ).first()


def visible_comments(
    user: Any, *, status: str = "", questionnaire: str = ""
) -> QuerySet[QuestionnaireComment]:
    """The comments the discipline side may read (SUPERVISE over the unit), newest first."""
    qs = QuestionnaireComment.objects.visible_to(user).select_related(
        "org", "questionnaire", "handled_by"
    )
    if status in QuestionnaireComment.Status.values:
        qs = qs.filter(status=status)
    if questionnaire.isdigit():
        qs = qs.filter(questionnaire_id=int(questionnaire))
    return qs.order_by("-submitted_on", "id")


def comment_counts(user: Any) -> dict[str, int]:
    row = QuestionnaireComment.objects.visible_to(user).aggregate(
        new=Count("id", filter=Q(status=QuestionnaireComment.Status.NEW)),
        total=Count("id"),
    )
    return {"new": row["new"], "total": row["total"]}

"""The one access helper per object type of this app. Views call nothing else for access.

Out of scope → 404 (never confirm existence); in scope but read-only → 403.
"""

from django.http import Http404

from inspections.models import (
    Attachment,
    Feedback,
    Finding,
    InspectionRound,
    RectificationTask,
    RiskProfile,
)
from responsibilities.scoping import get_scoped_object_or_404


def get_round_for_user(request, pk, write: bool = False) -> InspectionRound:
    return get_scoped_object_or_404(
        request,
        InspectionRound.objects.select_related(
            "issuing_body", "org", "team_leader", "revisit_of"
        ).prefetch_related("round_targets"),
        pk,
        view_perm="inspections.view_inspectionround",
        change_perm="inspections.change_inspectionround",
        write=write,
    )


def get_finding_for_user(request, pk, write: bool = False) -> Finding:
    return get_scoped_object_or_404(
        request,
        Finding.objects.select_related(
            "round", "org", "inspecting_body", "transferred_to", "failed_item", "concealed_by"
        ),
        pk,
        view_perm="inspections.view_finding",
        change_perm="inspections.change_finding",
        write=write,
    )


def get_task_for_user(request, pk, write: bool = False, verify: bool = False) -> RectificationTask:
    """write=True: the target side (progress, closure request, extension);
    verify=True: the inspecting side (return, recheck, close, reopen, decide extension)."""
    task = get_scoped_object_or_404(
        request,
        RectificationTask.objects.select_related(
            "finding__round",
            "finding__org",
            "finding__inspecting_body",
            "org",
            "owner_tenure__person",
            "owner_tenure__org",
        ),
        pk,
        view_perm="inspections.view_rectificationtask",
        change_perm=(
            "inspections.verify_rectificationtask"
            if verify
            else "inspections.rectify_rectificationtask"
        ),
        write=write or verify,
    )
    return task


def get_risk_profile_for_user(request, pk, write: bool = False) -> RiskProfile:
    return get_scoped_object_or_404(
        request,
        RiskProfile.objects.select_related("org"),
        pk,
        view_perm="inspections.view_riskprofile",
        change_perm="inspections.change_riskprofile",
        write=write,
    )


def get_feedback_for_user(request, pk) -> Feedback:
    """A feedback record: the principal leader's only to them and the inspecting side (R24)."""
    return get_scoped_object_or_404(
        request,
        Feedback.objects.select_related("round", "target"),
        pk,
        view_perm="inspections.view_feedback",
        change_perm="inspections.change_inspectionround",
    )


def get_attachment_for_user(request, pk) -> Attachment:
    """An attachment is visible exactly when its owner is."""
    attachment = (
        Attachment.objects.filter(pk=pk).select_related("update", "feedback", "report").first()
    )
    if attachment is None:
        raise Http404
    if attachment.finding_id:
        get_finding_for_user(request, attachment.finding_id)
    elif attachment.update_id:
        get_task_for_user(request, attachment.update.task_id)
    elif attachment.feedback_id:
        get_feedback_for_user(request, attachment.feedback_id)
    elif attachment.report_id:
        get_round_for_user(request, attachment.report.round_id)
    else:  # pragma: no cover - the check constraint forbids it
        raise Http404
    return attachment

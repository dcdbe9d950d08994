"""The one access helper per object type of this app. Views call nothing else for access.

Out of scope → 404 (never confirm existence); in scope but read-only → 403.
"""

from __future__ import annotations

from django.http import Http404

from accountability.models import AccountabilityCase, Appeal, DisciplinaryCase, DualInvestigation
from accountability.rules import own_decision_q
from responsibilities.scoping import get_scoped_object_or_404
from security.services import audit

CASE_RELATED = (
    "org",
    "portfolio",
    "handling_body",
    "deciding_body",
    "start_approved_by__person",
)


def get_case_for_user(request, pk, write: bool = False) -> AccountabilityCase:
    """The full case file: handling discipline line, deciding body and their superiors."""
    return get_scoped_object_or_404(
        request,
        AccountabilityCase.objects.select_related(*CASE_RELATED),
        pk,
        view_perm="accountability.view_accountabilitycase",
        change_perm="accountability.change_accountabilitycase",
        write=write,
    )


def get_case_or_own_decision(request, pk) -> tuple[AccountabilityCase, bool]:
    """(case, full): the file for those who may see it, else a target's own decision."""
    try:
        return get_case_for_user(request, pk), True
    except Http404:
        pass
    case = (
        AccountabilityCase.objects.select_related(*CASE_RELATED)
        .filter(own_decision_q(request.user), pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    return case, False


def get_disciplinary_case_for_user(request, pk, write: bool = False) -> DisciplinaryCase:
    return get_scoped_object_or_404(
        request,
        DisciplinaryCase.objects.select_related(
            "org", "handling_body", "subject_person", "subject_tenure__org", "source_finding"
        ),
        pk,
        view_perm="accountability.view_disciplinarycase",
        change_perm="accountability.change_disciplinarycase",
        write=write,
    )


def get_probe_for_user(request, pk, write: bool = False) -> DualInvestigation:
    return get_scoped_object_or_404(
        request,
        DualInvestigation.objects.select_related(
            "disciplinary_case__org", "org", "target_body", "accountability_case"
        ),
        pk,
        view_perm="accountability.view_dualinvestigation",
        change_perm="accountability.change_dualinvestigation",
        write=write,
    )


def get_appeal_for_user(request, pk, write: bool = False) -> Appeal:
    """Appeals are decided on the case file's side (handling discipline line)."""
    appeal = Appeal.objects.select_related("case", "target", "measure").filter(pk=pk).first()
    if appeal is None:
        raise Http404
    get_case_for_user(request, appeal.case_id, write=write)
    return appeal


def audit_read(request, obj, **details) -> None:
    """Every read of a case file is logged (security app's audit chain)."""
    audit(request, "view", obj, **details)


def get_integrity_request_for_user(request, pk, write: bool = False):
    from accountability.models import IntegrityRequest

    return get_scoped_object_or_404(
        request,
        IntegrityRequest.objects.select_related("org", "requested_by__person"),
        pk,
        view_perm="accountability.view_integrityrequest",
        change_perm="accountability.change_integrityrequest",
        write=write,
    )


def get_integrity_reply_for_user(request, pk, write: bool = False):
    from accountability.models import IntegrityReply

    return get_scoped_object_or_404(
        request,
        IntegrityReply.objects.select_related(
            "request__org", "person", "commission", "signed_by__person"
        ),
        pk,
        view_perm="accountability.view_integrityreply",
        change_perm="accountability.change_integrityreply",
        write=write,
    )


def get_person_record_for_user(request, pk):
    """A person whose 廉政档案 the user may read (the commission with jurisdiction)."""
    from responsibilities.models import Person

    return get_scoped_object_or_404(
        request,
        Person.objects.all(),
        pk,
        view_perm="accountability.view_integrity_record",
        change_perm="accountability.view_integrity_record",
    )

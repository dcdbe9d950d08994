"""The one access helper per object type of this app. Views call nothing else for access."""

from django.http import Http404

from responsibilities.models import Body, Organization, Person, Tenure
from responsibilities.scoping import get_scoped_object_or_404, scope_q


def get_org_for_user(request, pk, write: bool = False) -> Organization:
    return get_scoped_object_or_404(
        request,
        Organization.objects.select_related("parent", "supervising_body__org"),
        pk,
        view_perm="responsibilities.view_organization",
        change_perm="responsibilities.change_organization",
        write=write,
    )


def get_person_for_user(request, pk, write: bool = False) -> Person:
    return get_scoped_object_or_404(
        request,
        Person.objects.select_related("user"),
        pk,
        view_perm="responsibilities.view_person",
        change_perm="responsibilities.change_person",
        write=write,
    )


def get_tenure_for_user(request, pk, write: bool = False) -> Tenure:
    return get_scoped_object_or_404(
        request,
        Tenure.objects.select_related("person", "org", "body"),
        pk,
        view_perm="responsibilities.view_tenure",
        change_perm="responsibilities.change_tenure",
        write=write,
    )


# --- Appointments (issue 16): the unit, tenure or body must lie in the user's appointment
# scope (rules.APPOINT); anything else is a 404, as if it did not exist.


def _appoint_perm() -> str:
    from responsibilities.rules import APPOINT

    return APPOINT


def get_org_for_appointing(request, pk) -> Organization:
    return get_scoped_object_or_404(
        request,
        Organization.objects.select_related("parent"),
        pk,
        view_perm=_appoint_perm(),
        change_perm=_appoint_perm(),
        write=True,
    )


def _appointable_orgs(request):
    return Organization.objects.filter(scope_q(request.user, _appoint_perm()))


def get_tenure_for_appointing(request, pk) -> Tenure:
    tenure = (
        Tenure.objects.select_related("person", "org", "body")
        .filter(org__in=_appointable_orgs(request), pk=pk)
        .first()
    )
    if tenure is None:
        raise Http404
    return tenure


def get_body_for_appointing(request, pk) -> Body:
    body = Body.objects.select_related("org").filter(org__in=_appointable_orgs(request), pk=pk)
    found = body.first()
    if found is None:
        raise Http404
    return found


# --- Lists, items, letters, duty logs, attachments, reports (issue 3) --------------------


def get_list_for_user(
    request, pk, write: bool = False, perm: str = "responsibilities.change_responsibilitylist"
):
    from responsibilities.models import ResponsibilityList

    return get_scoped_object_or_404(
        request,
        ResponsibilityList.objects.select_related(
            "org", "subject_tenure__person", "template__org", "issued_by__person"
        ),
        pk,
        view_perm="responsibilities.view_responsibilitylist",
        change_perm=perm,
        write=write,
    )


def get_item_for_user(request, pk, write: bool = False):
    from responsibilities.models import ResponsibilityItem

    return get_scoped_object_or_404(
        request,
        ResponsibilityItem.objects.select_related("list", "org", "portfolio", "source_item"),
        pk,
        view_perm="responsibilities.view_responsibilityitem",
        change_perm="responsibilities.change_responsibilityitem",
        write=write,
    )


def get_log_for_user(
    request, pk, write: bool = False, perm: str = "responsibilities.change_dutylog"
):
    from responsibilities.models import DutyLog

    return get_scoped_object_or_404(
        request,
        DutyLog.objects.select_related("org", "tenure__person", "tenure__org", "reviewer__person"),
        pk,
        view_perm="responsibilities.view_dutylog",
        change_perm=perm,
        write=write,
    )


def get_attachment_for_user(request, pk):
    from responsibilities.models import Attachment

    return get_scoped_object_or_404(
        request,
        Attachment.objects.filter(is_removed=False).select_related("log__tenure__person"),
        pk,
        view_perm="responsibilities.view_attachment",
        change_perm="responsibilities.change_dutylog",
    )


def get_letter_for_user(
    request, pk, write: bool = False, perm: str = "responsibilities.sign_responsibilityletter"
):
    from responsibilities.models import ResponsibilityLetter

    return get_scoped_object_or_404(
        request,
        ResponsibilityLetter.objects.select_related(
            "org", "issuer_tenure__person", "signee_tenure__person", "previous_version"
        ),
        pk,
        view_perm="responsibilities.view_responsibilityletter",
        change_perm=perm,
        write=write,
    )


def get_report_for_user(
    request, pk, write: bool = False, perm: str = "responsibilities.change_dutyreport"
):
    from responsibilities.models import DutyReport

    return get_scoped_object_or_404(
        request,
        DutyReport.objects.select_related("org", "tenure__person", "acknowledged_by__person"),
        pk,
        view_perm="responsibilities.view_dutyreport",
        change_perm=perm,
        write=write,
    )

"""The one access helper per object type of this app. Views call nothing else for access."""

from responsibilities.models import Organization, Person, Tenure
from responsibilities.scoping import get_scoped_object_or_404


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

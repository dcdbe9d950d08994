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

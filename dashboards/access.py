"""The one access helper of the dashboards: the selected unit and its children, in scope."""

from django.db.models import Q
from django.http import Http404

from responsibilities.models import Organization
from responsibilities.scoping import Capability, is_unrestricted, scope_paths


def get_cockpit_org_for_user(request, pk) -> tuple[Organization, list[Organization]]:
    """The unit `pk` and its active direct children in ONE query; out of scope → 404."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    rows = list(
        Organization.objects.visible_to(request.user)
        .filter(Q(pk=pk) | Q(parent_id=pk, is_active=True))
        .order_by("path")
    )
    org = next((o for o in rows if o.pk == pk), None)
    if org is None:
        raise Http404
    return org, [o for o in rows if o.pk != pk]


def top_org_pk(user) -> int | None:
    """The highest unit the user may view (the cockpit's start page)."""
    if is_unrestricted(user):
        return (
            Organization.objects.filter(parent__isnull=True, is_active=True)
            .order_by("path")
            .values_list("pk", flat=True)
            .first()
        )
    roots = scope_paths(user, Capability.VIEW)
    if not roots:
        return None
    return Organization.objects.filter(path=roots[0]).values_list("pk", flat=True).first()

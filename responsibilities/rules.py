"""Permissions of the responsibilities app (predicates and queryset filters side by side)."""

from django.db.models import Exists, OuterRef, Q

from responsibilities.scoping import Capability, paths_q, register_scoped_perm


def _person_tenure_paths(person) -> list[str]:
    return list(person.tenures.values_list("org_path", flat=True))


def _person_q(user, paths) -> Q:
    """A person is in scope when any of their tenures (current or past) is."""
    from responsibilities.models import Tenure

    return Q(Exists(Tenure.objects.filter(paths_q(paths), person=OuterRef("pk"))))


for _model, _field in (
    ("organization", "path"),
    ("body", "org_path"),
    ("portfolio", "org_path"),
    ("tenure", "org_path"),
):
    register_scoped_perm(f"responsibilities.view_{_model}", Capability.VIEW, field=_field)
    register_scoped_perm(f"responsibilities.change_{_model}", Capability.MANAGE, field=_field)
    register_scoped_perm(f"responsibilities.add_{_model}", Capability.MANAGE, field=_field)

register_scoped_perm(
    "responsibilities.view_person",
    Capability.VIEW,
    paths_of=_person_tenure_paths,
    q_for_paths=_person_q,
)
register_scoped_perm(
    "responsibilities.change_person",
    Capability.MANAGE,
    paths_of=_person_tenure_paths,
    q_for_paths=_person_q,
)

"""三员分立: three administrative roles with disjoint powers, one per account."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from security.models import AdminRole, AdminRoleAssignment, AuditEntry
from security.roles import BUSINESS_APPS, CONFIG_TABLES, ROLE_PERMISSIONS


def test_it_the_three_roles_have_disjoint_powers():
    roles = list(ROLE_PERMISSIONS)
    assert sorted(roles) == sorted(AdminRole.values)
    for i, a in enumerate(roles):
        for b in roles[i + 1 :]:
            assert ROLE_PERMISSIONS[a].isdisjoint(ROLE_PERMISSIONS[b]), (a, b)


def _table(perm):
    app, codename = perm.split(".")
    return f"{app}.{codename.split('_', 1)[1]}"


def test_it_no_role_touches_business_records():
    for role, perms in ROLE_PERMISSIONS.items():
        business = [p for p in perms if p.split(".")[0] in BUSINESS_APPS]
        if role == AdminRole.SYSTEM:
            # Only the configuration tables (rules kept for local practice), never a record.
            business = [p for p in business if _table(p) not in CONFIG_TABLES]
        assert not business, role
    assert ROLE_PERMISSIONS[AdminRole.AUDIT] == {
        "security.view_auditentry",
        "security.export_auditentry",
    }


def test_it_an_account_cannot_hold_two_roles(admins):
    with pytest.raises(ValidationError):
        AdminRoleAssignment.objects.create(user=admins["system"], role=AdminRole.AUDIT)
    with pytest.raises(IntegrityError), transaction.atomic():
        # Even bypassing save(): the one-to-one is a database constraint.
        AdminRoleAssignment.objects.bulk_create(
            [AdminRoleAssignment(user=admins["system"], role=AdminRole.AUDIT)]
        )


def test_it_the_role_value_is_checked_by_the_database(make_user):
    user = make_user("x")
    with pytest.raises(IntegrityError), transaction.atomic():
        AdminRoleAssignment.objects.bulk_create([AdminRoleAssignment(user=user, role="god")])


def test_it_a_superuser_cannot_also_hold_a_role(make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    with pytest.raises(ValidationError):
        AdminRoleAssignment.objects.create(user=root, role=AdminRole.SECURITY)


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("system", {"responsibilities.change_organization", "auth.add_user"}),
        ("security", {"security.assign_permissions", "security.unlock_account"}),
        ("audit", {"security.view_auditentry", "security.export_auditentry"}),
    ],
)
def test_it_each_role_has_its_powers_and_none_of_the_others(admins, role, allowed):
    user = admins[role]
    for perm in allowed:
        assert user.has_perm(perm)
    others = set().union(*(p for r, p in ROLE_PERMISSIONS.items() if r != role))
    for perm in others:
        assert not user.has_perm(perm), perm
    assert not user.has_perm("inspections.view_finding")
    assert not user.has_perm("accountability.view_case")


def test_it_the_audit_page_is_for_the_audit_administrator_only(client_for, admins, cast):
    url = reverse("security:audit_log")
    assert client_for(admins["audit"]).get(url).status_code == 200
    for user in (admins["system"], admins["security"], cast.user("prov_secretary")):
        assert client_for(user).get(url).status_code == 403


def test_it_role_changes_are_audited(admins, make_user):
    user = make_user("newbie")
    AdminRoleAssignment.objects.create(user=user, role=AdminRole.AUDIT)
    entry = AuditEntry.objects.filter(action="admin_role_change", object_id=str(user.pk)).get()
    assert entry.details == {"event": "assigned", "role": "audit"}
    AdminRoleAssignment.objects.get(user=user).delete()
    assert AuditEntry.objects.filter(
        action="admin_role_change", object_id=str(user.pk), details__event="revoked"
    ).exists()


def test_it_group_permission_and_superuser_changes_are_audited(make_user):
    user = make_user("worker")
    group = Group.objects.create(name="录入员")
    user.groups.add(group)
    assert AuditEntry.objects.filter(
        action="permission_change", object_id=str(user.pk), details__event="user_groups"
    ).exists()
    user.is_superuser = True
    user.save()
    flag = AuditEntry.objects.filter(
        action="permission_change", object_id=str(user.pk), details__event="flags"
    ).get()
    assert flag.details["changes"] == {"is_superuser": [False, True]}


def test_it_the_security_administrator_has_no_raw_permission_editing(client_for, admins):
    """Groups and permission rows are not a way to give rights (#20.3): /security/access/."""
    c = client_for(admins["security"])
    assert c.get(reverse("admin:auth_user_change", args=[admins["system"].pk])).status_code == 403
    assert c.get(reverse("admin:auth_group_changelist")).status_code == 403
    assert c.get(reverse("security:access_list")).status_code == 200


def test_it_the_system_administrator_manages_accounts_but_not_permissions(client_for, admins):
    c = client_for(admins["system"])
    clerk = get_user_model().objects.create_user("clerk")
    page = c.get(reverse("admin:auth_user_change", args=[clerk.pk]))
    form = page.context["adminform"].form
    assert "username" in form.fields
    assert "groups" not in form.fields and "is_superuser" not in form.fields
    # Administrator accounts are not theirs to change.
    assert c.get(reverse("admin:auth_user_change", args=[admins["audit"].pk])).status_code == 302
    assert c.get(reverse("admin:security_adminroleassignment_changelist")).status_code == 403


def test_it_the_system_administrator_sees_the_whole_org_tree_in_the_admin(client_for, admins, cast):
    c = client_for(admins["system"])
    page = c.get(reverse("admin:responsibilities_organization_changelist"))
    assert page.status_code == 200
    assert "二号县" in page.content.decode() and "一号县" in page.content.decode()


def test_it_superuser_requests_are_all_audited(client_for, make_user):
    root = make_user("root", is_superuser=True, is_staff=True)
    c = client_for(root)
    c.get(reverse("home"))
    c.get("/admin/")
    paths = list(
        AuditEntry.objects.filter(action="superuser_request")
        .order_by("id")
        .values_list("details__path", flat=True)
    )
    assert paths == ["/", "/admin/"]

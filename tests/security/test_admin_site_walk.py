"""三员分立 in the admin site (issue #20.3): for each administrative role, every admin form of
every registered model — none grants a permission, changes an administrator account or shows
business data. Rights come only from posts and from /security/access/."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import NoReverseMatch, reverse

from security.models import AdminRole
from security.roles import ROLE_PERMISSIONS
from tests.security.conftest import STRONG

# Form fields through which an account or a group would gain rights.
GRANTING_FIELDS = {"user_permissions", "groups", "permissions", "is_superuser", "is_staff"}


def _url(model, view, *args):
    try:
        return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None


def _allowed_models(role) -> set[str]:
    """Models whose view permission the role holds: the only admin pages it may open."""
    labels = set()
    for perm in ROLE_PERMISSIONS[role]:
        app, codename = perm.split(".")
        if codename.startswith("view_"):
            labels.add(f"{app}.{codename[len('view_') :]}")
    return labels


def _form_fields(response) -> set[str]:
    form = getattr(response, "context", None) and response.context.get("adminform")
    return set(form.form.fields) if form else set()


@pytest.mark.parametrize("role", AdminRole.values)
def test_it_every_admin_form_for_each_role(client_for, admins, cast, role):
    c = client_for(admins[role])
    allowed = _allowed_models(role)
    forms_seen = 0
    for model in admin.site._registry:
        label = model._meta.label_lower
        for view in ("changelist", "add"):
            url = _url(model, view)
            if url is None:
                continue
            response = c.get(url)
            assert response.status_code < 500, (role, url)
            if label not in allowed:
                assert response.status_code in (302, 403), (role, url, "business data")
                continue
            assert not _form_fields(response) & GRANTING_FIELDS, (role, url)
            forms_seen += bool(_form_fields(response))
        obj = model._default_manager.first() if label in allowed else None
        if obj is not None:
            page = c.get(_url(model, "change", obj.pk))
            assert page.status_code < 500
            assert not _form_fields(page) & GRANTING_FIELDS, (role, label)
            forms_seen += bool(_form_fields(page))
    if role == AdminRole.SYSTEM:
        assert forms_seen >= 10  # the org tree's and the accounts' forms were really walked


@pytest.mark.parametrize("role", AdminRole.values)
def test_it_no_role_changes_an_administrator_account_in_the_admin(
    client_for, admins, make_user, role
):
    root = make_user("root", is_superuser=True, is_staff=True)
    c = client_for(admins[role])
    for target in [*admins.values(), root]:
        change = reverse("admin:auth_user_change", args=[target.pk])
        response = c.post(change, {"username": target.username, "is_active": ""})
        assert response.status_code in (302, 403), (role, target.username)
        password = reverse("admin:auth_user_password_change", args=[target.pk])
        response = c.post(
            password, {"password1": "Known-Pass-2026", "password2": "Known-Pass-2026"}
        )
        assert response.status_code == 403, (role, target.username)
        target.refresh_from_db()
        assert target.is_active and target.check_password(STRONG)


def test_it_the_security_administrator_cannot_give_audit_log_access(client_for, admins, cast):
    member = cast.user("county1_member")
    c = client_for(admins["security"])
    url = reverse("admin:auth_user_change", args=[member.pk])
    view, export = (
        Permission.objects.get(codename="view_auditentry"),
        Permission.objects.get(codename="export_auditentry"),
    )
    c.post(url, {"username": member.username, "user_permissions": [view.pk, export.pk]})
    assert not member.user_permissions.exists()
    # Even a permission row written some other way gives nothing: the audit log is the audit
    # administrator's role, not a permission.
    member.user_permissions.add(view, export)
    reader = client_for(member)
    assert reader.get(reverse("security:audit_log")).status_code == 403
    assert reader.get(reverse("security:audit_export")).status_code == 403

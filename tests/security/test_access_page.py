"""The security administrator's page for roles and permissions (三员分立)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from security.models import AdminRole, AdminRoleAssignment, AuditEntry, ScopeGrant

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk(db):
    """An office clerk: an account with no post in the tree."""
    return get_user_model().objects.create_user("clerk", password="Clerk-pass-2026")


def _detail(pk):
    return reverse("security:access_detail", args=[pk])


def test_it_only_the_security_administrator_gets_the_page(client, admins, cast, clerk):
    for user in (admins["system"], admins["audit"], cast.user("prov_secretary"), clerk):
        client.force_login(user)
        assert client.get(reverse("security:access_list")).status_code == 403
        assert client.get(_detail(clerk.pk)).status_code == 404  # not even which ids exist
        response = client.post(
            reverse("security:access_grant", args=[clerk.pk]),
            {"capability": "view", "org_code": cast.county1.code, "reason": "x"},
        )
        assert response.status_code == 404
    assert not ScopeGrant.objects.exists()
    client.force_login(admins["security"])
    assert client.get(reverse("security:access_list")).status_code == 200
    assert client.get(_detail(clerk.pk)).status_code == 200


def test_it_the_list_is_bounded_in_queries(client, admins, cast):
    """The page costs the same number of queries whatever the number of accounts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(admins["security"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("security:access_list")).status_code == 200
        return len(context.captured_queries)

    queries()  # the first request of a session writes the session
    before = queries()
    for i in range(20):
        user = get_user_model().objects.create_user(f"extra{i}", password="x")
        ScopeGrant.objects.create(user=user, capability="view", org=cast.county1, reason="x")
    assert queries() == before


def test_it_assigning_and_revoking_an_admin_role_is_audited_and_shown(client, admins, clerk):
    client.force_login(admins["security"])
    response = client.post(
        reverse("security:access_role_assign", args=[clerk.pk]),
        {"role": AdminRole.AUDIT, "reason": "任命文件 2026-12 号"},
    )
    assert response.status_code == 302
    assert AdminRoleAssignment.objects.get(user=clerk).role == AdminRole.AUDIT
    entry = AuditEntry.objects.filter(action="admin_role_change", object_id=str(clerk.pk)).get()
    assert entry.actor_username == "secadmin"
    assert entry.details["event"] == "assigned"
    assert entry.details["reason"] == "任命文件 2026-12 号"

    page = client.get(_detail(clerk.pk)).content.decode()
    assert "data-confirm" in page and "收回管理角色" in page  # revoking asks first
    assert "授予管理角色" in page and "任命文件 2026-12 号" in page  # history

    # No account holds two administrative roles.
    response = client.post(
        reverse("security:access_role_assign", args=[clerk.pk]),
        {"role": AdminRole.SYSTEM, "reason": "再任命"},
    )
    assert response.status_code == 400
    assert "只能担任一种管理角色" in response.content.decode()
    assert AdminRoleAssignment.objects.get(user=clerk).role == AdminRole.AUDIT

    url = reverse("security:access_role_revoke", args=[clerk.pk])
    assert client.post(url, {"reason": "岗位调整"}).status_code == 302
    assert not AdminRoleAssignment.objects.filter(user=clerk).exists()
    # A double submit revokes once.
    assert client.post(url, {"reason": "岗位调整"}).status_code == 400
    revoked = AuditEntry.objects.filter(
        action="admin_role_change", object_id=str(clerk.pk), details__event="revoked"
    )
    assert revoked.count() == 1 and revoked.get().details["reason"] == "岗位调整"
    page = client.get(_detail(clerk.pk)).content.decode()
    assert "收回管理角色" in page and "岗位调整" in page  # history keeps both


def test_it_separation_of_duties_is_enforced(client, admins, cast, clerk):
    client.force_login(admins["security"])
    refusals = {
        # an official with a post: administrators must not hold business access
        cast.user("county1_secretary").pk: "业务权限",
        # oneself
        admins["security"].pk: "不能变更自己账号",
    }
    for pk, message in refusals.items():
        response = client.post(
            reverse("security:access_role_assign", args=[pk]),
            {"role": AdminRole.SYSTEM, "reason": "x"},
        )
        assert response.status_code == 400 and message in response.content.decode()
    # An administrator gets no business grant; neither does oneself.
    for pk in (admins["audit"].pk, admins["security"].pk):
        response = client.post(
            reverse("security:access_grant", args=[pk]),
            {"capability": "view", "org_code": cast.county1.code, "reason": "x"},
        )
        assert response.status_code == 400
    assert not ScopeGrant.objects.exists()
    assert not AdminRoleAssignment.objects.filter(user__username="county1_secretary").exists()
    # And the security administrator reads no business record.
    person = cast.people["county1_member"]
    assert client.get(reverse("person_detail", args=[person.pk])).status_code == 404


def test_it_a_business_grant_gives_and_its_revocation_removes_access(client, admins, cast, clerk):
    person = cast.people["county1_member"]
    clerk_client = type(client)()
    clerk_client.force_login(clerk)
    assert clerk_client.get(reverse("person_detail", args=[person.pk])).status_code == 404

    client.force_login(admins["security"])
    response = client.post(
        reverse("security:access_grant", args=[clerk.pk]),
        {"capability": "view", "org_code": cast.county1.code, "reason": "协助整理台账"},
    )
    assert response.status_code == 302
    grant = ScopeGrant.objects.get(user=clerk)
    assert clerk_client.get(reverse("person_detail", args=[person.pk])).status_code == 200
    # Outside the granted subtree nothing changes.
    other = cast.people["county2_secretary"]
    assert clerk_client.get(reverse("person_detail", args=[other.pk])).status_code == 404
    entry = AuditEntry.objects.get(action="permission_change", details__event="grant")
    assert entry.object_id == str(clerk.pk) and entry.details["org"] == cast.county1.code

    page = client.get(_detail(clerk.pk)).content.decode()
    assert "协助整理台账" in page and "data-confirm" in page

    url = reverse("security:access_grant_revoke", args=[grant.pk])
    assert client.post(url, {"reason": "工作结束"}).status_code == 302
    assert client.post(url, {"reason": "工作结束"}).status_code == 400  # double submit
    assert clerk_client.get(reverse("person_detail", args=[person.pk])).status_code == 404
    revoked = AuditEntry.objects.filter(action="permission_change", details__event="revoke")
    assert revoked.count() == 1 and revoked.get().details["reason"] == "工作结束"
    page = client.get(_detail(clerk.pk)).content.decode()
    assert "收回业务权限" in page and "工作结束" in page


def test_it_no_path_gives_an_administrator_business_access(admins, cast):
    """Model level, so the admin site and the importer are covered too."""
    import datetime

    from django.core.exceptions import ValidationError

    from liangge_zeren.actors import COMMAND
    from responsibilities import services as tree

    with pytest.raises(ValidationError, match="业务权限"):
        AdminRoleAssignment.objects.create(user=cast.user("county1_member"), role=AdminRole.AUDIT)
    # An administrator's account cannot be linked to a person, nor can that person get a post.
    person = cast.people["county1_member"]
    person.user = admins["audit"]
    with pytest.raises(ValidationError, match="管理角色"):
        person.save()
    member = cast.tenures["county1_member"]
    unlinked = type(person).objects.create(code="P-ADMIN", name="管理员本人", user=None)
    type(person).objects.filter(pk=unlinked.pk).update(user=admins["system"])
    unlinked.refresh_from_db()
    with pytest.raises(ValidationError, match="管理角色"):
        tree.appoint(
            person=unlinked,
            body=member.body,
            role=member.role,
            start_date=datetime.date(2026, 1, 1),
            actor=COMMAND,
        )

from django.urls import reverse

from demo.admin_roles import DEMO_ADMINS, seed_admin_roles
from demo.org_tree import DemoContext
from security.models import AdminRoleAssignment


def test_it_demo_admin_accounts_are_seeded_once_and_log_in_without_a_forced_change(client, db):
    ctx = DemoContext(password="liangge2026")
    seed_admin_roles(ctx)
    assert ctx.created["accounts"] == 3
    again = DemoContext(password="liangge2026")
    seed_admin_roles(again)
    assert sum(again.created.values()) == 0
    assert dict(AdminRoleAssignment.objects.values_list("user__username", "role")) == {
        k: v.value for k, v in DEMO_ADMINS.items()
    }
    # The demo password is below the policy, but seeded accounts still log in and work.
    response = client.post(reverse("login"), {"username": "auditadmin", "password": "liangge2026"})
    assert response.status_code == 302
    assert client.get(reverse("security:audit_log")).status_code == 200


def test_it_gives_demo_administrators_an_address_for_the_one_time_reset_link(db):
    seed_admin_roles(DemoContext(password="liangge2026"))
    from django.contrib.auth import get_user_model

    emails = dict(
        get_user_model().objects.filter(username__in=DEMO_ADMINS).values_list("username", "email")
    )
    assert emails == {name: f"{name}@demo.invalid" for name in DEMO_ADMINS}

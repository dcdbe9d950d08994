"""The security administrator grants and revokes a business permission in the browser."""

from security.models import AdminRole, AdminRoleAssignment, ScopeGrant
from tests.browser import BROWSER_MARKS, screenshot

pytestmark = BROWSER_MARKS
PASSWORD = "Kx7!mQ2#wLp9"


def test_it_grant_and_revoke_with_confirmation(live_server, live_cast, new_page):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    security = users.create_user("secadmin", password=PASSWORD)
    AdminRoleAssignment.objects.create(user=security, role=AdminRole.SECURITY)
    clerk = users.create_user("clerk", password=PASSWORD)

    page = new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form[action='/accounts/login/']")
    form.locator("#id_username").fill("secadmin")
    form.locator("#id_password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="角色与权限").click()
    page.get_by_role("link", name="clerk", exact=True).click()
    page.locator("summary", has_text="授予业务权限").click()
    page.locator("#id_grant_org_code").fill(live_cast.county1.code)
    page.locator("#id_grant_reason").fill("协助整理台账")
    page.get_by_role("button", name="授予", exact=True).click()
    page.wait_for_selector("text=已授予业务权限。")
    assert ScopeGrant.objects.filter(user=clerk, revoked_at__isnull=True).count() == 1

    revoke = page.locator("form[action*='/revoke/']").first
    revoke.locator("input[name=reason]").fill("工作结束")
    page.once("dialog", lambda dialog: dialog.dismiss())  # asked first; "cancel" keeps it
    revoke.locator("button").click()
    page.wait_for_timeout(300)
    assert ScopeGrant.objects.filter(user=clerk, revoked_at__isnull=True).count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    revoke.locator("button").click()
    page.wait_for_selector("text=已收回业务权限。")
    assert ScopeGrant.objects.get(user=clerk).revoked_at is not None
    screenshot(page, "security-access-detail.png")
    assert [e for e in errors if "404" not in e] == []  # (the browser's own /favicon.ico)

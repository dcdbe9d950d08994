"""The strict CSP in a real browser: no violations, htmx and Bootstrap still work."""

import pytest

from tests.browser import CHROMIUM, log_in, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin"),
]


def test_it_pages_run_under_the_csp_without_violations(live_server, live_cast, new_page):
    page = new_page(viewport={"width": 1280, "height": 800})
    messages = []
    page.on("console", lambda m: messages.append(m.text))
    page.on("pageerror", lambda e: messages.append(str(e)))
    log_in(page, live_server, "county1_secretary")
    assert "script-src 'self'" in page.evaluate(
        "fetch(location.href).then(r => r.headers.get('content-security-policy'))"
    )
    page.goto(f"{live_server.url}/no/such/page/", wait_until="load")  # standalone error page
    assert page.locator("h1").inner_text() == "页面不存在"
    for path in ("/", f"/orgs/{live_cast.county1.pk}/", "/people/"):
        page.goto(f"{live_server.url}{path}", wait_until="load")
        assert page.evaluate("typeof window.htmx") == "object", path
        assert page.evaluate("htmx.config.includeIndicatorStyles") is False
        assert page.evaluate("typeof bootstrap") == "object", path
    # Bootstrap's dropdown (JS + inline styles set through the CSSOM) still opens.
    page.goto(f"{live_server.url}/")
    page.locator("nav .dropdown-toggle").click()
    page.wait_for_selector("nav .dropdown-menu.show", state="visible")
    screenshot(page, "csp-home-dropdown.png")
    violations = [m for m in messages if "Content Security Policy" in m or "Refused to" in m]
    assert violations == []
    assert [m for m in messages if "error" in m.lower() and "404" not in m] == []


def test_it_the_lockout_page_in_the_browser(live_server, live_cast, new_page):
    page = new_page(viewport={"width": 375, "height": 740})
    for _ in range(5):
        page.goto(f"{live_server.url}/accounts/login/")
        form = page.locator("main form[action='/accounts/login/']")
        form.locator("#id_username").fill("county2_secretary")
        form.locator("#id_password").fill("wrong-password-1")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == "账号已临时锁定"
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    screenshot(page, "lockout-mobile.png")


def test_it_the_audit_page_filters_and_fits_a_phone(live_server, live_cast, new_page):
    from django.contrib.auth import get_user_model

    from security.models import AdminRole, AdminRoleAssignment
    from security.services import audit

    user = get_user_model().objects.create_user("auditadmin", password="Audit-Pass-2026")
    AdminRoleAssignment.objects.create(user=user, role=AdminRole.AUDIT)
    audit(live_cast.user("county1_secretary"), "view", live_cast.county1)
    page = new_page(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form[action='/accounts/login/']")
    form.locator("#id_username").fill("auditadmin")
    form.locator("#id_password").fill("Audit-Pass-2026")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/security/audit/")
    page.select_option("#id_action", "view")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "action=view" in page.url
    assert page.locator("table.lz-audit tbody tr").count() >= 1
    assert "一号县" in page.locator("table.lz-audit").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    screenshot(page, "audit-log-mobile.png")

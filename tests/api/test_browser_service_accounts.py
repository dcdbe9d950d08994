"""The security administrator creates and revokes an API service account in the browser
(axe-core audits every page visited, through `new_page`)."""

from security.models import AdminRole, AdminRoleAssignment, ApiToken
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS
PASSWORD = "Kx7!mQ2#wLp9"


def test_it_creates_shows_once_and_revokes_a_service_account(live_server, live_cast, new_page):
    from django.contrib.auth import get_user_model

    security = get_user_model().objects.create_user("secadmin", password=PASSWORD)
    AdminRoleAssignment.objects.create(user=security, role=AdminRole.SECURITY)

    page = new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    form = page.locator("main form[action='/accounts/login/']")
    form.locator("#id_username").fill("secadmin")
    form.locator("#id_password").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="接口服务账号").click()
    page.locator("#id_svc_name").fill("省监督平台")
    page.locator("#id_svc_org_code").fill(live_cast.county1.code)
    page.get_by_label("填报、提交履责纪实").check()
    page.get_by_role("button", name="创建并显示令牌").click()
    secret = page.locator("#api-token-secret").inner_text()
    token = ApiToken.objects.get(kind=ApiToken.Kind.SERVICE)
    assert secret.startswith(token.prefix)
    page.get_by_role("link", name="已保存,返回列表").click()
    assert secret not in page.content()

    page.get_by_role("link", name="吊销").first.click()
    page.locator("#id_revoke_reason").fill("对接结束")
    page.get_by_role("button", name="确认吊销").click()
    page.wait_for_selector("text=令牌已吊销")
    token.refresh_from_db()
    assert token.revoked_at is not None

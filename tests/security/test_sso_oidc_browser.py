"""OpenID Connect login in Chromium through a real OpenID Provider (npm `oidc-provider`).

The provider's own login and consent pages are used; our pages are audited with axe-core
(the provider's are not ours and are left out of the audit).
"""

import pytest
from django.contrib.auth import get_user_model

from security.models import AuditEntry
from tests.browser import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture
def mapped(live_cast):
    user = live_cast.user("county1_secretary")
    person = user.person
    person.external_id = "E1001"
    person.save(update_fields=["external_id"])
    return user


def sign_in_at_provider(page, login: str) -> None:
    page.locator("#lz-oidc-login").click()
    page.wait_for_selector("input[name=login]")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any-password")
    page.locator("button[type=submit]").click()
    consent = page.locator("button[type=submit]", has_text="Continue")
    consent.wait_for()
    consent.click()


def only_our_pages(page, live_server) -> None:
    """Leave the provider's pages out of the accessibility audit (not our application)."""
    visits = page.lz_visits
    visits.seen = {key: None for key in visits.seen if key[1].startswith(live_server.url + "/")}


def test_it_a_known_person_signs_in_through_the_provider_and_out_of_both(
    new_page, live_server, openid_provider, mapped
):
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.locator("#lz-oidc-login").is_visible()
    assert "测试统一身份认证平台" in page.locator("#lz-oidc-login").inner_text()
    page.lz_visits.user = mapped.username  # our pages from here on are seen as this person
    sign_in_at_provider(page, "zhang.wei")
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_selector("#posts-heading")
    page.wait_for_load_state("networkidle")
    assert mapped.person.name in page.content()
    login = AuditEntry.objects.filter(action="login").latest("id")
    assert (login.actor_id, login.details["method"]) == (mapped.pk, "oidc")

    # Logout ends our session, then the provider's (RP-initiated logout).
    page.evaluate("document.querySelector(\"form[action='/accounts/logout/']\").submit()")
    page.wait_for_url(f"{openid_provider.issuer}/session/end**")
    page.locator("button[name=logout]").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/**")
    page.lz_visits.user = ""
    assert AuditEntry.objects.filter(action="logout", actor_id=mapped.pk).exists()
    # Signing in again asks for the provider's login: its session is gone too.
    page.locator("#lz-oidc-login").click()
    page.wait_for_selector("input[name=login]")
    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")  # and ours
    only_our_pages(page, live_server)


def test_it_an_unknown_person_gets_the_chinese_page_and_no_account(
    new_page, live_server, openid_provider, mapped
):
    accounts = get_user_model().objects.count()
    page = new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    sign_in_at_provider(page, "stranger")
    page.wait_for_selector("#lz-sso-refused")
    assert "本系统中没有与您的身份标识对应的人员账号" in page.content()
    assert get_user_model().objects.count() == accounts
    refused = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert refused.details["method"] == "oidc"
    assert refused.details["reason"] == "unknown_person"
    assert refused.details["match_value"] == "E9999"
    page.goto(f"{live_server.url}/")
    page.wait_for_url(f"{live_server.url}/accounts/login/**")  # not signed in
    only_our_pages(page, live_server)

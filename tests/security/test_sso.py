"""Single sign-on without a counterpart: claim matching, refusals, OTP after OIDC, the login
page's methods, local passwords switched off, logout and CSP (security/sso.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.test import RequestFactory

from responsibilities.models import Person
from security.models import AuditEntry, ScopeGrant
from security.signals import on_login_failed
from security.sso import (
    OIDC_BACKEND,
    OIDCBackend,
    match_user,
    provider_logout_url,
    provider_origin,
)
from tests.security.conftest import STRONG

LOGIN = "/accounts/login/"
ISSUER = "https://idp.example.gov.cn"


@pytest.fixture
def oidc_settings(settings, db):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "lz"
    settings.OIDC_RP_CLIENT_SECRET = "secret"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{ISSUER}/auth"
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{ISSUER}/token"
    settings.OIDC_OP_USER_ENDPOINT = f"{ISSUER}/me"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{ISSUER}/jwks"
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{ISSUER}/session/end"
    settings.OIDC_MATCH_CLAIM = "employee_number"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, OIDC_BACKEND]
    return settings


@pytest.fixture
def person(make_user):
    user = make_user("zhangwei")
    return Person.objects.create(code="P-1", name="张伟", user=user, external_id="E1001")


def backend_for(request=None) -> OIDCBackend:
    backend = OIDCBackend()
    backend.request = request or RequestFactory().get("/oidc/callback/")
    return backend


# --- Matching ------------------------------------------------------------------------------


def test_it_matches_the_person_by_the_configured_identifier(person):
    assert match_user("E1001") == person.user
    assert match_user(" E1001 ") == person.user


def test_it_never_matches_by_name_or_user_name(person):
    assert match_user("张伟") is None
    assert match_user("zhangwei") is None
    assert match_user("") is None
    assert match_user(None) is None


def test_it_can_match_the_personnel_code_instead(person, settings):
    settings.SSO_PERSON_FIELD = "code"
    assert match_user("P-1") == person.user
    assert match_user("E1001") is None


def test_it_an_unknown_person_field_is_a_configuration_error(person, settings):
    settings.SSO_PERSON_FIELD = "name"
    with pytest.raises(ImproperlyConfigured):
        match_user("张伟")


@pytest.mark.parametrize("change", ["person_inactive", "user_inactive", "no_account"])
def test_it_inactive_people_and_accounts_and_people_without_one_do_not_match(person, change):
    if change == "person_inactive":
        Person.objects.filter(pk=person.pk).update(is_active=False)
    elif change == "user_inactive":
        get_user_model().objects.filter(pk=person.user_id).update(is_active=False)
    else:
        Person.objects.filter(pk=person.pk).update(user=None)
    assert match_user("E1001") is None


def test_it_the_backend_matches_by_the_configured_claim(oidc_settings, person):
    backend = backend_for()
    claims = {"sub": "abc", "employee_number": "E1001", "email": "x@example.org", "name": "别人"}
    assert backend.verify_claims(claims)
    assert backend.filter_users_by_claims(claims) == [person.user]
    oidc_settings.OIDC_MATCH_CLAIM = "staff_id"
    assert not backend.verify_claims(claims)
    assert backend.request.lz_sso_failure["reason"] == "missing_claim"


def test_it_an_unknown_claim_value_is_noted_for_the_audit(oidc_settings, person):
    backend = backend_for()
    assert backend.filter_users_by_claims({"sub": "x", "employee_number": "E404"}) == []
    assert backend.request.lz_sso_failure == {
        "method": "oidc",
        "reason": "unknown_person",
        "match_key": "employee_number",
        "match_value": "E404",
    }


def test_it_the_backend_creates_no_account_and_writes_nothing_from_the_provider(
    oidc_settings, person
):
    backend = backend_for()
    with pytest.raises(SuspiciousOperation):
        backend.create_user({"employee_number": "E9"})
    user = backend.update_user(person.user, {"name": "改名", "is_superuser": True})
    user.refresh_from_db()
    assert (user.first_name, user.is_superuser) == ("", False)


def test_it_the_backend_gives_no_permission_and_keeps_the_grants_flag(oidc_settings, person):
    user = person.user
    backend = backend_for()
    assert backend.get_all_permissions(user) == set()
    assert backend.has_perm(user, "security.view_auditentry") is False
    loaded = backend.get_user(user.pk)
    assert loaded == user
    assert loaded.lz_has_scope_grants is False
    assert not ScopeGrant.objects.exists()


def test_it_a_refusal_is_audited_with_method_claim_and_value(db):
    request = RequestFactory().get("/oidc/callback/")
    request.lz_sso_failure = {
        "method": "oidc",
        "reason": "unknown_person",
        "match_key": "employee_number",
        "match_value": "E404",
    }
    on_login_failed(sender=None, credentials={"nonce": "n"}, request=request)
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.details["method"] == "oidc"
    assert entry.details["match_value"] == "E404"
    assert entry.actor_username == "E404"


# --- Second factor after OIDC ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("backend", "require", "asked"),
    [
        (OIDC_BACKEND, False, False),
        (OIDC_BACKEND, True, True),
        ("security.backends.AccountBackend", False, True),
    ],
)
def test_it_totp_after_oidc_is_a_setting(client, person, settings, backend, require, asked):
    settings.OTP_ENABLED = True
    settings.OTP_REQUIRED_ROLES = ["all"]
    settings.OIDC_REQUIRE_OTP = require
    client.force_login(person.user, backend=backend)
    assert bool(client.session.get("lz_otp_required")) is asked
    login = AuditEntry.objects.filter(action="login").latest("id")
    assert login.details["method"] == ("oidc" if backend == OIDC_BACKEND else "password")


# --- The login page shows only the enabled methods ------------------------------------------


def test_it_by_default_only_the_password_form_is_shown(client, db):
    page = client.get(LOGIN).content.decode()
    assert 'id="id_password"' in page
    assert "lz-oidc-login" not in page
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/").status_code == 404


def test_it_with_oidc_on_the_provider_button_leads_to_the_provider(client, oidc_settings):
    oidc_settings.OIDC_PROVIDER_NAME = "省统一身份认证平台"
    page = client.get(LOGIN).content.decode()
    assert "通过省统一身份认证平台登录" in page
    assert 'id="id_password"' in page
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302
    assert start["Location"].startswith(f"{ISSUER}/auth?")
    assert "code_challenge=" in start["Location"]


def test_it_with_local_passwords_off_only_sso_and_a_break_glass_link_remain(client, oidc_settings):
    oidc_settings.LOCAL_LOGIN_ENABLED = False
    page = client.get(LOGIN).content.decode()
    assert "lz-oidc-login" in page
    assert 'id="id_password"' not in page
    assert "?local=1" in page
    assert 'id="id_password"' in client.get(LOGIN + "?local=1").content.decode()


def test_it_ldap_keeps_the_password_form_with_a_hint(client, settings, db):
    settings.LOCAL_LOGIN_ENABLED = False
    settings.LDAP_ENABLED = True
    page = client.get(LOGIN).content.decode()
    assert 'id="id_password"' in page
    assert "目录服务(LDAP)" in page


def test_it_with_local_passwords_off_people_cannot_use_them_but_administrators_can(
    client, person, make_user, settings
):
    settings.LOCAL_LOGIN_ENABLED = False
    refused = client.post(LOGIN, {"username": "zhangwei", "password": STRONG})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    make_user("sysadmin", role="system")
    assert client.post(LOGIN, {"username": "sysadmin", "password": STRONG}).status_code == 302


# --- Logout and CSP -------------------------------------------------------------------------


def test_it_logout_of_an_oidc_session_goes_to_the_providers_end_session(
    client, oidc_settings, person
):
    client.force_login(person.user, backend=OIDC_BACKEND)
    session = client.session
    session["oidc_id_token"] = "header.payload.signature"
    session.save()
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    target = response["Location"]
    assert target.startswith(f"{ISSUER}/session/end?")
    assert "id_token_hint=header.payload.signature" in target
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F" in target
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="logout", actor_id=person.user_id).exists()


def test_it_logout_of_a_password_session_stays_here(client, oidc_settings, person):
    client.force_login(person.user)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"


def test_it_no_provider_logout_when_oidc_is_off(rf, settings):
    settings.OIDC_ENABLED = False
    settings.OIDC_OP_LOGOUT_ENDPOINT = f"{ISSUER}/session/end"
    assert provider_logout_url(rf.get("/"), "token") == ""
    assert provider_origin() == ""


def test_it_csp_allows_the_provider_as_form_target_only_when_oidc_is_on(client, oidc_settings):
    on = client.get(LOGIN)["Content-Security-Policy"]
    assert f"form-action 'self' {ISSUER};" in on
    oidc_settings.OIDC_ENABLED = False
    off = client.get(LOGIN)["Content-Security-Policy"]
    assert "form-action 'self';" in off


# --- Settings from the environment ----------------------------------------------------------


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "LDAP_"))}
    environment.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import liangge_zeren.settings as s; print(s.AUTHENTICATION_BACKENDS)",
        ],
        env=environment,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )


def test_it_oidc_switched_on_without_its_endpoints_stops_the_start():
    result = _settings_with({"OIDC_ENABLED": "1"})
    assert result.returncode != 0
    assert "OIDC_RP_CLIENT_ID" in result.stderr


def test_it_oidc_and_ldap_switched_on_add_their_backends_after_axes():
    pytest.importorskip("ldap", reason='python-ldap not installed (pip install -e ".[ldap]")')
    env = {
        "OIDC_ENABLED": "1",
        "OIDC_RP_CLIENT_ID": "lz",
        "OIDC_RP_CLIENT_SECRET": "s",
        "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{ISSUER}/auth",
        "OIDC_OP_TOKEN_ENDPOINT": f"{ISSUER}/token",
        "OIDC_OP_USER_ENDPOINT": f"{ISSUER}/me",
        "OIDC_OP_JWKS_ENDPOINT": f"{ISSUER}/jwks",
        "LDAP_ENABLED": "1",
        "LDAP_SERVER_URI": "ldap://ldap.example.gov.cn",
        "LDAP_USER_BASE": "ou=people,dc=example,dc=gov,dc=cn",
    }
    result = _settings_with(env)
    assert result.returncode == 0, result.stderr
    backends = result.stdout
    assert backends.index("axes.backends.AxesStandaloneBackend") < backends.index(OIDC_BACKEND)
    assert "security.directory.DirectoryBackend" in backends


def test_it_a_provider_that_cannot_be_reached_gives_the_refusal_page_not_a_500(
    client, oidc_settings
):
    oidc_settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens
    session = client.session
    session["oidc_states"] = {"st": {"nonce": "n", "code_verifier": None, "added_on": 0}}
    session.save()
    response = client.get("/oidc/callback/", {"code": "c", "state": "st"})
    assert response.status_code == 403
    assert "登录未完成" in response.content.decode()
    entry = AuditEntry.objects.filter(action="login_failed").latest("id")
    assert entry.details["reason"] == "provider_error"
    # A state that was never ours is refused the same way.
    assert client.get("/oidc/callback/", {"code": "c", "state": "forged"}).status_code == 403


def test_it_a_missing_counterpart_skips_with_the_reason_but_fails_where_ci_requires_it(
    monkeypatch,
):
    from tests.security.counterparts import missing

    monkeypatch.delenv("REQUIRE_SSO_COUNTERPARTS", raising=False)
    with pytest.raises(pytest.skip.Exception, match="slapd not found"):
        missing("slapd not found")
    monkeypatch.setenv("REQUIRE_SSO_COUNTERPARTS", "1")
    with pytest.raises(pytest.fail.Exception, match="REQUIRE_SSO_COUNTERPARTS=1"):
        missing("slapd not found")

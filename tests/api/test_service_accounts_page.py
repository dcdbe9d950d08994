"""The security administrator's page for API service accounts (三员分立)."""

from security.models import ApiToken, AuditEntry
from security.tokens import hash_secret

URL = "/security/api-tokens/"


def _create(client, cast, **extra):
    data = {
        "name": "省监督平台",
        "org_code": cast.county1.code,
        "scope": "view",
        "expires_days": "30",
    }
    data.update(extra)
    return client.post(URL, data)


def test_it_creates_a_service_account_and_shows_the_secret_once(cast, secadmin, client_for):
    client = client_for(secadmin)
    response = _create(client, cast, capabilities=["responsibilities.dutylog"])
    assert response.status_code == 200
    token = ApiToken.objects.get(kind=ApiToken.Kind.SERVICE)
    secret = response.context["secret"]
    assert secret in response.content.decode()
    assert token.key_hash == hash_secret(secret) and token.org == cast.county1
    assert token.capabilities == ["responsibilities.dutylog"]
    assert not token.user.has_usable_password()
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    listing = client.get(URL).content.decode()
    assert token.prefix in listing and secret not in listing
    assert AuditEntry.objects.filter(action="api_token_change", object_id=str(token.pk)).exists()


def test_it_gives_a_chinese_form_error_for_an_unknown_unit(cast, secadmin, client_for):
    response = _create(client_for(secadmin), cast, org_code="NOPE")
    assert response.status_code == 400
    assert "没有编码为“NOPE”的在用单位。" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_it_revokes_after_a_confirmation(cast, secadmin, client_for, bearer):
    client = client_for(secadmin)
    secret = _create(client, cast).context["secret"]
    token = ApiToken.objects.get()
    assert bearer(secret).get("/api/v1/organizations/").status_code == 200
    confirm = client.get(f"/security/api-tokens/{token.pk}/revoke/")
    assert confirm.status_code == 200 and "确认吊销" in confirm.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is None  # the GET only asks
    done = client.post(f"/security/api-tokens/{token.pk}/revoke/", {"reason": "对接结束"})
    assert done.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoke_reason == "对接结束"
    assert bearer(secret).get("/api/v1/organizations/").status_code == 401


def test_it_requires_the_security_administrator(cast, client_for):
    client = client_for(cast.user("prov_secretary"))
    assert client.get(URL).status_code == 403
    assert _create(client, cast).status_code == 403
    assert not ApiToken.objects.exists()

"""The API kit: authentication, problem+json, the schema and the vendored docs."""

import datetime
import json
import re

from django.utils import timezone

from security.models import ApiToken, AuditEntry
from security.tokens import hash_secret

PROBLEM = "application/problem+json"


def test_it_answers_401_problem_json_without_credentials(db, client):
    response = client.get("/api/v1/")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == 401 and body["detail"]
    assert re.search(r"[\u4e00-\u9fff]", body["detail"])
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_accepts_a_personal_token(cast, api_for):
    response = api_for(cast.user("county1_secretary")).get("/api/v1/")
    assert response.status_code == 200


def test_it_stores_only_the_hash_of_the_secret(cast, api_for):
    from security.tokens import issue_personal

    token, secret = issue_personal(cast.user("county1_secretary"))
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.key_hash == hash_secret(secret)
    row = json.dumps(list(ApiToken.objects.filter(pk=token.pk).values()), default=str)
    assert secret not in row
    assert secret.startswith("lz_") and len(secret) >= 40


def test_it_refuses_an_expired_token_with_401(cast, bearer):
    from security.tokens import issue_personal

    token, secret = issue_personal(cast.user("county1_secretary"))
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = bearer(secret).get("/api/v1/")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "令牌已过期。"


def test_it_refuses_a_revoked_token_with_401(cast, bearer):
    from security.tokens import issue_personal, revoke

    user = cast.user("county1_secretary")
    token, secret = issue_personal(user)
    revoke(user, token)
    response = bearer(secret).get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌已被吊销。"


def test_it_refuses_an_unknown_token_with_401(db, bearer):
    response = bearer("lz_" + "x" * 43).get("/api/v1/")
    assert response.status_code == 401
    assert response.json()["detail"] == "令牌无效。"


def test_it_audits_token_use_like_a_login_once_per_window(cast, api_for):
    user = cast.user("county1_secretary")
    client = api_for(user)
    before = AuditEntry.objects.filter(action="api_token").count()
    client.get("/api/v1/")
    client.get("/api/v1/")
    entries = AuditEntry.objects.filter(action="api_token").order_by("id")
    assert entries.count() == before + 1
    assert entries.last().actor_username == "county1_secretary"
    assert ApiToken.objects.get(user=user).last_used_at is not None


def test_it_throttles_per_token_with_429(cast, api_for, settings):
    from liangge_zeren.api.throttling import TokenRateThrottle

    rates = {**TokenRateThrottle.THROTTLE_RATES, "api": "3/min"}
    original = TokenRateThrottle.THROTTLE_RATES
    TokenRateThrottle.THROTTLE_RATES = rates
    try:
        client = api_for(cast.user("county1_secretary"))
        other = api_for(cast.user("county1_secretary"))
        codes = [client.get("/api/v1/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        throttled = client.get("/api/v1/")
        assert throttled["Content-Type"] == PROBLEM and throttled["Retry-After"]
        assert other.get("/api/v1/").status_code == 200  # counted per token
    finally:
        TokenRateThrottle.THROTTLE_RATES = original


def test_it_serves_an_openapi_schema_with_chinese_descriptions(db, client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    assert "两个责任" in schema["info"]["title"]
    assert re.search(r"[\u4e00-\u9fff]", schema["info"]["description"])
    if schema["paths"]:
        assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_it_serves_the_docs_page_from_this_server_only(db, client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script>" not in html  # the start-up script is a file: the CSP allows no inline
    csp = response["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self' 'unsafe-inline'" in csp
    assert (
        "'unsafe-inline'"
        not in client.get("/api/schema/")["Content-Security-Policy"].split("style-src-attr")[0]
    )
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert "https://" not in script.content.decode().replace("https://swagger.io", "")


def test_it_redirects_the_api_root_to_the_docs(db, client):
    response = client.get("/api/")
    assert response.status_code == 302 and response["Location"] == "/api/docs/"

"""Security headers, the CSP, error pages without internals, /healthz, structured logs."""

import json
import logging
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)


def test_it_pages_carry_the_security_headers(client_for, cast):
    response = client_for(cast.user("county1_secretary")).get(reverse("home"))
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"  # no unsafe-inline, no unsafe-eval
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "http" not in csp and "*" not in csp  # nothing from outside the server
    assert "unsafe" not in directives["style-src"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_it_the_login_page_has_the_headers_too(client):
    response = client.get(reverse("login"))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_it_a_well_formed_request_id_is_kept(client):
    response = client.get(reverse("login"), HTTP_X_REQUEST_ID="lb-1234")
    assert response["X-Request-ID"] == "lb-1234"
    bad = client.get(reverse("login"), HTTP_X_REQUEST_ID="<script>")
    assert bad["X-Request-ID"] != "<script>"


def _templates():
    for folder in [ROOT / "templates", *ROOT.glob("*/templates")]:
        if ".venv" in folder.parts:
            continue
        yield from folder.rglob("*.html")


def test_it_no_template_has_inline_script_style_blocks_or_event_handlers():
    """The CSP blocks these; put JS in static/js/<app>.js and CSS in static/css."""
    offenders = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script\b([^>]*)>(.*?)</script>", text, re.S | re.I):
            if "src=" not in match.group(1) or match.group(2).strip():
                offenders.append(f"{path}: inline <script>")
        if re.search(r"<style\b", text, re.I):
            offenders.append(f"{path}: <style> element")
        for match in re.finditer(r"<[^>]*\s(on[a-z]+)\s*=", text, re.I):
            offenders.append(f"{path}: {match.group(1)}= attribute")
        if re.search(r"""(href|src|action)\s*=\s*["']\s*javascript:""", text, re.I):
            offenders.append(f"{path}: javascript: URL")
        if re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", text, re.I):
            offenders.append(f"{path}: external resource")
    assert offenders == []


def test_it_base_turns_off_htmx_inline_styles_and_eval(client_for, cast):
    page = client_for(cast.user("county1_secretary")).get(reverse("home")).content.decode()
    assert '"includeIndicatorStyles":false' in page
    assert '"allowEval":false' in page


@pytest.fixture
def anonymous_client():
    return Client(raise_request_exception=False)


def test_it_the_404_page_is_chinese_and_standalone(client_for, cast):
    response = client_for(cast.user("county1_secretary")).get("/no/such/page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "页面不存在" in body
    assert "Traceback" not in body and "urlpatterns" not in body.lower()


def test_it_the_403_page_is_chinese(client_for, make_user):
    response = client_for(make_user("nobody")).get(reverse("security:audit_log"))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


@pytest.mark.urls("tests.security.urls_boom")
def test_it_the_500_page_leaks_nothing(anonymous_client, settings, db):
    settings.DEBUG = False
    response = anonymous_client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错了" in body
    for leak in ("Traceback", "secret-internal-detail", "ZeroDivisionError", 'File "'):
        assert leak not in body


def test_it_the_500_template_renders_without_context_or_database():
    from django.template import loader

    # No db fixture: pytest-django raises on any database access here.
    html = loader.get_template("500.html").render()
    assert "系统出错了" in html


def test_it_the_csrf_failure_page_is_chinese(make_user):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "请刷新页面后重试" in response.content.decode()


def test_it_healthz_reports_database_and_broker_without_secrets(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_healthz_answers_any_host_and_without_https_redirect(client, db, settings):
    settings.ALLOWED_HOSTS = ["example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")
    assert response.status_code == 200


def test_it_healthz_says_503_when_the_database_is_down(client, db, monkeypatch):
    from security import views

    monkeypatch.setattr(views, "_check_database", lambda: False)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error"


def test_it_json_logs_carry_the_request_id():
    from security.context import bind, unbind
    from security.logging import JsonLinesFormatter, RequestIdFilter

    tokens = bind(None, "abc123")
    try:
        record = logging.makeLogRecord({"msg": "hello %s", "args": ("世界",), "name": "x"})
        RequestIdFilter().filter(record)
        line = JsonLinesFormatter().format(record)
    finally:
        unbind(tokens)
    data = json.loads(line)
    assert data["message"] == "hello 世界"
    assert data["request_id"] == "abc123"
    assert "\n" not in line


def test_it_log_lines_of_a_request_carry_its_id_as_json(client, db):
    import io

    from security.logging import JsonLinesFormatter, RequestIdFilter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonLinesFormatter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no/such/page/", HTTP_X_REQUEST_ID="req-42")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines and lines[-1]["request_id"] == "req-42"
    assert lines[-1]["message"] == "Not Found: /no/such/page/"


def test_it_serves_the_favicon_named_by_every_page_and_at_favicon_ico(client, db):
    """Issue 17.10: the favicon was a 404."""
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301
    assert answer.url.endswith("img/favicon.svg")
    login_page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in login_page and "img/favicon.svg" in login_page

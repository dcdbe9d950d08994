"""The Swagger UI renders in Chromium under the site's CSP, from this server only.

The browser fixture is used directly, not `new_page`: the docs page is the vendored Swagger UI
(drf-spectacular-sidecar), not one of our templates, so axe-core's audit of our pages does not
apply to it."""

import pytest

from tests.browser import BROWSER_MARKS, TIMEOUT_MS

pytestmark = BROWSER_MARKS


@pytest.mark.django_db(transaction=True)
def test_it_renders_the_docs_with_no_csp_violation_and_no_outside_request(live_server, browser):
    context = browser.new_context(locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems, outside = [], []
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on(
        "request",
        lambda r: (
            not r.url.startswith(live_server.url)
            and not r.url.startswith("data:")
            and outside.append(r.url)
        ),
    )
    try:
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector(".swagger-ui .info .title")
        assert "两个责任" in page.inner_text(".swagger-ui .info .title")
        page.wait_for_selector(".opblock-tag")  # the endpoints are listed
    finally:
        context.close()
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
    assert outside == []

"""The rectification chain in Chromium: record → rectify with evidence → verify and close.

county1_jw records a finding with a rectification task; county1_secretary submits it for
closure with an evidence file; county1_jw verifies and closes it (销号).
"""

import pytest

from tests.browser import BROWSER_MARKS, log_in, screenshot

pytestmark = BROWSER_MARKS

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def accept_confirms(page):
    page.on("dialog", lambda dialog: dialog.accept())


def test_it_a_finding_is_recorded_rectified_and_closed(live_server, live_cast, new_page, tmp_path):
    from playwright.sync_api import expect

    from inspections.models import Finding, RectificationTask

    # 1. The county commission records a finding and assigns a rectification task.
    page = new_page(viewport={"width": 1280, "height": 900})
    accept_confirms(page)
    log_in(page, live_server, "county1_jw")
    page.get_by_role("link", name="监督检查").first.click()
    page.get_by_role("link", name="登记日常监督问题").click()
    page.select_option("#id_org", str(live_cast.county1.pk))
    page.select_option("#id_inspecting_body", str(live_cast.bodies["T-K1:discipline"].pk))
    page.select_option("#id_source", "this_level")
    page.select_option("#id_sub_source", "level_discipline")
    page.select_option("#id_category", "conduct")
    page.select_option("#id_severity", "serious")
    page.fill("#id_title", "违规发放津贴补贴")
    page.fill("#id_description", "抽查发现2025年违规发放津贴补贴3次。")
    page.get_by_role("button", name="登记问题").click()
    expect(page.get_by_role("heading", name="违规发放津贴补贴")).to_be_visible()

    page.locator("#add-task summary").click()
    page.fill("#id_measure", "清退违规发放的津贴补贴,健全审批制度")
    page.select_option("#id_owner_tenure", str(live_cast.tenures["county1_secretary"].pk))
    page.get_by_role("button", name="交办", exact=True).click()
    expect(page.locator("#task-status")).to_have_text("已交办")
    task_url = page.url
    screenshot(page, "inspections-task-assigned.png")

    # 2. The county secretary rectifies and asks for closure with evidence.
    page = new_page(viewport={"width": 375, "height": 800}, is_mobile=True, has_touch=True)
    accept_confirms(page)
    log_in(page, live_server, "county1_secretary")
    page.goto(f"{live_server.url}/inspections/ledger/")
    page.get_by_role("link", name="清退违规发放的津贴补贴").first.click()
    page.get_by_role("button", name="开始整改").click()
    expect(page.locator("#task-status")).to_have_text("整改中")
    evidence = tmp_path / "清退凭证.pdf"
    evidence.write_bytes(PDF)
    page.fill("#id_closure-statement", "违规发放的津贴补贴已全部清退,审批制度已修订。")
    page.set_input_files("#id_closure-files", str(evidence))
    page.get_by_role("button", name="提交销号申请").click()
    expect(page.locator("#task-status")).to_have_text("申请销号")
    expect(page.get_by_role("link", name="清退凭证.pdf")).to_be_visible()
    # The target cannot verify its own task.
    expect(page.get_by_role("button", name="验收销号")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    screenshot(page, "inspections-task-submitted-mobile.png")

    # 3. The commission verifies and closes it (销号).
    page = new_page(viewport={"width": 1280, "height": 900})
    accept_confirms(page)
    log_in(page, live_server, "county1_jw")
    page.goto(task_url)
    page.fill("#id_close-note", "经核实,已整改到位。")
    page.get_by_role("button", name="验收销号").click()
    expect(page.locator("#task-status")).to_have_text("已销号")
    screenshot(page, "inspections-task-closed.png")

    task = RectificationTask.objects.get(measure__startswith="清退违规发放")
    assert task.status == RectificationTask.Status.CLOSED
    assert task.closed_by.username == "county1_jw"
    assert task.finding.status == Finding.Status.CLOSED
    actions = list(task.transitions.values_list("action", "actor__username"))
    assert actions == [
        ("assign", "county1_jw"),
        ("start", "county1_secretary"),
        ("submit", "county1_secretary"),
        ("close", "county1_jw"),
    ]

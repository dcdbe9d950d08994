"""In Chromium: county1_member logs a talk against two items and sees both items' progress move."""

from tests.browser import BROWSER_MARKS, MOBILE_WIDTH, log_in, screenshot
from tests.responsibilities.dutyfix import build_duty

pytestmark = BROWSER_MARKS


def badge(page, container: str, item) -> str:
    return page.locator(f"{container} [data-item='{item.pk}'] [data-state]").inner_text().strip()


def test_it_a_member_logs_a_talk_against_two_items_on_a_phone(live_server, live_cast, new_page):
    from playwright.sync_api import expect

    duty = build_duty(live_cast)
    talk, visit = duty.items["talk"], duty.items["visit"]
    page = new_page(viewport={"width": MOBILE_WIDTH, "height": 800}, is_mobile=True, has_touch=True)
    log_in(page, live_server, "county1_member")

    # The home page already lists the member's items with their progress.
    expect(page.get_by_role("heading", name="我的责任条目进度")).to_be_visible()
    assert badge(page, ".lz-progress", talk).endswith("0/1")
    assert badge(page, ".lz-progress", visit).endswith("0/2")

    page.goto(f"{live_server.url}/duty/logs/new/")
    form = page.locator("form.lz-log-form")
    form.locator("select[name=action_type]").select_option("talk")
    talk_type = form.locator("select[name=talk_type]")
    expect(talk_type).to_be_visible()  # talk fields appear only for talks (static JS)
    talk_type.select_option("reminder")
    form.locator("input[name=talk_target]").fill("县教育局党组书记")
    form.locator("input[name=title]").fill("与县教育局党组书记廉政谈话")
    form.locator(f"input[name=items][value='{talk.pk}']").check()
    form.locator(f"input[name=items][value='{visit.pk}']").check()
    form.locator("textarea[name=summary]").fill("通报教育系统廉政风险点,提出整改要求。")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH + 1
    screenshot(page, "duty-log-form-mobile.png")
    form.locator("button[name=submit_now]").click()

    # htmx swaps in the confirmation with both cited items' new progress.
    page.wait_for_selector("#cited-progress")
    assert badge(page, "#cited-progress", talk) == "已完成 1/1"
    assert badge(page, "#cited-progress", visit).endswith("1/2")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH + 1
    screenshot(page, "duty-log-saved-mobile.png")

    page.goto(f"{live_server.url}/")
    assert badge(page, ".lz-progress", talk) == "已完成 1/1"
    assert badge(page, ".lz-progress", visit).endswith("1/2")

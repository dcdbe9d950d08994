"""In Chromium at phone width: a person chooses 政务微信 and SMS, gives the addresses and quiet
hours, is told plainly what is missing, and then sees a message's send record."""

from tests.browser import BROWSER_MARKS, MOBILE_WIDTH, log_in, screenshot

pytestmark = BROWSER_MARKS


def test_it_a_person_sets_up_where_reminders_reach_them(
    live_server, live_cast, new_page, wecom, sms
):
    from playwright.sync_api import expect

    from notifications.models import NotificationPreference
    from notifications.services import notify

    page = new_page(viewport={"width": MOBILE_WIDTH, "height": 800})
    log_in(page, live_server, "county1_secretary")
    page.goto(f"{live_server.url}/notifications/")
    page.get_by_role("link", name="提醒设置").click()
    expect(page.get_by_role("heading", name="提醒设置")).to_be_visible()

    page.get_by_label("政务微信", exact=True).check()
    page.get_by_label("短信", exact=True).check()
    page.get_by_label("企业微信/政务微信账号").fill("zhangsan")
    page.get_by_label("免打扰开始").fill("22:00")
    page.get_by_label("免打扰结束").fill("07:00")
    page.get_by_role("button", name="保存").click()
    # No mobile number for SMS: a clear error, and nothing typed is lost.
    expect(page.get_by_text("选择“短信”需要填写手机号。")).to_be_visible()
    expect(page.get_by_label("企业微信/政务微信账号")).to_have_value("zhangsan")
    expect(page.get_by_label("短信", exact=True)).to_be_checked()
    screenshot(page, "notifications-preferences-error.png")

    page.get_by_label("手机号").fill("138 0000 0001")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("提醒设置已保存。")).to_be_visible()
    pref = NotificationPreference.objects.get(user=live_cast.user("county1_secretary"))
    assert (pref.channels, pref.mobile) == (["wecom", "sms"], "13800000001")
    assert str(pref.quiet_start) == "22:00:00" and str(pref.quiet_end) == "07:00:00"

    pref.quiet_start = pref.quiet_end = None  # (so the message goes out now)
    pref.save()
    notify(live_cast.user("county1_secretary"), "【督办】一号县 · 整改任务逾期")
    page.reload()
    record = page.locator("table tbody tr")
    expect(record).to_have_count(2)
    expect(record.filter(has_text="政务微信")).to_contain_text("已发送")
    expect(record.filter(has_text="短信")).to_contain_text("已发送")
    assert len(wecom.delivered) == 1 and len(sms.delivered) == 1
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow
    screenshot(page, "notifications-preferences-record.png")

"""党风廉政意见回复 in Chromium: the 组织部 pastes a name from Excel, county 1's 纪委 opens
the draft filled from the record, edits it, the secretary signs it off, the officer returns
it, and the 组织部 sees the reply and its .docx link (axe runs on every page visited)."""

from tests.browser import BROWSER_MARKS, cast_password, log_in, screenshot

pytestmark = BROWSER_MARKS


def _with_password(user):
    user.set_password(cast_password())
    user.save()
    return user


def test_it_walks_a_request_from_the_department_to_the_signed_reply(
    live_server, live_cast, new_page
):
    from playwright.sync_api import expect

    from responsibilities.models import Tenure
    from tests.accountability.fixtures import appoint_extra, county1_head

    cast = live_cast
    zzb = appoint_extra(
        cast,
        "county1_zzb",
        "组织部干部",
        cast.bodies["T-K1:committee"],
        Tenure.Role.ORG_DEPARTMENT,
        username="county1_zzb",
    )
    _with_password(zzb.user)
    _with_password(county1_head(cast).user)

    page = new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "county1_zzb")
    page.goto(f"{live_server.url}/accountability/integrity/")
    page.get_by_role("link", name="征求党风廉政意见").click()
    page.select_option("#id_purpose", "promotion")
    page.fill("#id_names", "姓名\t单位\n冯建军\t一号镇")
    page.get_by_role("button", name="提交").click()
    expect(page.locator("main")).to_contain_text("纪委尚未回复")
    request_url = page.url
    page.context.clear_cookies()

    log_in(page, live_server, "county1_jw")
    page.goto(f"{live_server.url}/accountability/integrity/replies/")
    page.get_by_role("link", name="冯建军").click()
    expect(page.locator("#id_text")).to_contain_text("冯建军")
    page.fill("#id_text", "经查,冯建军同志近3年未发现违反党风廉政建设有关规定的问题。")
    page.get_by_role("button", name="保存回复意见").click()
    reply_url = page.url
    page.context.clear_cookies()

    log_in(page, live_server, "county1_jw_secretary")
    page.goto(reply_url)
    page.get_by_role("button", name="签字背书").click()
    expect(page.locator("#reply-status")).to_have_text("已签字")
    page.context.clear_cookies()

    log_in(page, live_server, "county1_jw")
    page.goto(reply_url)
    page.get_by_role("button", name="回复组织部").click()
    expect(page.locator("#reply-status")).to_have_text("已回复")
    page.context.clear_cookies()

    log_in(page, live_server, "county1_zzb")
    page.goto(request_url)
    expect(page.locator("#integrity-replies")).to_contain_text("未发现影响使用的问题")
    expect(page.get_by_role("link", name="下载 .docx")).to_have_count(1)
    screenshot(page, "accountability-integrity-reply.png")

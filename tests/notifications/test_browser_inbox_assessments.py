"""In Chromium on the live cast: reminders in the inbox, and a published quarter.

Real reminders (the daily reminder jobs run for today on two rectification tasks due in 3 and
1 days) reach county 1's secretary: the header shows the unread count; following a reminder
opens its task and marks it read; marking the other read in the inbox (htmx) drops the count in
the header at once. Then a superior opens 考核 and sees last quarter published with lights.
"""

import datetime

import pytest

from liangge_zeren.actors import JOBS
from tests.browser import BROWSER_MARKS, log_in, screenshot

pytestmark = BROWSER_MARKS


@pytest.fixture
def reminded(live_cast):
    from django.utils import timezone

    from assessments.services import snapshots
    from inspections.services import tasks as insp_tasks
    from liangge_zeren.periods import Quarter
    from notifications import jobs
    from notifications.models import Notification
    from tests.inspections.fixtures import make_finding

    cast = live_cast
    today = timezone.localdate()
    jw = cast.user("county1_jw")
    finding = make_finding(
        jw, cast.county1, body=cast.bodies["T-K1:discipline"], title="公务接待超标准"
    )
    tasks = [
        insp_tasks.create_task(
            actor=jw,
            finding=finding,
            measure=measure,
            owner_tenure=cast.tenures["county1_secretary"],
            org=cast.county1,
            start_date=today - datetime.timedelta(days=30),
            due_date=today + datetime.timedelta(days=days),
        )
        for measure, days in (("退还超标准接待费用", 3), ("修订公务接待管理办法", 1))
    ]
    jobs.run("reminders", today)
    secretary = cast.user("county1_secretary")
    unread = Notification.objects.filter(recipient=secretary, read_at__isnull=True).count()
    assert unread >= 2

    # Last quarter, computed and published by the province for every unit below it.
    last = Quarter.of(today).previous()
    year, quarter = last.year, last.quarter
    snapshots.compute_quarter(year, quarter, actor=JOBS)
    published = snapshots.publish_quarter(
        year, quarter, actor=cast.user("prov_secretary"), under=cast.province
    )
    assert published >= 4
    return tasks, unread, f"{year}Q{quarter}"


def badge(page):
    return page.locator("#lz-inbox-badge")


def test_it_reminders_in_the_inbox_and_a_published_quarter(live_server, reminded, new_page):
    from playwright.sync_api import expect

    tasks, unread, period = reminded
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "county1_secretary")
    expect(badge(page)).to_have_text(str(unread))

    # The inbox lists the reminders, unread first-class (bold, with a "mark read" button).
    page.locator("nav").get_by_role("link", name="消息").click()
    page.wait_for_url(f"{live_server.url}/notifications/")
    first = page.get_by_role("link", name="整改任务 3 天后到期: 退还超标准接待费用")
    second = page.get_by_role("link", name="整改任务 1 天后到期: 修订公务接待管理办法")
    expect(first).to_be_visible()
    expect(second).to_be_visible()
    screenshot(page, "notifications-inbox.png")

    # Following a reminder opens its object and marks it read.
    first.click()
    page.wait_for_url(f"{live_server.url}/inspections/tasks/{tasks[0].pk}/")
    expect(page.get_by_text("退还超标准接待费用").first).to_be_visible()
    expect(badge(page)).to_have_text(str(unread - 1))
    screenshot(page, "notifications-reminder-followed.png")

    # Marking the other one read in the inbox (htmx): the header count drops at once.
    page.goto(f"{live_server.url}/notifications/?show=unread")
    row = page.locator("li.list-group-item").filter(has=second)
    row.get_by_role("button", name="标为已读").click()
    expect(row.get_by_role("button", name="标为已读")).to_have_count(0)
    expected = str(unread - 2) if unread > 2 else ""
    expect(badge(page)).to_have_text(expected)
    heading = page.locator("#lz-inbox-unread")
    expect(heading).to_have_text(f"{unread - 2} 条未读" if unread > 2 else "")
    screenshot(page, "notifications-marked-read.png")

    # A superior sees last quarter published, with traffic lights.
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "city1_secretary")
    page.locator("nav").get_by_role("link", name="考核").click()
    expect(page.get_by_role("heading", name=f"季度考核 {period}")).to_be_visible()
    table = page.locator("table")
    county = table.locator("tr").filter(has=page.get_by_role("link", name="一号县", exact=True))
    expect(county.first.get_by_text("已发布")).to_be_visible()
    lights = table.locator("tbody td span.badge.rounded-pill")
    expect(lights.first).to_be_visible()
    texts = set(lights.all_inner_texts())
    assert texts and texts <= {"红", "黄", "绿"}
    screenshot(page, "assessments-published-quarter.png")

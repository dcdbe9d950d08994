"""In Chromium: the county's 组织部 previews a 换届 of the county committee, then confirms it."""

from django.utils import timezone

from inspections.models import RectificationTask
from responsibilities.models import Tenure
from tests.browser import BROWSER_MARKS, log_in, screenshot
from tests.inspections.fixtures import make_finding, make_task
from tests.responsibilities.dutyfix import build_duty, make_log
from tests.responsibilities.test_appointments import NEW_TEAM, make_org_department

pytestmark = BROWSER_MARKS


def test_it_previews_a_reshuffle_then_applies_it(live_server, live_cast, new_page):
    from playwright.sync_api import expect

    duty = build_duty(live_cast)
    make_log(duty)
    jw = live_cast.user("county1_jw")
    finding = make_finding(
        jw, live_cast.county1, body=live_cast.bodies["T-K1:discipline"], title="换届问题"
    )
    task = make_task(jw, finding, duty.tenure("county1_secretary"))
    make_org_department(live_cast)
    body = live_cast.bodies["T-K1:committee"]
    page = new_page()
    log_in(page, live_server, "county1_orgdept")

    page.get_by_role("link", name="任免").first.click()
    page.get_by_role("link", name=live_cast.county1.name).click()
    expect(page.get_by_role("heading", name="现任")).to_be_visible()
    page.get_by_role("link", name=f"{body.name}换届").click()

    page.get_by_label("换届日期").fill(timezone.localdate().isoformat())
    page.get_by_label("新一届成员").fill(NEW_TEAM)
    page.get_by_role("button", name="预览换届影响").click()

    preview = page.locator("#reshuffle-preview")
    expect(preview).to_be_visible()
    expect(preview).to_contain_text("刘海涛")  # the team that leaves
    expect(preview).to_contain_text("新书记")  # the team that comes
    expect(preview).to_contain_text("由 刘海涛 移交 新书记")
    expect(preview).to_contain_text("陈晓梅一岗双责清单")
    expect(preview).to_contain_text("整改:换届问题")  # the open task goes to the successor
    expect(preview).to_contain_text("→ 新书记")
    assert not Tenure.objects.filter(person__code="N-1").exists()  # a preview writes nothing
    screenshot(page, "reshuffle-preview.png")

    page.get_by_role("button", name="确认换届").click()
    done = page.locator("#reshuffle-done")
    expect(done).to_contain_text("换届已完成")
    expect(done).to_contain_text("需手工跟进的事项")
    expect(done).to_contain_text("陈晓梅一岗双责清单")
    new_secretary = Tenure.objects.get(person__code="N-1")
    assert new_secretary.role == Tenure.Role.SECRETARY and new_secretary.end_date is None
    assert Tenure.objects.get(pk=duty.tenure("county1_secretary").pk).end_date is not None
    assert RectificationTask.objects.get(pk=task.pk).owner_tenure == new_secretary
    screenshot(page, "reshuffle-done.png")

"""In Chromium on a phone: home → 记一笔 → fill the text → save, timed (issue 17, "quicker than
one form"). The figure is printed as a benchmark, never asserted; the outcome is."""

import time

from django.utils import timezone

from tests.browser import BROWSER_MARKS, MOBILE_WIDTH, log_in
from tests.responsibilities.dutyfix import build_duty, make_log

pytestmark = BROWSER_MARKS


def test_it_ji_yi_bi_records_a_duty_from_the_home_page_pre_filled(
    live_server, live_cast, new_page, capsys
):
    from responsibilities.models import ActionType, DutyLog

    duty = build_duty(live_cast)
    talk, visit = duty.items["talk"], duty.items["visit"]
    make_log(duty, items=(), submit=False, title="上次的谈话")  # the method to remember
    page = new_page(viewport={"width": MOBILE_WIDTH, "height": 800}, is_mobile=True, has_touch=True)
    log_in(page, live_server, "county1_member")

    started = time.perf_counter()
    page.locator("#quick-log").click()
    form = page.locator("form.lz-log-form")
    form.locator("input[name=title]").fill("与县教育局党组书记廉政谈话")
    form.locator("textarea[name=summary]").fill("通报教育系统廉政风险点,提出整改要求。")
    form.locator("select[name=talk_type]").select_option("reminder")
    form.locator("input[name=talk_target]").fill("县教育局党组书记")
    form.locator("button[name=submit_now]").click()
    page.wait_for_selector("#cited-progress")
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\n记一笔 path: {elapsed:.1f} s")

    log = DutyLog.objects.exclude(title="上次的谈话").get()
    assert log.action_type == ActionType.TALK  # pre-selected: the last method used
    assert log.occurred_on == timezone.localdate()  # pre-filled: today
    cited = set(log.items.values_list("pk", flat=True))
    assert talk.pk in cited and visit.pk not in cited  # this quarter's open talk item, ticked
    assert log.status == DutyLog.Status.SUBMITTED
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH + 1

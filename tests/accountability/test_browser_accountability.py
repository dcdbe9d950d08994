"""The 倒查 chain in Chromium: a finding → a case → the predecessor → a measure → the chain.

county1_jw opens a case from a transferred finding with an event date before county 1's
change of secretary (2024-03-01); the system proposes the predecessor 孙立民; the officer
picks him, records a written admonition after the decision, and the chain page shows the
finding and the duty logs 孙立民 recorded before the event.
"""

import datetime

import pytest

from tests.browser import BROWSER_MARKS, log_in, screenshot

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_a_case_is_traced_back_to_the_predecessor_and_his_duty_logs(
    live_server, live_cast, new_page
):
    from playwright.sync_api import expect

    from accountability.defaults import ensure_defaults
    from accountability.models import AccountabilityCase
    from accountability.services import cases
    from inspections.services import findings
    from responsibilities import duty_logs
    from responsibilities.models import ActionType
    from tests.inspections.fixtures import make_finding

    ensure_defaults()  # transactional tests flush the migration-seeded rows
    cast = live_cast
    jw = cast.user("county1_jw")
    finding = make_finding(
        jw,
        cast.county1,
        body=cast.bodies["T-K1:discipline"],
        title="县委对乡镇“三资”监管失察",
        responsibilities=[(cast.tenures["county1_former"], "principal")],
    )
    findings.transfer_case_lead(finding, actor=jw, to_body=cast.bodies["T-K1:discipline"])
    duty_logs.create_log(
        tenure=cast.tenures["county1_former"],
        action_type=ActionType.COMMITTEE_MEETING,
        occurred_on=datetime.date(2023, 11, 8),
        title="县委常委会专题研究三资监管",
        summary="研究部署农村集体三资监管工作。",
        submit=True,
        actor=cast.user("county1_former"),
    )

    page = new_page(viewport={"width": 1280, "height": 900})
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "county1_jw")

    # 1. Open a case from the transferred finding.
    page.get_by_role("link", name="问责", exact=True).click()
    page.get_by_role("link", name="启动问责").first.click()
    page.fill("#id_event_date", "2024-01-15")
    page.select_option("#id_deciding_body", str(cast.bodies["T-C1:committee"].pk))
    page.get_by_label("全面从严治党主体责任、监督责任落实不到位").check()
    page.get_by_role("button", name="提交").click()

    # 2. The system proposes the predecessor secretary (and shows the incumbent apart).
    secretary = page.locator("[data-slot=secretary]")
    candidate = secretary.locator(f"[data-tenure='{cast.tenures['county1_former'].pk}']")
    expect(candidate).to_contain_text("孙立民")
    expect(candidate).to_contain_text("前任")
    expect(secretary).to_contain_text("刘海涛")
    screenshot(page, "accountability-targets.png")
    candidate.get_by_role("button", name="列为问责对象").click()
    expect(page.locator("#chosen-heading + div")).to_contain_text("孙立民")

    # 3. The procedure up to the decision (services; each step is tested on its own).
    case = AccountabilityCase.objects.get()
    assert case.targets.get().is_predecessor
    cases.start_preliminary_review(case, actor=jw)
    cases.approve_start(
        case, actor=jw, approver=cast.tenures["city1_secretary"], approved_on=datetime.date.today()
    )
    cases.start_investigation(
        case, actor=jw, team=[cast.people["county1_jw"], cast.people["city1_jw"]]
    )
    cases.record_hearing(case, actor=jw, record="本人作了说明。", heard_on=datetime.date.today())
    cases.discuss_report(
        case,
        actor=jw,
        report="报告",
        discussion_record="集体讨论同意",
        discussed_on=datetime.date.today(),
    )
    cases.decide_case(
        case, actor=jw, decision_no="一市委问决〔2026〕8号", decided_on=datetime.date.today()
    )

    # 4. The officer records a measure.
    page.goto(f"{live_server.url}/accountability/cases/{case.pk}/")
    form = page.locator("#add-measure form")
    form.locator("[name=target]").select_option(index=1)
    form.locator("[name=kind]").select_option("admonition")
    form.locator("[name=subtype]").select_option("written")
    form.get_by_role("button", name="登记").click()
    expect(page.locator("#measures-heading").locator("..")).to_contain_text("书面诫勉")

    # 5. The chain page shows the finding and the owner's duty logs before the event.
    page.get_by_role("link", name="倒查链条").click()
    owner = page.locator(f".lz-owner[data-tenure='{cast.tenures['county1_former'].pk}']")
    expect(owner).to_contain_text("孙立民")
    expect(owner).to_contain_text("县委常委会专题研究三资监管")
    expect(page.locator(".lz-finding").first).to_contain_text(finding.number)
    screenshot(page, "accountability-chain.png")

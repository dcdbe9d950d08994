"""In Chromium: the risk ranking's 生成专项检查 plans a special check on the ticked top units."""

from inspections.models import InspectionRound
from inspections.services import risk_profiles
from tests.browser import BROWSER_MARKS, log_in

from .fixtures import TODAY

pytestmark = BROWSER_MARKS


def test_it_plans_a_special_check_from_the_ranking(live_server, live_cast, new_page):
    from playwright.sync_api import expect

    jw = live_cast.user("city1_jw")
    risk_profiles.save_risk_profile(
        actor=jw, org=live_cast.county2, year=TODAY.year, petitions=9, audit_issues=3
    )
    page = new_page()
    log_in(page, live_server, "city1_jw")
    page.goto(f"{live_server.url}/inspections/risk/?org={live_cast.city1.pk}&top=1")
    expect(page.locator(f"#unit-{live_cast.county2.pk}")).to_be_checked()
    expect(page.locator(f"#unit-{live_cast.county1.pk}")).not_to_be_checked()
    page.get_by_role("button", name="生成专项检查").click()
    page.wait_for_url(f"{live_server.url}/inspections/rounds/*/")
    round_ = InspectionRound.objects.get()
    assert round_.kind == InspectionRound.Kind.SPECIAL
    assert list(round_.targets.all()) == [live_cast.county2]
    page.goto(f"{live_server.url}/inspections/risk/import/?org={live_cast.city1.pk}")
    expect(page.get_by_role("heading", name="导入风险因素 · 一号市")).to_be_visible()

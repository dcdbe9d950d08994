"""回避 in Chromium: county1_jw declares that city1_jw (赵明德) is a close relative of the
person concerned; the case page lists the declaration and the investigation-team choices no
longer offer him."""

import pytest

from tests.browser import BROWSER_MARKS, log_in, screenshot

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_a_declared_conflict_removes_the_person_from_the_team_choices(
    live_server, live_cast, new_page
):
    from playwright.sync_api import expect

    from accountability.defaults import ensure_defaults
    from accountability.models import AccountabilityCase
    from tests.accountability.fixtures import advance, open_county1_case

    ensure_defaults()  # transactional tests flush the migration-seeded rows
    cast = live_cast
    case = advance(cast, open_county1_case(cast), AccountabilityCase.Status.START_APPROVED)
    city_jw = cast.people["city1_jw"]

    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "county1_jw")
    page.goto(f"{live_server.url}/accountability/cases/{case.pk}/")
    team = page.locator(f"input[name='start_investigation-team'][value='{city_jw.pk}']")
    expect(team).to_have_count(1)

    page.get_by_role("link", name="申报回避").click()
    page.select_option("#id_person", str(city_jw.pk))
    page.select_option("#id_reason", "close_relative")
    page.fill("#id_detail", "与被反映人系近亲属")
    page.get_by_role("button", name="提交").click()

    expect(page.locator("#conflicts-heading").locator("..")).to_contain_text("赵明德")
    expect(page.locator("#conflicts-heading").locator("..")).to_contain_text("近亲属")
    expect(team).to_have_count(0)
    screenshot(page, "accountability-recusal.png")

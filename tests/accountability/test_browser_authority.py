"""R26 in Chromium (issue 13): city1_jw opens a disciplinary case against a county
standing-committee member and shares it with the county 纪委; county1_jw cannot open such a
case (the member is not offered) and sees only the case the city shared."""

import pytest

from tests.browser import BROWSER_MARKS, log_in, screenshot

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _register(page, live_server, cast, case_no: str) -> None:
    page.goto(f"{live_server.url}/accountability/disciplinary/new/")
    page.fill("#id_case_no", case_no)
    page.select_option("#id_org", str(cast.county1.pk))
    page.select_option("#id_handling_body", str(cast.bodies["T-C1:discipline"].pk))
    page.select_option("#id_subject_tenure", str(cast.tenures["county1_member"].pk))
    page.fill("#id_summary", "违规干预工程项目。")
    page.get_by_role("button", name="提交").click()


def test_it_the_city_leads_and_shares_a_case_on_a_county_standing_member(
    live_server, live_cast, new_page
):
    from playwright.sync_api import expect

    from responsibilities.authority import ensure_management_defaults

    ensure_management_defaults()  # transactional tests flush the migration-seeded rows
    cast = live_cast
    member = cast.tenures["county1_member"]

    # 1. county1_jw is not offered the county standing-committee member.
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "county1_jw")
    page.goto(f"{live_server.url}/accountability/disciplinary/new/")
    options = page.locator("#id_subject_tenure option")
    expect(options.filter(has_text=cast.people["township1_secretary"].name)).to_have_count(1)
    expect(options.filter(has_text=member.person.name)).to_have_count(0)
    page.close()

    # 2. city1_jw opens two cases on her; shares the first with the county 纪委.
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "city1_jw")
    _register(page, live_server, cast, "市纪立〔2026〕1号")
    expect(page.locator("h1")).to_contain_text("市纪立〔2026〕1号")
    shared_url = page.url
    share = page.locator("form[action$='/share/']")
    share.locator("#id_body").select_option(str(cast.bodies["T-K1:discipline"].pk))
    share.get_by_role("button", name="共享").click()
    expect(page.locator("#share-heading").locator("..")).to_contain_text("一号县纪委监委")
    screenshot(page, "authority-city-shares.png")
    _register(page, live_server, cast, "市纪立〔2026〕2号")
    expect(page.locator("h1")).to_contain_text("市纪立〔2026〕2号")
    kept_url = page.url
    page.close()

    # 3. county1_jw sees the shared case only, without the moves of the handling line.
    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "county1_jw")
    page.goto(f"{live_server.url}/accountability/disciplinary/")
    expect(page.locator("main")).to_contain_text("市纪立〔2026〕1号")
    expect(page.locator("main")).not_to_contain_text("市纪立〔2026〕2号")
    page.goto(shared_url)
    expect(page.locator("h1")).to_contain_text("市纪立〔2026〕1号")
    expect(page.locator("form[action$='/share/']")).to_have_count(0)
    expect(page.locator("form[action$='/decide/']")).to_have_count(0)
    screenshot(page, "authority-county-sees-shared.png")
    response = page.goto(kept_url)
    assert response is not None and response.status == 404

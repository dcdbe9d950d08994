"""In Chromium (issue 13): after 警告, the measure form no longer offers 诫勉 for that person but
still offers 组织调整或组织处理 (警告 + 免职 is recorded); the targets page offers a person only
主要/重要领导责任."""

import datetime

import pytest

from tests.browser import BROWSER_MARKS, log_in

pytestmark = BROWSER_MARKS


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_it_the_measure_form_offers_only_what_the_combination_rules_allow(
    live_server, live_cast, new_page
):
    from playwright.sync_api import expect

    from accountability.defaults import ensure_defaults
    from accountability.models import AccountabilityCase
    from accountability.services import measures, targets
    from tests.accountability.fixtures import advance, open_county1_case

    ensure_defaults()  # transactional tests flush the migration-seeded rows
    cast = live_cast
    case = advance(cast, open_county1_case(cast), AccountabilityCase.Status.INVESTIGATING)
    person = case.targets.get()
    org = targets.add_org_target(case, actor=cast.user("county1_jw"), org=cast.county1)
    advance(cast, case, AccountabilityCase.Status.DECIDED)
    measures.add_measure(
        case,
        actor=cast.user("county1_jw"),
        target=person,
        kind="party_sanction",
        subtype="warning",
        effective_date=datetime.date.today(),
        decision_no="一市委问决〔2026〕1号",
        deciding_body=case.deciding_body,
    )

    page = new_page(viewport={"width": 1280, "height": 900})
    log_in(page, live_server, "county1_jw")
    open_case = advance(
        cast, open_county1_case(cast, title="调查中的案件"), AccountabilityCase.Status.INVESTIGATING
    )
    page.goto(f"{live_server.url}/accountability/cases/{open_case.pk}/targets/")
    roles = page.locator("details select[name='responsibility_kind']").first
    assert roles.locator("option").all_text_contents() == ["主要领导责任", "重要领导责任"]

    page.goto(f"{live_server.url}/accountability/cases/{case.pk}/")
    form = page.locator("#add-measure form")
    kind = form.locator("#measure_kind")
    # No target may receive 诫勉 or another Party sanction any more: not offered at all.
    expect(kind.locator("option[value='admonition']")).to_have_count(0)
    expect(kind.locator("option[value='party_sanction']")).to_have_count(0)
    form.locator("#measure_target").select_option(str(org.pk))
    expect(kind.locator("option[value='org_self_criticism']")).to_be_enabled()
    expect(kind.locator("option[value='organizational_handling']")).to_be_disabled()
    form.locator("#measure_target").select_option(str(person.pk))
    expect(kind.locator("option[value='org_self_criticism']")).to_be_disabled()
    expect(kind.locator("option[value='organizational_handling']")).to_be_enabled()
    kind.select_option("organizational_handling")
    form.locator("#measure_subtype").select_option("removal")
    form.get_by_role("button", name="登记").click()
    expect(page.locator("#measures-heading").locator("..")).to_contain_text("免职")

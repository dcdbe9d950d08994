"""In Chromium at 375 px: a representative scans the QR code of a voting code and votes on
the public phone page, without an account (issue 18). The ballot page is axe-audited in
place (it exists only after the code was posted); the code page by the visit audit."""

import pytest

from assessments.models import Ballot, VotingCode
from tests.assessments.conftest import issue_codes_to_representatives, open_evaluation
from tests.browser import BROWSER_MARKS, MOBILE_WIDTH, axe_violations, screenshot

pytestmark = BROWSER_MARKS


def overflow(page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


@pytest.mark.django_db(transaction=True)
def test_it_a_code_holder_votes_on_a_phone(live_server, live_cast, new_page):
    round_ = open_evaluation(live_cast, representatives=1)
    [code] = issue_codes_to_representatives(live_cast, round_)
    page = new_page(
        viewport={"width": MOBILE_WIDTH, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    # The QR code's address: the code after '#', which the browser never sends.
    page.goto(f"{live_server.url}/vote/#{code}")
    field = page.locator("input[name=code][type=text]")
    page.wait_for_function("() => document.querySelector('input[name=code]').value.length > 0")
    assert field.input_value() == code
    assert "#" not in page.url  # taken out of the address bar too
    assert overflow(page) <= MOBILE_WIDTH + 1
    page.get_by_role("button", name="下一步").click()
    page.wait_for_selector("fieldset legend")
    assert round_.title in page.content()
    assert overflow(page) <= MOBILE_WIDTH + 1
    assert axe_violations(page) == []
    for legend in page.locator("fieldset").all():
        legend.get_by_label("优秀").check()
    screenshot(page, "code-vote-mobile.png")
    page.get_by_role("button", name="提交").click()
    page.wait_for_selector("text=投票成功")
    assert axe_violations(page) == []
    assert Ballot.objects.filter(round=round_).count() == 1
    assert VotingCode.objects.get(round=round_).used

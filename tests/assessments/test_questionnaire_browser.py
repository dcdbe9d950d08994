"""The public questionnaire on a phone (375 px), answered with a code; the open link's page
with its CAPTCHA picture. Every page is audited with axe-core (tests/browser.py)."""

import datetime

from django.utils import timezone

from tests.browser import BROWSER_MARKS, MOBILE_WIDTH

pytestmark = BROWSER_MARKS


def test_it_a_phone_answers_the_questionnaire_with_a_code(live_server, live_cast, new_page):
    from assessments.models import QuestionnaireComment, QuestionnaireResponse
    from assessments.services import questionnaires as services

    survey = services.open_questionnaire(
        actor=live_cast.user("city1_secretary"),
        org=live_cast.county1,
        year=2026,
        quarter=1,
        title="一号县作风建设群众满意度调查",
        closes_on=timezone.localdate() + datetime.timedelta(days=7),
    )
    (code,) = services.issue_codes(survey, actor=live_cast.user("city1_secretary"), count=1)
    page = new_page(viewport={"width": MOBILE_WIDTH, "height": 800}, is_mobile=True, has_touch=True)

    page.goto(f"{live_server.url}/assessments/q/o/{survey.open_key}/")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.querySelector('img[src$=\"captcha.svg\"]').naturalWidth") > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH + 1

    page.goto(f"{live_server.url}/assessments/q/")
    page.locator("#id_code").fill(code.lower())
    page.locator("main button[type=submit], form button[type=submit]").last.click()
    page.wait_for_selector("fieldset")
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH + 1
    for fieldset in page.locator("form fieldset").all():
        fieldset.get_by_label("满意", exact=True).check()
    page.locator("#id_comment").fill("希望进一步简化办事材料。")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_selector("text=提交成功")
    assert QuestionnaireResponse.objects.filter(questionnaire=survey).count() == 1
    assert QuestionnaireComment.objects.filter(questionnaire=survey).count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= MOBILE_WIDTH + 1

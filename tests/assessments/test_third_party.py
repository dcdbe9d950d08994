"""Third-party evaluators (第三方评议): an invited account with no post, one round, until its
close; what they reach is the scoping kit's (issue 18)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.collect import collect
from assessments.models import Questionnaire, ThirdPartyReport
from assessments.services import questionnaires as services
from responsibilities.models import Tenure
from tests.assessments.conftest import QUARTER, YEAR

pytestmark = pytest.mark.django_db


def _open(cast, org, title="第三方评议"):
    return services.open_questionnaire(
        actor=cast.user("city1_secretary"),
        org=org,
        year=YEAR,
        quarter=QUARTER,
        title=title,
        closes_on=timezone.localdate() + datetime.timedelta(days=10),
    )


@pytest.fixture
def invited(cast):
    survey = _open(cast, cast.county1)
    evaluator, secret = services.invite_evaluator(
        survey,
        actor=cast.user("city1_secretary"),
        name="钱评议",
        organisation="某大学公共管理学院",
        contact="qian@example.edu.cn",
    )
    return survey, evaluator, secret


def test_it_the_invitation_makes_an_account_without_any_post(cast, invited):
    survey, evaluator, secret = invited
    user = evaluator.user
    assert not user.has_usable_password()
    assert not Tenure.objects.filter(person__user=user).exists()
    assert evaluator.invite_hash != secret and len(evaluator.invite_hash) == 64
    assert user.has_perm("assessments.evaluate_questionnaire", survey)
    assert not user.has_perm("assessments.view_questionnaire", survey)


def test_it_only_the_organiser_invites(cast):
    survey = _open(cast, cast.county1)
    with pytest.raises(PermissionDenied):
        services.invite_evaluator(
            survey,
            actor=cast.user("county1_secretary"),
            name="甲",
            organisation="乙",
            contact="13800000000",
        )
    with pytest.raises(ValidationError):
        services.invite_evaluator(
            survey, actor=cast.user("city1_secretary"), name="", organisation="", contact=""
        )


def test_it_the_evaluator_submits_once_and_the_score_feeds_the_quarter(client, cast, invited):
    survey, evaluator, secret = invited
    landing = client.get(reverse("assessments:invitation", args=[secret]))
    form_url = reverse("assessments:third_party", args=[survey.pk])
    assert landing.status_code == 302 and landing["Location"] == form_url
    assert client.get(form_url).status_code == 200
    bad = client.post(form_url, {"score": "120", "report": "x"})
    assert bad.status_code == 400 and not ThirdPartyReport.objects.exists()
    client.post(form_url, {"score": "88.5", "report": "群众反映较好, 窗口服务规范。"})
    assert ThirdPartyReport.objects.get().score == pytest.approx(88.5)
    client.post(form_url, {"score": "10", "report": "再交一次"})
    assert ThirdPartyReport.objects.count() == 1
    figure = collect([cast.county1.pk], YEAR, QUARTER)[cast.county1.pk]["third_party"]
    assert figure == {"score": "88.50", "entries": 1}


def test_it_every_other_page_is_closed_to_the_evaluator(client, cast, invited):
    survey, evaluator, secret = invited
    other = _open(cast, cast.county2, "二号县评议")
    client.get(reverse("assessments:invitation", args=[secret]))
    for url in (
        reverse("home"),
        reverse("assessments:snapshot_list"),
        reverse("assessments:questionnaire_list"),
        reverse("assessments:questionnaire_detail", args=[survey.pk]),
        reverse("assessments:comment_list"),
        reverse("notifications:inbox"),
        reverse("inspections:round_list"),
    ):
        assert client.get(url).status_code in (403, 404), url
    assert client.get(reverse("assessments:third_party", args=[other.pk])).status_code == 404


def test_it_access_ends_at_the_close(client, cast, invited):
    survey, evaluator, secret = invited
    client.get(reverse("assessments:invitation", args=[secret]))
    form_url = reverse("assessments:third_party", args=[survey.pk])
    assert client.get(form_url).status_code == 200
    services.close_questionnaire(survey, actor=cast.user("city1_secretary"))
    assert client.get(form_url).status_code == 404
    assert client.post(form_url, {"score": "90", "report": "迟交"}).status_code == 404
    assert not evaluator.user.has_perm("assessments.evaluate_questionnaire", survey)
    client.logout()
    assert client.get(reverse("assessments:invitation", args=[secret])).status_code == 404


def test_it_access_ends_at_the_close_date_even_if_not_closed(client, cast, invited):
    survey, evaluator, secret = invited
    Questionnaire.objects.filter(pk=survey.pk).update(
        closes_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    survey.refresh_from_db()
    assert not Questionnaire.objects.visible_to(evaluator.user, "evaluate").exists()
    assert client.get(reverse("assessments:invitation", args=[secret])).status_code == 404
    client.force_login(evaluator.user)
    assert client.get(reverse("assessments:third_party", args=[survey.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.submit_third_party(survey, actor=evaluator.user, score=80, report="迟交")


def test_it_a_staff_member_may_not_use_the_evaluator_form(client_for, cast, invited):
    survey, _, _ = invited
    page = client_for(cast.user("county1_secretary")).get(
        reverse("assessments:third_party", args=[survey.pk])
    )
    assert page.status_code == 404


def test_it_a_wrong_invitation_is_404(client, cast, invited):
    assert client.get(reverse("assessments:invitation", args=["nope"])).status_code == 404

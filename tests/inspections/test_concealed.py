"""Verifying a finding as concealed (瞒报): who may, what is recorded, what is refused."""

import pytest
from django.urls import reverse

from inspections.models import Finding
from inspections.services import findings
from liangge_zeren.workflow import TransitionRefused
from tests.inspections.fixtures import make_finding

pytestmark = pytest.mark.django_db


def url(finding):
    return reverse("inspections:finding_mark_concealed", args=[finding.pk])


def detail(finding):
    return reverse("inspections:finding_detail", args=[finding.pk])


def test_it_a_discipline_officer_marks_a_finding_concealed_with_who_when_and_why(
    cast, daily_finding, client_for
):
    jw = cast.user("county1_jw")
    client = client_for(jw)
    page = client.get(detail(daily_finding))
    assert page.status_code == 200
    assert url(daily_finding) in page.content.decode()  # the action is offered

    response = client.post(
        url(daily_finding), {"concealed": "1", "concealed-reason": "巡察前已知情, 未报告"}
    )
    assert response.status_code == 302
    daily_finding.refresh_from_db()
    assert daily_finding.concealed is True
    assert daily_finding.concealed_by == jw
    assert daily_finding.concealed_at is not None
    assert daily_finding.concealed_reason == "巡察前已知情, 未报告"

    # Audited like other finding changes: a history row by the officer, with the reason.
    latest = daily_finding.history.order_by("-history_id").first()
    assert latest.history_user == jw
    assert latest.concealed is True
    assert latest.history_change_reason == "巡察前已知情, 未报告"
    page = client.get(detail(daily_finding)).content.decode()
    assert "核实为瞒报" in page and "巡察前已知情, 未报告" in page


def test_it_withdrawing_needs_a_reason_too_and_is_kept_in_history(cast, daily_finding):
    jw = cast.user("county1_jw")
    findings.mark_concealed(daily_finding, actor=jw, concealed=True, reason="核实瞒报")
    with pytest.raises(TransitionRefused):
        findings.mark_concealed(daily_finding, actor=jw, concealed=False, reason="  ")
    with pytest.raises(TransitionRefused):  # already marked
        findings.mark_concealed(daily_finding, actor=jw, concealed=True, reason="再次认定")
    findings.mark_concealed(daily_finding, actor=jw, concealed=False, reason="复核后系主动报告")
    daily_finding.refresh_from_db()
    assert daily_finding.concealed is False
    assert daily_finding.concealed_reason == "复核后系主动报告"
    flags = list(daily_finding.history.order_by("history_id").values_list("concealed", flat=True))
    assert flags[-2:] == [True, False]


def test_it_self_identified_problems_cannot_be_marked_concealed(cast):
    jw = cast.user("county1_jw")
    own = make_finding(
        jw,
        cast.county1,
        body=cast.bodies["T-K1:discipline"],
        title="自查发现的问题",
        source=Finding.Source.SELF_IDENTIFIED,
        sub_source="self_duty_performance",
    )
    with pytest.raises(TransitionRefused, match="自查"):
        findings.mark_concealed(own, actor=jw, concealed=True, reason="x")
    own.refresh_from_db()
    assert own.concealed is False


def test_it_the_audited_committee_may_see_the_finding_but_not_mark_it(
    cast, daily_finding, client_for
):
    client = client_for(cast.user("county1_secretary"))
    page = client.get(detail(daily_finding))
    assert page.status_code == 200
    assert url(daily_finding) not in page.content.decode()
    response = client.post(url(daily_finding), {"concealed": "1", "concealed-reason": "x"})
    assert response.status_code == 403
    daily_finding.refresh_from_db()
    assert daily_finding.concealed is False


def test_it_the_sibling_county_gets_404(cast, daily_finding, client_for):
    client = client_for(cast.user("county2_secretary"))
    response = client.post(url(daily_finding), {"concealed": "1", "concealed-reason": "x"})
    assert response.status_code == 404


def test_it_a_missing_reason_is_refused_with_a_message(cast, daily_finding, client_for):
    client = client_for(cast.user("county1_jw"))
    response = client.post(url(daily_finding), {"concealed": "1"}, follow=True)
    assert "请填写认定理由" in response.content.decode()
    daily_finding.refresh_from_db()
    assert daily_finding.concealed is False


def test_it_an_edit_from_a_form_opened_before_the_mark_keeps_the_mark(cast, daily_finding):
    jw = cast.user("county1_jw")
    opened = Finding.objects.get(pk=daily_finding.pk)  # the editor's copy, before the mark
    findings.mark_concealed(daily_finding, actor=jw, concealed=True, reason="核实瞒报")

    findings.update_finding(opened, actor=jw, version=opened.version, title="标题更正")

    stored = Finding.objects.get(pk=daily_finding.pk)
    assert stored.title == "标题更正"
    assert stored.concealed is True
    assert stored.concealed_reason == "核实瞒报"

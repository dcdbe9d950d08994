"""The flow through the pages: open from a finding, pick targets, walk, measures, chain, stats."""

import datetime

from django.urls import reverse

from accountability.models import AccountabilityCase, DualInvestigation
from accountability.services import appeals, disciplinary, measures, targets
from inspections import deadlines
from responsibilities import duty_logs
from responsibilities.models import ActionType
from tests.accountability.fixtures import (
    EVENT,
    TODAY,
    advance,
    open_county1_case,
    probe_signer,
    register_dcase,
)
from tests.html_ids import id_problems

S = AccountabilityCase.Status


def test_it_opens_a_case_from_a_finding_and_proposes_the_predecessor(
    cast, daily_finding, client_for
):
    client = client_for(cast.user("county1_jw"))
    url = reverse("accountability:case_from_finding", args=[daily_finding.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "落实主体责任不力问责",
            "event_date": EVENT.isoformat(),
            "deciding_body": cast.bodies["T-C1:committee"].pk,
            "grounds": [8],
        },
    )
    case = AccountabilityCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("accountability:case_targets", args=[case.pk])
    page = client.get(response["Location"]).content.decode()
    assert "孙立民" in page and "前任" in page and "刘海涛" in page
    response = client.post(
        response["Location"],
        {"tenure": cast.tenures["county1_former"].pk, "responsibility_kind": "primary_leadership"},
    )
    assert response.status_code == 302
    assert case.targets.get().is_predecessor


def test_it_walks_the_procedure_through_the_transition_view(cast, client_for):
    case = open_county1_case(cast)
    targets.add_person_target(
        case,
        actor=cast.user("county1_jw"),
        tenure=cast.tenures["county1_former"],
        responsibility_kind="primary_leadership",
    )
    client = client_for(cast.user("county1_jw"))
    steps = [
        ("preliminary_review", {}),
        ("approve_start", {"approver": cast.tenures["city1_secretary"].pk, "approved_on": TODAY}),
        (
            "start_investigation",
            {"team": [cast.people["county1_jw"].pk, cast.people["city1_jw"].pk]},
        ),
        ("hearing", {"record": "陈述申辩记录", "heard_on": TODAY}),
        ("discuss_report", {"report": "报告", "discussion_record": "讨论", "discussed_on": TODAY}),
        ("decide", {"decision_no": "文号1", "decided_on": TODAY, "publication_scope": "system"}),
    ]
    for action, data in steps:
        url = reverse("accountability:case_transition", args=[case.pk, action])
        client.post(url, {f"{action}-{k}": v for k, v in data.items()})
    case.refresh_from_db()
    assert case.status == S.DECIDED, list(case.transitions.values_list("action", flat=True))
    response = client.post(
        reverse("accountability:case_measure_add", args=[case.pk]),
        {
            "target": case.targets.get().pk,
            "kind": "party_sanction",
            "subtype": "serious_warning",
            "effective_date": TODAY,
            "decision_no": "文号1",
            "deciding_body": case.deciding_body.pk,
        },
    )
    assert response.status_code == 302
    measure = case.measures.get()
    assert measure.influence_ends == deadlines.add_months(TODAY, 18)
    page = client.get(reverse("accountability:case_detail", args=[case.pk])).content.decode()
    assert "党纪处分" in page and "严重警告" in page


def test_it_shows_a_refusal_as_a_message(cast, client_for):
    case = open_county1_case(cast)
    client = client_for(cast.user("county1_jw"))
    url = reverse("accountability:case_transition", args=[case.pk, "decide"])
    response = client.post(
        url,
        {
            "decide-decision_no": "x",
            "decide-decided_on": TODAY,
            "decide-publication_scope": "internal",
        },
        follow=True,
    )
    assert "集体讨论" in response.content.decode()


def _chain_world(cast, extra_logs=0):
    """Duty logs by the former secretary before the event, and a finding on county 1."""
    former = cast.tenures["county1_former"]
    for n in range(1 + extra_logs):
        duty_logs.create_log(
            tenure=former,
            action_type=ActionType.COMMITTEE_MEETING,
            occurred_on=EVENT - datetime.timedelta(days=30 + n),
            title=f"专题研究党风廉政建设{n}",
            summary="研究部署",
            submit=True,
            actor=cast.user("county1_former"),
        )
    return open_county1_case(cast)


def test_it_the_chain_page_shows_owners_logs_and_findings(cast, daily_finding, client_for):
    case = _chain_world(cast)
    case.findings.add(daily_finding)
    response = client_for(cast.user("county1_jw")).get(
        reverse("accountability:case_chain", args=[case.pk])
    )
    body = response.content.decode()
    assert "孙立民" in body and "专题研究党风廉政建设0" in body
    assert daily_finding.number in body
    assert "问题发生前12个月内无履责纪实" not in body.split("孙立民")[1].split("lz-owner")[0]


def test_it_the_chain_page_says_when_an_owner_logged_nothing(cast, client_for):
    case = open_county1_case(cast)
    body = (
        client_for(cast.user("county1_jw"))
        .get(reverse("accountability:case_chain", args=[case.pk]))
        .content.decode()
    )
    assert "问题发生前12个月内无履责纪实" in body


def test_it_the_chain_page_runs_a_bounded_number_of_queries(
    cast, daily_finding, client_for, django_assert_max_num_queries
):
    case = _chain_world(cast)
    case.findings.add(daily_finding)
    client = client_for(cast.user("county1_jw"))
    url = reverse("accountability:case_chain", args=[case.pk])
    client.get(url)
    with django_assert_max_num_queries(32) as small:
        client.get(url)
    # More logs, more findings, more earlier cases: the count must not grow.
    _chain_world(cast, extra_logs=15)
    for n in range(5):
        from tests.inspections.fixtures import make_finding

        make_finding(
            cast.user("county1_jw"),
            cast.county1,
            body=cast.bodies["T-K1:discipline"],
            title=f"问题{n}",
        )
        open_county1_case(
            cast, title=f"早先案件{n}", event=EVENT - datetime.timedelta(days=100 + n)
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_it_the_case_list_runs_a_bounded_number_of_queries(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.user("city1_jw"))
    open_county1_case(cast)
    url = reverse("accountability:case_list")
    client.get(url)
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    for n in range(12):
        open_county1_case(cast, title=f"案件{n}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_it_the_statistics_page_shows_shares_without_names(
    cast, client_for, django_assert_max_num_queries
):
    case = advance(cast, open_county1_case(cast), S.EXECUTING)
    dcase = disciplinary.decide_disciplinary_case(
        register_dcase(cast),
        actor=cast.user("county1_jw"),
        decided_on=TODAY,
        four_form=3,
        party_sanction="removal_from_party_posts",
    )
    for probe in dcase.probes.all():
        disciplinary.conclude_probe(
            probe,
            actor=probe_signer(cast, probe),
            conclusion=DualInvestigation.Conclusion.NOT_RESPONSIBLE,
            reasoning="经核查已履职尽责,不予问责。",
        )
    client = client_for(cast.user("city1_jw"))
    with django_assert_max_num_queries(25):
        response = client.get(reverse("accountability:statistics"))
    body = response.content.decode()
    assert "覆盖率 100.0%" in body
    assert "一号县" in body
    for name in ("孙立民", "冯建军", case.targets.get().name_snapshot):
        assert name not in body


def test_it_the_disciplinary_page_blocks_archiving_without_probes(cast, client_for):
    dcase = disciplinary.decide_disciplinary_case(
        register_dcase(cast),
        actor=cast.user("county1_jw"),
        decided_on=TODAY,
        four_form=3,
        party_sanction="expulsion",
    )
    client = client_for(cast.user("county1_jw"))
    response = client.post(
        reverse("accountability:disciplinary_archive", args=[dcase.pk]), {}, follow=True
    )
    assert "两项核查均得出结论后才能归档" in response.content.decode()
    dcase.refresh_from_db()
    assert dcase.status == "decided"
    probe = dcase.probes.get(kind="principal")
    # The officer may not sign the conclusion (R27): the refusal is a message.
    response = client.post(
        reverse("accountability:probe_conclude", args=[probe.pk]),
        {"conclusion": "responsible"},
        follow=True,
    )
    assert "签字背书" in response.content.decode()
    client = client_for(probe_signer(cast, probe))
    response = client.post(
        reverse("accountability:probe_conclude", args=[probe.pk]), {"conclusion": "responsible"}
    )
    probe.refresh_from_db()
    assert probe.accountability_case is not None
    assert response["Location"] == reverse(
        "accountability:case_detail", args=[probe.accountability_case.pk]
    )


def test_it_the_case_page_runs_a_bounded_number_of_queries(
    cast, client_for, django_assert_max_num_queries
):
    case = advance(cast, open_county1_case(cast), S.EXECUTING)
    client = client_for(cast.user("county1_jw"))
    url = reverse("accountability:case_detail", args=[case.pk])
    client.get(url)
    with django_assert_max_num_queries(45) as small:
        client.get(url)
    target = case.targets.get()
    # (The target already has 诫勉谈话: no Party sanction beside it, by the combination rules.)
    for kind, subtype in (
        ("circulated_criticism", ""),
        ("organizational_handling", "reassignment"),
        ("public_office_sanction", "warning"),
    ):
        measures.add_measure(
            case,
            actor=cast.user("county1_jw"),
            target=target,
            kind=kind,
            subtype=subtype,
            effective_date=TODAY,
            decision_no="文号",
            deciding_body=case.deciding_body,
        )
    appeals.file_appeal(
        case, actor=cast.user("county1_jw"), target=target, grounds="异议", received_on=TODAY
    )
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(url)


def test_it_recording_formalities_reports_bad_input_and_a_foreign_measure(
    acc_world, cast, client_for
):
    case, measure = acc_world.case, acc_world.measure
    client = client_for(cast.user("county1_jw"))

    def post(measure_pk, done_on):
        url = reverse("accountability:measure_formalities", args=[case.pk, measure_pk])
        return client.post(url, {"done_on": done_on}, follow=True)

    # A date that is not a date: said so, nothing recorded.
    response = post(measure.pk, "不是日期")
    assert response.status_code == 200
    page = response.content.decode()
    assert "已登记手续办结" not in page
    assert "有效的日期" in page  # the form's own message, shown as an error
    measure.refresh_from_db()
    assert measure.formalities_done_on is None

    # A measure id that is not this case's: 404, not a silent redirect.
    assert post(measure.pk + 10_000, TODAY).status_code == 404

    response = post(measure.pk, TODAY)
    assert "已登记手续办结" in response.content.decode()
    measure.refresh_from_db()
    assert measure.formalities_done_on == TODAY


def test_it_the_case_page_gives_each_forms_fields_their_own_ids(cast, client_for):
    """Issue 17.9: the measure and appeal forms shared id_target and id_note."""
    case = open_county1_case(cast)
    advance(cast, case, AccountabilityCase.Status.DECIDED)
    page = client_for(cast.user("county1_jw")).get(
        reverse("accountability:case_detail", args=[case.pk])
    )
    html = page.content.decode()
    assert page.context["measure_form"] is not None and page.context["appeal_form"] is not None
    assert 'id="measure_target"' in html and 'id="appeal_target"' in html
    assert id_problems(html) == []

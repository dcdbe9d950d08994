"""廉政档案 and 党风廉政意见回复 (issue 16): who sees the record, audited reads, the draft
filled from the records, sign-off before return, name matching, the .docx, reminders."""

import datetime
import io

import docx
import pytest
from django.urls import reverse
from django.utils import timezone
from docx.shared import Mm

from accountability.integrity import integrity_record
from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    IntegrityReply,
    IntegrityRequest,
    ResponsibilityKind,
)
from accountability.services import integrity as services
from accountability.services import measures, targets
from liangge_zeren.actors import DEMO
from liangge_zeren.workflow import TransitionRefused
from notifications import jobs
from notifications.models import Notification
from responsibilities import services as org_services
from responsibilities.models import Person, Tenure
from security.models import AuditEntry
from tests.accountability.fixtures import (
    TODAY,
    advance,
    appoint_extra,
    county1_head,
    open_county1_case,
    register_dcase,
)

S = AccountabilityCase.Status
C = IntegrityReply.Conclusion
SUBJECT = "冯建军"  # township 1's secretary: managed by county 1's committee (下管一级)


@pytest.fixture
def zzb(cast):
    """County 1's organisation department (组织部)."""
    return appoint_extra(
        cast,
        "county1_zzb",
        "组织部干部",
        cast.bodies["T-K1:committee"],
        Tenure.Role.ORG_DEPARTMENT,
        title="县委组织部干部监督科科长",
        username="county1_zzb",
    )


@pytest.fixture
def head(cast):
    return county1_head(cast)


def _request(cast, zzb, names=f"{SUBJECT}\t一号镇", **kw):
    return services.submit_request(
        actor=zzb.user, purpose=IntegrityRequest.Purpose.PROMOTION, names=names, **kw
    )


def _measure(cast, *, expired=False) -> AccountabilityMeasure:
    """诫勉谈话 on township 1's secretary (6 months' influence period from today)."""
    jw = cast.user("county1_jw")
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    targets.add_person_target(
        case,
        actor=jw,
        tenure=cast.tenures["township1_secretary"],
        responsibility_kind=ResponsibilityKind.PRIMARY,
    )
    case = advance(cast, case, S.DECIDED)
    measure = measures.add_measure(
        case,
        actor=jw,
        target=case.targets.get(),
        kind="admonition",
        subtype="talk",
        effective_date=TODAY,
        decision_no="一市委问决〔2026〕9号",
        deciding_body=case.deciding_body,
    )
    if expired:
        AccountabilityMeasure.objects.filter(pk=measure.pk).update(
            influence_ends=TODAY - datetime.timedelta(days=1), expired_at=timezone.now()
        )
    return measure


def _reply(request) -> IntegrityReply:
    return request.replies.select_related("person", "request").get()


# --- Who sees the record ------------------------------------------------------------------


def test_it_shows_the_record_only_to_the_commission_with_jurisdiction(cast, zzb, client_for):
    person = cast.people["township1_secretary"]
    url = reverse("accountability:integrity_record", args=[person.pk])
    assert client_for(cast.user("county1_jw")).get(url).status_code == 200
    assert client_for(cast.user("city1_jw")).get(url).status_code == 200  # the line above
    for outsider in ("county2_secretary", "county1_secretary", "outsider"):
        assert client_for(cast.user(outsider)).get(url).status_code == 404
    assert client_for(zzb.user).get(url).status_code == 404  # 组织部: replies, never the record


def test_it_leaves_a_same_level_secretary_to_the_higher_commission(cast, client_for):
    """County 1's secretary is managed by the city committee: the city 纪委, not county 1's."""
    person = cast.people["county1_secretary"]
    url = reverse("accountability:integrity_record", args=[person.pk])
    assert client_for(cast.user("county1_jw")).get(url).status_code == 404
    assert client_for(cast.user("city1_jw")).get(url).status_code == 200


def test_it_agrees_between_the_object_check_and_the_queryset(cast, zzb):
    from accountability.integrity import people_on_record

    people = list(Person.objects.all())
    for username in ("county1_jw", "city1_jw", "prov_jw", "county2_secretary"):
        user = cast.user(username)
        listed = set(people_on_record(user).values_list("pk", flat=True))
        checked = {p.pk for p in people if user.has_perm("accountability.view_integrity_record", p)}
        assert listed == checked
    assert cast.people["township1_secretary"].pk in set(
        people_on_record(cast.user("county1_jw")).values_list("pk", flat=True)
    )


def test_it_audits_every_read_of_a_record(cast, client_for):
    person = cast.people["township1_secretary"]
    url = reverse("accountability:integrity_record", args=[person.pk])
    client = client_for(cast.user("county1_jw"))
    before = AuditEntry.objects.filter(object_type="integrity_record").count()
    client.get(url)
    client.get(url)
    entries = AuditEntry.objects.filter(object_type="integrity_record", object_id=str(person.pk))
    assert entries.count() == before + 2
    assert entries.last().actor_username == "county1_jw"


def test_it_shows_influence_periods_in_force_and_expired(cast, client_for):
    _measure(cast)
    page = client_for(cast.user("county1_jw")).get(
        reverse("accountability:integrity_record", args=[cast.people["township1_secretary"].pk])
    )
    assert "影响期内" in page.content.decode()
    AccountabilityMeasure.objects.update(expired_at=timezone.now())
    page = client_for(cast.user("county1_jw")).get(page.request["PATH_INFO"])
    assert "影响期已届满" in page.content.decode()


# --- The draft --------------------------------------------------------------------------------


def test_it_drafts_no_objection_for_a_clean_record(cast, zzb):
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=cast.user("county1_jw"))
    assert reply.conclusion == C.CLEAR
    assert SUBJECT in reply.text


def test_it_drafts_an_objection_during_an_influence_period(cast, zzb):
    _measure(cast)
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=cast.user("county1_jw"))
    assert reply.conclusion == C.OBJECTION
    assert "影响期" in reply.text and "诫勉" in reply.text


def test_it_notes_an_expired_measure_within_the_years_looked_back(cast, zzb):
    _measure(cast, expired=True)
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=cast.user("county1_jw"))
    assert reply.conclusion == C.NOTED
    assert reply.facts["in_influence_period"] == []
    assert len(reply.facts["recent_measures"]) == 1


def test_it_drafts_an_objection_while_a_case_is_open(cast, zzb):
    register_dcase(cast)  # township 1's secretary, registered, not decided
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=cast.user("county1_jw"))
    assert reply.conclusion == C.OBJECTION
    assert reply.facts["open_cases"]


def test_it_audits_the_read_behind_a_draft(cast, zzb):
    reply = _reply(_request(cast, zzb))
    before = AuditEntry.objects.filter(object_type="integrity_record").count()
    services.prepare_draft(reply, actor=cast.user("county1_jw"))
    assert AuditEntry.objects.filter(object_type="integrity_record").count() == before + 1


# --- Sign-off and return ----------------------------------------------------------------------


def test_it_returns_only_after_the_secretary_signs(cast, zzb, head):
    jw = cast.user("county1_jw")
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=jw)
    with pytest.raises(TransitionRefused, match="签字背书"):
        services.return_reply(reply, actor=jw)
    with pytest.raises(TransitionRefused):
        services.sign_reply(reply, actor=jw)  # an officer, not the secretary
    services.sign_reply(reply, actor=head.user)
    reply.refresh_from_db()
    assert reply.signed_by == head.tenure
    services.return_reply(reply, actor=jw)
    reply.refresh_from_db()
    assert reply.status == IntegrityReply.Status.RETURNED
    assert reply.request.status == IntegrityRequest.Status.RETURNED
    assert Notification.objects.filter(recipient=zzb.user, kind="integrity_returned").count() == 1


def test_it_needs_a_new_signature_after_an_edit(cast, zzb, head):
    jw = cast.user("county1_jw")
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=jw)
    services.sign_reply(reply, actor=head.user)
    services.edit_reply(reply, actor=jw, conclusion=C.NOTED, text="经查,该同志情况如下,已核实。")
    reply.refresh_from_db()
    assert reply.status == IntegrityReply.Status.DRAFT and reply.signed_by is None
    with pytest.raises(TransitionRefused):
        services.return_reply(reply, actor=jw)


def test_it_refuses_the_organisation_department_editing_a_reply(cast, zzb):
    reply = _reply(_request(cast, zzb))
    with pytest.raises(TransitionRefused):
        services.edit_reply(
            reply, actor=zzb.user, conclusion=C.CLEAR, text="无问题无问题无问题无问题"
        )


def test_it_shows_the_department_only_returned_replies(cast, zzb, head, client_for):
    jw = cast.user("county1_jw")
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=jw)
    url = reverse("accountability:integrity_reply", args=[reply.pk])
    client = client_for(zzb.user)
    assert client.get(url).status_code == 404  # a draft is the commission's
    services.sign_reply(reply, actor=head.user)
    services.return_reply(reply, actor=jw)
    page = client.get(url)
    assert page.status_code == 200 and SUBJECT in page.content.decode()
    assert "查看廉政档案" not in page.content.decode()
    assert client_for(cast.user("county2_secretary")).get(url).status_code == 404


# --- Name matching ----------------------------------------------------------------------------


def test_it_refuses_an_unknown_name_with_its_line(cast, zzb):
    with pytest.raises(TransitionRefused, match="第2行.*张三"):
        _request(cast, zzb, names=f"{SUBJECT}\t一号镇\n张三\t一号镇")
    assert not IntegrityRequest.objects.exists()  # nothing written


def test_it_refuses_an_ambiguous_name_without_a_unit(cast, zzb):
    twin = org_services.create_person(code="T-twin", name=SUBJECT, actor=DEMO)
    org_services.appoint(
        person=twin,
        body=cast.bodies["T-K1:committee"],
        role=Tenure.Role.CLERK,
        start_date=datetime.date(2022, 1, 1),
        actor=DEMO,
    )
    with pytest.raises(TransitionRefused, match="第1行.*多名同名"):
        _request(cast, zzb, names=SUBJECT)
    request = _request(cast, zzb, names=f"姓名\t单位\n{SUBJECT}\t一号镇")  # Excel paste
    assert _reply(request).person == cast.people["township1_secretary"]


def test_it_does_not_look_outside_the_departments_tree(cast, zzb):
    with pytest.raises(TransitionRefused, match="未找到"):
        _request(cast, zzb, names="吴国华\t二号县")  # county 2's secretary


def test_it_routes_a_cadre_managed_above_to_the_higher_commission(cast, zzb):
    reply = _reply(_request(cast, zzb, names="刘海涛\t一号县"))  # county 1's secretary
    assert reply.commission == cast.bodies["T-C1:discipline"]


def test_it_shows_name_errors_on_the_form(cast, zzb, client_for):
    page = client_for(zzb.user).post(
        reverse("accountability:integrity_request_create"),
        {"purpose": "promotion", "names": "张三\t一号镇", "lookback_years": 3},
    )
    assert page.status_code == 200
    assert "第1行" in page.content.decode()


# --- The official document --------------------------------------------------------------------


def test_it_downloads_an_a4_docx_with_the_person_and_conclusion(cast, zzb, head, client_for):
    jw = cast.user("county1_jw")
    reply = services.prepare_draft(_reply(_request(cast, zzb)), actor=jw)
    url = reverse("accountability:integrity_reply_docx", args=[reply.pk])
    assert client_for(zzb.user).get(url).status_code == 404  # not returned yet
    services.sign_reply(reply, actor=head.user)
    services.return_reply(reply, actor=jw)
    response = client_for(zzb.user).get(url)
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    section = document.sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(1)
    assert abs(section.page_height - Mm(297)) < Mm(1)
    text = "\n".join(p.text for p in document.paragraphs)
    assert SUBJECT in text
    assert str(C.CLEAR.label) in text
    assert AuditEntry.objects.filter(action="download", object_id=str(reply.pk)).exists()


# --- Reminders, withdrawal, pages -------------------------------------------------------------


def test_it_reminds_the_commission_once(cast, zzb):
    request = _request(cast, zzb, due_date=TODAY + datetime.timedelta(days=1))
    first = jobs.run("accountability.integrity_replies", TODAY)
    second = jobs.run("accountability.integrity_replies", TODAY)
    assert first["sent"] >= 1 and second["sent"] == 0
    mine = Notification.objects.filter(
        recipient=cast.user("county1_jw"), kind="accountability_integrity_reply"
    )
    assert mine.count() == 1
    assert not Notification.objects.filter(
        recipient=cast.user("county2_secretary"), kind="accountability_integrity_reply"
    ).exists()
    assert request.pk


def test_it_withdraws_a_request_before_any_answer(cast, zzb, client_for):
    request = _request(cast, zzb)
    url = reverse("accountability:integrity_request_withdraw", args=[request.pk])
    assert client_for(cast.user("county2_secretary")).post(url).status_code == 404
    client_for(zzb.user).post(url)
    request.refresh_from_db()
    assert request.status == IntegrityRequest.Status.WITHDRAWN


def test_it_lists_requests_and_queue_in_bounded_queries(
    cast, zzb, client_for, django_assert_max_num_queries
):
    for names in (f"{SUBJECT}\t一号镇", "陈晓梅\t一号县", "周文斌\t一号县"):
        _request(cast, zzb, names=names)
    jw = client_for(cast.user("county1_jw"))
    with django_assert_max_num_queries(20):
        assert jw.get(reverse("accountability:integrity_queue")).status_code == 200
    dept = client_for(zzb.user)
    with django_assert_max_num_queries(20):
        page = dept.get(reverse("accountability:integrity_requests"))
    assert page.status_code == 200 and "提拔任用" in page.content.decode()
    request = IntegrityRequest.objects.first()
    with django_assert_max_num_queries(20):
        assert (
            dept.get(reverse("accountability:integrity_request", args=[request.pk])).status_code
            == 200
        )


def test_it_shows_empty_states(cast, zzb, client_for):
    page = client_for(zzb.user).get(reverse("accountability:integrity_requests"))
    assert "还没有党风廉政意见征求" in page.content.decode()
    page = client_for(cast.user("county1_jw")).get(reverse("accountability:integrity_queue"))
    assert "没有待回复的党风廉政意见" in page.content.decode()
    assert (
        client_for(cast.user("outsider"))
        .get(reverse("accountability:integrity_requests"))
        .status_code
        == 404
    )


def test_it_lets_the_commission_edit_the_draft_on_its_page(cast, zzb, client_for):
    reply = _reply(_request(cast, zzb))
    url = reverse("accountability:integrity_reply", args=[reply.pk])
    client = client_for(cast.user("county1_jw"))
    assert "未发现" in client.get(url).content.decode()  # drafted on first opening
    client.post(url, {"conclusion": "noted", "text": "经查,该同志有轻微问题,已整改到位。"})
    reply.refresh_from_db()
    assert reply.conclusion == C.NOTED and "已整改到位" in reply.text
    assert integrity_record  # the selector every read goes through


def test_it_links_the_record_from_the_person_for_the_commission_only(cast, zzb, client_for):
    url = reverse("person_detail", args=[cast.people["township1_secretary"].pk])
    record = reverse(
        "accountability:integrity_record", args=[cast.people["township1_secretary"].pk]
    )
    assert record in client_for(cast.user("county1_jw")).get(url).content.decode()
    page = client_for(cast.user("county1_secretary")).get(url)
    assert page.status_code == 200 and record not in page.content.decode()


def test_it_reads_a_full_record_in_bounded_queries(cast, client_for, django_assert_max_num_queries):
    _measure(cast)
    register_dcase(cast)
    client = client_for(cast.user("county1_jw"))
    url = reverse("accountability:integrity_record", args=[cast.people["township1_secretary"].pk])
    with django_assert_max_num_queries(40):
        page = client.get(url)
    assert "影响期内" in page.content.decode() and "纪律审查" in page.content.decode()

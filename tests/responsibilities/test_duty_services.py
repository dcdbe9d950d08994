"""Lists (1+X, versions, copy detection, gap matrix), duty logs, progress and method mix."""

import datetime
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from liangge_zeren.actors import COMMAND
from liangge_zeren.workflow import TransitionRefused
from responsibilities import copies, duty_logs, evidence, gap_matrix, lists, method_mix, progress
from responsibilities.models import (
    ActionType,
    Attachment,
    DutyLog,
    ItemAssignment,
    ResponsibilityItem,
    ResponsibilityList,
)
from tests.responsibilities.dutyfix import TEMPLATE_TEXTS, make_log

pytestmark = pytest.mark.django_db
RL = ResponsibilityList
Freq = ResponsibilityItem.Frequency


# --- 1+X and copy detection -------------------------------------------------------------


def test_it_copies_the_template_into_each_unit_with_source_links(duty):
    assert duty.county1_list.template == duty.template
    assert duty.county2_list.status == RL.Status.IN_FORCE
    sources = set(duty.county2_list.items.values_list("source_item__content", flat=True))
    assert sources == set(TEMPLATE_TEXTS)
    assert duty.template.status == RL.Status.ISSUED


def test_it_adopts_a_template_only_once_per_unit(duty):
    again = lists.adopt_template(
        duty.template, duty.cast.county1, actor=duty.cast.user("prov_secretary")
    )
    assert again == duty.county1_list
    assert RL.objects.filter(template=duty.template).count() == 2


def test_it_refuses_to_issue_a_template_to_a_unit_outside_the_subtree(duty):
    city_template = lists.create_list(
        org=duty.cast.city1,
        year=duty.year,
        subject_type="committee_collective",
        title="市模板",
        is_template=True,
        actor=duty.cast.user("city1_secretary"),
    )
    lists.add_item(city_template, content="x", actor=duty.cast.user("city1_secretary"))
    with pytest.raises(ValidationError):
        lists.issue_template(
            city_template, [duty.cast.city2], actor=duty.cast.user("city1_secretary")
        )


def test_it_marks_verbatim_items_and_the_localisation_ratio(duty):
    c1 = duty.county1_list
    c1.refresh_from_db()
    verbatim = {i.content: i.is_verbatim for i in c1.items.filter(is_active=True)}
    assert verbatim[TEMPLATE_TEXTS[2]] is True
    assert sum(verbatim.values()) == 1
    assert c1.verbatim_count == 1
    assert c1.localisation_ratio == pytest.approx(0.75)
    assert c1.copy_flagged is False


def test_it_flags_a_list_that_is_mostly_copied(duty):
    c2 = duty.county2_list
    c2.refresh_from_db()
    assert c2.verbatim_count == 3
    assert c2.localisation_ratio == 0
    assert c2.copy_flagged is True


def test_it_treats_punctuation_width_and_spacing_changes_as_verbatim(duty):
    item = duty.county2_list.items.order_by("number").first()
    fudged = item.content.replace(",", ", ").replace("。", "") + " "
    fudged = fudged.replace("两", "两")  # unchanged character, plus full-width digits below
    lists.update_item(
        item,
        content="  " + fudged.replace("一", "一"),
        reason="调整标点",
        actor=duty.cast.user("county1_secretary"),
    )
    item.refresh_from_db()
    assert item.is_verbatim is True
    assert item.similarity == pytest.approx(1.0)


def test_it_catches_a_pasted_template_clause_entered_as_an_own_item(duty):
    pasted = lists.add_item(
        duty.county1_list,
        content=TEMPLATE_TEXTS[0] + "(本县)",
        reason="新增",
        actor=duty.cast.user("county1_secretary"),
    )
    pasted.refresh_from_db()
    assert pasted.source_item is None
    assert pasted.is_verbatim is True


def test_it_normalises_full_and_half_width_text():
    assert copies.normalise_text("ＡＢＣ１２３,党风 廉政。") == copies.normalise_text(
        "abc123党风廉政"
    )
    assert copies.similarity("", "") == 1.0
    assert copies.similarity("abc", "") == 0.0


def test_it_copy_detection_is_deterministic_and_fast_for_a_large_list(duty):
    texts = [f"第{n}项:{TEMPLATE_TEXTS[n % 3]}结合本地区第{n}个重点领域细化落实" for n in range(60)]
    big = [copies.normalise_text(t) for t in texts]
    start = timezone.now()
    first = [copies.best_similarity(t, big) for t in big]
    second = [copies.best_similarity(t, big) for t in big]
    assert first == second
    assert (timezone.now() - start).total_seconds() < 5


# --- Versions and state machine ---------------------------------------------------------


def test_it_requires_a_reason_to_change_an_item_in_force_and_records_a_version(duty):
    item = duty.items["talk"]
    with pytest.raises(ValidationError):
        lists.update_item(item, min_count=2, actor=duty.cast.user("county1_secretary"))
    lists.update_item(
        item, min_count=2, reason="市委要求加密谈话频次", actor=duty.cast.user("county1_secretary")
    )
    item.refresh_from_db()
    assert item.version == 2
    latest = item.history.order_by("-history_id").first()
    assert latest.history_change_reason == "市委要求加密谈话频次"
    assert latest.min_count == 2


def test_it_changes_draft_items_freely(duty):
    draft = lists.create_list(
        org=duty.cast.county1,
        year=duty.year,
        subject_type="committee_collective",
        title="草稿",
        actor=duty.cast.user("county1_secretary"),
    )
    item = lists.add_item(draft, content="原文", actor=duty.cast.user("county1_secretary"))
    lists.update_item(item, content="新文", actor=duty.cast.user("county1_secretary"))
    item.refresh_from_db()
    assert item.content == "新文"


def test_it_withdraws_items_softly_with_a_reason(duty):
    item = duty.items["c1_own"]
    with pytest.raises(ValidationError):
        lists.withdraw_item(item, reason=" ", actor=duty.cast.user("county1_secretary"))
    lists.withdraw_item(item, reason="合并到第1项", actor=duty.cast.user("county1_secretary"))
    assert ResponsibilityItem.objects.filter(pk=item.pk, is_active=False).exists()


def test_it_refuses_transitions_out_of_order(duty):
    with pytest.raises(TransitionRefused):
        lists.put_in_force(
            duty.county2_list, actor=duty.cast.user("county2_secretary")
        )  # already in force
    draft = lists.create_list(
        org=duty.cast.county1,
        year=duty.year,
        subject_type="committee_collective",
        title="空",
        actor=duty.cast.user("county1_secretary"),
    )
    with pytest.raises(TransitionRefused):
        lists.issue_list(draft, actor=duty.cast.user("county1_secretary"))  # no items yet
    lists.archive_list(duty.county2_list, actor=duty.cast.user("county2_secretary"))
    with pytest.raises(TransitionRefused):
        lists.add_item(
            duty.county2_list, content="x", reason="y", actor=duty.cast.user("county2_secretary")
        )


def test_it_pushes_an_ad_hoc_item_down_to_every_adoption(duty):
    pushed = lists.push_ad_hoc_item(
        duty.template,
        content="开展违规吃喝专项整治",
        reason="省委临时部署",
        actor=duty.cast.user("prov_secretary"),
    )
    assert {i.list for i in pushed} == {duty.county1_list, duty.county2_list}
    assert all(i.is_ad_hoc and i.source_item.list == duty.template for i in pushed)


# --- Gap and overlap --------------------------------------------------------------------


def test_it_the_matrix_flags_missing_and_double_leads(duty):
    matrix = gap_matrix.gap_matrix(duty.cast.county1, duty.year)
    assert duty.items["c1_gap"] in matrix.items_without_lead
    assert matrix.items_with_several_leads == [duty.items["c1_overlap"]]
    assert [m.person.name for m in matrix.members] == ["刘海涛", "陈晓梅"]
    row = next(r for r in matrix.rows if r.item == duty.items["c1_localised"])
    assert row.cells == ["lead", "co"]


def test_it_the_matrix_flags_portfolios_and_members_without_items(duty):
    from responsibilities import services
    from responsibilities.models import Person

    person = Person.objects.create(code="T-idle", name="闲置成员")
    idle = services.appoint(
        person=person,
        body=duty.cast.bodies["T-K1:committee"],
        role="team_member",
        start_date=datetime.date(2024, 1, 1),
        portfolios=[services.get_or_create_portfolio(duty.cast.county1, "文化旅游", actor=COMMAND)],
        actor=COMMAND,
    )
    matrix = gap_matrix.gap_matrix(duty.cast.county1, duty.year)
    assert idle in matrix.members_without_item
    assert sorted(p.name for p in matrix.portfolios_without_item) == ["卫生健康", "文化旅游"]
    assert matrix.has_problems


def test_it_assignments_stay_in_the_unit(duty):
    with pytest.raises(ValidationError):
        lists.assign_owner(
            duty.items["c1_gap"],
            duty.tenure("county2_secretary"),
            ItemAssignment.Role.LEAD,
            actor=duty.cast.user("county1_secretary"),
        )


# --- Duty logs --------------------------------------------------------------------------


def test_it_one_log_satisfies_several_items(duty):
    log = make_log(duty)
    assert set(log.items.all()) == {duty.items["talk"], duty.items["visit"]}
    assert log.status == DutyLog.Status.SUBMITTED
    assert log.org_path == duty.cast.county1.path


def test_it_a_log_may_only_cite_the_actors_own_items(duty):
    with pytest.raises(ValidationError) as err:
        make_log(duty, tenure_key="county1_jw", items=("talk",))
    assert "items" in err.value.message_dict


def test_it_a_talk_needs_a_type_and_a_person(duty):
    with pytest.raises(ValidationError) as err:
        make_log(duty, talk_type="", talk_target="")
    assert set(err.value.message_dict) >= {"talk_type", "talk_target"}


def test_it_refuses_future_dates(duty):
    with pytest.raises(ValidationError):
        make_log(duty, occurred_on=timezone.localdate() + datetime.timedelta(days=1))


def test_it_late_entries_are_flagged_not_refused(duty, settings):
    settings.LATE_ENTRY_DAYS = 30
    old = make_log(duty, occurred_on=timezone.localdate() - datetime.timedelta(days=45))
    fresh = make_log(duty, occurred_on=timezone.localdate() - datetime.timedelta(days=3))
    assert old.is_late_entry is True
    assert fresh.is_late_entry is False


def test_it_an_accepted_log_is_locked_and_only_amended(duty):
    log = make_log(duty)
    with pytest.raises(TransitionRefused):
        duty_logs.update_log(
            log, title="改标题", actor=duty.cast.user("county1_member")
        )  # submitted: no edits either
    duty_logs.review_log(
        log,
        reviewer=duty.tenure("county1_jw"),
        accept=True,
        comment="属实",
        actor=duty.cast.user("county1_jw"),
    )
    log.refresh_from_db()
    assert log.is_locked and log.reviewer == duty.tenure("county1_jw")
    with pytest.raises(TransitionRefused):
        duty_logs.update_log(log, title="改标题", actor=duty.cast.user("county1_member"))
    amendment = duty_logs.amend_log(
        log, actor=duty.cast.user("county1_member"), text="参加人员补充一人"
    )
    with pytest.raises(ValidationError):
        amendment.text = "偷偷改"
        amendment.save()
    log.refresh_from_db()
    assert log.title == "与县教育局党组书记廉政谈话"


def test_it_a_returned_log_can_be_fixed_and_resubmitted(duty):
    log = make_log(duty)
    with pytest.raises(ValidationError):
        duty_logs.review_log(
            log,
            reviewer=duty.tenure("county1_secretary"),
            accept=False,
            actor=duty.cast.user("county1_secretary"),
        )
    duty_logs.review_log(
        log,
        reviewer=duty.tenure("county1_secretary"),
        accept=False,
        comment="请补充谈话记录",
        actor=duty.cast.user("county1_secretary"),
    )
    duty_logs.update_log(
        log, summary="补充:谈话记录已上传。", actor=duty.cast.user("county1_member")
    )
    duty_logs.submit_log(log, actor=duty.cast.user("county1_member"))
    assert log.status == DutyLog.Status.RESUBMITTED


def test_it_nobody_reviews_their_own_log(duty):
    log = make_log(duty)
    with pytest.raises(TransitionRefused):
        duty_logs.review_log(
            log,
            reviewer=duty.tenure("county1_member"),
            accept=True,
            actor=duty.cast.user("county1_member"),
        )


# --- Attachments ------------------------------------------------------------------------


def _docx_bytes():
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("记录.pdf", b"%PDF-1.7\n...", "application/pdf"),
        ("photo.PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
        ("纪要.txt", "会议纪要".encode(), "text/plain; charset=utf-8"),
    ],
)
def test_it_accepts_allowed_files_by_content(duty, media, name, data, kind):
    log = make_log(duty, submit=False)
    attachment = evidence.add_attachment(
        log, SimpleUploadedFile(name, data), actor=duty.cast.user("county1_member")
    )
    assert attachment.content_type == kind
    stored = media / "evidence" / attachment.stored_name
    assert stored.read_bytes() == data
    assert attachment.stored_name != name and "/" not in attachment.stored_name


def test_it_recognises_docx_by_its_zip_structure(duty, media):
    log = make_log(duty, submit=False)
    attachment = evidence.add_attachment(
        log, SimpleUploadedFile("a.bin", _docx_bytes()), actor=duty.cast.user("county1_member")
    )
    assert attachment.content_type.endswith("wordprocessingml.document")


def test_it_rejects_a_disguised_executable(duty, media):
    log = make_log(duty, submit=False)
    with pytest.raises(ValidationError) as err:
        evidence.add_attachment(
            log,
            SimpleUploadedFile("报告.pdf", b"MZ\x90\x00\x03\x00\x00\x00\xff\xfe"),
            actor=duty.cast.user("county1_member"),
        )
    assert "类型不允许" in err.value.messages[0]
    assert not Attachment.objects.exists()


def test_it_rejects_a_plain_zip_pretending_to_be_docx(duty, media):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("evil.sh", "rm -rf /")
    log = make_log(duty, submit=False)
    with pytest.raises(ValidationError):
        evidence.add_attachment(
            log,
            SimpleUploadedFile("x.docx", buffer.getvalue()),
            actor=duty.cast.user("county1_member"),
        )


def test_it_rejects_files_over_the_size_limit(duty, media, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    log = make_log(duty, submit=False)
    with pytest.raises(ValidationError) as err:
        evidence.add_attachment(
            log,
            SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * 2000),
            actor=duty.cast.user("county1_member"),
        )
    assert "过大" in err.value.messages[0]


def test_it_takes_photos_on_a_submitted_log_and_refuses_uploads_once_accepted(duty, media):
    log = make_log(duty, submit=True)
    member = duty.cast.user("county1_member")
    evidence.add_attachment(log, SimpleUploadedFile("a.txt", b"x"), actor=member)
    assert log.attachments.count() == 1
    duty_logs.review_log(
        log, actor=duty.cast.user("county1_jw"), reviewer=duty.tenure("county1_jw"), accept=True
    )
    log.refresh_from_db()
    with pytest.raises(TransitionRefused):
        evidence.add_attachment(log, SimpleUploadedFile("b.txt", b"y"), actor=member)


# --- Progress ---------------------------------------------------------------------------


def _progress(duty, key, today=None):
    item = progress.with_progress(
        ResponsibilityItem.objects.filter(pk=duty.items[key].pk).select_related("list"),
        duty.year,
        today,
    ).get()
    return progress.progress_of(item, today)


def test_it_a_log_moves_the_progress_of_every_item_it_cites(duty):
    assert _progress(duty, "talk").count == 0
    assert _progress(duty, "visit").count == 0
    make_log(duty)
    assert _progress(duty, "talk").count == 1
    assert _progress(duty, "talk").state == "green"
    assert _progress(duty, "visit").count == 1


def test_it_drafts_and_returned_logs_do_not_count(duty):
    make_log(duty, submit=False)
    log = make_log(duty)
    duty_logs.review_log(
        log,
        reviewer=duty.tenure("county1_jw"),
        accept=False,
        comment="不实",
        actor=duty.cast.user("county1_jw"),
    )
    assert _progress(duty, "talk").count == 0


def test_it_progress_states_follow_the_calendar():
    item = ResponsibilityItem(frequency=Freq.QUARTERLY, min_count=1)
    item.list = ResponsibilityList(year=2026)
    item.created_at = timezone.make_aware(datetime.datetime(2026, 1, 1))
    item.period_count, item.previous_count = 0, 1
    assert progress.progress_of(item, datetime.date(2026, 5, 1)).state == "green"
    assert progress.progress_of(item, datetime.date(2026, 6, 25)).state == "yellow"
    item.previous_count = 0
    assert progress.progress_of(item, datetime.date(2026, 5, 1)).state == "red"
    annual = ResponsibilityItem(frequency=Freq.ANNUAL, min_count=4)
    annual.list = item.list
    annual.created_at = item.created_at
    annual.period_count, annual.previous_count = 1, 0
    assert progress.progress_of(annual, datetime.date(2026, 3, 1)).state == "green"
    assert progress.progress_of(annual, datetime.date(2026, 9, 30)).state == "red"
    annual.due_date = datetime.date(2026, 3, 31)
    assert progress.progress_of(annual, datetime.date(2026, 4, 2)).label == "已逾期"
    annual.period_count = 4
    assert progress.progress_of(annual, datetime.date(2026, 4, 2)).state == "green"


def test_it_period_windows():
    day = datetime.date(2026, 8, 15)
    assert progress.period_window(Freq.MONTHLY, day) == (
        datetime.date(2026, 8, 1),
        datetime.date(2026, 8, 31),
    )
    assert progress.period_window(Freq.QUARTERLY, day)[0] == datetime.date(2026, 7, 1)
    assert progress.period_window(Freq.SEMIANNUAL, day)[1] == datetime.date(2026, 12, 31)
    assert progress.previous_window(Freq.QUARTERLY, day)[0] == datetime.date(2026, 4, 1)
    assert progress.previous_window(Freq.QUARTERLY, datetime.date(2026, 2, 1)) is None


# --- Method mix -------------------------------------------------------------------------


def test_it_method_mix_warns_when_meetings_dominate(duty, settings):
    settings.METHOD_MIX_THRESHOLD = 70
    today = timezone.localdate()
    for n in range(4):
        make_log(
            duty,
            tenure_key="county1_secretary",
            items=("c1_own",),
            action_type=ActionType.COMMITTEE_MEETING,
            title=f"会议{n}",
        )
    make_log(duty, tenure_key="county1_secretary", items=("c1_own",), title="谈话")
    for _n in range(3):
        make_log(duty)  # member: talks only
    year, quarter = method_mix.current_quarter(today)
    rows = {r.label: r for r in method_mix.method_mix(DutyLog.objects.all(), year, quarter)}
    assert rows["刘海涛"].share == 80 and rows["刘海涛"].warning
    assert rows["陈晓梅"].share == 0 and not rows["陈晓梅"].warning
    assert ("党风廉政建设专题会议", 4) in rows["刘海涛"].breakdown
    by_org = method_mix.method_mix(DutyLog.objects.all(), year, quarter, by="org")
    assert [(r.label, r.total, r.meetings) for r in by_org] == [("一号县", 8, 4)]
    assert not by_org[0].warning

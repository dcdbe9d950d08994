"""Every generated .docx is laid out per GB/T 9704-2012: A4, the 版心 margins, 22 lines of 28
characters, the named fonts, "— 1 —" page numbers, and the 版头 elements its kind has."""

from __future__ import annotations

import datetime
import importlib.util
import io
import re
import shutil
import sys
import zipfile

import docx
import pytest
from django.urls import reverse
from docx.oxml.ns import qn

from accountability.services import integrity
from inspections.models import Feedback
from inspections.services import rounds
from liangge_zeren import documents
from responsibilities import letters
from security.models import AuditEntry
from tests.accountability.fixtures import TODAY, advance, open_county1_case
from tests.accountability.test_integrity import _reply, _request
from tests.accountability.test_integrity import head as integrity_head
from tests.accountability.test_integrity import zzb as integrity_zzb
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db

DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")


def _style_font(document, style_name: str) -> tuple[str | None, float | None]:
    """The East Asian font and size (pt) a paragraph style gives, following its base styles."""
    style = document.styles[style_name]
    font, size = None, None
    while style is not None:
        rpr = style.element.rPr
        if font is None and rpr is not None and rpr.rFonts is not None:
            font = rpr.rFonts.get(qn("w:eastAsia"))
        if size is None and style.font.size is not None:
            size = style.font.size.pt
        style = style.base_style
    return font, size


def _paragraphs(document, style_name: str) -> list[str]:
    return [p.text for p in document.paragraphs if p.style.name == style_name]


def assert_page(document) -> None:
    for section in document.sections:
        assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
        margins = (section.top_margin, section.bottom_margin)
        margins += (section.left_margin, section.right_margin)
        assert [round(m.mm, 1) for m in margins] == [37.0, 35.0, 28.0, 26.0]
        grid = section._sectPr.find(qn("w:docGrid"))
        assert grid.get(qn("w:type")) == "linesAndChars"
        pitch = int(grid.get(qn("w:linePitch")))
        assert round(pitch / 20, 2) == pytest.approx(28.95, abs=0.05)
        height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
        width = section.page_width.twips - section.left_margin.twips - section.right_margin.twips
        assert height // pitch == 22
        body_pt = _style_font(document, "Normal")[1]
        char_pitch = body_pt + int(grid.get(qn("w:charSpace"))) / 4096
        assert round(width / 20 / char_pitch) == 28
        assert round(width / 20 / 72 * 25.4) == 156 and round(height / 20 / 72 * 25.4) == 225


def assert_fonts(document) -> None:
    assert _style_font(document, documents.STYLE_TITLE) == ("方正小标宋简体", 22)
    assert _style_font(document, documents.STYLE_BODY) == ("仿宋_GB2312", 16)
    assert _style_font(document, documents.STYLE_H1) == ("黑体", 16)
    assert _style_font(document, documents.STYLE_H2) == ("楷体_GB2312", 16)
    assert _style_font(document, "Normal") == ("仿宋_GB2312", 16)
    for p in document.paragraphs:  # no run overrides what its style says
        for run in p.runs:
            assert run.font.size is None or p.style.name == "发文机关标志"
            fonts = run._r.rPr.rFonts if run._r.rPr is not None else None
            assert fonts is None or fonts.get(qn("w:eastAsia")) is None


def assert_page_numbers(document) -> None:
    assert document.settings.odd_and_even_pages_header_footer
    section = document.sections[0]
    for footer, align in ((section.footer, "right"), (section.even_page_footer, "left")):
        (number,) = [p for p in footer.paragraphs if p.text.strip()]
        assert number.text == "— 1 —"
        assert " PAGE " in [t.text for t in number._p.iter(qn("w:instrText"))]
        assert number._p.pPr.jc.get(qn("w:val")) == align
        assert _style_font(document, number.style.name) == ("宋体", 14)


def assert_official(
    document, *, kind: str, number: bool, mark: str = "", signer: bool = True
) -> None:
    assert_page(document)
    assert_fonts(document)
    assert_page_numbers(document)
    numbers = _paragraphs(document, "发文字号")
    marks = _paragraphs(document, "发文机关标志")
    if number:
        (line,) = numbers
        if signer:  # 上行文: 签发人 beside the 发文字号
            assert re.match(r"^.*〔\d{4}〕.*号\t签发人:", line), line
        else:  # 下行文/平行文: the 发文字号 alone
            assert re.match(r"^.*〔\d{4}〕.*号\t?$", line), line
        assert marks == [mark]
        mark_style = document.styles["发文机关标志"]
        assert str(mark_style.font.color.rgb) == "FF0000"
    else:
        assert numbers == [] and marks == []


def _open(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_it_lays_out_the_responsibility_letter(duty):
    letter = letters.generate_letter(
        signee=duty.tenure("county1_member"),
        issuer=duty.tenure("county1_secretary"),
        year=duty.year,
        actor=duty.cast.user("county1_secretary"),
    )
    document = _open(letters.letter_docx(letter))
    assert_official(document, kind="responsibility_letter", number=False)
    assert _paragraphs(document, documents.STYLE_TITLE) == [letter.title]
    # No single 成文日期: each party's date is in the signature table (blank until signed).
    assert _paragraphs(document, "成文日期") == []
    cells = [c.text for row in document.tables[-1].rows for c in row.cells]
    assert cells.count(documents.BLANK_DATE) == 2


def test_it_lays_out_the_committee_report_with_red_header_and_number(duty):
    make_log(duty)
    secretary = duty.cast.user("county1_secretary")
    report = letters.draft_report(org=duty.cast.county1, year=duty.year, actor=secretary)
    document = _open(letters.report_docx(report))
    assert_official(document, kind="committee_report", number=True, mark="中共一号县委员会")
    assert _paragraphs(document, documents.STYLE_TITLE) == [report.title]
    assert _paragraphs(document, "主送机关") == ["中共一号市委员会:"]
    assert _paragraphs(document, documents.STYLE_H1)[0] == "一、基本情况"
    assert _paragraphs(document, "成文日期") == [documents.BLANK_DATE]
    letters.submit_report(report, actor=secretary)
    document = _open(letters.report_docx(report))
    (date,) = _paragraphs(document, "成文日期")
    assert DATE.match(date)


def test_it_lays_out_the_personal_report_without_header(duty):
    member = duty.cast.user("county1_member")
    report = letters.draft_report(
        org=duty.cast.county1, year=duty.year, tenure=duty.tenure("county1_member"), actor=member
    )
    letters.submit_report(report, actor=member)
    document = _open(letters.report_docx(report))
    assert_official(document, kind="personal_report", number=False)
    assert document.paragraphs[0].text == report.title
    assert "陈晓梅" in document.paragraphs[1].text
    (date,) = _paragraphs(document, "成文日期")
    assert DATE.match(date)


def test_it_lays_out_the_quarterly_report(cast, client_for):
    client = client_for(cast.user("prov_secretary"))
    response = client.get(reverse("dashboards:cockpit_docx", args=[cast.province.pk]))
    document = _open(response.content)
    assert_official(document, kind="quarterly_report", number=False)
    assert _paragraphs(document, documents.STYLE_H1)[0].startswith("一、")
    (date,) = _paragraphs(document, "成文日期")
    assert DATE.match(date)
    assert document.tables and all(
        t.rows[0].cells[0].paragraphs[0].style.name == documents.STYLE_TABLE
        for t in document.tables
    )


def test_it_lays_out_the_rectification_report_draft(cast, insp, client_for):
    client = client_for(cast.user("city1_secretary"))
    target = insp.xunshi.round_targets.get()
    url = reverse("inspections:report_docx", args=[insp.xunshi.pk, target.pk])
    document = _open(client.get(url).content)
    assert_official(
        document,
        kind="rectification_report",
        number=True,
        mark=target.org.committee_name(),
    )
    assert _paragraphs(document, "主送机关") == [f"{insp.xunshi.issuing_body.name}:"]
    assert _paragraphs(document, "成文日期") == [documents.BLANK_DATE]


zzb = integrity_zzb  # county 1's 组织部 and the commission's head (tests/accountability)
head = integrity_head


def test_it_lays_out_the_integrity_reply_as_the_commissions_letter(cast, zzb, head, client_for):
    jw = cast.user("county1_jw")
    reply = integrity.prepare_draft(_reply(_request(cast, zzb)), actor=jw)
    integrity.sign_reply(reply, actor=head.user)
    integrity.return_reply(reply, actor=jw)
    url = reverse("accountability:integrity_reply_docx", args=[reply.pk])
    document = _open(client_for(zzb.user).get(url).content)
    commission = reply.commission.name
    assert_official(document, kind="integrity_reply", number=True, mark=commission, signer=False)
    assert _paragraphs(document, "主送机关") == [f"{reply.request.org.name}委组织部:"]
    assert _paragraphs(document, "署名") == [commission]
    assert _paragraphs(document, "成文日期") == [documents.date_text(TODAY)]


def _decided_case(cast):
    from accountability.models import AccountabilityCase

    return advance(cast, open_county1_case(cast), AccountabilityCase.Status.EXECUTING)


def test_it_lays_out_the_case_decision_with_measures_and_appeal_rights(cast, client_for):
    case = _decided_case(cast)
    url = reverse("accountability:case_decision_docx", args=[case.pk])
    document = _open(client_for(cast.user("county1_jw")).get(url).content)
    body = case.deciding_body.name
    assert_official(document, kind="case_decision", number=True, mark=body, signer=False)
    assert _paragraphs(document, "发文字号") == ["一市委问决〔2026〕1号\t"]
    target = case.targets.get()
    assert _paragraphs(document, "主送机关") == [f"{target.org.name}:"]
    assert _paragraphs(document, "成文日期") == [documents.date_text(TODAY)]
    text = "\n".join(p.text for p in document.paragraphs)
    assert "1个月内" in text and "申诉" in text
    cells = [c.text for c in document.tables[0].rows[1].cells]
    assert target.name_snapshot in cells[0]
    assert cells[2] == case.measures.get().label
    downloads = AuditEntry.objects.filter(object_id=str(case.pk), action="download")
    assert downloads.count() == 1


def test_it_gives_the_case_decision_only_to_who_may_see_the_case(cast, client_for):
    case = _decided_case(cast)
    url = reverse("accountability:case_decision_docx", args=[case.pk])
    for outsider in ("county2_secretary", "outsider"):
        assert client_for(cast.user(outsider)).get(url).status_code == 404
    undecided = open_county1_case(cast, title="尚未决定的案件")
    url = reverse("accountability:case_decision_docx", args=[undecided.pk])
    assert client_for(cast.user("county1_jw")).get(url).status_code == 404


def _feedback(cast, insp) -> Feedback:
    target = insp.xunshi.round_targets.get()
    return rounds.record_feedback(
        insp.xunshi,
        actor=cast.user("prov_jw"),
        target=target,
        audience=Feedback.Audience.LEADERSHIP_TEAM,
        date=TODAY,
        content="一、主要问题\n落实主体责任不够到位。",
    )


def test_it_lays_out_the_inspection_feedback_to_the_units_committee(cast, insp, client_for):
    feedback = _feedback(cast, insp)
    url = reverse("inspections:feedback_docx", args=[feedback.pk])
    document = _open(client_for(cast.user("city1_secretary")).get(url).content)
    body = insp.xunshi.issuing_body.name
    assert_official(document, kind="inspection_feedback", number=True, mark=body, signer=False)
    assert _paragraphs(document, "主送机关") == [f"{feedback.target.org.committee_name()}:"]
    assert _paragraphs(document, "成文日期") == [documents.date_text(TODAY)]
    assert _paragraphs(document, documents.STYLE_H1)[0] == "一、主要问题"
    cells = [c.text for c in document.tables[0].rows[1].cells]
    assert insp.xunshi_finding.number in cells


def test_it_gives_the_feedback_letter_only_to_who_may_see_the_feedback(cast, insp, client_for):
    url = reverse("inspections:feedback_docx", args=[_feedback(cast, insp).pk])
    assert client_for(cast.user("prov_jw")).get(url).status_code == 200
    for outsider in ("county2_secretary", "outsider"):
        assert client_for(cast.user(outsider)).get(url).status_code == 404


def test_it_gives_the_principal_leaders_feedback_letter_only_to_them(cast, insp, client_for):
    """R24: the principal leader's feedback is delivered separately; its letter likewise."""
    feedback = rounds.record_feedback(
        insp.xunshi,
        actor=cast.user("prov_jw"),
        target=insp.xunshi.round_targets.get(),
        audience=Feedback.Audience.PRINCIPAL_LEADER,
        date=TODAY,
        content="单独反馈的问题",
    )
    url = reverse("inspections:feedback_docx", args=[feedback.pk])
    assert client_for(cast.user("city1_jw")).get(url).status_code == 404
    document = _open(client_for(cast.user("city1_secretary")).get(url).content)
    assert _paragraphs(document, "主送机关") == [f"{feedback.target.org.name}主要负责人:"]


def test_it_lays_out_the_issue_ledger_as_a_table_with_unit_and_period(cast, insp, client_for):
    client = client_for(cast.user("county1_jw"))
    url = reverse("inspections:ledger_docx")
    document = _open(client.get(url, {"org": cast.county1.pk}).content)
    assert_official(document, kind="issue_ledger", number=False)
    assert _paragraphs(document, documents.STYLE_TITLE) == ["问题台账"]
    (subtitle,) = _paragraphs(document, "副标题")
    assert cast.county1.name in subtitle and "截至" in subtitle
    (date,) = _paragraphs(document, "成文日期")
    assert DATE.match(date)
    numbers = {row.cells[0].text for row in document.tables[0].rows[1:]}
    assert insp.daily.number in numbers
    assert insp.sibling.number not in numbers  # the rows the viewer may see, as on the page
    assert all(
        c.paragraphs[0].style.name == documents.STYLE_TABLE
        for c in document.tables[0].rows[0].cells
    )


def test_it_exports_the_ledger_docx_with_the_pages_filters(cast, insp, client_for):
    client = client_for(cast.user("county1_jw"))
    url = reverse("inspections:ledger_docx")
    assert client.get(url, {"year": "abc"}).status_code == 400
    document = _open(client.get(url, {"q": insp.daily.title}).content)
    numbers = [row.cells[0].text for row in document.tables[0].rows[1:]]
    assert numbers == [insp.daily.number]
    outsider = client_for(cast.user("county2_secretary"))
    document = _open(outsider.get(url).content)
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert insp.daily.number not in text


def test_it_renders_every_packaged_template():
    for kind in documents.KINDS:
        document = _open(documents.render(documents.OfficialDocument(kind, "标题", [])))
        assert_page(document)
        assert_page_numbers(document)


def test_it_takes_a_deployments_own_template(tmp_path, settings):
    """A province's red header, without code: a template of the same name in the directory."""
    own = docx.Document(str(documents.PACKAGED_TEMPLATES / "committee_report.docx"))
    own.paragraphs[0].text = "中共测试省委办公厅文件"
    own.save(str(tmp_path / "committee_report.docx"))
    shutil.copy(documents.PACKAGED_TEMPLATES / "personal_report.docx", tmp_path / "x.docx")
    settings.DOCUMENT_TEMPLATES_DIR = str(tmp_path)
    data = documents.render(
        documents.OfficialDocument("committee_report", "标题", [], issuer_mark="中共一号县委员会")
    )
    assert _open(data).paragraphs[0].text == "中共测试省委办公厅文件"
    assert documents.template_path("personal_report").parent == documents.PACKAGED_TEMPLATES


def test_it_escapes_user_text_and_recognises_headings():
    blocks = documents.blocks_from_text("一、总体\n(二)分项\n<w:p>&amp; 正文\n\n")
    assert [b.style for b in blocks] == [
        documents.STYLE_H1,
        documents.STYLE_H2,
        documents.STYLE_BODY,
    ]
    data = documents.render(documents.OfficialDocument("quarterly_report", "<标题&>", blocks))
    texts = [p.text for p in _open(data).paragraphs]
    assert "<标题&>" in texts and "<w:p>&amp; 正文" in texts


def test_it_writes_numbers_and_dates_the_official_way():
    numerals = [documents.numeral(n) for n in (1, 10, 12, 20, 21)]
    assert numerals == ["一", "十", "十二", "二十", "二十一"]
    assert documents.date_text(datetime.date(2026, 3, 5)) == "2026年3月5日"
    assert documents.doc_number(2026, "7", "X委") == "X委〔2026〕7号"


def test_it_the_committed_templates_are_what_the_script_makes(tmp_path):
    """The templates are reproducible: scripts/make_document_templates.py makes them part for
    part (change the script, run it, commit both)."""
    script = documents.PACKAGED_TEMPLATES.parent.parent / "scripts" / "make_document_templates.py"
    spec = importlib.util.spec_from_file_location("make_document_templates", script)
    maker = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = maker  # its dataclasses look their module up
    spec.loader.exec_module(maker)
    for kind in documents.KINDS:
        made = zipfile.ZipFile(maker.make(kind, tmp_path))
        committed = zipfile.ZipFile(documents.PACKAGED_TEMPLATES / f"{kind}.docx")
        assert sorted(made.namelist()) == sorted(committed.namelist()), kind
        for name in made.namelist():
            assert made.read(name) == committed.read(name), (kind, name)

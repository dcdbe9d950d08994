"""File exports: the issue ledger as .xlsx (the shared writer), the rectification report draft
as .docx."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from docx import Document

from liangge_zeren.spreadsheets import WorkbookWriter

LEDGER_COLUMNS = [
    gettext_lazy("问题编号"),
    gettext_lazy("检查轮次"),
    gettext_lazy("问题来源"),
    gettext_lazy("来源细分"),
    gettext_lazy("问题类别"),
    gettext_lazy("严重程度"),
    gettext_lazy("被检查单位"),
    gettext_lazy("问题概述"),
    gettext_lazy("问题描述"),
    gettext_lazy("责任人及责任类型"),
    gettext_lazy("整改措施"),
    gettext_lazy("整改责任人"),
    gettext_lazy("整改时限"),
    gettext_lazy("预警"),
    gettext_lazy("状态"),
    gettext_lazy("已移交问题线索"),
]


def ledger_rows(findings):
    today = timezone.localdate()
    for f in findings:
        tasks = list(f.tasks.all())
        open_tasks = [t for t in tasks if t.status != t.Status.CLOSED]
        lights = [t.light(today) for t in open_tasks]
        light = "red" if "red" in lights else "yellow" if "yellow" in lights else "green"
        yield [
            f.number,
            f.round.title if f.round else "",
            f.get_source_display(),
            f.get_sub_source_display(),
            f.get_category_display(),
            f.get_severity_display(),
            f.org.name,
            f.title,
            f.description,
            ";".join(
                f"{r.tenure.person.name}({r.get_kind_display()})" for r in f.responsibilities.all()
            ),
            "\n".join(t.measure for t in tasks),
            "、".join(sorted({t.owner_tenure.person.name for t in tasks})),
            min((t.due_date for t in open_tasks), default=None),
            str(tasks[0].Light(light).label) if tasks else "",
            f.get_status_display(),
            _("是") if f.is_case_lead_transferred else _("否"),
        ]


def ledger_xlsx(findings) -> bytes:
    """Exactly the rows of the filtered queryset, one per finding (user text as text)."""
    book = WorkbookWriter()
    sheet = book.sheet(_("问题台账"))
    sheet.header(LEDGER_COLUMNS)
    for row in ledger_rows(findings):
        sheet.append(row)
    widths = (16, 20, 14, 18, 12, 8, 14, 24, 40, 24, 40, 14, 12, 10, 8, 8)
    sheet.widths(dict(enumerate(widths, start=1)))
    sheet.wrap(min_row=2)
    sheet.number_format(13, range(2, sheet.row_count + 1), "yyyy-mm-dd")
    sheet.freeze()
    return book.to_bytes()


def rectification_report_docx(round_, target, findings) -> bytes:
    """整改情况报告 draft for one target, from the findings and tasks in the system."""
    doc = Document()
    doc.add_heading(
        _("关于%(title)s反馈意见整改情况的报告(草稿)") % {"title": round_.title}, level=1
    )
    doc.add_paragraph(f"{round_.issuing_body.name}:")
    intro = _(
        "%(date)s,%(body)s向%(target)s反馈了%(title)s发现的问题。"
        "现将整改情况报告如下(报送时限:%(due)s)。"
    ) % {
        "date": round_.feedback_date.isoformat() if round_.feedback_date else "____",
        "body": round_.issuing_body.name,
        "target": target.org.name,
        "title": round_.title,
        "due": round_.report_due.isoformat() if round_.report_due else "____",
    }
    doc.add_paragraph(intro)
    doc.add_heading(_("一、问题整改情况"), level=2)
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, label in zip(
        table.rows[0].cells,
        (_("序号"), _("问题"), _("整改措施"), _("责任人"), _("整改时限"), _("整改状态")),
        strict=True,
    ):
        cell.text = str(label)
    closed = 0
    for number, finding in enumerate(findings, start=1):
        tasks = list(finding.tasks.all())
        closed += finding.status == finding.Status.CLOSED
        cells = table.add_row().cells
        cells[0].text = str(number)
        cells[1].text = f"{finding.number} {finding.title}"
        cells[2].text = "\n".join(t.measure for t in tasks) or _("(尚未制定)")
        cells[3].text = "、".join(sorted({t.owner_tenure.person.name for t in tasks}))
        cells[4].text = "\n".join(t.due_date.isoformat() for t in tasks)
        cells[5].text = "\n".join(str(t.get_status_display()) for t in tasks) or str(
            finding.get_status_display()
        )
    doc.add_heading(_("二、总体情况"), level=2)
    doc.add_paragraph(
        _("共反馈问题 %(total)s 个,已整改销号 %(closed)s 个,正在整改 %(open)s 个。")
        % {"total": len(findings), "closed": closed, "open": len(findings) - closed}
    )
    doc.add_heading(_("三、下一步工作打算"), level=2)
    doc.add_paragraph(_("(请填写)"))
    doc.add_paragraph("")
    doc.add_paragraph(_("主要负责人(签字):__________    日期:__________"))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

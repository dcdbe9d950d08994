"""File exports: the issue ledger as .xlsx (the shared writer), the rectification report draft
as .docx."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren import documents
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


def _rectification_rows(findings) -> tuple[list[list[str]], int]:
    rows, closed = [], 0
    for number, finding in enumerate(findings, start=1):
        tasks = list(finding.tasks.all())
        closed += finding.status == finding.Status.CLOSED
        rows.append(
            [
                str(number),
                f"{finding.number} {finding.title}",
                "\n".join(t.measure for t in tasks) or _("(尚未制定)"),
                "、".join(sorted({t.owner_tenure.person.name for t in tasks})),
                "\n".join(t.due_date.isoformat() for t in tasks),
                "\n".join(str(t.get_status_display()) for t in tasks)
                or str(finding.get_status_display()),
            ]
        )
    return rows, closed


def rectification_report_docx(round_, target, findings) -> bytes:
    """整改情况报告 draft for one target, from the findings and tasks in the system: a 报告 of
    the target's committee to the issuing body, 发文字号 and 成文日期 left for the office."""
    rows, closed = _rectification_rows(findings)
    intro = _(
        "%(date)s,%(body)s向%(target)s反馈了%(title)s发现的问题。"
        "现将整改情况报告如下(报送时限:%(due)s)。"
    ) % {
        "date": documents.date_text(round_.feedback_date) if round_.feedback_date else "____",
        "body": round_.issuing_body.name,
        "target": target.org.name,
        "title": round_.title,
        "due": documents.date_text(round_.report_due) if round_.report_due else "____",
    }
    headers = (_("序号"), _("问题"), _("整改措施"), _("责任人"), _("整改时限"), _("整改状态"))
    blocks = [
        documents.paragraph(intro),
        documents.heading1(_("一、问题整改情况")),
        documents.table(list(headers), rows),
        documents.heading1(_("二、总体情况")),
        documents.paragraph(
            _("共反馈问题 %(total)s 个,已整改销号 %(closed)s 个,正在整改 %(open)s 个。")
            % {"total": len(findings), "closed": closed, "open": len(findings) - closed}
        ),
        documents.heading1(_("三、下一步工作打算")),
        documents.paragraph(_("(请填写)")),
    ]
    committee = target.org.committee_name()
    return documents.render(
        documents.OfficialDocument(
            kind="rectification_report",
            title=_("关于%(title)s反馈意见整改情况的报告(草稿)") % {"title": round_.title},
            issuer_mark=committee,
            doc_number=documents.doc_number(timezone.localdate().year),
            recipient=round_.issuing_body.name,
            signature=committee,
            blocks=blocks,
        )
    )


def feedback_docx(feedback, findings) -> bytes:
    """巡视(巡察)反馈意见 of one round to one inspected unit: a 下行文 of the issuing body to the
    unit's Party committee (or, for the principal leader's feedback, to them), the feedback
    text and the findings the reader may see; 发文字号 left for the office."""
    round_ = feedback.round
    target = feedback.target
    blocks = [
        documents.paragraph(
            _("根据%(body)s统一部署,%(title)s对%(org)s进行了检查。现将反馈意见通知如下:")
            % {"body": round_.issuing_body.name, "title": round_.title, "org": target.org.name}
        ),
        *(documents.blocks_from_text(feedback.content) or [documents.paragraph(_("(无)"))]),
    ]
    if findings:
        blocks += [
            documents.heading1(_("反馈问题清单")),
            documents.table(
                [_("序号"), _("问题编号"), _("问题"), _("问题类别"), _("严重程度")],
                [
                    [
                        str(n),
                        f.number,
                        f.title,
                        f.get_category_display(),
                        f.get_severity_display(),
                    ]
                    for n, f in enumerate(findings, start=1)
                ],
            ),
        ]
    due = documents.date_text(round_.report_due) if round_.report_due else "____"
    blocks.append(
        documents.paragraph(
            _("请认真研究,切实抓好整改,并于%(due)s前将整改情况报告报送%(body)s。")
            % {"due": due, "body": round_.issuing_body.name}
        )
    )
    principal = feedback.audience == feedback.Audience.PRINCIPAL_LEADER
    recipient = _("%(org)s主要负责人") % {"org": target.org.name} if principal else None
    return documents.render(
        documents.OfficialDocument(
            kind="inspection_feedback",
            title=_("关于%(title)s情况的反馈意见") % {"title": round_.title},
            issuer_mark=round_.issuing_body.name,
            doc_number=documents.doc_number(feedback.date.year),
            downward=True,
            recipient=recipient or target.org.committee_name(),
            signature=round_.issuing_body.name,
            date=feedback.date,
            blocks=blocks,
        )
    )


LEDGER_DOCX_COLUMNS = (0, 6, 7, 5, 12, 13, 14)  # 编号, 单位, 概述, 严重程度, 时限, 预警, 状态


def ledger_docx(findings, *, unit: str, period: str) -> bytes:
    """The issue ledger as a 表格 attachment (kind `issue_ledger`, no 版头): exactly the rows of
    the filtered queryset, the columns a reader needs on paper (the .xlsx has them all)."""
    headers = [LEDGER_COLUMNS[i] for i in LEDGER_DOCX_COLUMNS]
    rows = []
    for row in ledger_rows(findings):
        cells = [row[i] for i in LEDGER_DOCX_COLUMNS]
        cells[4] = cells[4].isoformat() if cells[4] else ""
        rows.append(cells)
    blocks = [documents.table(headers, rows)] if rows else [documents.plain(_("(无问题)"))]
    return documents.render(
        documents.OfficialDocument(
            kind="issue_ledger",
            title=_("问题台账"),
            subtitle=_("单位:%(unit)s　期间:%(period)s") % {"unit": unit, "period": period},
            date=timezone.localdate(),
            blocks=blocks,
        )
    )

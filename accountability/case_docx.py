"""The 问责决定书 (.docx) of a decided accountability case, through the document kit
(liangge_zeren/documents.py, kind `case_decision`): the deciding body's red header, the
decision's 文号, 主送 the targets' units, the facts, grounds and measures, the appeal rights
(R14: 申诉 within the configured window, one month by default) and the decision date."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accountability import selectors
from accountability.models import AccountabilityCase, accountability_setting
from liangge_zeren import documents


def _target_line(target) -> str:
    post = f"{target.unit_snapshot}{target.post_snapshot}" if target.post_snapshot else ""
    name = target.name_snapshot
    return f"{name}({post})" if post and target.target_type == "person" else name


def case_decision_docx(case: AccountabilityCase) -> bytes:
    targets = selectors.case_targets(case)
    grounds = list(case.grounds.all())
    months = accountability_setting("APPEAL_WINDOW_MONTHS", {}).get("party_accountability", 1)
    blocks = [
        documents.paragraph(
            _("经调查,%(org)s在%(title)s中存在失职失责问题。")
            % {"org": case.org.name, "title": case.title}
        ),
        documents.heading1(_("一、基本事实")),
        *(documents.blocks_from_text(case.facts) or [documents.paragraph(_("(无)"))]),
        documents.heading1(_("二、问责情形")),
        documents.paragraph("、".join(g.name for g in grounds) or _("(无)")),
        documents.heading1(_("三、问责决定")),
    ]
    rows = [
        [
            _target_line(t),
            t.get_responsibility_kind_display(),
            m.label,
            documents.date_text(m.effective_date),
        ]
        for t in targets
        for m in t.measures.all()
    ]
    if rows:
        headers = [_("问责对象"), _("责任类型"), _("问责方式"), _("生效日期")]
        blocks.append(documents.table(headers, rows))
    else:
        blocks.append(documents.paragraph(_("(尚未记录问责方式)")))
    blocks += [
        documents.heading1(_("四、申诉权利")),
        documents.paragraph(
            _(
                "被问责的党组织、党员领导干部对本决定不服的,可以自收到本决定之日起"
                "%(months)s个月内,向%(body)s提出书面申诉。申诉期间,不停止本决定的执行。"
            )
            % {"months": months, "body": case.deciding_body.name}
        ),
    ]
    recipients = list(dict.fromkeys(t.org.name for t in targets)) or [case.org.name]
    year = (case.decided_on or case.lead_received_on).year
    return documents.render(
        documents.OfficialDocument(
            kind="case_decision",
            title=_("关于对%(title)s有关责任人员问责的决定") % {"title": case.title},
            issuer_mark=case.deciding_body.name,
            doc_number=case.decision_no or documents.doc_number(year),
            downward=True,
            recipient="、".join(recipients),
            signature=case.deciding_body.name,
            date=case.decided_on,
            blocks=blocks,
        )
    )

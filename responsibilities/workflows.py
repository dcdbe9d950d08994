"""The transition tables of responsibilities: responsibility lists, duty logs, annual reports.

Each table is the one place that says which action is allowed from which status, by whom
(the rules permission on the object) and on what condition (guards). Services call
`check`/`move` after locking the row; views and templates ask `allowed` which buttons to
show. Actions with target None are recorded in place (the status stays): they are in the
table because their availability depends on the status all the same.

Letters (responsibilities/letters.py: signing, revision, supersession) keep their own checks
for now.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren.workflow import Transition, Workflow
from responsibilities.models import DutyLog, DutyReport, ResponsibilityList

LS = ResponsibilityList.Status
DS = DutyLog.Status
RS = DutyReport.Status

CHANGE_LIST = "responsibilities.change_responsibilitylist"
ACKNOWLEDGE_LIST = "responsibilities.acknowledge_responsibilitylist"
CHANGE_LOG = "responsibilities.change_dutylog"
REVIEW_LOG = "responsibilities.review_dutylog"
AMEND_LOG = "responsibilities.amend_dutylog"
UPLOAD_LOG = "responsibilities.upload_dutylog"
CHANGE_REPORT = "responsibilities.change_dutyreport"
ACKNOWLEDGE_REPORT = "responsibilities.acknowledge_dutyreport"

OPEN_LIST_STATUSES = frozenset(LS.values) - {LS.ARCHIVED}
ARCHIVED_REFUSAL = gettext_lazy("清单已归档,不能再修改。")


def _has_items(duty_list: ResponsibilityList) -> str | None:
    if not duty_list.items.filter(is_active=True).exists():
        return _("清单还没有任何条目,不能交责。")
    return None


def _is_template(duty_list: ResponsibilityList) -> str | None:
    return None if duty_list.is_template else _("只有模板清单才能下发。")


LIST_FLOW = Workflow(
    "responsibilities.responsibilitylist",
    LS,
    [
        Transition(
            "issue",
            {LS.DRAFT},
            LS.ISSUED,
            gettext_lazy("交责"),
            permission=CHANGE_LIST,
            guard=_has_items,
        ),
        Transition(
            "acknowledge",
            {LS.ISSUED},
            LS.ACKNOWLEDGED,
            gettext_lazy("认领清单"),
            permission=ACKNOWLEDGE_LIST,
        ),
        Transition(
            "in_force",
            {LS.ACKNOWLEDGED},
            LS.IN_FORCE,
            gettext_lazy("确认生效"),
            permission=CHANGE_LIST,
        ),
        Transition(
            "archive",
            {LS.ISSUED, LS.ACKNOWLEDGED, LS.IN_FORCE},
            LS.ARCHIVED,
            gettext_lazy("归档"),
            permission=CHANGE_LIST,
        ),
        # Recorded in place. Item edits are checked against the item's own permission by
        # the view, so the table asks only the state here.
        Transition(
            "edit", OPEN_LIST_STATUSES, None, gettext_lazy("修改清单"), refused=ARCHIVED_REFUSAL
        ),
        Transition(
            "issue_template",
            OPEN_LIST_STATUSES,
            None,
            gettext_lazy("下发模板"),
            permission=CHANGE_LIST,
            guard=_is_template,
            refused=ARCHIVED_REFUSAL,
        ),
    ],
)

EDITABLE_REFUSAL = gettext_lazy("该纪实已提交或已审核锁定,不能修改。")
SUBMITTED_REFUSAL = gettext_lazy("该纪实已经提交。")
REVIEW_REFUSAL = gettext_lazy("只有已提交的纪实才能审核。")

LOG_FLOW = Workflow(
    "responsibilities.dutylog",
    DS,
    [
        Transition(
            "submit",
            {DS.DRAFT},
            DS.SUBMITTED,
            gettext_lazy("提交审核"),
            permission=CHANGE_LOG,
            refused=SUBMITTED_REFUSAL,
        ),
        Transition(
            "resubmit",
            {DS.RETURNED},
            DS.RESUBMITTED,
            gettext_lazy("重新提交"),
            permission=CHANGE_LOG,
            refused=SUBMITTED_REFUSAL,
        ),
        Transition(
            "accept",
            DutyLog.REVIEWABLE,
            DS.ACCEPTED,
            gettext_lazy("审核通过"),
            permission=REVIEW_LOG,
            refused=REVIEW_REFUSAL,
        ),
        Transition(
            "return",
            DutyLog.REVIEWABLE,
            DS.RETURNED,
            gettext_lazy("退回修改"),
            permission=REVIEW_LOG,
            refused=REVIEW_REFUSAL,
        ),
        # Recorded in place.
        Transition(
            "edit",
            DutyLog.EDITABLE,
            None,
            gettext_lazy("修改"),
            permission=CHANGE_LOG,
            refused=EDITABLE_REFUSAL,
        ),
        Transition(
            "upload",
            # Evidence may follow a submitted log (a photo taken later on the phone) until
            # the review locks it; removing stays with the editable states.
            DutyLog.EDITABLE | DutyLog.REVIEWABLE,
            None,
            gettext_lazy("上传材料"),
            permission=UPLOAD_LOG,
            refused=gettext_lazy("该纪实已审核锁定,不能再上传材料。"),
        ),
        Transition(
            "remove_attachment",
            DutyLog.EDITABLE,
            None,
            gettext_lazy("移除材料"),
            permission=CHANGE_LOG,
            refused=gettext_lazy("该纪实已提交或已审核锁定,不能移除材料。"),
        ),
        Transition(
            "amend",
            {DS.ACCEPTED},
            None,
            gettext_lazy("追加补正"),
            permission=AMEND_LOG,
            refused=gettext_lazy("未锁定的纪实请直接修改,无需补正。"),
        ),
    ],
)


REPORT_FLOW = Workflow(
    "responsibilities.dutyreport",
    RS,
    [
        Transition(
            "submit",
            {RS.DRAFT},
            RS.SUBMITTED,
            gettext_lazy("报送上级"),
            permission=CHANGE_REPORT,
            refused=gettext_lazy("报告已经报送。"),
        ),
        Transition(
            "acknowledge",
            {RS.SUBMITTED},
            RS.ACKNOWLEDGED,
            gettext_lazy("审阅"),
            permission=ACKNOWLEDGE_REPORT,
            refused=gettext_lazy("只有已报送的报告才能审阅。"),
        ),
        # Recorded in place.
        Transition(
            "edit",
            {RS.DRAFT},
            None,
            gettext_lazy("修改报告"),
            permission=CHANGE_REPORT,
            refused=gettext_lazy("报告已报送,不能再修改。"),
        ),
    ],
)


def submit_action(log: DutyLog) -> str:
    """A returned log is resubmitted; any other is submitted (the table refuses the rest)."""
    return "resubmit" if log.status == DS.RETURNED else "submit"

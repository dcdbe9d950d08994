"""The transition tables of inspections: rounds, rectification tasks, extension requests.

Each table is the one place that says which action is allowed from which status, by whom
(the rules permission on the object) and on what condition (guards). Services call
`check`/`move` after locking the row; views and templates ask `allowed` which buttons and
forms to show. Actions with target None are recorded in place (the status stays): they are
in the table because their availability depends on the status all the same.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections.models import ExtensionRequest, InspectionRound, RectificationTask
from liangge_zeren.workflow import Transition, Workflow

RS = InspectionRound.Status
TS = RectificationTask.Status
ES = ExtensionRequest.Status

CHANGE_ROUND = "inspections.change_inspectionround"
RECTIFY_TASK = "inspections.rectify_rectificationtask"
VERIFY_TASK = "inspections.verify_rectificationtask"

ALL_ROUND_STATUSES = frozenset(RS.values)
OPEN_ROUND_STATUSES = ALL_ROUND_STATUSES - {RS.CLOSED}
# Feedback is recorded from the reporting stage on; reviews and reports after feedback.
FEEDBACK_STATUSES = frozenset({RS.REPORTING, RS.FEEDBACK_GIVEN, RS.RECTIFYING})
AFTER_FEEDBACK_STATUSES = frozenset({RS.FEEDBACK_GIVEN, RS.RECTIFYING})
REVISITABLE_STATUSES = frozenset({RS.REPORT_SUBMITTED, RS.EVALUATED, RS.CLOSED})


def _reports_all_submitted(round_: InspectionRound) -> str | None:
    if round_.reports.filter(submitted_at__isnull=True).exists():
        return _("还有整改报告未报送,不能确认。")
    return None


def _disclosable(round_: InspectionRound) -> str | None:
    if not round_.is_covert:
        return _("只有明查暗访需要公开。")
    if round_.disclosed_at is not None:
        return _("该明查暗访已经公开。")
    return None


ROUND_FLOW = Workflow(
    "inspections.inspectionround",
    RS,
    [
        Transition(
            "start_on_site", {RS.PLANNED}, RS.ON_SITE, gettext_lazy("进驻"), permission=CHANGE_ROUND
        ),
        Transition(
            "start_reporting",
            {RS.ON_SITE},
            RS.REPORTING,
            gettext_lazy("进入报告阶段"),
            permission=CHANGE_ROUND,
        ),
        Transition(
            "give_feedback",
            {RS.REPORTING},
            RS.FEEDBACK_GIVEN,
            gettext_lazy("反馈"),
            permission=CHANGE_ROUND,
        ),
        Transition(
            "start_rectifying",
            {RS.FEEDBACK_GIVEN},
            RS.RECTIFYING,
            gettext_lazy("进入集中整改"),
            permission=CHANGE_ROUND,
        ),
        Transition(
            "submit_report",
            {RS.RECTIFYING},
            RS.REPORT_SUBMITTED,
            gettext_lazy("确认整改报告已报送"),
            permission=CHANGE_ROUND,
            guard=_reports_all_submitted,
        ),
        Transition(
            "evaluate",
            {RS.REPORT_SUBMITTED},
            RS.EVALUATED,
            gettext_lazy("完成整改评估"),
            permission=CHANGE_ROUND,
        ),
        Transition(
            "close", {RS.EVALUATED}, RS.CLOSED, gettext_lazy("结束本轮"), permission=CHANGE_ROUND
        ),
        # Recorded in place.
        Transition(
            "edit",
            OPEN_ROUND_STATUSES,
            None,
            gettext_lazy("编辑"),
            permission=CHANGE_ROUND,
            refused=gettext_lazy("本轮次已结束,不能再修改。"),
        ),
        Transition(
            "add_finding",
            OPEN_ROUND_STATUSES,
            None,
            gettext_lazy("登记问题"),
            permission=CHANGE_ROUND,
            refused=gettext_lazy("本轮次已结束,不能再登记问题。"),
        ),
        Transition(
            "disclose",
            ALL_ROUND_STATUSES,
            None,
            gettext_lazy("公开明查暗访"),
            permission=CHANGE_ROUND,
            guard=_disclosable,
        ),
        Transition(
            "revisit",
            REVISITABLE_STATUSES,
            None,
            gettext_lazy("开展回头看"),
            permission=CHANGE_ROUND,
            refused=gettext_lazy("整改报告报送后才能开展回头看。"),
        ),
        Transition(
            "record_feedback",
            FEEDBACK_STATUSES,
            None,
            gettext_lazy("登记反馈"),
            permission=CHANGE_ROUND,
            refused=gettext_lazy("报告阶段之后才能登记反馈。"),
        ),
        Transition(
            "record_review",
            AFTER_FEEDBACK_STATUSES,
            None,
            gettext_lazy("登记面对面讲评"),
            permission=CHANGE_ROUND,
            refused=gettext_lazy("反馈之后才能登记面对面讲评。"),
        ),
        # The target submits its reports (the report's own permission, asked by the view).
        Transition(
            "receive_reports",
            AFTER_FEEDBACK_STATUSES,
            None,
            gettext_lazy("报送整改报告"),
            refused=gettext_lazy("当前阶段不能报送整改报告。"),
        ),
    ],
)

# The moves that change a round's status, in the order of its course (the page's buttons).
ROUND_MOVES = tuple(t.action for t in ROUND_FLOW if t.target is not None)


def _rechecked_if_long_term(task: RectificationTask) -> str | None:
    if task.is_long_term and task.rechecked_at is None:
        return _("长期整改任务须先复查,才能销号。")
    return None


def _long_term(task: RectificationTask) -> str | None:
    return None if task.is_long_term else _("只有长期整改任务需要复查。")


def _no_pending_extension(task: RectificationTask) -> str | None:
    if task.extension_requests.filter(status=ES.PENDING).exists():
        return _("已有待审批的延期申请。")
    return None


def _pending_extension(task: RectificationTask) -> str | None:
    if task.extension_requests.filter(status=ES.PENDING).exists():
        return None
    return _("没有待审批的延期申请。")


OPEN_FOR_TARGET = frozenset({TS.ASSIGNED, TS.IN_PROGRESS, TS.RETURNED})

TASK_FLOW = Workflow(
    "inspections.rectificationtask",
    TS,
    [
        Transition(
            "start",
            {TS.ASSIGNED, TS.RETURNED},
            TS.IN_PROGRESS,
            gettext_lazy("开始整改"),
            permission=RECTIFY_TASK,
        ),
        Transition(
            "submit",
            {TS.IN_PROGRESS, TS.RETURNED},
            TS.SUBMITTED,
            gettext_lazy("申请销号"),
            permission=RECTIFY_TASK,
        ),
        Transition(
            "return", {TS.SUBMITTED}, TS.RETURNED, gettext_lazy("退回"), permission=VERIFY_TASK
        ),
        Transition(
            "close",
            {TS.SUBMITTED},
            TS.CLOSED,
            gettext_lazy("验收销号"),
            permission=VERIFY_TASK,
            guard=_rechecked_if_long_term,
        ),
        Transition(
            "reopen",
            {TS.CLOSED},
            TS.IN_PROGRESS,
            gettext_lazy("重新打开"),
            permission=VERIFY_TASK,
        ),
        # Recorded in place.
        Transition(
            "recheck",
            {TS.SUBMITTED},
            None,
            gettext_lazy("复查"),
            permission=VERIFY_TASK,
            guard=_long_term,
        ),
        Transition(
            "progress",
            OPEN_FOR_TARGET,
            None,
            gettext_lazy("报送整改进展"),
            permission=RECTIFY_TASK,
            refused=gettext_lazy("已申请销号或已销号的任务不能再报送进展。"),
        ),
        Transition(
            "request_extension",
            OPEN_FOR_TARGET,
            None,
            gettext_lazy("申请延期"),
            permission=RECTIFY_TASK,
            guard=_no_pending_extension,
            refused=gettext_lazy("已申请销号或已销号的任务不能申请延期。"),
        ),
        # A pending request is decided whatever the task has become meanwhile.
        Transition(
            "decide_extension",
            TS.values,
            None,
            gettext_lazy("审批延期申请"),
            permission=VERIFY_TASK,
            guard=_pending_extension,
        ),
    ],
)

EXTENSION_FLOW = Workflow(
    "inspections.extensionrequest",
    ES,
    [
        Transition(
            "approve",
            {ES.PENDING},
            ES.APPROVED,
            gettext_lazy("同意延期"),
            refused=gettext_lazy("该延期申请已审批。"),
        ),
        Transition(
            "reject",
            {ES.PENDING},
            ES.REJECTED,
            gettext_lazy("不同意延期"),
            refused=gettext_lazy("该延期申请已审批。"),
        ),
    ],
)

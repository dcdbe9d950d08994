"""The transition tables of accountability: cases, disciplinary cases and their 一案双查
probes, measures, appeals.

Each table is the one place that says which action is allowed from which status, by whom and
on what condition. Services call `check`/`move` after locking the row; views and templates ask
`allowed` which forms to show. Actions with target None are recorded in place.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accountability.models import (
    DECIDED_STATUSES,
    AccountabilityCase,
    AccountabilityMeasure,
    Appeal,
    DisciplinaryCase,
    DualInvestigation,
    IntegrityReply,
    IntegrityRequest,
)
from liangge_zeren.workflow import Guard, Transition, Workflow

S = AccountabilityCase.Status
DS = DisciplinaryCase.Status
PS = DualInvestigation.Status
MS = AccountabilityMeasure.Status
AO = Appeal.Outcome

CHANGE_CASE = "accountability.change_accountabilitycase"
CHANGE_DISCIPLINARY = "accountability.change_disciplinarycase"
CHANGE_PROBE = "accountability.change_dualinvestigation"

# Before a decision (or a decision not to pursue): the procedure is still open.
UNDECIDED = (
    S.LEAD_RECEIVED,
    S.PRELIMINARY_REVIEW,
    S.START_APPROVED,
    S.INVESTIGATING,
    S.HEARING,
    S.REPORT_DISCUSSED,
)


def _has_targets(case: AccountabilityCase) -> str | None:
    return None if case.targets.exists() else _("尚未确定问责对象,不能听取陈述申辩。")


def _has_measure_in_force(case: AccountabilityCase) -> str | None:
    if case.measures.filter(status=MS.IN_FORCE).exists():
        return None
    return _("尚未登记问责方式,不能进入执行。")


def _execution_complete(case: AccountabilityCase) -> str | None:
    """An executing case is archived once formalities are done and appeals decided."""
    if case.status != S.EXECUTING:
        return None
    open_formalities = case.measures.filter(
        status=MS.IN_FORCE, formalities_due__isnull=False, formalities_done_on__isnull=True
    )
    if open_formalities.exists():
        return _("组织处理等相关手续尚未办结,不能归档。")
    if case.appeals.filter(outcome=AO.PENDING).exists():
        return _("尚有申诉未作出复查决定,不能归档。")
    return None


def _case(
    action: str,
    sources: Iterable[str],
    target: str | None,
    label: Any,
    *,
    guard: Guard | None = None,
    refused: Any = None,
) -> Transition:
    """A move on the case file: the case officers' permission."""
    return Transition(
        action, sources, target, label, permission=CHANGE_CASE, guard=guard, refused=refused
    )


CASE_FLOW = Workflow(
    "accountability.accountabilitycase",
    S,
    [
        _case(
            "preliminary_review",
            {S.LEAD_RECEIVED},
            S.PRELIMINARY_REVIEW,
            gettext_lazy("开始初步核实"),
        ),
        _case(
            "approve_start",
            {S.PRELIMINARY_REVIEW},
            S.START_APPROVED,
            gettext_lazy("登记批准启动问责调查"),
            refused=gettext_lazy("只有初步核实阶段的案件才能批准启动问责调查。"),
        ),
        _case(
            "start_investigation",
            {S.START_APPROVED},
            S.INVESTIGATING,
            gettext_lazy("组成调查组,开始调查"),
            refused=gettext_lazy("须先经批准启动问责调查。"),
        ),
        _case(
            "hearing",
            {S.INVESTIGATING},
            S.HEARING,
            gettext_lazy("记录陈述申辩"),
            guard=_has_targets,
        ),
        _case("discuss_report", {S.HEARING}, S.REPORT_DISCUSSED, gettext_lazy("调查报告集体讨论")),
        _case(
            "decide",
            {S.REPORT_DISCUSSED},
            S.DECIDED,
            gettext_lazy("作出问责决定"),
            refused=gettext_lazy("调查报告经集体讨论后才能作出问责决定。"),
        ),
        _case("not_pursue", UNDECIDED, S.NOT_PURSUED, gettext_lazy("不予(免予)问责")),
        _case(
            "start_execution",
            {S.DECIDED},
            S.EXECUTING,
            gettext_lazy("进入执行"),
            guard=_has_measure_in_force,
        ),
        _case(
            "archive",
            {S.EXECUTING, S.NOT_PURSUED},
            S.ARCHIVED,
            gettext_lazy("归档"),
            guard=_execution_complete,
        ),
        # Recorded in place.
        _case(
            "add_target",
            UNDECIDED,
            None,
            gettext_lazy("确定问责对象"),
            refused=gettext_lazy("已作出决定(或不予问责)的案件不能再增加问责对象。"),
        ),
        _case(
            "add_measure",
            {S.DECIDED, S.EXECUTING},
            None,
            gettext_lazy("登记问责方式"),
            refused=gettext_lazy("作出问责决定后才能登记问责方式。"),
        ),
        _case(
            "correct",
            DECIDED_STATUSES,
            None,
            gettext_lazy("纠错"),
            refused=gettext_lazy("只有已作出问责决定的案件才能纠错。"),
        ),
        # A target appeals their own decision: no permission on the case file needed.
        Transition(
            "appeal",
            DECIDED_STATUSES,
            None,
            gettext_lazy("申诉"),
            refused=gettext_lazy("只能对已作出的问责决定提出申诉。"),
        ),
    ],
)

# The moves that change a case's status, in the order of the procedure (the case page's forms).
CASE_MOVES = tuple(t.action for t in CASE_FLOW if t.target is not None)


def _probe_missing(case: DisciplinaryCase) -> str | None:
    kinds = set(case.probes.values_list("kind", flat=True))
    if kinds >= set(DualInvestigation.Kind.values):
        return _("两项核查均已启动。")
    return None


DISCIPLINARY_FLOW = Workflow(
    "accountability.disciplinarycase",
    DS,
    [
        Transition(
            "decide",
            {DS.REGISTERED},
            DS.DECIDED,
            gettext_lazy("登记处分决定"),
            permission=CHANGE_DISCIPLINARY,
            refused=gettext_lazy("只有已立案的案件才能作出处分决定。"),
        ),
        Transition(
            "archive",
            {DS.DECIDED},
            DS.ARCHIVED,
            gettext_lazy("归档"),
            permission=CHANGE_DISCIPLINARY,
            refused=gettext_lazy("只有已作出处分决定的案件才能归档。"),
        ),
        Transition(
            "open_dual",
            {DS.REGISTERED, DS.DECIDED},
            None,
            gettext_lazy("启动一案双查"),
            permission=CHANGE_DISCIPLINARY,
            guard=_probe_missing,
            refused=gettext_lazy("案件已归档,不能再启动一案双查。"),
        ),
    ],
)

PROBE_FLOW = Workflow(
    "accountability.dualinvestigation",
    PS,
    [
        Transition(
            "conclude",
            {PS.OPEN},
            PS.CONCLUDED,
            gettext_lazy("记录核查结论"),
            permission=CHANGE_PROBE,
            refused=gettext_lazy("该核查已得出结论。"),
        ),
    ],
)


def _formalities_open(measure: AccountabilityMeasure) -> str | None:
    if measure.formalities_due is None:
        return _("该问责方式无须办理组织手续。")
    if measure.formalities_done_on is not None:
        return _("手续已办结。")
    return None


# Measures change through an appeal's outcome or a correction of the case (services decide
# who may); formalities are recorded whatever became of the measure since.
MEASURE_FLOW = Workflow(
    "accountability.accountabilitymeasure",
    MS,
    [
        Transition("change", {MS.IN_FORCE}, MS.CHANGED, gettext_lazy("变更")),
        Transition("revoke", {MS.IN_FORCE}, MS.REVOKED, gettext_lazy("撤销")),
        Transition(
            "record_formalities",
            MS.values,
            None,
            gettext_lazy("登记手续办结"),
            guard=_formalities_open,
        ),
    ],
)

# An appeal's decision is its outcome (empty while pending); decided on the case file's side.
APPEAL_FLOW = Workflow(
    "accountability.appeal",
    AO,
    [
        Transition(
            outcome,
            {AO.PENDING},
            outcome,
            AO(outcome).label,
            refused=gettext_lazy("该申诉已作出复查决定。"),
        )
        for outcome in (AO.UPHELD, AO.CHANGED, AO.REVOKED)
    ],
    status_field="outcome",
)


# --- 党风廉政意见回复 (issue 16) ---------------------------------------------------------------

IRS = IntegrityRequest.Status
IR = IntegrityReply.Status
CHANGE_REPLY = "accountability.change_integrityreply"
SIGN_REPLY = "accountability.sign_integrityreply"


def _all_replies_returned(request: IntegrityRequest) -> str | None:
    if request.replies.exclude(status=IR.RETURNED).exists():
        return _("尚有人员的意见未回复。")
    return None


def _replies_untouched(request: IntegrityRequest) -> str | None:
    if request.replies.exclude(status=IR.DRAFT).exists():
        return _("纪委已签字或回复部分意见,不能撤回。")
    return None


INTEGRITY_REQUEST_FLOW = Workflow(
    "accountability.integrityrequest",
    IRS,
    [
        Transition(
            "withdraw",
            {IRS.SUBMITTED},
            IRS.WITHDRAWN,
            gettext_lazy("撤回征求"),
            permission="accountability.change_integrityrequest",
            guard=_replies_untouched,
        ),
        # Closed by the service when the last reply is returned (system actor).
        Transition(
            "complete",
            {IRS.SUBMITTED},
            IRS.RETURNED,
            gettext_lazy("全部回复"),
            guard=_all_replies_returned,
        ),
    ],
)


def _request_open(reply: IntegrityReply) -> str | None:
    if reply.request.status == IRS.WITHDRAWN:
        return _("组织部已撤回该征求。")
    return None


INTEGRITY_REPLY_FLOW = Workflow(
    "accountability.integrityreply",
    IR,
    [
        # Editing a signed reply withdraws the signature: it must be signed again.
        Transition(
            "edit",
            {IR.DRAFT, IR.SIGNED},
            IR.DRAFT,
            gettext_lazy("修改回复意见"),
            permission=CHANGE_REPLY,
            guard=_request_open,
            refused=gettext_lazy("意见已回复,不能再修改。"),
        ),
        Transition(
            "sign",
            {IR.DRAFT},
            IR.SIGNED,
            gettext_lazy("签字背书"),
            permission=SIGN_REPLY,
            guard=_request_open,
        ),
        Transition(
            "return",
            {IR.SIGNED},
            IR.RETURNED,
            gettext_lazy("回复组织部"),
            permission=CHANGE_REPLY,
            guard=_request_open,
            refused=gettext_lazy("须先经纪委书记签字背书,才能回复组织部。"),
        ),
    ],
)

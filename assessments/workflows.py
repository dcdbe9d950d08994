"""The transition tables of assessments: a quarterly snapshot's publish lock and a democratic
evaluation's voting, a public questionnaire's answering.

A published snapshot never changes (the model refuses the save as well); every change of a
quarter's result — recomputing, adjusting, entering inputs, opening an evaluation — is
offered only while its snapshot is a draft. Who may do it (the superior: MANAGE over the
parent unit) is decided in authority.py, not by a rules permission, so these transitions
name none.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from assessments.models import (
    AssessmentSnapshot,
    EvaluationRound,
    PersonAssessmentSnapshot,
    Questionnaire,
)
from liangge_zeren.workflow import Transition, Workflow

SS = AssessmentSnapshot.Status
ES = EvaluationRound.Status
QS = Questionnaire.Status

SNAPSHOT_FLOW = Workflow(
    "assessments.assessmentsnapshot",
    SS,
    [
        Transition(
            "publish",
            {SS.DRAFT},
            SS.PUBLISHED,
            gettext_lazy("发布"),
            refused=gettext_lazy("该考核结果已发布, 不可重复发布或修改。"),
        ),
        # Recorded in place, on a draft only.
        Transition(
            "recompute",
            {SS.DRAFT},
            None,
            gettext_lazy("重新计算"),
            refused=gettext_lazy("已发布的考核结果不可重新计算。"),
        ),
        Transition(
            "adjust",
            {SS.DRAFT},
            None,
            gettext_lazy("人工调整"),
            refused=gettext_lazy("该季度考核结果已发布, 不能再调整。"),
        ),
        Transition(
            "record_input",
            {SS.DRAFT},
            None,
            gettext_lazy("录入评价数据"),
            refused=gettext_lazy("该季度考核结果已发布, 不能再录入评价数据。"),
        ),
        Transition(
            "open_evaluation",
            {SS.DRAFT},
            None,
            gettext_lazy("发起民主测评"),
            refused=gettext_lazy("该季度考核结果已发布, 不能再发起民主测评。"),
        ),
    ],
)

EVALUATION_ROUND_FLOW = Workflow(
    "assessments.evaluationround",
    ES,
    [
        Transition(
            "close",
            {ES.OPEN},
            ES.CLOSED,
            gettext_lazy("结束测评"),
            refused=gettext_lazy("该民主测评已结束。"),
        ),
        Transition(
            "vote",
            {ES.OPEN},
            None,
            gettext_lazy("投票"),
            refused=gettext_lazy("该民主测评已结束。"),
        ),
    ],
)


def _before_close_date(questionnaire: Questionnaire) -> str | None:
    if questionnaire.closes_on < timezone.localdate():
        return gettext("该问卷已过截止日期。")
    return None


# A public questionnaire: answered (by code or open link), edited, given codes and third-party
# evaluators while open; closing it ends the answers and every evaluator's access.
QUESTIONNAIRE_FLOW = Workflow(
    "assessments.questionnaire",
    QS,
    [
        Transition(
            "close",
            {QS.OPEN},
            QS.CLOSED,
            gettext_lazy("结束问卷"),
            refused=gettext_lazy("该问卷已结束。"),
        ),
        Transition(
            "answer",
            {QS.OPEN},
            None,
            gettext_lazy("答卷"),
            guard=_before_close_date,
            refused=gettext_lazy("该问卷已结束, 不再接受答卷。"),
        ),
        Transition(
            "edit",
            {QS.OPEN},
            None,
            gettext_lazy("修改题目"),
            refused=gettext_lazy("该问卷已结束, 不能再修改题目。"),
        ),
        Transition(
            "issue_codes",
            {QS.OPEN},
            None,
            gettext_lazy("生成答题码"),
            refused=gettext_lazy("该问卷已结束, 不能再生成答题码。"),
        ),
        Transition(
            "invite",
            {QS.OPEN},
            None,
            gettext_lazy("邀请第三方评议人"),
            refused=gettext_lazy("该问卷已结束, 不能再邀请第三方评议人。"),
        ),
        Transition(
            "evaluate",
            {QS.OPEN},
            None,
            gettext_lazy("提交第三方评议"),
            guard=_before_close_date,
            refused=gettext_lazy("该评议已结束。"),
        ),
    ],
)

PS = PersonAssessmentSnapshot.Status

# A person's quarterly or yearly result: the same lock as a unit's. Interviews and the
# 面对面 review of the period are recorded while its result is a draft.
PERSON_SNAPSHOT_FLOW = Workflow(
    "assessments.personassessmentsnapshot",
    PS,
    [
        Transition(
            "publish",
            {PS.DRAFT},
            PS.PUBLISHED,
            gettext_lazy("发布"),
            refused=gettext_lazy("该考核结果已发布, 不可重复发布或修改。"),
        ),
        Transition(
            "recompute",
            {PS.DRAFT},
            None,
            gettext_lazy("重新计算"),
            refused=gettext_lazy("已发布的考核结果不可重新计算。"),
        ),
        Transition(
            "record_input",
            {PS.DRAFT},
            None,
            gettext_lazy("录入谈话了解或评议"),
            refused=gettext_lazy("该期个人考核结果已发布, 不能再录入。"),
        ),
    ],
)

"""The transition tables of assessments: a quarterly snapshot's publish lock and a democratic
evaluation's voting.

A published snapshot never changes (the model refuses the save as well); every change of a
quarter's result — recomputing, adjusting, entering inputs, opening an evaluation — is
offered only while its snapshot is a draft. Who may do it (the superior: MANAGE over the
parent unit) is decided in authority.py, not by a rules permission, so these transitions
name none.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from assessments.models import AssessmentSnapshot, EvaluationRound
from liangge_zeren.workflow import Transition, Workflow

SS = AssessmentSnapshot.Status
ES = EvaluationRound.Status

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

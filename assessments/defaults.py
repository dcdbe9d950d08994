"""The default indicator set, built from domain.md §(e) (100 points, four dimensions + 评价).

Local practice varies (there is no national formula); this is a starting configuration that
administrators copy and change per year in the admin — a new version, never an edit in place
of a set that snapshots already used.
"""

from typing import Any

from django.db import transaction

from assessments.models import Indicator, IndicatorSet, SubjectType

I = Indicator.RuleType  # noqa: E741
D = Indicator.Dimension
E = Indicator.EvidenceSource

LIGHTS = {"green": 85, "yellow": 70}
GRADES = [[90, "优秀"], [80, "良好"], [60, "合格"], [0, "不合格"]]

# code, name, dimension, max, rule, params, evidence
DEFAULT_INDICATORS = [
    (
        "M1",
        "年度责任清单已制定并生效",
        D.DEFINE,
        5,
        I.PRESENCE,
        {"input": "lists.in_force"},
        E.LIST_PROGRESS,
    ),
    (
        "M2",
        "党委(党组)专题研究党风廉政建设(每季度至少一次)",
        D.DEFINE,
        5,
        I.COUNT_THRESHOLD,
        {"input": "logs.committee_meeting", "threshold": 1},
        E.DUTY_LOGS,
    ),
    (
        "L1",
        "理论学习和警示教育(每月一次)",
        D.PERFORM,
        8,
        I.COUNT_THRESHOLD,
        {"input": "logs.study_session", "threshold": 3},
        E.DUTY_LOGS,
    ),
    (
        "L2",
        "听取班子成员履行一岗双责情况汇报(每季度)",
        D.PERFORM,
        6,
        I.COUNT_THRESHOLD,
        {"input": "logs.report_review", "threshold": 1, "all_or_nothing": True},
        E.DUTY_LOGS,
    ),
    (
        "L3",
        "廉政谈心谈话(基础分加按次加分)",
        D.PERFORM,
        8,
        I.PER_OCCURRENCE_BONUS,
        {"input": "logs.talk", "base": 4, "threshold": 2, "bonus": 2, "per": 1},
        E.DUTY_LOGS,
    ),
    (
        "L4",
        "到期责任条目按时落实(每缺一项扣 2 分)",
        D.PERFORM,
        13,
        I.PER_MISS_DEDUCTION,
        {"input": "lists.items_missed", "per": 2},
        E.LIST_PROGRESS,
    ),
    (
        "D1",
        "监督检查(每季度至少一次)",
        D.SUPERVISE,
        5,
        I.COUNT_THRESHOLD,
        {"input": "logs.supervision_visit", "threshold": 1},
        E.DUTY_LOGS,
    ),
    (
        "D2",
        "整改任务按期完成率",
        D.SUPERVISE,
        10,
        I.RATIO_ON_TIME,
        {"input": "rectification", "when_none_due": "full"},
        E.RECTIFICATION,
    ),
    # The incentive rule (Haiyan, S10): self-found problems are not deducted, problems found
    # by others cost 1 unit, concealed ones (verified by reviewers) double.
    (
        "D3",
        "发现问题情况(自查不扣分, 瞒报加倍扣分)",
        D.SUPERVISE,
        10,
        I.PER_MISS_DEDUCTION,
        {
            "input": "findings",
            "per": 1,
            "weights": {"self_found": 0, "found_by_others": 1, "concealed": 2},
        },
        E.FINDINGS,
    ),
    # Handling of accountability cases: reviewers' judgement (never "number of people held
    # accountable" — domain.md §(d) warns against quotas).
    ("Z1", "问责案件依规依纪处理", D.ACCOUNT, 5, I.MANUAL, {}, E.ACCOUNTABILITY),
    (
        "P1",
        "民主测评(按“优秀”票比例分档)",
        D.EVALUATE,
        10,
        I.SURVEY_BAND,
        {
            "input": "democratic",
            "measure": "excellent_share",
            "bands": [[90, 1.0], [80, 0.95], [70, 0.9], [60, 0.85], [0, 0.8]],
            "penalty": {"share": 33.33, "fraction": 0.65},
            "missing": "full",
        },
        E.DEMOCRATIC_EVALUATION,
    ),
    (
        "P2",
        "群众满意度问卷",
        D.EVALUATE,
        5,
        I.SURVEY_BAND,
        {
            "input": "questionnaire",
            "measure": "score",
            "bands": [[90, 1.0], [80, 0.9], [70, 0.8], [60, 0.7], [0, 0.5]],
            "missing": "full",
        },
        E.QUESTIONNAIRE,
    ),
    (
        "P3",
        "第三方评估",
        D.EVALUATE,
        5,
        I.SURVEY_BAND,
        {
            "input": "third_party",
            "measure": "score",
            "bands": [[90, 1.0], [80, 0.9], [70, 0.8], [60, 0.7], [0, 0.5]],
            "missing": "full",
        },
        E.THIRD_PARTY,
    ),
    # 谈话了解 (imported interview scores, 0–100): scored since issue 18; sets created before
    # keep their version (published snapshots never change), new sets carry it.
    (
        "P4",
        "谈话了解",
        D.EVALUATE,
        5,
        I.SURVEY_BAND,
        {
            "input": "interview",
            "measure": "score",
            "bands": [[90, 1.0], [80, 0.9], [70, 0.8], [60, 0.7], [0, 0.5]],
            "missing": "full",
        },
        E.INTERVIEW,
    ),
]

SCORE_BANDS = [[90, 1.0], [80, 0.9], [70, 0.8], [60, 0.7], [0, 0.5]]
VOTE_BANDS = {
    "input": "democratic",
    "measure": "excellent_share",
    "bands": [[90, 1.0], [80, 0.95], [70, 0.9], [60, 0.85], [0, 0.8]],
    "penalty": {"share": 33.33, "fraction": 0.65},
    "missing": "full",
}
# Person inputs (collect.collect_people); "per_quarter" thresholds scale with the period
# (×4 for the whole year). 述责述廉 is assessed in the yearly period only (no data in a
# quarter → full marks); 谈话了解 and 民主测评 likewise score full when there is none.
_PERSON_COMMON = [
    (
        "R1",
        "本人责任清单到期条目按时落实(每缺一项扣 2 分)",
        D.DEFINE,
        15,
        I.PER_MISS_DEDUCTION,
        {"input": "lists.items_missed", "per": 2},
        E.LIST_PROGRESS,
    ),
    (
        "R2",
        "履责方式多样(纪实涉及至少 3 种履责方式)",
        D.PERFORM,
        10,
        I.COUNT_THRESHOLD,
        {"input": "method.kinds", "threshold": 3},
        E.DUTY_LOGS,
    ),
    (
        "S1",
        "分管领域整改任务按期完成率",
        D.SUPERVISE,
        10,
        I.RATIO_ON_TIME,
        {"input": "portfolio.rectification", "when_none_due": "full"},
        E.RECTIFICATION,
    ),
    (
        "S2",
        "分管领域发现问题情况(自查不扣分, 瞒报加倍扣分)",
        D.SUPERVISE,
        10,
        I.PER_MISS_DEDUCTION,
        {
            "input": "portfolio.findings",
            "per": 2,
            "weights": {"self_found": 0, "found_by_others": 1, "concealed": 2},
        },
        E.FINDINGS,
    ),
    (
        "Z1",
        "本人受到问责情况(每项问责扣 5 分)",
        D.ACCOUNT,
        10,
        I.PER_MISS_DEDUCTION,
        {"input": "accountability.measures", "per": 5},
        E.ACCOUNTABILITY,
    ),
    (
        "P1",
        "民主测评(按“优秀”票比例分档)",
        D.EVALUATE,
        10,
        I.SURVEY_BAND,
        VOTE_BANDS,
        E.DEMOCRATIC_EVALUATION,
    ),
    (
        "P2",
        "谈话了解(评分表)",
        D.EVALUATE,
        10,
        I.SURVEY_BAND,
        {"input": "interview", "measure": "score", "bands": SCORE_BANDS, "missing": "full"},
        E.INTERVIEW,
    ),
    (
        "P3",
        "述责述廉及面对面评议(年度)",
        D.EVALUATE,
        10,
        I.SURVEY_BAND,
        {"input": "report", "measure": "score", "bands": SCORE_BANDS, "missing": "full"},
        E.REPORT,
    ),
]

PERSON_INDICATORS = {
    # 书记第一责任人: leads the committee's study and special meetings, talks with the members.
    SubjectType.FIRST_RESPONSIBLE_PERSON: [
        (
            "L1",
            "主持研究部署党风廉政建设(每季度至少一次)",
            D.PERFORM,
            5,
            I.COUNT_THRESHOLD,
            {"input": "logs.committee_meeting", "threshold": 1, "per_quarter": True},
            E.DUTY_LOGS,
        ),
        (
            "L2",
            "与班子成员和下级主要负责人谈心谈话(每季度至少 2 次)",
            D.PERFORM,
            10,
            I.COUNT_THRESHOLD,
            {"input": "logs.talk", "threshold": 2, "per_quarter": True},
            E.DUTY_LOGS,
        ),
        *_PERSON_COMMON,
    ],
    # 班子成员一岗双责 (and the 纪委书记): supervise and talk within the portfolio.
    SubjectType.TEAM_MEMBER: [
        (
            "L1",
            "督导检查分管领域(每季度至少一次)",
            D.PERFORM,
            5,
            I.COUNT_THRESHOLD,
            {"input": "logs.supervision_visit", "threshold": 1, "per_quarter": True},
            E.DUTY_LOGS,
        ),
        (
            "L2",
            "分管领域谈心谈话(每季度至少一次)",
            D.PERFORM,
            10,
            I.COUNT_THRESHOLD,
            {"input": "logs.talk", "threshold": 1, "per_quarter": True},
            E.DUTY_LOGS,
        ),
        *_PERSON_COMMON,
    ],
}

SET_NAMES = {
    SubjectType.ORGANISATION: "{year} 年度落实全面从严治党两个责任考核指标(默认)",
    SubjectType.FIRST_RESPONSIBLE_PERSON: "{year} 年度书记第一责任人考核指标(默认)",
    SubjectType.TEAM_MEMBER: "{year} 年度班子成员一岗双责考核指标(默认)",
}


def default_indicators(subject_type: str) -> list:
    if subject_type == SubjectType.ORGANISATION:
        return DEFAULT_INDICATORS
    return PERSON_INDICATORS[SubjectType(subject_type)]


@transaction.atomic
def ensure_default_set(year: int, subject_type: str = SubjectType.ORGANISATION) -> IndicatorSet:
    """The active set for the year, creating the default (version 1) if there is none."""
    existing = (
        IndicatorSet.objects.filter(year=year, subject_type=subject_type, is_active=True)
        .order_by("-version")
        .first()
    )
    if existing:
        return existing
    indicator_set, _created = IndicatorSet.objects.get_or_create(
        year=year,
        subject_type=subject_type,
        version=1,
        defaults={
            "name": SET_NAMES[SubjectType(subject_type)].format(year=year),
            "light_thresholds": LIGHTS,
            "grade_bands": GRADES,
        },
    )
    rows = default_indicators(subject_type)
    for order, (code, name, dim, top, rule, params, evidence) in enumerate(rows):
        Indicator.objects.get_or_create(
            indicator_set=indicator_set,
            code=code,
            defaults=dict(
                name=name,
                dimension=dim,
                max_score=top,
                rule_type=rule,
                params=params,
                evidence_source=evidence,
                order=order,
            ),
        )
    return indicator_set


# The warnings of issue 18 (assessments.WarningRule), local practice: the system administrator
# changes the thresholds in the admin (history kept).
WARNING_RULES: list[dict[str, Any]] = [
    {
        "code": "discipline_substitutes",
        "share_percent": 50,
        "min_logs": 4,
        "keywords": "纪委、纪检、监委",
        "basis": "主体责任虚化:以纪委的监督责任代替党委的主体责任(种子报告)",
    },
    {
        "code": "discipline_side_jobs",
        "keywords": "监督、纪检、监察、执纪、问责、巡察、党风廉政、反腐",
        "basis": "监督责任弱化:“三转”后纪委书记、派驻纪检组长不分管其他业务(种子报告)",
    },
    {
        "code": "stationed_overload",
        "max_departments": 8,
        "max_open_cases": 20,
        "max_cases_per_officer": 5,
        "basis": "监督责任弱化:派驻纪检组分管事务多、案件检查力不从心(种子报告)",
    },
    {
        "code": "signed_then_idle",
        "day_limit": 31,
        "min_logs": 1,
        "basis": "年初签订责任状,平时很少过问(种子报告)",
    },
]


def ensure_warning_rules(model=None) -> int:
    """Create whichever default warning rules are missing (the stored ones stay as they are)."""
    if model is None:
        from assessments.models import WarningRule as model
    created = 0
    for row in WARNING_RULES:
        created += model.objects.get_or_create(code=row["code"], defaults=row)[1]
    return created

"""The default indicator set, built from domain.md §(e) (100 points, four dimensions + 评价).

Local practice varies (there is no national formula); this is a starting configuration that
administrators copy and change per year in the admin — a new version, never an edit in place
of a set that snapshots already used.
"""

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
    ("Z1", "问责案件依规依纪处理", D.ACCOUNT, 10, I.MANUAL, {}, E.ACCOUNTABILITY),
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
]


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
            "name": f"{year} 年度落实全面从严治党两个责任考核指标(默认)",
            "light_thresholds": LIGHTS,
            "grade_bands": GRADES,
        },
    )
    for order, (code, name, dim, top, rule, params, evidence) in enumerate(DEFAULT_INDICATORS):
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

"""Demo data of 知责 (issue 18): the province's question bank on the 准则 and 条例, a test of
this quarter in county 1 for its Party secretary, team members and discipline secretary
(two of them have taken it, 陈晓梅 — `county1_member` — has not), and a study material on one
of county 1's responsibility items.

Questions cite articles of the texts in force: 《中国共产党问责条例》(2019), 《中国共产党纪律处分
条例》(2023 revision) and 《中国共产党廉洁自律准则》(2015). Idempotent: questions are recognised
by their stem, the test by unit and quarter, the material by its title.
"""

from __future__ import annotations

import datetime
from dataclasses import astuple

from django.utils import timezone

from assessments import knowledge
from assessments.models import KnowledgeAssignment, KnowledgeQuestion, KnowledgeTest
from assessments.services import knowledge as services
from demo.org_tree import DemoContext
from liangge_zeren.actors import DEMO
from liangge_zeren.periods import Quarter
from responsibilities import study
from responsibilities.models import ResponsibilityItem, StudyMaterial, Tenure

K = KnowledgeQuestion.Kind
CODE, REG = KnowledgeQuestion.SourceKind.CODE, KnowledgeQuestion.SourceKind.REGULATION
ACCOUNTABILITY = "《中国共产党问责条例》"
DISCIPLINE = "《中国共产党纪律处分条例》(2023年修订)"
INTEGRITY = "《中国共产党廉洁自律准则》"

# (kind, stem, options, answer, source article, source kind, tags)
QUESTIONS: tuple[tuple[str, str, list[str], str, str, str, list[str]], ...] = (
    (
        K.SINGLE,
        "根据《中国共产党问责条例》,问责对象是:",
        ["党组织、党的领导干部", "全体党员", "全体公职人员", "国有企业全体职工"],
        "A",
        f"{ACCOUNTABILITY}第六条",
        REG,
        ["问责"],
    ),
    (
        K.JUDGE,
        "问责对象仅限于党的领导干部个人,不包括党组织。",
        [],
        "错",
        f"{ACCOUNTABILITY}第六条",
        REG,
        ["问责"],
    ),
    (
        K.MULTIPLE,
        "对党组织的问责,根据危害程度以及具体情况,可以采取以下哪些方式?",
        ["检查", "通报", "改组", "诫勉"],
        "ABC",
        f"{ACCOUNTABILITY}第八条",
        REG,
        ["问责"],
    ),
    (
        K.SINGLE,
        "以下哪一项不属于对党的领导干部的问责方式?",
        ["通报", "诫勉", "改组", "纪律处分"],
        "C",
        f"{ACCOUNTABILITY}第八条",
        REG,
        ["问责"],
    ),
    (
        K.MULTIPLE,
        "党的问责工作应当坚持的原则包括:",
        ["依规依纪、实事求是", "失责必问、问责必严", "权责一致、错责相当", "法不责众、从轻处理"],
        "ABC",
        f"{ACCOUNTABILITY}第三条",
        REG,
        ["问责"],
    ),
    (
        K.SINGLE,
        "对党员的纪律处分种类共有几种?",
        ["三种", "四种", "五种", "六种"],
        "C",
        f"{DISCIPLINE}第八条",
        REG,
        ["纪律处分"],
    ),
    (
        K.SINGLE,
        "以下哪一项不属于对党员的纪律处分种类?",
        ["警告", "严重警告", "留党察看", "降级"],
        "D",
        f"{DISCIPLINE}第八条",
        REG,
        ["纪律处分"],
    ),
    (
        K.MULTIPLE,
        "对于严重违犯党纪、本身又不能纠正的党组织,上一级党的委员会在查明核实后,"
        "根据情节严重的程度,可以予以:",
        ["改组", "解散", "留党察看", "诫勉"],
        "AB",
        f"{DISCIPLINE}第九条",
        REG,
        ["纪律处分"],
    ),
    (
        K.SINGLE,
        "党员受到严重警告处分后,多长时间内不得在党内提拔职务或者进一步使用?",
        ["一年", "一年半", "两年", "三年"],
        "B",
        f"{DISCIPLINE}第十条",
        REG,
        ["纪律处分"],
    ),
    (
        K.JUDGE,
        "党员受到警告处分一年内,不得在党内提拔职务或者进一步使用。",
        [],
        "对",
        f"{DISCIPLINE}第十条",
        REG,
        ["纪律处分"],
    ),
    (
        K.JUDGE,
        "《中国共产党廉洁自律准则》要求党员坚持公私分明,先公后私,克己奉公。",
        [],
        "对",
        f"{INTEGRITY}党员廉洁自律规范第一条",
        CODE,
        ["廉洁自律"],
    ),
    (
        K.JUDGE,
        "《中国共产党廉洁自律准则》要求党员坚持尚俭戒奢,艰苦朴素,勤俭节约。",
        [],
        "对",
        f"{INTEGRITY}党员廉洁自律规范第三条",
        CODE,
        ["廉洁自律"],
    ),
    (
        K.MULTIPLE,
        "《中国共产党廉洁自律准则》中的党员领导干部廉洁自律规范包括:",
        ["廉洁从政", "廉洁用权", "廉洁修身", "廉洁经商"],
        "ABC",
        f"{INTEGRITY}党员领导干部廉洁自律规范第五条至第八条",
        CODE,
        ["廉洁自律"],
    ),
    (
        K.SINGLE,
        "党员领导干部应当廉洁齐家,自觉带头树立良好( )。",
        ["家风", "学风", "文风", "会风"],
        "A",
        f"{INTEGRITY}党员领导干部廉洁自律规范第八条",
        CODE,
        ["廉洁自律"],
    ),
    (
        K.SINGLE,
        "《中国共产党廉洁自律准则》要求党员坚持吃苦在前,享受在后,( )。",
        ["甘于奉献", "勤俭节约", "克己奉公", "干净做事"],
        "A",
        f"{INTEGRITY}党员廉洁自律规范第四条",
        CODE,
        ["廉洁自律"],
    ),
)

TEST_ROLES = [Tenure.Role.SECRETARY, Tenure.Role.TEAM_MEMBER, Tenure.Role.DISCIPLINE_SECRETARY]
# Accounts that have taken the demo test (and how many answers they got wrong).
TAKEN = {"county1_jw_secretary": 1, "county1_secretary": 2}
MATERIAL_TITLE = "问责对象和问责方式"
MATERIAL_TEXT = (
    "问责对象是党组织、党的领导干部,重点是党委(党组)、党的工作机关及其领导成员,"
    "纪委、纪委派驻(派出)机构及其领导成员(第六条)。\n"
    "对党组织的问责方式:检查、通报、改组;对党的领导干部的问责方式:通报、诫勉、"
    "组织调整或者组织处理、纪律处分(第八条)。"
)


def step_knowledge(ctx: DemoContext) -> None:
    """知责: the province's question bank, a test of this quarter in county 1, a material."""
    province, county1 = ctx.tree.province, ctx.tree.orgs.get("JH-C01-K01")
    have = set(KnowledgeQuestion.objects.filter(org=province).values_list("stem_key", flat=True))
    for kind, stem, options, answer, article, source_kind, tags in QUESTIONS:
        if knowledge.normalise_stem(stem) in have:
            continue
        services.save_question(
            actor=DEMO,
            org=province,
            kind=kind,
            stem=stem,
            options=options,
            answer=answer,
            source_article=article,
            source_kind=source_kind,
            tags=tags,
        )
        ctx.created["knowledge questions"] += 1
    organiser = ctx.tree.users.get("county1_secretary")
    if county1 is None or organiser is None:
        ctx.log("  跳过知责测试演示数据: 缺少一号县或其书记账号。")
        return
    _test(ctx, county1, organiser)
    _material(ctx, county1)


def _test(ctx: DemoContext, county1, organiser) -> None:
    year, quarter = astuple(Quarter.current())
    test = KnowledgeTest.objects.filter(org=county1, year=year, quarter=quarter).first()
    if test is None:
        today = timezone.localdate()
        end = Quarter(year, quarter).window()[1]
        test = services.assign_test(
            actor=organiser,
            org=county1,
            title=f"{county1.name}{year}年第{quarter}季度知责测试",
            year=year,
            quarter=quarter,
            roles=list(TEST_ROLES),
            question_count=10,
            opens_on=today - datetime.timedelta(days=3),
            closes_on=max(end, today + datetime.timedelta(days=14)),
            seed=2026,
        )
        ctx.created["knowledge tests"] += 1
    sheets = KnowledgeAssignment.objects.filter(
        test=test, submitted_at__isnull=True, person__user__username__in=list(TAKEN)
    ).select_related("person__user", "test")
    for sheet in sheets:
        user = sheet.person.user
        if user is None:
            continue
        questions = knowledge.sheet_questions(sheet)
        wrong = TAKEN[user.username]
        answers = {
            str(q.pk): (_wrong(q) if i < wrong else q.answer) for i, q in enumerate(questions)
        }
        services.submit_sheet(sheet, answers, actor=user)
        ctx.created["knowledge sheets taken"] += 1


def _wrong(question: KnowledgeQuestion) -> str:
    if question.kind == K.JUDGE:
        return "F" if question.answer == "T" else "T"
    return "A" if question.answer != "A" else "B"


def _material(ctx: DemoContext, county1) -> None:
    item = (
        ResponsibilityItem.objects.filter(org=county1, is_active=True, list__is_template=False)
        .order_by("list_id", "number")
        .first()
    )
    if item is None or StudyMaterial.objects.filter(item=item, title=MATERIAL_TITLE).exists():
        return
    study.add_material(
        item,
        actor=DEMO,
        title=MATERIAL_TITLE,
        text=MATERIAL_TEXT,
        source_article=f"{ACCOUNTABILITY}第六条、第八条",
    )
    ctx.created["study materials"] += 1

"""Demo data of the assessments app (after every app whose records the assessment counts).

* evaluation inputs for last quarter: an imported democratic-evaluation tally and a
  questionnaire score per county and city (stable pseudo-random numbers per unit code), one
  reviewer adjustment with a reason, and an open online evaluation round for county 1;
* a closed democratic evaluation of county 1's team last quarter: a roll of the county's
  people and invited representatives, votes by code and by account, results shown;
* this quarter's evaluation of county 1 open, with a roll and three unused voting codes for
  its representatives — sent to the organiser's inbox (demo only: real codes are shown once
  on the printed sheet and kept nowhere);
* public questionnaires (群众参与, issue 18) for county 1: last quarter's closed, with a dozen
  anonymous answers (two with comments, which go to the county's 纪委 as leads), so its score
  feeds the quarter; this quarter's open, with a batch of printable one-time codes (only
  their hashes are kept: the demo log shows a few; the page prints a new batch);
* last quarter computed and published by the superior (the demo administrator), so the
  snapshot list shows a published quarter with traffic lights.

Idempotent: inputs are created only when missing, published snapshots never change.
"""

import datetime
import random
from dataclasses import astuple

from django.contrib.auth import get_user_model
from django.utils import timezone

from assessments import selectors
from assessments.models import (
    AssessmentSnapshot,
    EvaluationInput,
    EvaluationRound,
    Grade,
    ManualAdjustment,
    PersonAssessmentSnapshot,
    PersonInterview,
    Questionnaire,
    ReportReview,
    RollEntry,
)
from assessments.questionnaires import default_questions, likert_keys
from assessments.services import evaluations, people, snapshots
from assessments.services import questionnaires as questionnaire_services
from demo.org_tree import DemoContext
from liangge_zeren.actors import DEMO
from liangge_zeren.periods import Quarter
from responsibilities.models import DutyReport, Organization


def _inputs(ctx: DemoContext, year: int, quarter: int, reviewer) -> None:
    K = EvaluationInput.Kind
    units = Organization.objects.filter(
        code__startswith="JH", kind__in=[Organization.Kind.CITY, Organization.Kind.COUNTY]
    ).order_by("path")
    have = set(
        EvaluationInput.objects.filter(year=year, quarter=quarter, org__in=units).values_list(
            "org_id", "kind"
        )
    )
    for org in units:
        rng = random.Random(f"{org.code}:{year}Q{quarter}")
        if (org.pk, K.DEMOCRATIC_TALLY) not in have:
            voters = rng.randint(25, 45)
            excellent = int(voters * rng.uniform(0.45, 0.95))
            weak = rng.randint(0, max(0, (voters - excellent) // 3))
            evaluations.record_input(
                org=org,
                year=year,
                quarter=quarter,
                kind=K.DEMOCRATIC_TALLY,
                actor=reviewer,
                values={
                    "excellent": excellent,
                    "competent": voters - excellent - weak,
                    "basic": weak,
                    "incompetent": 0,
                },
                note="现场测评汇总导入",
            )
            ctx.created["evaluation inputs"] += 1
        if (org.pk, K.QUESTIONNAIRE) not in have:
            evaluations.record_input(
                org=org,
                year=year,
                quarter=quarter,
                kind=K.QUESTIONNAIRE,
                actor=reviewer,
                values={"score": round(rng.uniform(62, 97), 1)},
                note="群众满意度问卷",
            )
            ctx.created["evaluation inputs"] += 1
    county2 = ctx.tree.orgs.get("JH-C01-K02")
    if (
        county2
        and not ManualAdjustment.objects.filter(org=county2, year=year, quarter=quarter).exists()
        and not AssessmentSnapshot.objects.filter(
            org=county2, year=year, quarter=quarter, status="published"
        ).exists()
    ):
        snapshots.adjust(
            org=county2,
            year=year,
            quarter=quarter,
            points=-3,
            indicator_code="Z1",
            actor=reviewer,
            reason="一起问责案件超期未办结(演示)",
        )
        ctx.created["manual adjustments"] += 1


REPRESENTATIVES = (
    ("刘桂芳", "县党代表"),
    ("马建平", "县人大代表"),
    ("杨秀英", "群众代表"),
    ("何志强", "企业代表"),
    ("罗晓燕", "退休干部代表"),
)
ROLL_SIZE = 24  # of the county's people (the demo county has more)


def _fill_roll(round_: EvaluationRound, organiser, representatives: int) -> list[RollEntry]:
    """The county's people (the evaluated team first) and invited representatives."""
    subjects = selectors.evaluated_people(round_)
    others = [p for p in selectors.roll_candidates(round_) if p not in subjects]
    evaluations.add_to_roll(round_, people=subjects + others[:ROLL_SIZE], actor=organiser)
    for name, note in REPRESENTATIVES[:representatives]:
        evaluations.add_representative(round_, name=name, note=note, actor=organiser)
    return list(RollEntry.objects.filter(round=round_).select_related("person"))


def _closed_round(ctx: DemoContext, county, year: int, quarter: int, organiser) -> None:
    """Last quarter's evaluation of the county's team: codes for everyone but the evaluated
    (all used), the evaluated with an account vote by account; then closed."""
    if EvaluationRound.objects.filter(org=county, year=year, quarter=quarter).exists():
        return
    round_ = evaluations.open_round(
        org=county,
        year=year,
        quarter=quarter,
        title=f"{county.name}领导班子 {year} 年第 {quarter} 季度民主测评",
        actor=organiser,
    )
    entries = _fill_roll(round_, organiser, representatives=5)
    subjects = selectors.evaluated_people(round_)
    subject_ids = {p.pk for p in subjects}
    codes = evaluations.issue_codes(
        round_, entries=[e for e in entries if e.person_id not in subject_ids], actor=organiser
    )
    rng = random.Random(f"{county.code}:{year}Q{quarter}:ballots")
    weights = [60, 30, 8, 2]

    def grade() -> str:
        return rng.choices(Grade.values, weights=weights)[0]

    for code in codes:
        evaluations.cast_code_ballot(
            code=code,
            grade=grade(),
            marks={p.pk: grade() for p in subjects},
            actor=evaluations.CODE_VOTER,
        )
    for person in subjects:
        if person.user is not None:
            evaluations.cast_ballot(
                round_,
                grade=grade(),
                marks={p.pk: grade() for p in subjects if p.pk != person.pk},
                actor=person.user,
            )
    evaluations.close_round(round_, actor=organiser)
    ctx.created["evaluation rounds"] += 1


def _open_round_codes(ctx: DemoContext, round_: EvaluationRound, organiser) -> None:
    """This quarter's open round: a roll and three unused codes for its representatives, sent
    to the organiser's inbox so the demo can vote on /vote/ (demo only, see the docstring)."""
    from notifications.services import notify

    if RollEntry.objects.filter(round=round_).exists() or organiser is None:
        return
    entries = _fill_roll(round_, organiser, representatives=3)
    codes = evaluations.issue_codes(
        round_, entries=[e for e in entries if e.is_representative], actor=organiser
    )
    shown = "、".join(f"{c[:4]}-{c[4:]}" for c in codes)
    notify(
        organiser,
        f"演示: {round_.title} 的投票码",
        body=f"演示用投票码(真实测评中投票码只在打印页显示一次): {shown}。"
        "在手机上打开 /vote/ 输入投票码即可投票。",
        link="/vote/",
        org_path=round_.org_path,
    )
    ctx.created["voting codes"] += len(codes)


DEMO_COMMENTS = (
    "办事窗口工作人员态度较好, 但材料要求一次性告知做得不够。",
    "听说个别工作人员在审批中优亲厚友, 希望纪委关注。",
)


def _questionnaires(ctx: DemoContext, reviewer) -> None:
    """County 1: last quarter's questionnaire closed with answers, this quarter's open with
    codes. Idempotent by unit, quarter and title."""
    county1 = ctx.tree.orgs.get("JH-C01-K01")
    if county1 is None:
        return
    today = timezone.localdate()
    for period, closed in ((Quarter.current().previous(), True), (Quarter.current(), False)):
        title = f"{county1.name}作风建设群众满意度调查 {period.year}Q{period.quarter}"
        if Questionnaire.objects.filter(
            org=county1, year=period.year, quarter=period.quarter, title=title
        ).exists():
            continue
        survey = questionnaire_services.open_questionnaire(
            actor=reviewer,
            org=county1,
            year=period.year,
            quarter=period.quarter,
            title=title,
            closes_on=today + datetime.timedelta(days=0 if closed else 30),
        )
        ctx.created["questionnaires"] += 1
        if closed:
            rng = random.Random(f"{county1.code}:questionnaire:{period}")
            keys = likert_keys(default_questions())
            for n in range(12):
                questionnaire_services.submit_response(
                    survey,
                    actor=questionnaire_services.PUBLIC,
                    answers={k: rng.choice((3, 4, 4, 5, 5)) for k in keys},
                    comment=DEMO_COMMENTS[n] if n < len(DEMO_COMMENTS) else "",
                )
            questionnaire_services.close_questionnaire(survey, actor=reviewer)
        else:
            codes = questionnaire_services.issue_codes(survey, actor=reviewer, count=20)
            ctx.log(f"  问卷答题码(仅此一次显示, 节选): {', '.join(codes[:5])}")


def step_assessments(ctx: DemoContext) -> None:
    """Last quarter's evaluation inputs, snapshots (published) and an open evaluation round."""
    year, quarter = astuple(Quarter.current().previous())
    admin = get_user_model().objects.filter(username="admin", is_superuser=True).first()
    reviewer = ctx.tree.users.get("city1_secretary") or admin
    if reviewer is None or admin is None:
        ctx.log("  跳过考核演示数据: 缺少演示账号。")
        return
    _inputs(ctx, year, quarter, reviewer)
    county1 = ctx.tree.orgs.get("JH-C01-K01")
    if county1 is not None:
        _closed_round(ctx, county1, year, quarter, reviewer)
    _questionnaires(ctx, reviewer)
    result = snapshots.compute_quarter(
        year,
        quarter,
        selectors.assessed_orgs().filter(path__startswith=ctx.tree.province.path),
        actor=DEMO,
    )
    published = 0
    drafts = AssessmentSnapshot.objects.filter(
        year=year, quarter=quarter, status="draft", org_path__startswith=ctx.tree.province.path
    ).select_related("org__parent")
    for snapshot in drafts:
        snapshots.publish_snapshot(snapshot, actor=admin)
        published += 1
    if result.created:
        ctx.created["assessment snapshots"] += result.created
    if published:
        ctx.created["snapshots published"] += published
    ctx.log(f"  {year}Q{quarter}: {result.as_dict()}, 发布 {published}")

    this_year, this_quarter = astuple(Quarter.current())
    if (
        county1
        and not EvaluationRound.objects.filter(
            org=county1, year=this_year, quarter=this_quarter
        ).exists()
    ):
        evaluations.open_round(
            org=county1,
            year=this_year,
            quarter=this_quarter,
            title=f"{county1.name}领导班子 {this_year} 年第 {this_quarter} 季度民主测评",
            actor=reviewer,
        )
        ctx.created["evaluation rounds"] += 1
    current = EvaluationRound.objects.filter(
        org=county1, year=this_year, quarter=this_quarter, status=EvaluationRound.Status.OPEN
    ).first()
    if current is not None:
        _open_round_codes(ctx, current, reviewer)


# --- Per-person assessment (issue 18) ---------------------------------------------------------

RUBRIC_CODES = ("political", "duty", "integrity", "style", "discipline")


def step_person_assessments(ctx: DemoContext) -> None:
    """County 1's team: 谈话了解 about each member last quarter, the 面对面 review of
    county1_member's 述责述廉 (submitted by step_duty_reports), the quarter's results published
    by the superior (city 1's secretary) and this year's results as drafts. Idempotent."""
    county1 = ctx.tree.orgs.get("JH-C01-K01")
    reviewer = ctx.tree.users.get("city1_secretary")
    if county1 is None or reviewer is None:
        ctx.log("  跳过个人考核演示数据: 缺少一号县或市委书记账号。")
        return
    last = Quarter.current().previous()
    this_year = Quarter.current().year
    _interviews(ctx, county1, last, reviewer)
    _review(ctx, this_year, reviewer)
    quarter = people.compute_people(county1, last.year, last.quarter, actor=DEMO)
    people.compute_people(county1, this_year, 0, actor=DEMO)
    published = 0
    for snap in PersonAssessmentSnapshot.objects.filter(
        org=county1, year=last.year, period=last.quarter, status="draft"
    ).select_related("org__parent"):
        people.publish_person_snapshot(snap, actor=reviewer)
        published += 1
    if quarter.created:
        ctx.created["person assessments"] += quarter.created
    period = f"{last.year}Q{last.quarter}"
    ctx.log(f"  {county1.name}班子成员 {period}: {quarter.as_dict()}, 发布 {published}")


def _interviews(ctx: DemoContext, county1: Organization, last: Quarter, reviewer) -> None:
    """谈话了解 about each member of the team last quarter (rubric scores stable per person)."""
    posts = selectors.team_posts(county1)
    have = set(
        PersonInterview.objects.filter(
            tenure__in=posts, year=last.year, quarter=last.quarter
        ).values_list("tenure_id", flat=True)
    )
    locked = set(
        PersonAssessmentSnapshot.objects.filter(
            tenure__in=posts, year=last.year, period__in=[last.quarter, 0], status="published"
        ).values_list("tenure_id", flat=True)
    )
    start, _end = last.window()
    for tenure in posts:
        if tenure.pk in have or tenure.pk in locked:
            continue
        rng = random.Random(f"{tenure.person.code}:{last.year}Q{last.quarter}")
        people.record_interview(
            actor=reviewer,
            tenure=tenure,
            year=last.year,
            quarter=last.quarter,
            interviewed_on=start + datetime.timedelta(days=40),
            scores={code: rng.randint(7, 10) for code in RUBRIC_CODES},
            note="考察谈话了解(演示)",
        )
        ctx.created["person interviews"] += 1


def _review(ctx: DemoContext, this_year: int, reviewer) -> None:
    """The 面对面 review of county1_member's 述责述廉 (submitted by step_duty_reports)."""
    member = ctx.tree.tenures.get("JH-C01-K01-PC:member5")
    if (
        member is not None
        and not ReportReview.objects.filter(tenure=member, year=this_year).exists()
        and DutyReport.objects.filter(tenure=member, year=this_year, status="submitted").exists()
    ):
        people.record_report_review(
            actor=reviewer,
            tenure=member,
            year=this_year,
            reviewed_on=timezone.localdate(),
            comments="能够落实一岗双责, 分管领域督导检查还需加强(演示)。",
            rating=ReportReview.Rating.FAIR_GOOD,
        )
        ctx.created["report reviews"] += 1

"""Demo data of the assessments app (after every app whose records the assessment counts).

* evaluation inputs for last quarter: an imported democratic-evaluation tally and a
  questionnaire score per county and city (stable pseudo-random numbers per unit code), one
  reviewer adjustment with a reason, and an open online evaluation round for county 1;
* last quarter computed and published by the superior (the demo administrator), so the
  snapshot list shows a published quarter with traffic lights.

Idempotent: inputs are created only when missing, published snapshots never change.
"""

import random
from dataclasses import astuple

from django.contrib.auth import get_user_model

from assessments import selectors
from assessments.models import (
    AssessmentSnapshot,
    EvaluationInput,
    EvaluationRound,
    ManualAdjustment,
)
from assessments.services import evaluations, snapshots
from demo.org_tree import DemoContext
from liangge_zeren.actors import DEMO
from liangge_zeren.periods import Quarter
from responsibilities.models import Organization


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


def step_assessments(ctx: DemoContext) -> None:
    """Last quarter's evaluation inputs, snapshots (published) and an open evaluation round."""
    year, quarter = astuple(Quarter.current().previous())
    admin = get_user_model().objects.filter(username="admin", is_superuser=True).first()
    reviewer = ctx.tree.users.get("city1_secretary") or admin
    if reviewer is None or admin is None:
        ctx.log("  跳过考核演示数据: 缺少演示账号。")
        return
    _inputs(ctx, year, quarter, reviewer)
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

    county1 = ctx.tree.orgs.get("JH-C01-K01")
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

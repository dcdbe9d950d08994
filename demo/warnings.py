"""Demo data for the warnings of issue 18 (assessments/warnings.py), through the services:

* 以纪代责 — county 2 (二号县, visible to county2_secretary and city1_secretary): its committee's
  own duty logs are mostly 听取县纪委监委汇报 (a deputy secretary's report reviews);
* 纪检负责人兼职 — county 2's 纪委书记 also sits on the county committee leading 城乡建设;
* 年初签、平时空 — city 1's 纪委书记 (city1_jw) signed a responsibility letter with the city
  secretary in early January and has logged nothing since.

Idempotent: each piece is added only while its warning is not yet raised.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from assessments import warnings
from assessments.models import WarningRule
from demo.org_tree import DemoContext
from liangge_zeren.actors import DEMO
from responsibilities import duty_logs, letters, services
from responsibilities.models import (
    ActionType,
    Body,
    ResponsibilityLetter,
    Tenure,
)

COUNTY2 = "JH-C01-K02"
CITY1 = "JH-C01"
SIDE_PORTFOLIO = "城乡建设"
Code = WarningRule.Code


def _post(ctx: DemoContext, key: str) -> Tenure | None:
    tenure = ctx.tree.tenures.get(key)
    return tenure if tenure is not None and tenure.end_date is None else None


def _raised(code: str, org_path: str) -> bool:
    rule = WarningRule.objects.filter(code=code).first()
    if rule is None or not rule.is_active:
        return True  # nothing to show
    window = warnings.Window(timezone.localdate().year, timezone.localdate())
    return any(f.org_path == org_path for f in warnings.flags(rule, None, org_path, window))


def _hearings(ctx: DemoContext) -> None:
    """County 2's deputy secretary records report reviews of the 纪委监委 until they are the
    majority of the committee's own logs of the year."""
    county = ctx.tree.orgs[COUNTY2]
    deputy = _post(ctx, f"{COUNTY2}-PC:deputy1") or _post(ctx, f"{COUNTY2}-PC:secretary")
    if deputy is None or _raised(Code.DISCIPLINE_SUBSTITUTES, county.path):
        return
    rule = WarningRule.objects.get(code=Code.DISCIPLINE_SUBSTITUTES)
    today = timezone.localdate()
    window = warnings.Window(today.year, today)
    counts = warnings.substitution_counts(
        rule.keyword_list, None, county.path, window, [county.pk]
    ).get(county.pk, {})
    own, heard = counts.get("own", 0), counts.get("hearings", 0)
    needed = max(rule.min_logs or 0, own - 2 * heard + 1)
    topics = ("信访举报办理", "监督检查", "审查调查", "专项整治", "廉政风险排查")
    for n in range(needed):
        day = max(datetime.date(today.year, 1, 2), today - datetime.timedelta(days=9 * n + 1))
        topic = topics[n % len(topics)]
        duty_logs.create_log(
            tenure=deputy,
            items=[],
            submit=True,
            action_type=ActionType.REPORT_REVIEW,
            occurred_on=day,
            title=f"听取县纪委监委关于{topic}情况的汇报",
            summary="县纪委监委汇报近期工作,班子听取后未作专门研究部署。",
            actor=DEMO,
        )
        ctx.created["warning demo logs"] += 1


def _side_job(ctx: DemoContext) -> None:
    """County 2's 纪委书记 also on the county committee, leading 城乡建设."""
    county = ctx.tree.orgs[COUNTY2]
    secretary = _post(ctx, f"{COUNTY2}-DC:secretary")
    if secretary is None or _raised(Code.DISCIPLINE_SIDE_JOBS, county.path):
        return
    portfolio = services.get_or_create_portfolio(county, SIDE_PORTFOLIO, actor=DEMO)
    committee = Body.objects.get(code=f"{COUNTY2}-PC")
    seat = (
        Tenure.objects.current()
        .filter(person=secretary.person, body=committee, role=Tenure.Role.TEAM_MEMBER)
        .first()
    )
    if seat is None:
        services.appoint(
            person=secretary.person,
            body=committee,
            role=Tenure.Role.TEAM_MEMBER,
            title="县委常委、县纪委书记",
            start_date=datetime.date(timezone.localdate().year, 1, 1),
            portfolios=[portfolio],
            actor=DEMO,
        )
    else:
        services.update_tenure(seat, portfolios=[*seat.portfolios.all(), portfolio], actor=DEMO)
    ctx.created["warning demo posts"] += 1


def _idle_letter(ctx: DemoContext) -> None:
    """City 1's 纪委书记 signs a letter with the city secretary in early January."""
    if not letters.letters_enabled():
        return
    city = ctx.tree.orgs[CITY1]
    issuer, signee = _post(ctx, f"{CITY1}-PC:secretary"), _post(ctx, f"{CITY1}-DC:secretary")
    if issuer is None or signee is None or _raised(Code.SIGNED_THEN_IDLE, city.path):
        return
    year = timezone.localdate().year
    if ResponsibilityLetter.objects.filter(signee_tenure=signee, year=year).exists():
        return  # a letter exists (signed by hand, or its signee logs): leave it
    if not letters.letter_items(signee, year):
        return
    letter = letters.generate_letter(signee=signee, issuer=issuer, year=year, actor=DEMO)
    signed_on = timezone.make_aware(datetime.datetime(year, 1, 6, 9, 30))
    for minutes, tenure in ((0, issuer), (20, signee)):
        user = tenure.person.user
        if user is None:
            return
        letters.sign_letter_trusted(
            letter,
            user=user,
            ip="10.20.30.41",
            signed_at=signed_on + datetime.timedelta(minutes=minutes),
            actor=DEMO,
        )
    ctx.created["letters"] += 1


def step_warnings(ctx: DemoContext) -> None:
    """Warnings (issue 18): one 以纪代责 county, one 纪委书记 with a business portfolio, one
    letter signed in January and left alone."""
    _hearings(ctx)
    _side_job(ctx)
    _idle_letter(ctx)

"""Inspection fixtures on top of the fixed cast: one row of every visibility kind."""

import datetime
from types import SimpleNamespace

import pytest

from inspections.models import Finding, FindingResponsibility, InspectionRound
from inspections.services import findings, rounds, tasks

K = InspectionRound.Kind
FR = FindingResponsibility.Kind
TODAY = datetime.date.today()


def make_finding(user, org, *, round=None, body=None, title="问题", responsibilities=(), **kw):
    data = dict(
        source=Finding.Source.THIS_LEVEL,
        sub_source="level_discipline",
        category=Finding.Category.CONDUCT,
        description=f"{title}的详细描述",
        severity=Finding.Severity.MINOR,
    )
    data.update(kw)
    return findings.record_finding(
        actor=user,
        org=org,
        round=round,
        inspecting_body=body,
        title=title,
        responsibilities=responsibilities,
        **data,
    )


def make_task(user, finding, owner, *, org=None, due=None, long_term=False):
    return tasks.create_task(
        actor=user,
        finding=finding,
        measure=f"整改:{finding.title}",
        owner_tenure=owner,
        org=org or finding.org,
        start_date=TODAY - datetime.timedelta(days=30),
        due_date=due or TODAY + datetime.timedelta(days=60),
        is_long_term=long_term,
    )


@pytest.fixture
def insp(cast):
    """Rounds and findings of every kind the visibility rules distinguish."""
    b, t = cast.bodies, cast.tenures
    jw = cast.user("county1_jw")
    city_jw = cast.user("city1_jw")
    prov_jw = cast.user("prov_jw")

    # County 巡察 of the township, issued by the county committee, still planned.
    xuncha = rounds.create_round(
        actor=jw,
        kind=K.XUNCHA,
        title="县委第一轮巡察",
        issuing_body=b["T-K1:committee"],
        year=TODAY.year,
        targets=[cast.township1],
    )
    xuncha_finding = make_finding(
        jw,
        cast.township1,
        round=xuncha,
        title="巡察发现的问题",
        source=Finding.Source.FROM_ABOVE,
        sub_source="above_inspection",
    )

    # Covert visit by the county commission, on site, not disclosed.
    covert = rounds.create_round(
        actor=jw,
        kind=K.COVERT_VISIT,
        title="作风暗访",
        issuing_body=b["T-K1:discipline"],
        year=TODAY.year,
        targets=[cast.township1],
    )
    rounds.start_on_site(covert, actor=jw)
    covert_finding = make_finding(jw, cast.township1, round=covert, title="暗访发现公车私用")

    # Re-supervision of county 1's discipline commission by the city commission.
    resup = rounds.create_round(
        actor=city_jw,
        kind=K.RE_SUPERVISION,
        title="对一号县纪委监委的监督再监督",
        issuing_body=b["T-C1:discipline"],
        year=TODAY.year,
        targets=[cast.county1],
    )
    rounds.start_on_site(resup, actor=city_jw)
    rounds.start_reporting(resup, actor=city_jw)
    resup_finding = make_finding(
        city_jw,
        cast.county1,
        round=resup,
        title="监督执纪不到位",
        category=Finding.Category.SUPERVISION,
        responsibilities=[(t["county1_jw"], FR.SUPERVISORY)],
    )
    rounds.give_feedback(resup, actor=city_jw, feedback_date=TODAY)

    # Same-level daily supervision of county 1's committee (delivered at once) with a task.
    daily = make_finding(
        jw,
        cast.county1,
        body=b["T-K1:discipline"],
        title="落实主体责任不力",
        responsibilities=[(t["county1_secretary"], FR.PRINCIPAL)],
    )
    daily_task = make_task(jw, daily, t["county1_secretary"])

    # Upward channel: a lead on a same-level committee member.
    upward = make_finding(
        jw,
        cast.county1,
        body=b["T-K1:discipline"],
        title="班子成员违规收受礼金",
        category=Finding.Category.DISCIPLINE,
        responsibilities=[(t["county1_member"], FR.DIRECT)],
    )
    upward_task = make_task(jw, upward, t["county1_member"])

    # Provincial 巡视 of city 1, feedback given.
    xunshi = rounds.create_round(
        actor=prov_jw,
        kind=K.XUNSHI,
        title="省委第一轮巡视",
        issuing_body=b["T-P:committee"],
        year=TODAY.year,
        targets=[cast.city1],
    )
    rounds.start_on_site(xunshi, actor=prov_jw)
    rounds.start_reporting(xunshi, actor=prov_jw)
    xunshi_finding = make_finding(
        prov_jw,
        cast.city1,
        round=xunshi,
        title="巡视发现的问题",
        source=Finding.Source.FROM_ABOVE,
        sub_source="above_inspection",
    )
    rounds.give_feedback(xunshi, actor=prov_jw, feedback_date=TODAY)

    # The sibling county's own finding (nobody in county 1 may see it).
    sibling = make_finding(prov_jw, cast.county2, body=b["T-K2:discipline"], title="二号县的问题")
    sibling_task = make_task(prov_jw, sibling, t["county2_secretary"])

    for row in (xuncha_finding, covert_finding, resup_finding, xunshi_finding, covert, resup):
        row.refresh_from_db()
    return SimpleNamespace(
        xuncha=xuncha,
        xuncha_finding=xuncha_finding,
        covert=covert,
        covert_finding=covert_finding,
        resup=resup,
        resup_finding=resup_finding,
        daily=daily,
        daily_task=daily_task,
        upward=upward,
        upward_task=upward_task,
        xunshi=xunshi,
        xunshi_finding=xunshi_finding,
        sibling=sibling,
        sibling_task=sibling_task,
    )


@pytest.fixture
def daily_finding(cast):
    """Just one delivered daily-supervision finding on county 1 (cheap)."""
    return make_finding(
        cast.user("county1_jw"),
        cast.county1,
        body=cast.bodies["T-K1:discipline"],
        title="日常监督发现的问题",
        responsibilities=[(cast.tenures["county1_secretary"], FR.PRINCIPAL)],
    )

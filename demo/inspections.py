"""Demo inspections for `seed_demo` (after the org tree and accounts of demo.org_tree).

Adds: a provincial 巡视 of city 1 with feedback (team + principal leader) and a face-to-face
review acknowledged by the city secretary; a county 巡察 of two townships; a covert visit not
yet disclosed; a re-supervision of county 1's discipline commission by the city commission;
same-level daily supervision of county 1 (one finding for the secretary to rectify, one lead
on a committee member on the upward channel); findings with rectification tasks in every
state (assigned, in progress, submitted, returned, closed, reopened; some overdue, some due
soon, one long-term); risk profiles of county 1's units.

Idempotent: each round is looked up by (issuing body, year, title) and each round-less
finding by (unit, title); whatever exists is left alone, so a second run creates nothing.
Dates are relative to the first run's day.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from demo.org_tree import DemoContext
from inspections.models import Finding, InspectionRound, RiskProfile
from inspections.services import findings, risk_profiles, rounds, tasks
from responsibilities.models import ResponsibilityItem

K = InspectionRound.Kind
SRC = Finding.Source
CAT = Finding.Category
SEV = Finding.Severity


def _days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


class _Seeder:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.tree = ctx.tree
        users = ctx.tree.users
        self.prov_jw = users.get("prov_jw")
        self.city_jw = users.get("city1_jw")
        self.city_sec = users.get("city1_secretary")
        self.county_jw = users.get("county1_jw")
        self.county_sec = users.get("county1_secretary")

    def round(self, *, body: str, kind: str, title: str, targets: list[str], **extra):
        issuing = self.tree.body(body)
        year = timezone.localdate().year
        existing = InspectionRound.objects.filter(issuing_body=issuing, year=year, title=title)
        if existing.exists():
            return None
        self.ctx.created["inspection rounds"] += 1
        return rounds.create_round(
            actor=extra.pop("user"),
            kind=kind,
            title=title,
            issuing_body=issuing,
            year=year,
            targets=[self.tree.org(code) for code in targets],
            **extra,
        )

    def finding(self, user, org: str, title: str, *, responsible=(), **kw) -> Finding:
        data = {
            "source": SRC.THIS_LEVEL,
            "sub_source": "level_supervision",
            "category": CAT.CONDUCT,
            "severity": SEV.MINOR,
            "description": f"{title}。(演示数据)",
        }
        data.update(kw)
        self.ctx.created["findings"] += 1
        return findings.record_finding(
            actor=user,
            org=self.tree.org(org),
            title=title,
            responsibilities=[(self.tree.tenure(key), kind) for key, kind in responsible],
            **data,
        )

    def task(
        self,
        user,
        finding,
        owner: str,
        measure: str,
        *,
        due: int,
        state="assigned",
        actor=None,
        verifier=None,
        long_term=False,
        org: str | None = None,
    ):
        """A task driven through the services into `state` (actor: target side)."""
        finding.refresh_from_db()  # delivered since it was recorded (the rules read it)
        task = tasks.create_task(
            actor=user,
            finding=finding,
            measure=measure,
            owner_tenure=self.tree.tenure(owner),
            org=self.tree.org(org) if org else finding.org,
            start_date=min(_days(-90), _days(due)),
            due_date=_days(due),
            is_long_term=long_term,
        )
        self.ctx.created["rectification tasks"] += 1
        actor = actor or user
        verifier = verifier or user
        if state == "assigned":
            return task
        tasks.add_progress(task, actor=actor, text="已制定整改方案,正在推进。")
        if state == "in_progress":
            return task
        tasks.submit_for_closure(task, actor=actor, statement="整改措施已落实,申请销号。")
        if state == "submitted":
            return task
        if state == "returned":
            tasks.return_task(
                task, actor=verifier, reason="佐证材料不足,请补充会议纪要和整改台账。"
            )
            return task
        if long_term:
            tasks.record_recheck(task, actor=verifier, note="复查:长效机制已建立并运行。")
        tasks.verify_and_close(task, actor=verifier, note="经核实,同意销号。")
        if state == "reopened":
            tasks.reopen_task(task, actor=verifier, reason="回访发现问题反弹,重新整改。")
        return task


def _xunshi(s: _Seeder) -> None:
    r = s.round(
        user=s.prov_jw,
        body="JH-PC",
        kind=K.XUNSHI,
        title="省委第一轮巡视(青山市)",
        targets=["JH-C01"],
        on_site_from=_days(-120),
        on_site_to=_days(-80),
    )
    if r is None:
        return
    rounds.start_on_site(r, actor=s.prov_jw)
    rounds.start_reporting(r, actor=s.prov_jw)
    f1, f2, f3 = _xunshi_findings(s, r)
    _xunshi_feedback(s, r)
    rounds.start_rectifying(r, actor=s.prov_jw)
    _xunshi_tasks(s, f1, f2, f3)


def _xunshi_findings(s: _Seeder, r) -> tuple:
    """The round's three findings on the city."""
    above = {"source": SRC.FROM_ABOVE, "sub_source": "above_inspection"}
    f1 = s.finding(
        s.prov_jw,
        "JH-C01",
        "落实全面从严治党主体责任有差距",
        round=r,
        category=CAT.POLITICAL,
        severity=SEV.SERIOUS,
        responsible=[("JH-C01-PC:secretary", "principal")],
        **above,
    )
    f2 = s.finding(s.prov_jw, "JH-C01", "整治形式主义为基层减负不到位", round=r, **above)
    f3 = s.finding(
        s.prov_jw, "JH-C01", "选人用人把关不严", round=r, category=CAT.ORGANISATIONAL, **above
    )
    return f1, f2, f3


def _xunshi_feedback(s: _Seeder, r) -> None:
    """Feedback to the team and the principal leader, the face-to-face review, its receipt."""
    target = r.round_targets.get()
    rounds.give_feedback(r, actor=s.prov_jw, feedback_date=_days(-60))
    for audience, content in (
        ("leadership_team", "向市委领导班子反馈巡视发现的 3 个方面问题。"),
        ("principal_leader", "向市委主要负责人单独反馈,压实第一责任人责任。"),
    ):
        rounds.record_feedback(
            r, actor=s.prov_jw, target=target, audience=audience, date=_days(-60), content=content
        )
    review = rounds.record_face_to_face_review(
        r,
        actor=s.prov_jw,
        target=target,
        date=_days(-58),
        attendees="市委书记、市委班子成员、市纪委书记",
        points="一是主体责任压得不实;二是减负工作有反弹;三是选人用人把关不严。",
    )
    if s.city_sec:
        rounds.acknowledge_review(review, actor=s.city_sec, comment="诚恳接受,坚决整改。")


def _xunshi_tasks(s: _Seeder, f1, f2, f3) -> None:
    city_sec = s.city_sec or s.prov_jw
    s.task(
        s.prov_jw,
        f1,
        "JH-C01-PC:secretary",
        "召开专题民主生活会,制定主体责任清单",
        due=-20,
        state="closed",
        actor=city_sec,
    )
    s.task(
        s.prov_jw,
        f2,
        "JH-C01-PC:deputy1",
        "清理规范各类督查检查考核事项",
        due=-5,
        state="in_progress",
        actor=city_sec,
    )
    s.task(
        s.prov_jw,
        f3,
        "JH-C01-PC:member1",
        "完善干部选拔任用全程纪实",
        due=30,
        state="submitted",
        actor=city_sec,
    )


def _xuncha(s: _Seeder) -> None:
    r = s.round(
        user=s.county_jw,
        body="JH-C01-K01-PC",
        kind=K.XUNCHA,
        title="东溪县委第一轮巡察",
        targets=["JH-C01-K01-T01", "JH-C01-K01-T02"],
        on_site_from=_days(-100),
        on_site_to=_days(-70),
    )
    if r is None:
        return
    jw, sec = s.county_jw, s.county_sec or s.county_jw
    rounds.start_on_site(r, actor=jw)
    rounds.start_reporting(r, actor=jw)
    f1, f2, f3 = _xuncha_findings(s, r, jw)
    rounds.give_feedback(r, actor=jw, feedback_date=_days(-50))
    rounds.start_rectifying(r, actor=jw)
    _xuncha_tasks(s, jw, sec, f1, f2, f3)


def _xuncha_findings(s: _Seeder, r, jw) -> tuple:
    """Two findings on the first township, one on the second."""
    above = {"source": SRC.FROM_ABOVE, "sub_source": "above_inspection"}
    f1 = s.finding(
        jw,
        "JH-C01-K01-T01",
        "村级集体资金管理不规范",
        round=r,
        category=CAT.ANTI_CORRUPTION,
        severity=SEV.SERIOUS,
        responsible=[("JH-C01-K01-T01-PC:secretary", "principal")],
        **above,
    )
    f2 = s.finding(
        jw,
        "JH-C01-K01-T01",
        "三重一大集体决策执行不到位",
        round=r,
        category=CAT.DISCIPLINE,
        **above,
    )
    f3 = s.finding(
        jw,
        "JH-C01-K01-T02",
        "惠民补贴发放存在优亲厚友",
        round=r,
        category=CAT.CONDUCT,
        severity=SEV.SERIOUS,
        **above,
    )
    return f1, f2, f3


def _xuncha_tasks(s: _Seeder, jw, sec, f1, f2, f3) -> None:
    """Tasks in every colour: due soon, long-term, overdue and returned, reopened."""
    s.task(
        jw,
        f1,
        "JH-C01-K01-T01-PC:secretary",
        "全面清理村级账目,建立三资监管平台",
        due=6,
        state="assigned",
    )  # due soon: yellow
    s.task(
        jw,
        f1,
        "JH-C01-K01-T01-PC:secretary",
        "建立村级资金使用长效监管机制",
        due=120,
        state="submitted",
        long_term=True,
        actor=sec,
    )
    s.task(
        jw,
        f2,
        "JH-C01-K01-T01-PC:deputy1",
        "修订三重一大决策制度并组织学习",
        due=-10,
        state="returned",
        actor=sec,
    )  # overdue and returned
    s.task(
        jw,
        f3,
        "JH-C01-K01-T02-PC:secretary",
        "逐户核查补贴发放,追回违规资金",
        due=20,
        state="reopened",
        actor=sec,
    )


def _covert(s: _Seeder) -> None:
    r = s.round(
        user=s.county_jw,
        body="JH-C01-K01-DC",
        kind=K.COVERT_VISIT,
        title="节日期间作风建设明查暗访",
        targets=["JH-C01-K01-T03"],
        on_site_from=_days(-7),
    )
    if r is None:
        return
    rounds.start_on_site(r, actor=s.county_jw)
    s.finding(
        s.county_jw,
        "JH-C01-K01-T03",
        "工作日午间饮酒",
        round=r,
        sub_source="level_discipline",
        category=CAT.CONDUCT,
    )


def _re_supervision(s: _Seeder) -> None:
    r = s.round(
        user=s.city_jw,
        body="JH-C01-DC",
        kind=K.RE_SUPERVISION,
        title="对东溪县纪委监委履行监督责任情况的监督再监督",
        targets=["JH-C01-K01"],
        on_site_from=_days(-45),
        on_site_to=_days(-35),
    )
    if r is None:
        return
    rounds.start_on_site(r, actor=s.city_jw)
    rounds.start_reporting(r, actor=s.city_jw)
    f = s.finding(
        s.city_jw,
        "JH-C01-K01",
        "对同级党委班子成员监督偏软",
        round=r,
        source=SRC.FROM_ABOVE,
        sub_source="above_discipline",
        category=CAT.SUPERVISION,
        responsible=[("JH-C01-K01-DC:secretary", "supervisory")],
    )
    rounds.give_feedback(r, actor=s.city_jw, feedback_date=_days(-30))
    s.task(
        s.city_jw,
        f,
        "JH-C01-K01-DC:secretary",
        "建立同级监督清单并按季度报告",
        due=45,
        state="in_progress",
        actor=s.county_jw,
    )


def _daily(s: _Seeder) -> None:
    county = s.tree.org("JH-C01-K01")
    jw = s.county_jw
    body = s.tree.body("JH-C01-K01-DC")
    title = "县委落实意识形态工作责任制检查不到位"
    if not Finding.objects.filter(org=county, title=title).exists():
        # The list item that failed, where issue 3's lists were seeded before this step.
        item = (
            ResponsibilityItem.objects.filter(org=county, category=CAT.IDEOLOGICAL, is_active=True)
            .order_by("pk")
            .first()
        )
        f = s.finding(
            jw,
            "JH-C01-K01",
            title,
            inspecting_body=body,
            sub_source="level_discipline",
            category=CAT.IDEOLOGICAL,
            failed_item=item,
            responsible=[("JH-C01-K01-PC:secretary", "principal")],
        )
        s.task(
            jw,
            f,
            "JH-C01-K01-PC:secretary",
            "制定意识形态工作责任清单并开展专项检查",
            due=25,
            state="assigned",
        )
    title = "反映县委班子成员违规收受礼金的问题线索"
    if not Finding.objects.filter(org=county, title=title).exists():
        f = s.finding(
            jw,
            "JH-C01-K01",
            title,
            inspecting_body=body,
            sub_source="level_discipline",
            category=CAT.DISCIPLINE,
            severity=SEV.GRAVE,
            responsible=[("JH-C01-K01-PC:member2", "direct")],
        )
        findings.transfer_case_lead(f, actor=jw, to_body=s.tree.body("JH-C01-DC"))


def _risk_profiles(s: _Seeder) -> None:
    year = timezone.localdate().year
    values = {
        "JH-C01-K01-T01": (6, 7, 12, 1),
        "JH-C01-K01-T02": (5, 4, 20, 2),
        "JH-C01-K01-T03": (3, 2, 4, 0),
        "JH-C01-K01-D01": (8, 9, 6, 1),
        "JH-C01-K01-D02": (9, 10, 3, 0),
    }
    for code, (power, funds, petitions, cases) in values.items():
        org = s.tree.orgs.get(code)
        if org is None or RiskProfile.objects.filter(org=org, year=year).exists():
            continue
        risk_profiles.save_risk_profile(
            actor=s.county_jw,
            org=org,
            year=year,
            power_concentration=power,
            funds_density=funds,
            petitions=petitions,
            case_incidence=cases,
        )
        s.ctx.created["risk profiles"] += 1


def step_inspections(ctx: DemoContext) -> None:
    """Inspection rounds, findings, rectification tasks and risk profiles."""
    seeder = _Seeder(ctx)
    if not (seeder.prov_jw and seeder.city_jw and seeder.county_jw):
        ctx.log("  跳过监督检查演示数据:缺少纪检监察演示账号。")
        return
    for part in (_xunshi, _xuncha, _covert, _re_supervision, _daily, _risk_profiles):
        part(seeder)

"""Demo data for lists, owners, letters, duty logs and reports (issue 3), via `seed_demo`.

Steps of `demo.steps.DEMO_STEPS`, after the org tree and the accounts. Built through the
services, deterministic (fixed seed), and idempotent: each step does nothing when its marker
rows already exist.

What it shows:
- the province template (8 items) adopted by every city and county; most localise it,
  西岭县 (county 2, JH-C01-K02) keeps it verbatim, so the copy flag shows; a mid-year
  ad-hoc item pushed down to all adoptions;
- per city and county: the secretary's list, a 一岗双责 list per team member (covering
  their portfolios), the discipline commission's list; every township and department has
  its own committee list;
- owners of the collective items: in 东溪县 (county 1) one item without a lead and one with
  two leads; elsewhere exactly one lead each;
- signed letters in county 1 (secretary ↔ county1_member, city secretary ↔ county secretary);
- a year of duty logs: county 1 a healthy mix, 河湾区 (JH-C01-K03) mostly meetings and
  document relays (method-mix warning), a few logs elsewhere; accepted, returned, submitted
  and draft logs and one late entry; an annual report draft and a submitted personal report.
"""

from __future__ import annotations

import datetime
import random

from django.db.models import Q
from django.utils import timezone

from demo.org_tree import DemoContext
from liangge_zeren.actors import DEMO
from responsibilities import copies, duty_logs, letters, lists, progress
from responsibilities.models import (
    ActionType,
    DutyLog,
    DutyReport,
    ItemAssignment,
    Organization,
    Portfolio,
    ResponsibilityItem,
    ResponsibilityLetter,
    ResponsibilityList,
    Tenure,
)

RL = ResponsibilityList
Freq = ResponsibilityItem.Frequency
Cat = ResponsibilityItem.Category
A = ActionType
SEED = 20260303
TEMPLATE_TITLE = "{year}年度全面从严治党主体责任清单(省级模板)"
COUNTY1, COUNTY2, MEETING_COUNTY = "JH-C01-K01", "JH-C01-K02", "JH-C01-K03"

# (category, content, action, frequency, min_count)
TEMPLATE_ITEMS = [
    (
        Cat.POLITICAL,
        "每年至少召开两次党委常委会会议专题研究党风廉政建设和反腐败工作,分析形势、部署任务。",
        A.COMMITTEE_MEETING,
        Freq.ANNUAL,
        2,
    ),
    (
        Cat.IDEOLOGICAL,
        "每月至少组织一次理论学习中心组学习或专题学习,学习党章党规党纪。",
        A.STUDY_SESSION,
        Freq.MONTHLY,
        1,
    ),
    (
        Cat.SUPERVISION,
        "党委书记每季度至少听取一次班子成员履行“一岗双责”情况汇报。",
        A.REPORT_REVIEW,
        Freq.QUARTERLY,
        1,
    ),
    (
        Cat.CONDUCT,
        "每季度至少开展一次落实中央八项规定精神情况监督检查。",
        A.SUPERVISION_VISIT,
        Freq.QUARTERLY,
        1,
    ),
    (
        Cat.CONDUCT,
        "党委书记与班子成员、下级党组织主要负责人开展廉政谈话,每半年不少于一轮。",
        A.TALK,
        Freq.SEMIANNUAL,
        1,
    ),
    (Cat.DISCIPLINE, "党委书记每年至少讲一次廉政党课。", A.LECTURE, Freq.ANNUAL, 1),
    (
        Cat.ANTI_CORRUPTION,
        "支持纪委监委查办案件,每半年至少听取一次重大案件和信访举报情况汇报。",
        A.REPORT_REVIEW,
        Freq.SEMIANNUAL,
        1,
    ),
    (
        Cat.ORGANISATIONAL,
        "年底前向上级党委书面报告履行全面从严治党主体责任情况。",
        A.OTHER,
        Freq.ONCE,
        1,
    ),
]
# Localised rewrites of the template items: (focus) -> text.
LOCALISED = [
    "{name}委常委会每半年专题研究一次{focus}领域廉政风险,形成问题清单和整改台账,年底对账销号。",
    "围绕{focus}突出问题,每月组织班子成员开展一次以案促改专题学习,邀请纪检干部解读典型案例。",
    "{name}委书记每季度逐一听取班子成员分管领域{focus}等重点工作廉政风险防控情况并当面点评。",
    "每季度会同纪委监委对{focus}开展一次“四风”问题明查暗访,发现问题当场交办。",
    "每半年对{focus}相关单位“一把手”开展一轮提醒谈话,谈话记录按人建档。",
    "结合{focus}中的典型案例,每年为全体党员干部讲一次警示教育廉政党课。",
    "每半年听取纪委监委关于{focus}领域问题线索处置和审查调查情况的专题汇报。",
    "每年十二月底前报告主体责任落实情况,重点说明{focus}整治成效和下一步措施。",
]
FOCI = [
    "农村集体“三资”管理",
    "工程建设项目招投标",
    "惠民惠农资金发放",
    "国有企业经营管理",
    "医疗卫生采购",
    "教育系统招生收费",
    "自然资源审批",
    "生态环境执法",
]
SECRETARY_ITEMS = [
    (
        Cat.POLITICAL,
        "亲自部署党风廉政建设重要工作,每年主持召开不少于两次专题会议。",
        A.COMMITTEE_MEETING,
        Freq.ANNUAL,
        2,
    ),
    (
        Cat.SUPERVISION,
        "亲自过问重大问题,每季度至少研究一次重大事项决策中的廉政风险。",
        A.MAJOR_DECISION,
        Freq.QUARTERLY,
        1,
    ),
    (
        Cat.ANTI_CORRUPTION,
        "亲自督办重要案件,每半年至少听取一次重要案件办理情况汇报。",
        A.REPORT_REVIEW,
        Freq.SEMIANNUAL,
        1,
    ),
]
DISCIPLINE_ITEMS = [
    (
        Cat.SUPERVISION,
        "每季度向同级党委和上级纪委报告一次监督工作情况。",
        A.REPORT_REVIEW,
        Freq.QUARTERLY,
        1,
    ),
    (Cat.SUPERVISION, "每年对同级党委班子成员开展一次监督谈话。", A.TALK, Freq.ANNUAL, 1),
    (
        Cat.CONDUCT,
        "每季度开展一次落实中央八项规定精神专项监督检查。",
        A.SUPERVISION_VISIT,
        Freq.QUARTERLY,
        1,
    ),
]
AD_HOC = "开展违规吃喝问题专项整治,九月底前完成自查自纠并报送整治情况。"
# Leads of the collective items by post slot (index = template item; ad hoc item last).
LEADS = [
    "secretary",
    "member3",
    "secretary",
    "member1",
    "secretary",
    "deputy2",
    "secretary",
    "secretary",
    "member1",
]


def _year() -> int:
    return timezone.localdate().year


def _posts(ctx: DemoContext, org_code: str, body: str = "PC") -> dict[str, Tenure]:
    prefix = f"{org_code}-{body}:"
    return {
        key[len(prefix) :]: tenure
        for key, tenure in ctx.tree.tenures.items()
        if key.startswith(prefix) and ":former" not in key and tenure.end_date is None
    }


def _units(ctx: DemoContext, kinds) -> list[Organization]:
    return sorted((o for o in ctx.tree.orgs.values() if o.kind in kinds), key=lambda o: o.path)


def _add_items(duty_list, specs, *, lead=None, portfolio=None, reason=""):
    items = [
        lists.add_item(
            duty_list,
            category=cat,
            content=content,
            required_action_type=action,
            frequency=freq,
            min_count=count,
            due_date=datetime.date(duty_list.year, 12, 31) if freq == Freq.ONCE else None,
            lead=lead,
            portfolio=portfolio,
            reason=reason,
            detect_copies=False,  # once for the batch, as an import does
            actor=DEMO,
        )
        for cat, content, action, freq, count in specs
    ]
    copies.refresh_copy_detection(duty_list, actor=DEMO)
    return items


def _in_force(duty_list, by=None):
    if duty_list.status == RL.Status.DRAFT:
        lists.issue_list(duty_list, by=by, actor=DEMO)
    if duty_list.status == RL.Status.ISSUED:
        lists.acknowledge_list(duty_list, actor=DEMO)
    if duty_list.status == RL.Status.ACKNOWLEDGED:
        lists.put_in_force(duty_list, actor=DEMO)


def step_duty_lists(ctx: DemoContext) -> None:
    """Lists: province template adopted (1+X), personal and discipline lists, owners."""
    year = _year()
    province = ctx.tree.province
    title = TEMPLATE_TITLE.format(year=year)
    if RL.objects.filter(org=province, year=year, is_template=True, title=title).exists():
        return
    rng = random.Random(SEED)
    prov_secretary = _posts(ctx, "JH")["secretary"]
    template = lists.create_list(
        org=province,
        year=year,
        subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
        title=title,
        is_template=True,
        based_on="《党委(党组)落实全面从严治党主体责任规定》",
        actor=DEMO,
    )
    _add_items(template, TEMPLATE_ITEMS)
    units = _units(ctx, {Organization.Kind.CITY, Organization.Kind.COUNTY})
    adopted = lists.issue_template(template, units, by=prov_secretary, actor=DEMO)
    ctx.created["duty lists"] += 1 + len(adopted)
    for duty_list in adopted:
        _localise_adopted(duty_list, rng)
    # Mid-year ad-hoc item pushed down (临时性重点工作).
    lists.push_ad_hoc_item(
        template,
        content=AD_HOC,
        reason="省委办公厅通知(临时部署)",
        category=Cat.CONDUCT,
        required_action_type=A.SUPERVISION_VISIT,
        frequency=Freq.ONCE,
        min_count=1,
        due_date=datetime.date(year, 9, 30),
        actor=DEMO,
    )
    for unit in units:
        _unit_lists(ctx, unit, template, year)
    _small_unit_lists(ctx, year)


def _localise_adopted(duty_list: RL, rng: random.Random) -> None:
    """Acknowledge an adopted list, localise some items (the X of 1+X) and put it in force."""
    code = duty_list.org.code
    lists.acknowledge_list(duty_list, actor=DEMO)
    items = list(duty_list.items.order_by("number"))
    if code == COUNTY2:
        to_localise = []
    elif code == COUNTY1:
        to_localise = [0, 1, 2, 3, 4, 6]
    else:
        to_localise = sorted(rng.sample(range(len(items)), rng.randint(4, 7)))
    for index in to_localise:
        text = LOCALISED[index].format(name=duty_list.org.name, focus=rng.choice(FOCI))
        lists.update_item(items[index], content=text, actor=DEMO)
    if code != COUNTY2:
        lists.add_item(
            duty_list,
            category=Cat.OTHER,
            is_mandatory=False,
            content=f"结合{rng.choice(FOCI)}开展“清廉{duty_list.org.name}”建设,每年形成一项制度成果。",
            required_action_type=A.MAJOR_DECISION,
            frequency=Freq.ANNUAL,
            min_count=1,
            actor=DEMO,
        )
    lists.put_in_force(duty_list, actor=DEMO)


def _subject_list(unit: Organization, year: int, subject_type, subject, title: str, items) -> None:
    """One in-force list of `items` for `subject` (a tenure) in `unit`."""
    duty_list = lists.create_list(
        org=unit,
        year=year,
        subject_type=subject_type,
        subject_tenure=subject,
        title=title,
        actor=DEMO,
    )
    _add_items(duty_list, items)
    _in_force(duty_list)


def _unit_lists(ctx: DemoContext, unit: Organization, template: RL, year: int) -> None:
    """A city/county: owners of its adopted list, its secretary's, members' and DC's lists."""
    posts = _posts(ctx, unit.code)
    secretary = posts["secretary"]
    _assign_owners(unit, posts, RL.objects.get(org=unit, template=template))
    _subject_list(
        unit,
        year,
        RL.SubjectType.FIRST_RESPONSIBLE_PERSON,
        secretary,
        f"{secretary.person.name}第一责任人责任清单",
        SECRETARY_ITEMS,
    )
    for slot, tenure in posts.items():
        if not (slot.startswith("member") or slot.startswith("deputy")):
            continue
        _member_list(unit, year, tenure, secretary)
        ctx.created["duty lists"] += 1
    dc = _posts(ctx, unit.code, "DC").get("secretary")
    if dc is not None:
        _subject_list(
            unit,
            year,
            RL.SubjectType.DISCIPLINE_COMMISSION,
            dc,
            f"{unit.name}纪委监委监督责任清单",
            DISCIPLINE_ITEMS,
        )
        ctx.created["duty lists"] += 1
    ctx.created["duty lists"] += 1


def _assign_owners(unit: Organization, posts: dict, collective: RL) -> None:
    """Leads and co-owners of the adopted list's items, with the deliberate gap and overlap."""
    secretary = posts["secretary"]
    items = list(collective.items.filter(is_active=True).order_by("number"))
    template_items = [i for i in items if i.source_item_id]
    for index, item in enumerate(template_items):
        slot = LEADS[min(index, len(LEADS) - 1)] if not item.is_ad_hoc else LEADS[-1]
        leads = [posts.get(slot, secretary)]
        co = [posts["deputy1"]] if index in (0, 3) and "deputy1" in posts else []
        if unit.code == COUNTY1 and index == 3:
            leads = []  # the deliberate gap (no lead)
        if unit.code == COUNTY1 and index == 1:
            leads.append(posts["deputy2"])  # the deliberate overlap (two leads)
        lists.set_item_owners(item, leads=leads, co_owners=co, actor=DEMO)
    for item in items:
        if not item.source_item_id:
            lists.set_item_owners(item, leads=[secretary], co_owners=[], actor=DEMO)


def _member_list(unit: Organization, year: int, tenure: Tenure, secretary: Tenure) -> None:
    """A team member's 一岗双责 list: one report review per portfolio, a talk and two visits."""
    member_list = lists.create_list(
        org=unit,
        year=year,
        subject_type=RL.SubjectType.TEAM_MEMBER,
        subject_tenure=tenure,
        title=f"{tenure.person.name}“一岗双责”清单",
        actor=DEMO,
    )
    portfolios = list(tenure.portfolios.all())
    areas: list[Portfolio | None] = list(portfolios) or [None]
    for portfolio in areas:
        area = portfolio.name if portfolio else "联系"
        lists.add_item(
            member_list,
            category=Cat.SUPERVISION,
            portfolio=portfolio,
            content=f"每季度至少听取一次{area}领域党风廉政建设工作汇报,督促落实整改。",
            required_action_type=A.REPORT_REVIEW,
            frequency=Freq.QUARTERLY,
            min_count=1,
            detect_copies=False,
            actor=DEMO,
        )
    first = portfolios[0] if portfolios else None
    area = first.name if first else "联系"
    lists.add_item(
        member_list,
        category=Cat.CONDUCT,
        portfolio=first,
        content=f"每季度至少与{area}领域主要负责人开展一次廉政谈话。",
        required_action_type=A.TALK,
        frequency=Freq.QUARTERLY,
        min_count=1,
        detect_copies=False,
        actor=DEMO,
    )
    lists.add_item(
        member_list,
        category=Cat.SUPERVISION,
        portfolio=first,
        content=f"每年到{area}领域开展不少于两次党风廉政建设督导检查。",
        required_action_type=A.SUPERVISION_VISIT,
        frequency=Freq.ANNUAL,
        min_count=2,
        detect_copies=False,
        actor=DEMO,
    )
    copies.refresh_copy_detection(member_list, actor=DEMO)  # once for the list's items
    _in_force(member_list, by=secretary)


def _small_unit_lists(ctx: DemoContext, year: int) -> None:
    """Townships, streets and departments: a short collective list led by the secretary."""
    for unit in _units(
        ctx, {Organization.Kind.TOWNSHIP, Organization.Kind.STREET, Organization.Kind.DEPARTMENT}
    ):
        posts = {**_posts(ctx, unit.code, "PC"), **_posts(ctx, unit.code, "PG")}
        secretary = posts.get("secretary")
        if secretary is None:
            continue
        own = lists.create_list(
            org=unit,
            year=year,
            subject_type=RL.SubjectType.COMMITTEE_COLLECTIVE,
            title=f"{unit.name}{year}年度主体责任清单",
            actor=DEMO,
        )
        _add_items(own, [TEMPLATE_ITEMS[i] for i in (0, 1, 4)], lead=secretary)
        _in_force(own)
        ctx.created["duty lists"] += 1


def step_duty_letters(ctx: DemoContext) -> None:
    """Signed responsibility letters in county 1 (skipped when letters are disabled)."""
    if not letters.letters_enabled():
        return
    year = _year()
    county1 = ctx.tree.county1
    if ResponsibilityLetter.objects.filter(org=county1, year=year).exists():
        return
    posts = _posts(ctx, COUNTY1)
    secretary, city_secretary = posts["secretary"], _posts(ctx, "JH-C01")["secretary"]
    signed_on = timezone.make_aware(datetime.datetime(year, 2, 20, 10, 0))
    pairs = [(city_secretary, secretary)] + [
        (secretary, t) for slot, t in posts.items() if slot.startswith(("member", "deputy"))
    ]
    for issuer, signee in pairs:
        letter = letters.generate_letter(signee=signee, issuer=issuer, year=year, actor=DEMO)
        ctx.created["letters"] += 1
        for tenure, minutes in ((issuer, 0), (signee, 30)):
            user = tenure.person.user
            if user is None:
                break  # no account: the letter stays sent, waiting for the signee
            letters.sign_letter_trusted(
                letter,
                user=user,
                ip="10.20.30.40",
                signed_at=signed_on + datetime.timedelta(minutes=minutes),
                actor=DEMO,
            )
            letter.refresh_from_db()


def _periods(frequency: str, year: int, until: datetime.date):
    """Window starts of every period of `frequency` in `year` up to `until`."""
    day = datetime.date(year, 1, 1)
    while day <= until:
        start, end = progress.period_window(frequency, day)
        yield start, min(end, until)
        if frequency in (Freq.ANNUAL, Freq.ONCE, Freq.AD_HOC):
            return
        day = end + datetime.timedelta(days=1)


PLACES = ["县委常委会议室", "党员活动室", "现场", "县纪委监委谈话室", "视频会议室"]
MEETING_TITLES = {
    A.COMMITTEE_MEETING: "召开常委会会议专题研究党风廉政建设",
    A.DOCUMENT_RELAY: "传达学习上级党风廉政建设会议精神",
    A.STUDY_SESSION: "理论学习中心组专题学习党纪学习教育内容",
    A.TALK: "开展廉政谈话",
    A.SUPERVISION_VISIT: "到基层开展督导检查",
    A.REPORT_REVIEW: "听取党风廉政建设工作汇报",
    A.LECTURE: "讲廉政党课",
    A.MAJOR_DECISION: "研究重大事项廉政风险防控",
    A.OTHER: "报送履行主体责任情况报告",
    A.PETITION: "处理群众信访举报",
}


def _logs_for_unit(ctx, unit: Organization, rng: random.Random, *, meetings: bool, light: bool):
    year = _year()
    today = timezone.localdate()
    reviewer = _posts(ctx, unit.code, "DC").get("secretary")
    people = [
        t
        for slot, t in _posts(ctx, unit.code).items()
        if slot == "secretary" or slot.startswith(("member", "deputy"))
    ]
    if light:
        people = [t for t in people if t.role == Tenure.Role.SECRETARY]
    made = []
    for tenure in people:
        items = list(duty_logs.items_for_tenure(tenure).filter(list__year=year))
        for item in items:
            for start, end in _periods(item.frequency, year, today):
                if rng.random() > (0.5 if light else 0.85):
                    continue
                for _n in range(max(1, item.min_count) if not light else 1):
                    action = item.required_action_type or A.OTHER
                    if meetings and rng.random() < 0.8:
                        action = rng.choice([A.COMMITTEE_MEETING, A.DOCUMENT_RELAY])
                    occurred = start + datetime.timedelta(
                        days=rng.randint(0, max(0, (end - start).days))
                    )
                    cited = [item]
                    # One log often satisfies several items (nothing entered twice).
                    partner = next(
                        (
                            i
                            for i in items
                            if i.pk != item.pk
                            and i.required_action_type == action
                            and i.frequency in (Freq.QUARTERLY, Freq.SEMIANNUAL, Freq.ANNUAL)
                        ),
                        None,
                    )
                    if partner is not None and rng.random() < 0.5:
                        cited.append(partner)
                    fields = {
                        "action_type": action,
                        "occurred_on": occurred,
                        "title": MEETING_TITLES[action],
                        "summary": f"{tenure.person.name}围绕“{item.content[:24]}…”履行责任,"
                        f"提出具体要求并明确责任分工。",
                        "place": rng.choice(PLACES),
                        "participants": "班子成员、相关部门负责人",
                        "outcome": "形成问题清单,明确整改时限。" if rng.random() < 0.6 else "",
                    }
                    if action == A.TALK:
                        fields["talk_type"] = rng.choice(
                            [DutyLog.TalkType.DAILY, DutyLog.TalkType.REMINDER]
                        )
                        fields["talk_target"] = "分管领域单位主要负责人"
                    log = duty_logs.create_log(tenure=tenure, items=cited, **fields, actor=DEMO)
                    made.append((log, reviewer))
    return made


def _settle(log, reviewer, rng, today):
    """Realistic timestamps and review states for a seeded log."""
    age = (today - log.occurred_on).days
    entered = timezone.make_aware(
        datetime.datetime.combine(log.occurred_on, datetime.time(17, 0))
        + datetime.timedelta(days=rng.randint(0, 3))
    )
    log.entered_at, log.is_late_entry = entered, False  # later saves keep these
    DutyLog.objects.filter(pk=log.pk).update(entered_at=entered, is_late_entry=False)
    roll = rng.random()
    if age <= 3 and roll < 0.5:
        return "draft"
    duty_logs.submit_log(log, actor=DEMO)
    if age > 20 and reviewer is not None:
        if roll < 0.06:
            duty_logs.review_log(
                log,
                reviewer=reviewer,
                accept=False,
                comment="请补充会议纪要或谈话记录等佐证材料。",
                actor=DEMO,
            )
            return "returned"
        duty_logs.review_log(
            log, reviewer=reviewer, accept=True, comment="内容属实,予以确认。", actor=DEMO
        )
        DutyLog.objects.filter(pk=log.pk).update(
            reviewed_at=entered + datetime.timedelta(days=rng.randint(2, 10)),
            submitted_at=entered,
        )
        return "accepted"
    DutyLog.objects.filter(pk=log.pk).update(submitted_at=entered)
    return "submitted"


def step_duty_logs(ctx: DemoContext) -> None:
    """A year of duty logs: county 1 healthy, 河湾区 mostly meetings, a few elsewhere."""
    year = _year()
    if DutyLog.objects.filter(
        org_path__startswith=ctx.tree.province.path, occurred_on__year=year
    ).exists():
        return
    rng = random.Random(SEED + 1)
    today = timezone.localdate()
    units = _units(ctx, {Organization.Kind.CITY, Organization.Kind.COUNTY})
    made = []
    for unit in units:
        made += _logs_for_unit(
            ctx,
            unit,
            rng,
            meetings=unit.code == MEETING_COUNTY,
            light=unit.code not in (COUNTY1, MEETING_COUNTY),
        )
    for log, reviewer in made:
        state = _settle(log, reviewer, rng, today)
        ctx.created[f"duty logs ({state})"] += 1
    # One deliberate late entry (补录) in county 1.
    late = (
        DutyLog.objects.filter(org=ctx.tree.county1, status=DutyLog.Status.SUBMITTED)
        .order_by("occurred_on")
        .first()
    )
    if late is not None:
        DutyLog.objects.filter(pk=late.pk).update(
            entered_at=timezone.make_aware(
                datetime.datetime.combine(late.occurred_on, datetime.time(9, 0))
                + datetime.timedelta(days=60)
            ),
            is_late_entry=True,
        )


def step_duty_reports(ctx: DemoContext) -> None:
    """County 1's annual report draft and county1_member's submitted personal report."""
    year = _year()
    county1 = ctx.tree.county1
    if DutyReport.objects.filter(org=county1, year=year).exists():
        return
    letters.draft_report(org=county1, year=year, actor=DEMO)
    member = ctx.tree.tenure(f"{COUNTY1}-PC:member5")
    report = letters.draft_report(org=county1, year=year, tenure=member, actor=DEMO)
    letters.submit_report(report, actor=DEMO)
    ctx.created["duty reports"] += 2


def demo_summary() -> dict[str, int]:
    """Counts for a quick look after seeding (used by tests)."""
    return {
        "lists": RL.objects.count(),
        "flagged": RL.objects.filter(copy_flagged=True).count(),
        "items_without_lead": ResponsibilityItem.objects.filter(
            ~Q(assignments__role=ItemAssignment.Role.LEAD), list__is_template=False
        ).count(),
        "logs": DutyLog.objects.count(),
    }

"""Demo accountability data for `seed_demo` (after responsibilities' and inspections' steps).

Adds, in 东溪县 (county 1, JH-C01-K01) and its townships:
- the headline case: the finding "县委落实意识形态工作责任制检查不到位" traced back to an
  event on 2024-01-20, *before* the change of secretary (2024-03-01), so the predecessor —
  now city 1's organisation minister — is the target, so the province committee decides
  (干部管理权限: a city standing-committee member is managed one level up; the case names the
  宣传 portfolio, so the member in charge of it is proposed too); a written admonition and a
  reassignment (formalities open), a pending appeal, and the predecessor's duty logs of 2023
  on the chain page;
- four disciplinary cases with 一案双查 in several states: both probes concluded (one led
  to an accountability case on the township with an organisation target, 通报, Party and
  state sanctions and a decided appeal), both probes open (archiving blocked), below the
  triggers (archived normally), and archived on a recorded waiver;
- a township committee reorganised with its secretary removed (every measure kind occurs);
- a case decided in 2023 whose influence period has expired (marked by the daily job);
- a case not pursued (recorded dissent);
- two disciplinary cases on county 1's standing-committee members led by the city 纪委
  (R26), one of them shared with the county 纪委.

Idempotent: cases are looked up by title, disciplinary cases by case number; whatever
exists is left alone, so a second run creates nothing.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accountability import bodies
from accountability.defaults import ensure_defaults
from accountability.models import (
    AccountabilityCase,
    AccountabilityGround,
    DisciplinaryCase,
    DualInvestigation,
)
from accountability.services import appeals, cases, disciplinary, measures
from accountability.services import targets as acc_targets
from demo.org_tree import DemoContext
from liangge_zeren.actors import DEMO
from responsibilities import duty_logs
from responsibilities.authority import ensure_management_defaults
from responsibilities.models import ActionType, DutyLog, Portfolio

S = AccountabilityCase.Status
SRC = AccountabilityCase.Source
D = datetime.date
COUNTY1 = "JH-C01-K01"
HEADLINE_FINDING = "县委落实意识形态工作责任制检查不到位"
HEADLINE_EVENT = D(2024, 1, 20)
# The predecessor now sits on the city committee (青山市委常委、组织部部长): under 下管一级
# the province committee manages her, so it decides (issue 13), not the city committee.
HEADLINE_DECIDER = "JH-PC"


class _Seeder:
    def __init__(self, ctx: DemoContext):
        self.ctx = ctx
        self.tree = ctx.tree
        self.jw = ctx.tree.users.get("county1_jw")
        # The county commission's secretary signs its waivers and probe conclusions (R27).
        self.jw_head = ctx.tree.users.get("county1_jw_secretary")
        self.city_jw = ctx.tree.users.get("city1_jw")
        self.today = timezone.localdate()

    def tenure(self, key: str):
        return self.tree.tenures.get(key)

    def grounds(self, *numbers: int):
        return list(AccountabilityGround.objects.filter(number__in=numbers))

    def team(self):
        keys = ("JH-C01-DC:secretary", "JH-C01-K01-DC:officer1")
        return [self.tenure(k).person for k in keys if self.tenure(k) is not None]

    def open(self, title: str, **kw) -> AccountabilityCase | None:
        if AccountabilityCase.objects.filter(title=title).exists():
            return None
        self.ctx.created["accountability cases"] += 1
        data = {
            "actor": self.jw,
            "title": title,
            "handling_body": self.tree.body("JH-C01-K01-DC"),
            "deciding_body": self.tree.body("JH-C01-PC"),
        }
        data.update(kw)
        return cases.open_case(**data)

    def walk(self, case, to: str, *, day: datetime.date | None = None, targets=()):
        """Through the procedure up to `to`, dated `day` (approval, hearing, decision)."""
        day = day or self.today
        order = [S.PRELIMINARY_REVIEW, S.START_APPROVED, S.INVESTIGATING, S.HEARING]
        order += [S.REPORT_DISCUSSED, S.DECIDED]
        for step in order[: order.index(to) + 1]:
            if step == S.PRELIMINARY_REVIEW:
                cases.start_preliminary_review(case, actor=self.jw)
            elif step == S.START_APPROVED:
                approver = bodies.principal_leaders(case.deciding_body, day).first()
                cases.approve_start(case, actor=self.jw, approver=approver, approved_on=day)
            elif step == S.INVESTIGATING:
                cases.start_investigation(case, actor=self.jw, team=self.team())
                for key, kind in targets:
                    if key.startswith("org:"):
                        acc_targets.add_org_target(
                            case,
                            actor=self.jw,
                            org=self.tree.org(key[4:]),
                            responsibility_kind=kind,
                        )
                    else:
                        acc_targets.add_person_target(
                            case, actor=self.jw, tenure=self.tenure(key), responsibility_kind=kind
                        )
            elif step == S.HEARING:
                cases.record_hearing(
                    case,
                    actor=self.jw,
                    record="本人对问题事实无异议,就履职情况作了说明。",
                    heard_on=day,
                )
            elif step == S.REPORT_DISCUSSED:
                cases.discuss_report(
                    case,
                    actor=self.jw,
                    report="事实清楚、证据确凿、依据充分、责任分明、程序合规。(演示数据)",
                    discussion_record="决定机关会议集体讨论,同意调查报告意见。",
                    discussed_on=day,
                )
            elif step == S.DECIDED:
                cases.decide_case(
                    case,
                    actor=self.jw,
                    decision_no=f"演示问决〔{day.year}〕{case.pk}号",
                    decided_on=day,
                )
        return case

    def measure(self, case, target, kind, subtype="", day=None):
        return measures.add_measure(
            case,
            actor=self.jw,
            target=target,
            kind=kind,
            subtype=subtype,
            effective_date=day or case.decided_on,
            decision_no=case.decision_no,
            deciding_body=case.deciding_body,
        )

    def dcase(self, case_no: str, subject: str, **kw) -> DisciplinaryCase | None:
        if DisciplinaryCase.objects.filter(case_no=case_no).exists():
            return None
        tenure = self.tenure(subject)
        if tenure is None:
            return None
        self.ctx.created["disciplinary cases"] += 1
        data = {
            "actor": self.jw,
            "case_no": case_no,
            "org": tenure.org,
            "handling_body": self.tree.body("JH-C01-K01-DC"),
            "subject_person": tenure.person,
            "subject_tenure": tenure,
            "violation_type": DisciplinaryCase.ViolationType.INTEGRITY,
            "summary": "利用职务便利为他人谋取利益,收受财物。(演示数据)",
            "registered_on": self.today - datetime.timedelta(days=120),
        }
        data.update(kw)
        return disciplinary.register_disciplinary_case(**data)


def _headline(s: _Seeder) -> None:
    """The predecessor case, with his 2023 duty logs for the chain page."""
    former = s.tenure("JH-C01-K01-PC:secretary:former")
    if former is None:
        return
    _former_logs(s, former)
    title = "东溪县委落实意识形态工作责任制不力问责案"
    if AccountabilityCase.objects.filter(title=title).exists():
        return
    s.ctx.created["accountability cases"] += 1
    case = _open_headline_case(s, title)
    s.walk(
        case,
        S.DECIDED,
        targets=[("JH-C01-K01-PC:secretary:former", "primary_leadership")],
    )
    target = case.targets.get()
    s.measure(case, target, "admonition", "written")
    s.measure(case, target, "organizational_handling", "reassignment")
    cases.start_execution(case, actor=s.jw)
    appeals.file_appeal(
        case,
        actor=s.jw,
        target=target,
        grounds="本人已于2024年2月调离,问题主要发生在交接期间,请求重新认定责任。(演示数据)",
        received_on=s.today - datetime.timedelta(days=5),
    )


def _former_logs(s: _Seeder, former) -> None:
    """The predecessor's two 2023 duty logs (once)."""
    if not DutyLog.objects.filter(tenure=former, occurred_on__year=2023).exists():
        for day, action, title in (
            (D(2023, 4, 12), ActionType.COMMITTEE_MEETING, "县委常委会专题研究党风廉政建设工作"),
            (D(2023, 9, 6), ActionType.DOCUMENT_RELAY, "传达学习上级全面从严治党工作会议精神"),
        ):
            duty_logs.create_log(
                tenure=former,
                action_type=action,
                occurred_on=day,
                title=title,
                summary="会议传达学习并部署相关工作。(演示数据)",
                submit=True,
                actor=DEMO,
            )
            s.ctx.created["duty logs (2023)"] += 1


def _open_headline_case(s: _Seeder, title: str) -> AccountabilityCase:
    """From the headline inspection finding when the inspections seeding made it."""
    from inspections.models import Finding

    county = s.tree.org(COUNTY1)
    # 分管领域: the matter is in the propaganda portfolio, so the targets page proposes the
    # standing-committee member in charge of it (重要领导责任) beside the secretary.
    portfolio = Portfolio.objects.filter(org=county, name="宣传").first()
    finding = Finding.objects.filter(org=county, title=HEADLINE_FINDING).first()
    if finding is not None:
        return cases.open_case_from_finding(
            finding,
            actor=s.jw,
            event_date=HEADLINE_EVENT,
            title=title,
            deciding_body=s.tree.body(HEADLINE_DECIDER),
            handling_body=s.tree.body("JH-C01-K01-DC"),
            portfolio=portfolio,
            grounds=s.grounds(3, 8),
        )
    return cases.open_case(
        actor=s.jw,
        title=title,
        org=county,
        portfolio=portfolio,
        event_date=HEADLINE_EVENT,
        source=SRC.INSPECTION_FINDING,
        handling_body=s.tree.body("JH-C01-K01-DC"),
        deciding_body=s.tree.body(HEADLINE_DECIDER),
        area="ideological",
        grounds=s.grounds(3, 8),
    )


def _dual(s: _Seeder) -> None:
    _dual_concluded(s)
    _dual_pending(s)
    _dual_minor(s)
    _dual_waived(s)


def _dual_concluded(s: _Seeder) -> None:
    """A decided case whose principal probe led to accountability (with an upheld appeal)
    and whose supervisory probe found the commission not responsible."""
    today = s.today
    concluded = s.dcase(
        "东纪审〔2026〕3号",
        "JH-C01-K01-T01-PC:deputy1",
        amount_involved=260000,
    )
    if concluded is not None:
        disciplinary.decide_disciplinary_case(
            concluded,
            actor=s.jw,
            decided_on=today - datetime.timedelta(days=60),
            four_form=3,
            party_sanction="expulsion",
            public_office_sanction="expulsion",
        )
        _principal_probe_case(s, concluded)
        supervisory = concluded.probes.get(kind=DualInvestigation.Kind.SUPERVISORY)
        # The township commission's supervisory responsibility: examined one level up (R29).
        disciplinary.conclude_probe(
            supervisory,
            actor=s.jw_head,
            conclusion=DualInvestigation.Conclusion.NOT_RESPONSIBLE,
            reasoning="镇纪委此前已对相关问题开展提醒谈话并及时报告线索,已履行监督责任。",
        )
        disciplinary.archive_disciplinary_case(concluded, actor=s.jw)


def _principal_probe_case(s: _Seeder, concluded: DisciplinaryCase) -> None:
    """The accountability case the principal probe opened: decided, executed, appealed."""
    today = s.today
    principal = concluded.probes.get(kind=DualInvestigation.Kind.PRINCIPAL)
    case = disciplinary.open_case_for_probe(
        principal, actor=s.jw_head, deciding_body=s.tree.body("JH-C01-K01-PC")
    )
    case.grounds.set(s.grounds(7, 8))
    s.walk(
        case,
        S.DECIDED,
        targets=[
            ("org:JH-C01-K01-T01", "overall_leadership"),
            ("JH-C01-K01-T01-PC:secretary", "primary_leadership"),
        ],
    )
    org_target, person = case.targets.order_by("target_type", "pk")
    s.measure(case, org_target, "org_self_criticism")
    s.measure(case, person, "circulated_criticism")
    s.measure(case, person, "party_sanction", "warning")
    sanction = s.measure(case, person, "public_office_sanction", "demerit")
    cases.start_execution(case, actor=s.jw)
    appeal = appeals.file_appeal(
        case,
        actor=s.jw,
        target=person,
        measure=sanction,
        grounds="认为处分过重。(演示数据)",
        received_on=today - datetime.timedelta(days=3),
    )
    appeals.decide_appeal(
        appeal, actor=s.city_jw, outcome="upheld", reasoning="事实清楚,处理适当,维持原决定。"
    )


def _dual_pending(s: _Seeder) -> None:
    today = s.today
    pending = s.dcase("东纪审〔2026〕5号", "JH-C01-K01-T02-PC:secretary", amount_involved=180000)
    if pending is not None:
        disciplinary.decide_disciplinary_case(
            pending,
            actor=s.jw,
            decided_on=today - datetime.timedelta(days=20),
            four_form=3,
            party_sanction="removal_from_party_posts",
        )


def _dual_minor(s: _Seeder) -> None:
    today = s.today
    minor = s.dcase(
        "东纪审〔2026〕7号",
        "JH-C01-K01-T03-PC:secretary",
        violation_type=DisciplinaryCase.ViolationType.WORK,
        summary="违规发放津补贴。(演示数据)",
    )
    if minor is not None:
        disciplinary.decide_disciplinary_case(
            minor,
            actor=s.jw,
            decided_on=today - datetime.timedelta(days=40),
            four_form=2,
            party_sanction="warning",
        )
        disciplinary.archive_disciplinary_case(minor, actor=s.jw)


def _dual_waived(s: _Seeder) -> None:
    today = s.today
    waived = s.dcase(
        "东纪审〔2026〕9号",
        "JH-C01-K01-T02-PC:deputy1",
        amount_involved=120000,
        summary="在工程项目中收受好处费。(演示数据)",
    )
    if waived is not None:
        disciplinary.decide_disciplinary_case(
            waived,
            actor=s.jw,
            decided_on=today - datetime.timedelta(days=30),
            four_form=2,
            party_sanction="serious_warning",
        )
        disciplinary.archive_disciplinary_case(
            waived,
            actor=s.city_jw,
            waiver_reason="该镇党委和镇纪委责任已在东纪审〔2026〕5号一案双查中一并核查。",
        )


def _same_level(s: _Seeder) -> None:
    """R26: two cases on county 1's standing-committee members, led by the city 纪委 (the
    county 纪委 may not open them); the city shares one with the county 纪委, not the other."""
    city_dc, county_dc = s.tree.body("JH-C01-DC"), s.tree.body("JH-C01-K01-DC")
    for case_no, subject, shared in (
        ("青纪审〔2026〕2号", "JH-C01-K01-PC:member4", True),
        ("青纪审〔2026〕4号", "JH-C01-K01-PC:member6", False),
    ):
        case = s.dcase(
            case_no,
            subject,
            actor=s.city_jw,
            handling_body=city_dc,
            summary="违规干预插手工程项目。(演示数据)",
        )
        if case is not None and shared:
            disciplinary.share_disciplinary_case(
                case, actor=s.city_jw, body=county_dc, note="请县纪委配合做好相关工作。"
            )


def _reorganisation(s: _Seeder) -> None:
    township = s.tree.org("JH-C01-K01-T02")
    case = s.open(
        f"{township.name}党委领导班子软弱涣散问责案",
        org=township,
        event_date=s.today - datetime.timedelta(days=200),
        source=SRC.UPPER_REFERRAL,
        deciding_body=s.tree.body("JH-C01-K01-PC"),
        area="organisational",
        grounds=s.grounds(4),
        facts="镇党委班子长期软弱涣散,民主集中制不落实,问题整改不力。(演示数据)",
    )
    if case is None or s.tenure("JH-C01-K01-T02-PC:secretary") is None:
        return
    s.walk(
        case,
        S.DECIDED,
        targets=[
            ("org:JH-C01-K01-T02", "overall_leadership"),
            ("JH-C01-K01-T02-PC:secretary", "primary_leadership"),
        ],
    )
    org_target, person = case.targets.order_by("target_type", "pk")
    s.measure(case, org_target, "reorganization")
    s.measure(case, person, "organizational_handling", "removal")
    cases.start_execution(case, actor=s.jw)


def _expired(s: _Seeder) -> None:
    day = D(2023, 3, 15)
    case = s.open(
        "2023年乡镇干部违规吃喝问责案",
        org=s.tree.org("JH-C01-K01-T03"),
        event_date=D(2022, 12, 20),
        source=SRC.PETITION,
        deciding_body=s.tree.body("JH-C01-K01-PC"),
        area="conduct",
        grounds=s.grounds(5),
        facts="镇领导干部违规公款吃喝,镇党委主体责任落实不力。(演示数据)",
        lead_received_on=D(2023, 1, 5),
    )
    if case is None or s.tenure("JH-C01-K01-T03-PC:secretary") is None:
        return
    s.walk(
        case, S.DECIDED, day=day, targets=[("JH-C01-K01-T03-PC:secretary", "primary_leadership")]
    )
    s.measure(case, case.targets.get(), "party_sanction", "warning", day=day)
    cases.start_execution(case, actor=s.jw)
    cases.archive_case(case, actor=s.jw)
    s.ctx.created["influence periods marked expired"] += measures.mark_expired_influence_periods(
        actor=DEMO
    )


def _not_pursued(s: _Seeder) -> None:
    case = s.open(
        "东溪县某项改革试点失误核查",
        org=s.tree.org(COUNTY1),
        event_date=s.today - datetime.timedelta(days=90),
        source=SRC.ASSESSMENT_FAILURE,
        area="other",
    )
    if case is None:
        return
    cases.start_preliminary_review(case, actor=s.jw)
    cases.not_pursue(
        case,
        actor=s.jw_head,
        reason="three_distinctions",
        note="属于改革探索中因缺乏经验出现的失误,未谋取私利,已及时纠正。",
    )


def step_accountability(ctx: DemoContext) -> None:
    """Accountability cases, 一案双查 probes, measures, appeals, an expired influence period."""
    ensure_defaults()
    ensure_management_defaults()
    s = _Seeder(ctx)
    if s.jw is None or s.jw_head is None or COUNTY1 not in ctx.tree.orgs:
        return
    _headline(s)
    _dual(s)
    _same_level(s)
    _reorganisation(s)
    _expired(s)
    _not_pursued(s)


def step_integrity_replies(ctx: DemoContext) -> None:
    """党风廉政意见回复 (issue 16): county 1's 组织部 asks about two township secretaries for a
    promotion; the 纪委 has returned one reply (signed off by its secretary) and has the
    other in its queue."""
    from accountability.models import IntegrityRequest
    from accountability.services import integrity
    from liangge_zeren.workflow import TransitionRefused
    from responsibilities.models import Tenure

    users = ctx.tree.users
    zzb, jw, head = (
        users.get("county1_zzb"),
        users.get("county1_jw"),
        users.get("county1_jw_secretary"),
    )
    if zzb is None or jw is None or head is None:
        return
    if IntegrityRequest.objects.filter(created_by_id=zzb.pk).exists():
        return
    posts = (
        Tenure.objects.current()
        .filter(org__code__in=[f"{COUNTY1}-T01", f"{COUNTY1}-T02"], role=Tenure.Role.SECRETARY)
        .select_related("person", "org")
        .order_by("org__code")
    )
    names = "\n".join(f"{t.person.name}\t{t.org.name}" for t in posts)
    try:
        request = integrity.submit_request(
            actor=zzb,
            purpose=IntegrityRequest.Purpose.PROMOTION,
            names=names,
            purpose_note="拟提拔为县直部门副职",
        )
    except TransitionRefused as refusal:  # names changed in a customised demo
        ctx.log(f"integrity request skipped: {refusal}")
        return
    first = request.replies.order_by("pk").first()
    if first is not None:
        integrity.prepare_draft(first, actor=jw)
        integrity.sign_reply(first, actor=head)
        integrity.return_reply(first, actor=jw)

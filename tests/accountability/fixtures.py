"""Accountability fixtures on top of the fixed cast (county 1 changed secretary 2024-03-01)."""

import datetime
from types import SimpleNamespace

import pytest

from accountability.models import (
    AccountabilityCase,
    AccountabilityGround,
    DisciplinaryCase,
    ResponsibilityKind,
)
from accountability.services import appeals, cases, disciplinary, measures, targets

EVENT = datetime.date(2024, 1, 15)  # before the handover: 孙立民 was secretary
TODAY = datetime.date.today()
SRC = AccountabilityCase.Source


def open_county1_case(cast, *, event=EVENT, title="一号县某项目监管失职", **kw):
    data = dict(
        actor=cast.user("county1_jw"),
        title=title,
        org=cast.county1,
        event_date=event,
        source=SRC.PETITION,
        handling_body=cast.bodies["T-K1:discipline"],
        deciding_body=cast.bodies["T-C1:committee"],
        area="conduct",
        facts="一号县在某工程项目监管中失职失责,造成不良影响,群众反映强烈。",
        grounds=[AccountabilityGround.objects.get(number=8)],
    )
    data.update(kw)
    return cases.open_case(**data)


def advance(cast, case, to=AccountabilityCase.Status.REPORT_DISCUSSED, *, target=True):
    """Walk a case through the procedure up to `to` (inclusive) with valid inputs."""
    S = AccountabilityCase.Status
    jw = cast.user("county1_jw")
    order = [
        S.PRELIMINARY_REVIEW,
        S.START_APPROVED,
        S.INVESTIGATING,
        S.HEARING,
        S.REPORT_DISCUSSED,
        S.DECIDED,
        S.EXECUTING,
    ]
    start = order.index(case.status) + 1 if case.status in order else 0
    for step in order[start : order.index(to) + 1]:
        if step == S.PRELIMINARY_REVIEW:
            cases.start_preliminary_review(case, actor=jw)
        elif step == S.START_APPROVED:
            cases.approve_start(
                case, actor=jw, approver=cast.tenures["city1_secretary"], approved_on=TODAY
            )
        elif step == S.INVESTIGATING:
            cases.start_investigation(
                case, actor=jw, team=[cast.people["county1_jw"], cast.people["city1_jw"]]
            )
            if target and not case.targets.exists():
                targets.add_person_target(
                    case,
                    actor=jw,
                    tenure=cast.tenures["county1_former"],
                    responsibility_kind=ResponsibilityKind.PRIMARY,
                )
        elif step == S.HEARING:
            cases.record_hearing(
                case, actor=jw, record="本人对事实无异议,作了检讨。", heard_on=TODAY
            )
        elif step == S.REPORT_DISCUSSED:
            cases.discuss_report(
                case,
                actor=jw,
                report="调查报告:事实清楚,证据确凿。",
                discussion_record="市委常委会集体讨论同意。",
                discussed_on=TODAY,
            )
        elif step == S.DECIDED:
            cases.decide_case(case, actor=jw, decision_no="一市委问决〔2026〕1号", decided_on=TODAY)
        elif step == S.EXECUTING:
            target_row = case.targets.first()
            measures.add_measure(
                case,
                actor=jw,
                target=target_row,
                kind="admonition",
                subtype="talk",
                effective_date=TODAY,
                decision_no="一市委问决〔2026〕1号",
                deciding_body=case.deciding_body,
            )
            cases.start_execution(case, actor=jw)
    case.refresh_from_db()
    return case


def register_dcase(cast, *, case_no="一县纪立〔2026〕1号", org=None, **kw):
    data = dict(
        actor=cast.user("county1_jw"),
        case_no=case_no,
        org=org or cast.county1,
        handling_body=cast.bodies["T-K1:discipline"],
        subject_person=cast.people["township1_secretary"],
        subject_tenure=cast.tenures["township1_secretary"],
        violation_type=DisciplinaryCase.ViolationType.INTEGRITY,
        summary="利用职务便利收受他人财物。",
        registered_on=TODAY - datetime.timedelta(days=60),
    )
    data.update(kw)
    return disciplinary.register_disciplinary_case(**data)


@pytest.fixture
def acc(cast):
    """A county-1 case, a township case decided by the county, and a county-2 case."""
    county1_case = open_county1_case(cast)
    township_case = cases.open_case(
        actor=cast.user("county1_jw"),
        title="一号镇落实主体责任不力",
        org=cast.township1,
        event_date=TODAY - datetime.timedelta(days=30),
        source=SRC.INSPECTION_FINDING,
        handling_body=cast.bodies["T-K1:discipline"],
        deciding_body=cast.bodies["T-K1:committee"],
    )
    county2_case = cases.open_case(
        actor=cast.user("prov_jw"),
        title="二号县的问责案件",
        org=cast.county2,
        event_date=TODAY - datetime.timedelta(days=30),
        source=SRC.UPPER_REFERRAL,
        handling_body=cast.bodies["T-K2:discipline"],
        deciding_body=cast.bodies["T-C1:committee"],
    )
    return SimpleNamespace(
        county1_case=county1_case, township_case=township_case, county2_case=county2_case
    )


@pytest.fixture
def acc_world(cast):
    """County 1's objects for the generic sibling-404 test: a case in execution with a
    measure (formalities open) and a pending appeal; a disciplinary case with both probes."""
    case = advance(cast, open_county1_case(cast), AccountabilityCase.Status.DECIDED)
    measure = measures.add_measure(
        case,
        actor=cast.user("county1_jw"),
        target=case.targets.get(),
        kind="organizational_handling",
        subtype="removal",
        effective_date=TODAY,
        decision_no="一市委问决〔2026〕1号",
        deciding_body=case.deciding_body,
    )
    appeal = appeals.file_appeal(
        case,
        actor=cast.user("county1_jw"),
        target=case.targets.get(),
        grounds="异议",
        received_on=TODAY,
    )
    dcase = disciplinary.decide_disciplinary_case(
        register_dcase(cast),
        actor=cast.user("county1_jw"),
        decided_on=TODAY,
        four_form=3,
        party_sanction="expulsion",
    )
    return SimpleNamespace(
        case=case, measure=measure, appeal=appeal, dcase=dcase, probe=dcase.probes.first()
    )


# --- Extra posts for recusal, 一案双查 routing and sign-off (issue 13) ----------------------


def appoint_extra(cast, key, name, body, role, *, title="", start=None, username=None):
    """A post the fixed cast lacks (e.g. county 1's commission secretary), with a login."""
    from django.contrib.auth import get_user_model

    from demo.cast import START
    from liangge_zeren.actors import DEMO
    from responsibilities import services as org_services
    from responsibilities.models import Person

    person = Person.objects.create(code=f"T-x-{key}", name=name)
    if username:
        person.user = get_user_model().objects.create_user(username=username, password="x-2026")
        person.save()
    tenure = org_services.appoint(
        person=person, body=body, role=role, start_date=start or START, title=title, actor=DEMO
    )
    return SimpleNamespace(person=person, tenure=tenure, user=person.user)


def county1_head(cast):
    """County 1's discipline commission secretary (signs its waivers and conclusions)."""
    from responsibilities.models import Tenure

    return appoint_extra(
        cast,
        "county1_jw_secretary",
        "钱正平",
        cast.bodies["T-K1:discipline"],
        Tenure.Role.DISCIPLINE_SECRETARY,
        title="县纪委书记",
        username="county1_jw_secretary",
    )


def county_stationed_team(cast):
    """A county department with a stationed team sent by county 1's commission (R28)."""
    from liangge_zeren.actors import DEMO
    from responsibilities import services as org_services
    from responsibilities.models import Body, Organization, Tenure

    dept = org_services.create_organization(
        code="T-K1-D1",
        name="一号县教育局",
        kind=Organization.Kind.DEPARTMENT,
        parent=cast.county1,
        actor=DEMO,
    )
    group = org_services.create_body(
        code="T-K1-D1-PG",
        org=dept,
        kind=Body.Kind.PARTY_LEADERSHIP_GROUP,
        name="中共一号县教育局党组",
        actor=DEMO,
    )
    team = org_services.create_body(
        code="T-K1-ST1",
        org=dept,
        kind=Body.Kind.STATIONED_DISCIPLINE_TEAM,
        name="一号县纪委监委派驻第一纪检监察组",
        sent_by=cast.bodies["T-K1:discipline"],
        stationed_in=[dept],
        actor=DEMO,
    )
    leader = appoint_extra(
        cast,
        "k1_team_leader",
        "韩立新",
        team,
        Tenure.Role.STATIONED_TEAM_LEADER,
        title="组长",
        username="k1_team_leader",
    )
    dept_head = appoint_extra(cast, "k1_dept_head", "马文静", group, Tenure.Role.SECRETARY)
    dept.refresh_from_db()
    return SimpleNamespace(dept=dept, group=group, team=team, leader=leader, dept_head=dept_head)


def probe_signer(cast, probe):
    """Who concludes a county-1 probe: the supervisory one the city commission's secretary
    (no self-judgement, R29); the principal one county 1's commission secretary (R27)."""
    from django.contrib.auth import get_user_model

    if probe.kind == "supervisory":
        return cast.user("city1_jw")
    head = get_user_model().objects.filter(username="county1_jw_secretary").first()
    return head or county1_head(cast).user

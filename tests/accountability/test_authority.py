"""Who may decide and who may handle (issue 13; R11, R18, R26), table-driven over the cast.

For each kind of case and target: the bodies the forms propose are exactly those with
authority, and the service refuses every other body with a message naming the rule.
"""

import datetime

import pytest

from accountability.bodies import check_org_decider, check_person_decider, has_jurisdiction
from accountability.forms import (
    ApproveForm,
    CaseForm,
    CaseFromFindingForm,
    DisciplinaryCaseForm,
    MeasureForm,
    ShareForm,
)
from accountability.models import AccountabilityCase, DisciplinaryCase
from accountability.services import cases, disciplinary, measures, targets
from liangge_zeren.actors import DEMO
from liangge_zeren.workflow import TransitionRefused
from responsibilities import services as org_services
from responsibilities.models import Body
from tests.accountability.fixtures import TODAY, advance, open_county1_case, register_dcase

pytestmark = pytest.mark.django_db
S = AccountabilityCase.Status


def _discipline(cast):
    return {k: b for k, b in cast.bodies.items() if b.is_discipline}


def _keys(cast, bodies):
    by_pk = {b.pk: k for k, b in cast.bodies.items()}
    return {by_pk[b.pk] for b in bodies}


def _move_former_to_city_committee(cast):
    """孙立民, county 1's former secretary, now sits on the city committee (组织部部长)."""
    return org_services.appoint(
        person=cast.people["county1_former"],
        body=cast.bodies["T-C1:committee"],
        role="team_member",
        start_date=datetime.date(2024, 3, 1),
        title="市委常委、组织部部长",
        actor=DEMO,
    )


# --- 问责: the deciding body of a case on a unit (下管一级, R18) -------------------------------

# Committees above the unit, and the commissions above it (R11: 通报 and 诫勉 directly).
CASE_DECIDERS = [
    ("county1", {"T-C1:committee", "T-P:committee", "T-C1:discipline", "T-P:discipline"}),
    (
        "township1",
        {
            "T-K1:committee",
            "T-C1:committee",
            "T-P:committee",
            "T-K1:discipline",
            "T-C1:discipline",
            "T-P:discipline",
        },
    ),
    ("city1", {"T-P:committee", "T-P:discipline"}),
    ("department", {"T-P:committee", "T-P:discipline"}),
]


@pytest.mark.parametrize(("unit", "allowed"), CASE_DECIDERS)
def test_it_proposes_and_accepts_only_bodies_above_the_unit(cast, unit, allowed):
    org = getattr(cast, unit)
    form = CaseForm({"org": org.pk}, user=cast.user("prov_jw"))
    assert _keys(cast, form.fields["deciding_body"].queryset) == allowed
    handlers = _keys(cast, form.fields["handling_body"].queryset)
    assert handlers == {k for k, b in _discipline(cast).items() if has_jurisdiction(b, org)}
    assert "T-P:discipline" in handlers and "T-K2:discipline" not in handlers
    for key, body in cast.bodies.items():
        data = dict(
            actor=cast.user("prov_jw"),
            title=f"{org.name}{key}",
            org=org,
            event_date=TODAY,
            source="petition",
            handling_body=cast.bodies["T-P:discipline"],
            deciding_body=body,
        )
        if key in allowed:
            assert cases.open_case(**data).deciding_body == body
        else:
            with pytest.raises(TransitionRefused, match="下管一级"):
                cases.open_case(**data)


def test_it_the_case_from_a_finding_proposes_only_the_committees_above(cast):
    from tests.inspections.fixtures import make_finding

    finding = make_finding(
        cast.user("county1_jw"), cast.county1, body=cast.bodies["T-K1:discipline"]
    )
    form = CaseFromFindingForm(finding=finding)
    assert _keys(cast, form.fields["deciding_body"].queryset) == {
        "T-C1:committee",
        "T-P:committee",
        "T-C1:discipline",
        "T-P:discipline",
    }


def test_it_the_case_form_refuses_a_units_own_committee_as_a_form_error(cast):
    form = CaseForm(
        {
            "title": "一号县问题",
            "org": cast.county1.pk,
            "event_date": "2025-01-01",
            "source": "petition",
            "area": "conduct",
            "handling_body": cast.bodies["T-K1:discipline"].pk,
            "deciding_body": cast.bodies["T-K1:committee"].pk,
            "facts": "事实",
        },
        user=cast.user("county1_jw"),
    )
    assert not form.is_valid()
    assert "deciding_body" in form.errors


# --- 问责: the deciding body over each target (management authority on the day) ------------

# (target tenure, committees that may decide on the person, commissions that may apply 诫勉)
PERSON_DECIDERS = [
    ("county1_member", {"T-C1", "T-P"}),
    ("county1_secretary", {"T-C1", "T-P"}),
    ("township1_secretary", {"T-K1", "T-C1", "T-P"}),
    ("county1_former", {"T-C1", "T-P"}),  # no post today: the post the case is about
    ("department_secretary", {"T-P"}),
]


@pytest.mark.parametrize(("key", "levels"), PERSON_DECIDERS)
def test_it_decides_on_a_person_only_from_the_managing_level_up(cast, key, levels):
    tenure = cast.tenures[key]
    for body_key, body in cast.bodies.items():
        unit = body_key.split(":")[0]
        committee_ok = body.is_committee and unit in levels
        admonition_ok = committee_ok or (
            body.kind == Body.Kind.DISCIPLINE_COMMISSION and unit in levels
        )
        for kind, ok in (("party_sanction", committee_ok), ("admonition", admonition_ok)):
            if ok:
                check_person_decider(body, tenure.person, tenure, TODAY, kind)
            else:
                with pytest.raises(TransitionRefused, match="干部管理权限"):
                    check_person_decider(body, tenure.person, tenure, TODAY, kind)


@pytest.mark.parametrize(
    ("unit", "allowed"),
    [("township1", {"T-K1", "T-C1", "T-P"}), ("county1", {"T-C1", "T-P"})],
)
def test_it_decides_on_an_organisation_only_from_the_committee_above(cast, unit, allowed):
    org = getattr(cast, unit)
    for body_key, body in cast.bodies.items():
        ok = body.is_committee and body_key.split(":")[0] in allowed
        for kind in ("reorganization", "org_self_criticism"):
            if ok:
                check_org_decider(body, org, kind)
            else:
                with pytest.raises(TransitionRefused, match="上级党委"):
                    check_org_decider(body, org, kind)
    # 通报 may come from the 纪委 above (R11); 改组 only from a committee (R18).
    above = cast.bodies[f"{cast.township1.parent.code}:discipline"] if unit == "township1" else None
    if above is not None:
        check_org_decider(above, org, "circulated_criticism")
        with pytest.raises(TransitionRefused, match="改组只能由上级党委决定"):
            check_org_decider(above, org, "reorganization")


def test_it_the_city_committee_may_not_decide_on_a_city_committee_member(cast):
    """Issue 13: 青山市委 decided 警告 + 免职 on a person who now sits on 青山市委. Now the
    target is refused for a case the city committee decides, and the province decides."""
    _move_former_to_city_committee(cast)
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    with pytest.raises(TransitionRefused, match="由中共省委员会管理"):
        targets.add_person_target(
            case,
            actor=cast.user("county1_jw"),
            tenure=cast.tenures["county1_former"],
            responsibility_kind="primary_leadership",
        )
    assert not case.targets.exists()


def test_it_the_province_committee_decides_and_the_city_cannot_add_measures(cast):
    _move_former_to_city_committee(cast)
    jw = cast.user("county1_jw")
    case = open_county1_case(cast, deciding_body=cast.bodies["T-P:committee"])
    cases.start_preliminary_review(case, actor=jw)
    cases.approve_start(case, actor=jw, approver=cast.tenures["prov_secretary"], approved_on=TODAY)
    case = advance(cast, case, S.DECIDED)
    target = case.targets.get()
    data = dict(actor=jw, target=target, effective_date=TODAY, decision_no=case.decision_no)
    with pytest.raises(TransitionRefused, match="下管一级"):
        measures.add_measure(
            case,
            kind="party_sanction",
            subtype="warning",
            deciding_body=cast.bodies["T-C1:committee"],
            **data,
        )
    warning = measures.add_measure(
        case, kind="party_sanction", subtype="warning", deciding_body=case.deciding_body, **data
    )
    removal = measures.add_measure(
        case,
        kind="organizational_handling",
        subtype="removal",
        deciding_body=case.deciding_body,
        **data,
    )
    assert {warning.deciding_body, removal.deciding_body} == {cast.bodies["T-P:committee"]}
    form = MeasureForm(case=case)
    assert "T-C1:committee" not in _keys(cast, form.fields["deciding_body"].queryset)
    assert _keys(cast, form.fields["deciding_body"].queryset) == {
        "T-P:committee",
        "T-P:discipline",
    }


def test_it_refuses_the_decision_when_a_target_moved_up_after_being_named(cast):
    case = advance(cast, open_county1_case(cast), S.REPORT_DISCUSSED)
    _move_former_to_city_committee(cast)
    with pytest.raises(TransitionRefused, match="中共一号市委员会无权决定"):
        cases.decide_case(
            case, actor=cast.user("county1_jw"), decision_no="问决1号", decided_on=TODAY
        )
    case.refresh_from_db()
    assert case.status == S.REPORT_DISCUSSED


def test_it_the_measure_form_shows_the_rule_as_an_error(cast):
    case = advance(cast, open_county1_case(cast), S.DECIDED)
    form = MeasureForm(
        {
            "target": case.targets.get().pk,
            "kind": "party_sanction",
            "subtype": "warning",
            "effective_date": TODAY.isoformat(),
            "decision_no": "1号",
            "deciding_body": cast.bodies["T-C1:discipline"].pk,
        },
        case=case,
    )
    assert not form.is_valid()
    assert "干部管理权限" in str(form.errors["deciding_body"])


def test_it_proposes_only_the_deciding_bodys_principal_leaders_as_approver(cast):
    case = open_county1_case(cast)
    approvers = ApproveForm(case=case).fields["approver"].queryset
    assert set(approvers) == {cast.tenures["city1_secretary"]}


# --- 纪律审查: who may lead a case on a cadre (R26) ------------------------------------------

# (subject, the discipline bodies that may register the case)
HANDLERS = [
    ("county1_member", {"T-C1:discipline", "T-P:discipline"}),
    ("county1_secretary", {"T-C1:discipline", "T-P:discipline"}),
    ("county1_jw", {"T-C1:discipline", "T-P:discipline"}),  # 县纪委常委
    ("township1_secretary", {"T-K1:discipline", "T-C1:discipline", "T-P:discipline"}),
    ("department_secretary", {"T-P:discipline", "T-D1:stationed"}),
]


@pytest.mark.parametrize(("key", "allowed"), HANDLERS)
def test_it_registers_a_disciplinary_case_only_with_a_body_that_may_lead_it(cast, key, allowed):
    tenure = cast.tenures[key]
    for number, (body_key, body) in enumerate(_discipline(cast).items()):
        data = dict(
            case_no=f"案{key}{number}",
            org=tenure.org,
            handling_body=body,
            subject_person=tenure.person,
            subject_tenure=tenure,
        )
        if body_key in allowed:
            assert register_dcase(cast, actor=DEMO, **data).handling_body == body
        else:
            with pytest.raises(TransitionRefused):
                register_dcase(cast, actor=DEMO, **data)


def test_it_the_county_commission_cannot_open_a_case_on_its_standing_member(cast):
    """Issue 13: the county 纪委 could open a case against its own county standing-committee
    member. Now refused, naming R26 and the city 纪委 that leads it."""
    with pytest.raises(TransitionRefused, match=r"R26.*一号市纪委监委"):
        register_dcase(
            cast,
            subject_person=cast.people["county1_member"],
            subject_tenure=cast.tenures["county1_member"],
        )
    assert not DisciplinaryCase.objects.exists()
    case = register_dcase(
        cast,
        actor=cast.user("city1_jw"),
        handling_body=cast.bodies["T-C1:discipline"],
        subject_person=cast.people["county1_member"],
        subject_tenure=cast.tenures["county1_member"],
    )
    assert case.handling_body == cast.bodies["T-C1:discipline"]


def _subjects(form):
    return set(form.fields["subject_tenure"].queryset)


def test_it_the_form_proposes_only_the_cadres_the_users_commission_may_lead(cast):
    county = _subjects(DisciplinaryCaseForm(user=cast.user("county1_jw")))
    city = _subjects(DisciplinaryCaseForm(user=cast.user("city1_jw")))
    for key in ("county1_member", "county1_secretary", "county1_jw"):
        assert cast.tenures[key] not in county
        assert cast.tenures[key] in city
    assert cast.tenures["township1_secretary"] in county


def test_it_the_disciplinary_form_reports_the_rule(cast):
    form = DisciplinaryCaseForm(
        {
            "case_no": "X1",
            "org": cast.county1.pk,
            "handling_body": cast.bodies["T-K1:discipline"].pk,
            "subject_tenure": cast.tenures["county1_member"].pk,
            "violation_type": "integrity",
            "summary": "问题",
            "registered_on": TODAY.isoformat(),
        },
        user=cast.user("prov_jw"),
    )
    assert not form.is_valid()
    assert "R26" in str(form.errors["handling_body"])


# --- R26: the lower commission sees only what the higher one shares ------------------------


def _city_case(cast, case_no="市纪立1号"):
    return register_dcase(
        cast,
        case_no=case_no,
        actor=cast.user("city1_jw"),
        handling_body=cast.bodies["T-C1:discipline"],
        subject_person=cast.people["county1_member"],
        subject_tenure=cast.tenures["county1_member"],
    )


def test_it_the_lower_commission_sees_only_what_is_shared(cast, django_assert_max_num_queries):
    county_jw = cast.user("county1_jw")
    shared, kept = _city_case(cast), _city_case(cast, "市纪立2号")
    assert not DisciplinaryCase.objects.visible_to(county_jw).filter(pk=shared.pk).exists()
    assert ShareForm(case=shared).fields["body"].queryset.get() == cast.bodies["T-K1:discipline"]
    disciplinary.share_disciplinary_case(
        shared, actor=cast.user("city1_jw"), body=cast.bodies["T-K1:discipline"], note="配合"
    )
    with django_assert_max_num_queries(8):  # the user's grants, then one list query
        visible = set(DisciplinaryCase.objects.visible_to(county_jw).values_list("pk", flat=True))
    assert shared.pk in visible and kept.pk not in visible
    assert county_jw.has_perm("accountability.view_disciplinarycase", shared)
    assert not county_jw.has_perm("accountability.view_disciplinarycase", kept)
    assert not county_jw.has_perm("accountability.change_disciplinarycase", shared)
    assert not ShareForm(case=shared).fields["body"].queryset.exists()


def test_it_refuses_a_share_by_the_lower_one_or_to_a_body_without_jurisdiction(cast):
    case = _city_case(cast)
    with pytest.raises(TransitionRefused, match="承办"):
        disciplinary.share_disciplinary_case(
            case, actor=cast.user("county1_jw"), body=cast.bodies["T-K1:discipline"]
        )
    for key in ("T-K2:discipline", "T-P:discipline", "T-C1:discipline", "T-X1:discipline"):
        with pytest.raises(TransitionRefused):
            disciplinary.share_disciplinary_case(
                case, actor=cast.user("city1_jw"), body=cast.bodies[key]
            )


def test_it_the_county_list_and_counts_follow_the_share(cast, client_for):
    shared, _kept = _city_case(cast), _city_case(cast, "市纪立2号")
    client = client_for(cast.user("county1_jw"))
    assert client.get(f"/accountability/disciplinary/{shared.pk}/").status_code == 404
    disciplinary.share_disciplinary_case(
        shared, actor=cast.user("city1_jw"), body=cast.bodies["T-K1:discipline"]
    )
    page = client.get("/accountability/disciplinary/")
    assert "市纪立1号" in page.content.decode() and "市纪立2号" not in page.content.decode()
    detail = client.get(f"/accountability/disciplinary/{shared.pk}/")
    assert detail.status_code == 200
    assert client.post(f"/accountability/disciplinary/{shared.pk}/share/").status_code in (
        403,
        404,
    )

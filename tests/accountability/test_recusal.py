"""回避 (recusal): targets and declared conflicts stand aside; a body never decides on itself;
waivers are signed by the handling commission's secretary (issue 13, R27).

Issue 13's example: "青山市委 decided … on a person who now sits on 青山市委, and she was
offered as a possible approver of her own case" — she is no longer offered, and the service
refuses her.
"""

import pytest
from django.urls import reverse

from accountability.forms import ApproveForm, HearingForm, InvestigationForm
from accountability.models import AccountabilityCase, AccountabilityTarget, ConflictDeclaration
from accountability.services import cases, conflicts, disciplinary, targets
from demo.cast import HANDOVER
from liangge_zeren.actors import DEMO
from liangge_zeren.workflow import TransitionRefused
from responsibilities import services as org_services
from responsibilities.models import Tenure
from tests.accountability.fixtures import (
    TODAY,
    advance,
    county1_head,
    open_county1_case,
    register_dcase,
)

S = AccountabilityCase.Status
R = ConflictDeclaration.Reason


def _stand_aside(cast, case, key, how):
    """Make the cast member `key` someone who must stand aside from `case`."""
    if how == "target":
        # Written directly: under 干部管理权限 the service no longer lets a city leader be a
        # target of a case the city committee decides, so recusal here is defence in depth
        # (rows from before that rule, or a case whose deciding body moved).
        tenure = cast.tenures[key]
        AccountabilityTarget.objects.create(
            case=case,
            target_type=AccountabilityTarget.TargetType.PERSON,
            org=tenure.org,
            org_path=tenure.org.path,
            tenure=tenure,
            person=tenure.person,
            name_snapshot=tenure.person.name,
            responsibility_kind="important_leadership",
        )
    else:
        conflicts.declare_conflict(
            case, actor=cast.user("county1_jw"), person=cast.people[key], reason=how
        )


HOW = ["target", R.CLOSE_RELATIVE, R.FORMER_SUPERIOR_SUBORDINATE]


@pytest.mark.parametrize("how", HOW)
def test_it_one_who_must_stand_aside_is_neither_offered_nor_accepted_as_approver(cast, how):
    case = advance(cast, open_county1_case(cast), S.PRELIMINARY_REVIEW)
    approver = cast.tenures["city1_secretary"]
    assert approver in ApproveForm(case=case).fields["approver"].queryset
    _stand_aside(cast, case, "city1_secretary", how)
    assert approver not in ApproveForm(case=case).fields["approver"].queryset
    with pytest.raises(TransitionRefused, match="回避:张志远.*不得批准启动本案调查"):
        cases.approve_start(
            case, actor=cast.user("county1_jw"), approver=approver, approved_on=TODAY
        )


@pytest.mark.parametrize("how", HOW)
def test_it_one_who_must_stand_aside_does_not_sit_on_the_investigation_team(cast, how):
    case = advance(cast, open_county1_case(cast), S.START_APPROVED)
    member = cast.people["city1_jw"]
    assert member in InvestigationForm(case=case).fields["team"].queryset
    _stand_aside(cast, case, "city1_jw", how)
    assert member not in InvestigationForm(case=case).fields["team"].queryset
    with pytest.raises(TransitionRefused, match="回避:赵明德.*不得担任本案调查组成员"):
        cases.start_investigation(
            case, actor=cast.user("county1_jw"), team=[member, cast.people["county1_jw"]]
        )


@pytest.mark.parametrize("how", HOW)
def test_it_one_who_must_stand_aside_does_not_hear_the_statement(cast, how):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING)  # team: county1_jw, city1_jw
    hearer = cast.people["city1_jw"]
    assert hearer in HearingForm(case=case).fields["hearers"].queryset
    _stand_aside(cast, case, "city1_jw", how)
    assert hearer not in HearingForm(case=case).fields["hearers"].queryset
    jw = cast.user("county1_jw")
    for hearers in ([hearer], []):  # named, or the team by default
        with pytest.raises(TransitionRefused, match="回避:赵明德.*不得听取本案陈述申辩"):
            cases.record_hearing(
                case, actor=jw, record="陈述申辩。", heard_on=TODAY, hearers=hearers
            )
    cases.record_hearing(
        case, actor=jw, record="陈述申辩。", heard_on=TODAY, hearers=[cast.people["county1_jw"]]
    )
    assert list(case.hearers.all()) == [cast.people["county1_jw"]]


def test_it_she_is_not_offered_as_approver_of_her_own_case(cast):
    """Issue 13: the former county secretary now sits on the deciding city committee."""
    former = cast.people["county1_former"]
    city_post = org_services.appoint(
        person=former,
        body=cast.bodies["T-C1:committee"],
        role=Tenure.Role.TEAM_MEMBER,
        start_date=HANDOVER,
        title="市委常委、组织部部长",
        actor=DEMO,
    )
    case = advance(cast, open_county1_case(cast), S.PRELIMINARY_REVIEW)
    # 下管一级: the city committee may not decide on its own member (the province committee
    # does), so she cannot become a target of this case …
    with pytest.raises(TransitionRefused, match="下管一级"):
        targets.add_person_target(
            case,
            actor=cast.user("county1_jw"),
            tenure=cast.tenures["county1_former"],
            responsibility_kind="primary_leadership",
        )
    # … and she is not among those who may approve it either.
    offered = ApproveForm(case=case).fields["approver"].queryset
    assert city_post not in offered
    assert cast.tenures["city1_secretary"] in offered


def test_it_a_handler_who_declared_a_conflict_may_not_move_the_case(cast):
    case = open_county1_case(cast)
    conflicts.declare_conflict(
        case,
        actor=cast.user("county1_jw"),
        person=cast.people["county1_jw"],
        reason=R.OTHER,
        detail="与被反映人系同学关系",
    )
    with pytest.raises(TransitionRefused, match="回避:周文斌.*不得办理本案"):
        cases.start_preliminary_review(case, actor=cast.user("county1_jw"))
    cases.start_preliminary_review(case, actor=cast.user("city1_jw"))


@pytest.mark.parametrize(
    "deciding, target_org",
    [("T-C1:committee", "city1"), ("T-K1:committee", "county1")],
)
def test_it_a_body_never_decides_on_itself(cast, deciding, target_org):
    case = open_county1_case(
        cast, deciding_body=cast.bodies[deciding], org=cast.township1, title="镇问题"
    )
    # Refused twice over: the body is not above the unit (R18), and never decides on itself.
    with pytest.raises(TransitionRefused, match="回避:.*不得对自身问责|不是.*的上级党委"):
        targets.add_org_target(case, actor=cast.user("county1_jw"), org=getattr(cast, target_org))
    targets.add_org_target(case, actor=cast.user("county1_jw"), org=cast.township1)


@pytest.mark.parametrize(
    "who, person, allowed",
    [
        ("county1_jw", "city1_secretary", True),  # a handler names anyone
        ("city1_secretary", "city1_secretary", True),  # the deciding body's secretary: self
        ("city1_secretary", "county1_jw", False),  # … but not others
        ("county2_secretary", "county2_secretary", False),  # cannot see the case
        ("outsider", "city1_secretary", False),
    ],
)
def test_it_handlers_declare_anyone_and_others_only_themselves(cast, who, person, allowed):
    case = open_county1_case(cast)
    declare = lambda: conflicts.declare_conflict(  # noqa: E731
        case, actor=cast.user(who), person=cast.people[person], reason=R.CLOSE_RELATIVE
    )
    if allowed:
        declaration = declare()
        assert declaration.history.count() == 1 and declaration.org_path == case.org_path
    else:
        with pytest.raises(TransitionRefused, match="申报回避"):
            declare()


def test_it_the_other_reason_needs_a_detail_and_a_person_declares_once(cast):
    case = open_county1_case(cast)
    jw, person = cast.user("county1_jw"), cast.people["city1_jw"]
    with pytest.raises(TransitionRefused, match="须写明具体情况"):
        conflicts.declare_conflict(case, actor=jw, person=person, reason=R.OTHER)
    conflicts.declare_conflict(case, actor=jw, person=person, reason=R.CLOSE_RELATIVE)
    with pytest.raises(TransitionRefused, match="已申报回避"):
        conflicts.declare_conflict(case, actor=jw, person=person, reason=R.CLOSE_RELATIVE)


def test_it_the_case_page_records_and_shows_a_declaration(cast, client_for):
    case = open_county1_case(cast)
    client = client_for(cast.user("county1_jw"))
    url = reverse("accountability:case_conflict", args=[case.pk])
    assert "赵明德" in client.get(url).content.decode()
    response = client.post(
        url,
        {"person": cast.people["city1_jw"].pk, "reason": R.FORMER_SUPERIOR_SUBORDINATE},
    )
    assert response.status_code == 302
    declaration = ConflictDeclaration.objects.get(case=case)
    assert declaration.person == cast.people["city1_jw"]
    assert declaration.declared_by == cast.user("county1_jw")
    body = client.get(reverse("accountability:case_detail", args=[case.pk])).content.decode()
    assert "曾有直接上下级关系" in body and "申报回避" in body


def test_it_someone_else_may_only_declare_themself_on_the_page(cast, client_for):
    case = open_county1_case(cast)
    client = client_for(cast.user("city1_secretary"))
    form = client.get(reverse("accountability:case_conflict", args=[case.pk])).context["form"]
    assert list(form.fields["person"].queryset) == [cast.people["city1_secretary"]]
    assert client_for(cast.user("outsider")).get(
        reverse("accountability:case_conflict", args=[case.pk])
    ).status_code in (403, 404)


def test_it_nobody_handles_a_disciplinary_case_about_themself_or_a_declared_conflict(cast):
    # A county 纪委 officer's own case: refused (the city 纪委 leads it, R26; and 回避).
    with pytest.raises(TransitionRefused, match="回避|R26"):
        register_dcase(
            cast,
            subject_person=cast.people["county1_jw"],
            subject_tenure=cast.tenures["county1_jw"],
        )
    dcase = register_dcase(cast)
    conflicts.declare_conflict(
        dcase,
        actor=cast.user("city1_jw"),
        person=cast.people["county1_jw"],
        reason=R.CLOSE_RELATIVE,
    )
    with pytest.raises(TransitionRefused, match="回避:周文斌"):
        disciplinary.decide_disciplinary_case(
            dcase, actor=cast.user("county1_jw"), decided_on=TODAY, four_form=2
        )
    assert dcase.conflicts.get().person == cast.people["county1_jw"]


# --- 签字背书 of a waiver (R27) ----------------------------------------------------------------


def test_it_a_waiver_is_signed_by_the_handling_commissions_secretary(cast, client_for):
    head = county1_head(cast)
    case = advance(cast, open_county1_case(cast), S.PRELIMINARY_REVIEW)
    note = "属于改革探索中因缺乏经验出现的失误,已及时纠正。"
    with pytest.raises(TransitionRefused, match="签字背书"):
        cases.not_pursue(
            case, actor=cast.user("county1_jw"), reason="three_distinctions", note=note
        )
    with pytest.raises(TransitionRefused, match="签字背书"):  # another commission's secretary
        cases.not_pursue(case, actor=cast.user("city1_jw"), reason="three_distinctions", note=note)
    cases.not_pursue(case, actor=head.user, reason="three_distinctions", note=note)
    case.refresh_from_db()
    assert case.status == S.NOT_PURSUED
    assert case.signed_by == head.tenure and case.signed_at is not None
    body = client_for(cast.user("county1_jw")).get(
        reverse("accountability:case_detail", args=[case.pk])
    )
    assert "签字背书" in body.content.decode() and "钱正平" in body.content.decode()

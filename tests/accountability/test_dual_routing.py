"""一案双查 without self-judgement (R29, 规则 art.73; R28) and the secretary's sign-off (R27).

Issue 13's examples:
- "the county 纪委 concluded the supervisory probe into its own supervisory responsibility
  (本委…不负监督责任)": refused; the city commission concludes it, signed by its secretary.
- "a supervisory probe about a stationed 纪检组 defaults to the county committee as deciding
  body, not the commission that sent the team": the sending commission is the default.
"""

import pytest

from accountability.dual import default_conductor, higher_commission
from accountability.models import DualInvestigation
from accountability.services import disciplinary
from liangge_zeren.workflow import TransitionRefused
from responsibilities.models import Tenure
from tests.accountability.fixtures import (
    TODAY,
    appoint_extra,
    county1_head,
    county_stationed_team,
    register_dcase,
)

K = DualInvestigation.Kind
C = DualInvestigation.Conclusion
NOT_RESPONSIBLE = "本委此前已多次提醒并及时查处,不负监督责任。"


def _qualifying(cast, **kw):
    """A registered disciplinary case decided with 开除党籍: both probes open."""
    case = register_dcase(cast, **kw)
    return disciplinary.decide_disciplinary_case(
        case,
        actor=cast.user("county1_jw"),
        decided_on=TODAY,
        four_form=4,
        party_sanction="expulsion",
    )


@pytest.mark.parametrize(
    "examined, expected",
    [
        ("T-K1:discipline", "T-C1:discipline"),  # a county commission: the city one
        ("T-X1:discipline", "T-K1:discipline"),  # a township commission: the county one
        ("T-C1:discipline", "T-P:discipline"),  # a city commission: the province's
        ("T-D1:stationed", "T-P:discipline"),  # a stationed team: its sender (R28)
    ],
)
def test_it_the_supervisory_probe_is_conducted_one_level_up(cast, examined, expected):
    body = cast.bodies[examined]
    assert higher_commission(body) == cast.bodies[expected]
    handling = cast.bodies["T-K1:discipline"]
    assert default_conductor(K.SUPERVISORY, body, handling) == cast.bodies[expected]
    # The principal probe (the committee's responsibility) stays with the handling commission.
    assert default_conductor(K.PRINCIPAL, cast.bodies["T-K1:committee"], handling) == handling


def test_it_records_the_conducting_commission_when_the_probes_open(cast):
    case = _qualifying(cast)
    probes = {p.kind: p for p in case.probes.all()}
    assert probes[K.SUPERVISORY].target_body == cast.bodies["T-K1:discipline"]
    assert probes[K.SUPERVISORY].conducting_body == cast.bodies["T-C1:discipline"]
    assert probes[K.PRINCIPAL].conducting_body == cast.bodies["T-K1:discipline"]


@pytest.mark.parametrize("who", ["county1_jw", "county1_jw_secretary"])
def test_it_the_county_commission_may_not_conclude_its_own_supervisory_probe(cast, who):
    """Issue 13: "本委…不负监督责任" concluded by the county 纪委 itself — refused."""
    head = county1_head(cast)
    actor = head.user if who == "county1_jw_secretary" else cast.user(who)
    supervisory = _qualifying(cast).probes.get(kind=K.SUPERVISORY)
    with pytest.raises(TransitionRefused, match="一案双查不得自查"):
        disciplinary.conclude_probe(
            supervisory, actor=actor, conclusion=C.NOT_RESPONSIBLE, reasoning=NOT_RESPONSIBLE
        )
    with pytest.raises(TransitionRefused, match="一案双查不得自查"):
        disciplinary.open_case_for_probe(supervisory, actor=actor)
    supervisory.refresh_from_db()
    assert supervisory.status == DualInvestigation.Status.OPEN


def test_it_the_city_commission_concludes_it_signed_by_its_secretary(cast):
    supervisory = _qualifying(cast).probes.get(kind=K.SUPERVISORY)
    disciplinary.conclude_probe(
        supervisory,
        actor=cast.user("city1_jw"),
        conclusion=C.NOT_RESPONSIBLE,
        reasoning="县纪委已多次提醒并及时查处,已履行监督责任。",
    )
    supervisory.refresh_from_db()
    assert supervisory.status == DualInvestigation.Status.CONCLUDED
    assert supervisory.signed_by == cast.tenures["city1_jw"]
    assert supervisory.signed_at is not None


def test_it_a_responsible_finding_on_the_county_commission_is_decided_one_level_up(cast):
    supervisory = _qualifying(cast).probes.get(kind=K.SUPERVISORY)
    case = disciplinary.open_case_for_probe(supervisory, actor=cast.user("city1_jw"))
    assert case.handling_body == cast.bodies["T-C1:discipline"]
    assert case.deciding_body == cast.bodies["T-C1:discipline"]


def test_it_a_probe_about_a_stationed_team_defaults_to_the_sending_commission(cast):
    """Issue 13: the deciding body defaulted to the county committee, not the sender (R28)."""
    county1_head(cast)
    setup = county_stationed_team(cast)
    assert setup.dept.supervising_body == setup.team
    dcase = _qualifying(
        cast,
        case_no="一县纪立〔2026〕8号",
        org=setup.dept,
        handling_body=setup.team,
        subject_person=setup.dept_head.person,
        subject_tenure=setup.dept_head.tenure,
        actor=setup.leader.user,
    )
    supervisory = dcase.probes.get(kind=K.SUPERVISORY)
    assert supervisory.target_body == setup.team
    assert supervisory.conducting_body == cast.bodies["T-K1:discipline"]
    # The team's leader may not conclude on the team's own supervisory responsibility.
    with pytest.raises(TransitionRefused, match="一案双查不得自查"):
        disciplinary.open_case_for_probe(supervisory, actor=setup.leader.user)
    case = disciplinary.open_case_for_probe(supervisory, actor=_user("county1_jw_secretary"))
    assert case.deciding_body == cast.bodies["T-K1:discipline"]
    assert case.deciding_body != cast.bodies["T-K1:committee"]
    assert case.handling_body == cast.bodies["T-K1:discipline"]


def test_it_the_examined_team_never_decides_on_itself(cast):
    county1_head(cast)
    setup = county_stationed_team(cast)
    dcase = _qualifying(
        cast,
        case_no="一县纪立〔2026〕9号",
        org=setup.dept,
        handling_body=setup.team,
        subject_person=setup.dept_head.person,
        subject_tenure=setup.dept_head.tenure,
        actor=setup.leader.user,
    )
    supervisory = dcase.probes.get(kind=K.SUPERVISORY)
    with pytest.raises(TransitionRefused, match="回避"):
        disciplinary.open_case_for_probe(
            supervisory, actor=_user("county1_jw_secretary"), deciding_body=setup.team
        )


@pytest.mark.parametrize(
    "role, title, signs",
    [
        (Tenure.Role.DISCIPLINE_SECRETARY, "县纪委书记", True),
        (Tenure.Role.DISCIPLINE_OFFICER, "县纪委副书记(主持工作)", True),  # acting head
        (Tenure.Role.DISCIPLINE_OFFICER, "县纪委副书记", False),
    ],
)
def test_it_a_conclusion_is_signed_by_the_conducting_secretary_or_acting_head(
    cast, role, title, signs
):
    signer = appoint_extra(
        cast, "signer", "秦思远", cast.bodies["T-K1:discipline"], role, title=title, username="s1"
    )
    principal = _qualifying(cast).probes.get(kind=K.PRINCIPAL)
    conclude = lambda: disciplinary.conclude_probe(  # noqa: E731
        principal,
        actor=signer.user,
        conclusion=C.NOT_RESPONSIBLE,
        reasoning="经核查,镇党委已履行主体责任,不予问责。",
    )
    if not signs:
        with pytest.raises(TransitionRefused, match="签字背书"):
            conclude()
        return
    conclude()
    principal.refresh_from_db()
    assert principal.signed_by == signer.tenure


def test_it_the_disciplinary_page_names_the_conducting_commission_and_the_signer(cast, client_for):
    from django.urls import reverse

    dcase = _qualifying(cast)
    supervisory = dcase.probes.get(kind=K.SUPERVISORY)
    url = reverse("accountability:disciplinary_detail", args=[dcase.pk])
    # The county officer is not offered the conclusion form on the supervisory probe.
    body = client_for(cast.user("county1_jw")).get(url).content.decode()
    assert "核查机关" in body and "一号市纪委监委" in body
    assert f"/probes/{supervisory.pk}/conclude/" not in body
    body = client_for(cast.user("city1_jw")).get(url).content.decode()
    assert f"/probes/{supervisory.pk}/conclude/" in body
    disciplinary.conclude_probe(
        supervisory,
        actor=cast.user("city1_jw"),
        conclusion=C.NOT_RESPONSIBLE,
        reasoning="县纪委已多次提醒并及时查处,已履行监督责任。",
    )
    body = client_for(cast.user("city1_jw")).get(url).content.decode()
    assert "签字背书" in body and "赵明德" in body


def _user(username):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username=username)

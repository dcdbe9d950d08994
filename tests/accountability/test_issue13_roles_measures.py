"""Issue 13's examples on responsibility roles, 分管领域 and measure combinations; each failed on
main before this change (R9, R10, R19a; domain.md "Authority in practice")."""

import pytest
from django.urls import reverse

from accountability.forms import OrgTargetForm, PersonTargetForm
from accountability.models import AccountabilityCase, AccountabilityMeasure, ResponsibilityKind
from accountability.proposals import propose_targets
from accountability.services import measures, targets
from liangge_zeren.workflow import TransitionRefused
from tests.accountability.fixtures import EVENT, TODAY, advance, open_county1_case

S = AccountabilityCase.Status
RK = ResponsibilityKind


def _offered(form):
    return [value for value, _label in form.fields["responsibility_kind"].choices]


def test_it_a_person_cannot_be_given_overall_leadership_responsibility(cast):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    assert RK.OVERALL not in _offered(PersonTargetForm(case=case))
    with pytest.raises(TransitionRefused, match="问责条例第六条.*全面领导责任由领导班子集体承担"):
        targets.add_person_target(
            case,
            actor=cast.user("county1_jw"),
            tenure=cast.tenures["county1_former"],
            responsibility_kind=RK.OVERALL,
        )
    assert not case.targets.exists()
    # The leadership team bears it, and only it.
    assert _offered(OrgTargetForm(case=case)) == [RK.OVERALL]
    with pytest.raises(TransitionRefused, match="问责条例第六条:党组织领导班子承担全面领导责任"):
        targets.add_org_target(
            case, actor=cast.user("county1_jw"), org=cast.county1, responsibility_kind=RK.PRIMARY
        )
    org = targets.add_org_target(case, actor=cast.user("county1_jw"), org=cast.county1)
    assert org.responsibility_kind == RK.OVERALL


def test_it_direct_responsibility_is_not_offered_in_accountability(cast):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    assert _offered(PersonTargetForm(case=case)) == [RK.PRIMARY, RK.IMPORTANT]
    for kind in (RK.DIRECT, RK.SUPERVISORY):
        with pytest.raises(TransitionRefused, match="问责条例第六条.*问责不认定直接责任"):
            targets.add_person_target(
                case,
                actor=cast.user("county1_jw"),
                tenure=cast.tenures["county1_member"],
                responsibility_kind=kind,
            )
    # The targets page offers the two roles only.
    page = cast_client_page(cast, case)
    person_forms = page.split('id="proposal-heading"')[1].split("case_org_target")[0]
    person_forms = person_forms.split('action="/accountability/cases/')[0]
    assert 'value="important_leadership"' in person_forms
    assert 'value="direct"' not in person_forms, person_forms
    assert 'value="overall_leadership"' not in person_forms


def cast_client_page(cast, case):
    from django.test import Client

    client = Client()
    client.force_login(cast.user("county1_jw"))
    return client.get(reverse("accountability:case_targets", args=[case.pk])).content.decode()


def test_it_the_case_form_takes_the_portfolio_and_proposes_its_member_for_important_leadership(
    cast, client_for
):
    education = cast.tenures["county1_member"].portfolios.get(name="教育")
    client = client_for(cast.user("county1_jw"))
    url = reverse("accountability:case_create")
    page = client.get(url).content.decode()
    assert 'name="portfolio"' in page and "一号县 · 教育" in page
    response = client.post(
        url,
        {
            "title": "一号县教育领域专项资金监管失职",
            "org": cast.county1.pk,
            "event_date": EVENT.isoformat(),
            "source": "petition",
            "area": "other",
            "portfolio": education.pk,
            "handling_body": cast.bodies["T-K1:discipline"].pk,
            "deciding_body": cast.bodies["T-C1:committee"].pk,
            "facts": "教育专项资金长期未按规定使用,监管缺位。",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    case = AccountabilityCase.objects.get(title="一号县教育领域专项资金监管失职")
    assert case.portfolio == education
    slots = {s.key: s for s in propose_targets(case.org, case.event_date, case.portfolio)}
    assert [c.tenure.person.name for c in slots["secretary"].at_event] == ["孙立民"]
    assert slots["secretary"].suggested_kind == RK.PRIMARY
    assert [c.tenure.person.name for c in slots["portfolio"].at_event] == ["陈晓梅"]
    assert slots["portfolio"].suggested_kind == RK.IMPORTANT
    # The targets page lists her under the portfolio slot with 重要领导责任 preselected.
    page = client.get(reverse("accountability:case_targets", args=[case.pk])).content.decode()
    portfolio_card = page.split('data-slot="portfolio"')[1].split('data-slot="')[0]
    assert "陈晓梅" in portfolio_card
    assert '<option value="important_leadership" selected>' in portfolio_card


def test_it_a_portfolio_of_another_unit_is_a_form_error(cast, client_for):
    other = cast.tenures["county1_member"].portfolios.get(name="教育")
    client = client_for(cast.user("city1_jw"))
    response = client.post(
        reverse("accountability:case_create"),
        {
            "title": "某案",
            "org": cast.township1.pk,
            "event_date": EVENT.isoformat(),
            "source": "petition",
            "area": "other",
            "portfolio": other.pk,
            "handling_body": cast.bodies["T-K1:discipline"].pk,
            "deciding_body": cast.bodies["T-C1:committee"].pk,
            "facts": "事实。",
        },
    )
    assert response.status_code == 200
    assert "分管领域必须属于失职失责单位" in response.content.decode()
    assert not AccountabilityCase.objects.filter(title="某案").exists()


def _add(case, target, kind, subtype=""):
    return measures.add_measure(
        case,
        actor=case.created_by,
        target=target,
        kind=kind,
        subtype=subtype,
        effective_date=TODAY,
        decision_no="一市委问决〔2026〕1号",
        deciding_body=case.deciding_body,
    )


def test_it_one_decision_cannot_give_one_person_everything(cast):
    """通报 twice + 诫勉谈话 + 书面诫勉 + 警告 + 免职: each wrong piece is refused, naming its rule;
    警告 + 免职 (and one 通报) stand."""
    case = advance(cast, open_county1_case(cast), S.DECIDED)
    person = case.targets.get()
    _add(case, person, "party_sanction", "warning")
    _add(case, person, "organizational_handling", "removal")  # may accompany a Party sanction
    _add(case, person, "circulated_criticism")  # may accompany any
    with pytest.raises(TransitionRefused, match="组合规则「同一方式不重复使用」.*通报"):
        _add(case, person, "circulated_criticism")
    with pytest.raises(TransitionRefused, match="组合规则「诫勉不与党纪处分并用」.*党纪处分·警告"):
        _add(case, person, "admonition", "talk")
    with pytest.raises(TransitionRefused, match="组合规则「诫勉不与党纪处分并用」"):
        _add(case, person, "admonition", "written")
    with pytest.raises(TransitionRefused, match="组合规则「一案一对象每一渠道至多一项处分」"):
        _add(case, person, "party_sanction", "serious_warning")
    kept = AccountabilityMeasure.objects.filter(target=person).order_by("pk")
    assert [m.label for m in kept] == ["党纪处分·警告", "组织调整或组织处理·免职", "通报"]


def test_it_two_admonitions_are_one_kind_twice(cast):
    case = advance(cast, open_county1_case(cast), S.DECIDED)
    person = case.targets.get()
    _add(case, person, "admonition", "talk")
    with pytest.raises(TransitionRefused, match="组合规则「同一方式不重复使用」.*诫勉·诫勉谈话"):
        _add(case, person, "admonition", "written")
    # 诫勉 first, then a Party sanction for the same facts: the same rule, the other way round.
    with pytest.raises(TransitionRefused, match="组合规则「诫勉不与党纪处分并用」"):
        _add(case, person, "party_sanction", "warning")

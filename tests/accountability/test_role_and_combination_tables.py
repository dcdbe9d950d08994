"""Table-driven: what the forms offer and what the services accept agree, for every (channel,
target kind, role) (accountability/roles.py) and for every pair of measure kinds against the
combination rule table (MeasureCombinationRule); the table is the system administrator's."""

import itertools

from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse

from accountability.combinations import kinds_for
from accountability.forms import (
    DisciplinaryCaseForm,
    MeasureForm,
    OrgTargetForm,
    PersonTargetForm,
)
from accountability.models import (
    MEASURE_SUBTYPES,
    AccountabilityCase,
    Channel,
    DisciplinaryCase,
    MeasureCombinationRule,
    ResponsibilityKind,
)
from accountability.roles import VALID_ROLES, valid_roles
from accountability.services import measures, targets
from liangge_zeren.actors import COMMAND, acting
from liangge_zeren.workflow import TransitionRefused
from security.models import AdminRole, AdminRoleAssignment
from tests.accountability.fixtures import TODAY, advance, open_county1_case, register_dcase

S = AccountabilityCase.Status
PA, PD = Channel.PARTY_ACCOUNTABILITY, Channel.PARTY_DISCIPLINE
RULE_OF = {PA: "问责条例第六条", PD: "纪律处分条例第三十九条"}


class _Rollback(Exception):
    pass


def _outcome(call):
    """(accepted, refusal message) of a service call, leaving nothing behind."""
    try:
        with transaction.atomic(), acting(COMMAND):  # the services join this transaction
            call()
            raise _Rollback
    except _Rollback:
        return True, ""
    except TransitionRefused as error:
        return False, str(error.message)


def _choices(form, field):
    return {value for value, _label in form.fields[field].choices}


def test_it_the_role_table_covers_the_two_channels_as_the_regulations_do():
    assert valid_roles(PA, "org") == (ResponsibilityKind.OVERALL,)
    assert valid_roles(PA, "person") == (
        ResponsibilityKind.PRIMARY,
        ResponsibilityKind.IMPORTANT,
    )
    assert valid_roles(PD, "person") == (
        ResponsibilityKind.DIRECT,
        ResponsibilityKind.PRIMARY,
        ResponsibilityKind.IMPORTANT,
    )
    assert ResponsibilityKind.OVERALL not in valid_roles(PD, "person")
    assert set(VALID_ROLES) == {(PA, "org"), (PA, "person"), (PD, "person")}


def test_it_forms_offer_exactly_the_roles_the_services_accept(cast):
    jw = cast.user("county1_jw")
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING, target=False)
    calls = {
        (PA, "person"): (
            _choices(PersonTargetForm(case=case), "responsibility_kind"),
            lambda kind: targets.add_person_target(
                case, actor=jw, tenure=cast.tenures["county1_former"], responsibility_kind=kind
            ),
        ),
        (PA, "org"): (
            _choices(OrgTargetForm(case=case), "responsibility_kind"),
            lambda kind: targets.add_org_target(
                case, actor=jw, org=cast.county1, responsibility_kind=kind
            ),
        ),
        (PD, "person"): (
            _choices(DisciplinaryCaseForm(user=jw), "subject_role"),
            lambda kind: register_dcase(cast, subject_role=kind),
        ),
    }
    assert set(calls) == set(VALID_ROLES)
    for (channel, target_type), (offered, call) in calls.items():
        for kind in ResponsibilityKind.values:
            accepted, message = _outcome(lambda: call(kind))  # noqa: B023
            expected = kind in valid_roles(channel, target_type)
            assert (kind in offered) == accepted == expected, (channel, target_type, kind)
            if not accepted:
                assert RULE_OF[channel] in message, (channel, target_type, kind, message)


def test_it_records_the_disciplinary_role_in_the_regulation_s_wording(cast, client_for):
    dcase = register_dcase(cast, subject_role=ResponsibilityKind.IMPORTANT)
    assert DisciplinaryCase.objects.get(pk=dcase.pk).subject_role == "important_leadership"
    assert dcase.subject_role_label == "重要领导责任者"
    assert register_dcase(cast, case_no="另案").subject_role_label == "直接责任者"
    page = client_for(cast.user("county1_jw")).get(
        reverse("accountability:disciplinary_detail", args=[dcase.pk])
    )
    assert "重要领导责任者" in page.content.decode()


def _subtype(kind):
    subtypes = MEASURE_SUBTYPES[kind]
    return subtypes[0][0] if subtypes else ""


def _add(case, target, kind):
    return measures.add_measure(
        case,
        actor=case.created_by,
        target=target,
        kind=kind,
        subtype=_subtype(kind),
        effective_date=TODAY,
        decision_no="文号",
        deciding_body=case.deciding_body,
    )


def _forbidding_rule(a, b):
    first, second = sorted((a, b))
    rule = MeasureCombinationRule.objects.filter(kind=first, other_kind=second).first()
    return rule.name if rule and rule.effect == "forbid" else None


def test_it_form_and_service_agree_with_the_rule_table_for_every_pair_of_kinds(cast):
    case = advance(cast, open_county1_case(cast), S.INVESTIGATING)
    targets.add_org_target(case, actor=cast.user("county1_jw"), org=cast.county1)
    advance(cast, case, S.DECIDED)
    checked = 0
    for target in case.targets.all():
        for first, second in itertools.product(kinds_for(target.target_type), repeat=2):
            with acting(COMMAND), transaction.atomic():
                _add(case, target, first)
                offered = second in MeasureForm(case=case).allowed[target.pk]
                accepted, message = _outcome(lambda: _add(case, target, second))  # noqa: B023
                transaction.set_rollback(True)
            rule = _forbidding_rule(first, second)
            assert offered == accepted == (rule is None), (target.target_type, first, second)
            if rule is not None:
                assert f"组合规则「{rule}」" in message, (first, second, message)
            checked += 1
    assert checked == 5 * 5 + 3 * 3


def test_it_the_measure_form_refuses_what_it_does_not_offer_naming_the_rule(cast):
    case = advance(cast, open_county1_case(cast), S.DECIDED)
    person = case.targets.get()
    _add(case, person, "party_sanction")
    form = MeasureForm(case=case)
    assert "admonition" not in form.allowed[person.pk]
    assert "admonition" not in dict(form.fields["kind"].widget.choices)  # not rendered
    assert "organizational_handling" in form.allowed[person.pk]
    assert str(person.pk) in form.fields["target"].widget.attrs["data-allowed-kinds"]
    bound = MeasureForm(
        {
            "target": person.pk,
            "kind": "admonition",
            "subtype": "talk",
            "effective_date": TODAY,
            "decision_no": "文号",
            "deciding_body": case.deciding_body.pk,
        },
        case=case,
    )
    assert not bound.is_valid()
    assert "组合规则「诫勉不与党纪处分并用」" in bound.errors["kind"][0]


def test_it_the_system_administrator_edits_the_rule_table_with_history(cast, client):
    user = get_user_model().objects.create_user(username="sysadmin", password="Kx7!mQ2#wLp9")
    AdminRoleAssignment.objects.create(user=user, role=AdminRole.SYSTEM)
    rule = MeasureCombinationRule.objects.get(kind="admonition", other_kind="party_sanction")
    client.force_login(user)
    url = reverse("admin:accountability_measurecombinationrule_change", args=[rule.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "name": "诫勉可与党纪处分并用(本地试行)",
            "kind": "party_sanction",  # entered the other way round: stored as one pair
            "other_kind": "admonition",
            "effect": "allow",
            "basis": "本地规定",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rule.refresh_from_db()
    assert (rule.kind, rule.other_kind, rule.effect) == ("admonition", "party_sanction", "allow")
    change = rule.history.first()
    assert (change.history_type, change.history_user, change.effect) == ("~", user, "allow")
    case = advance(cast, open_county1_case(cast), S.DECIDED)
    person = case.targets.get()
    _add(case, person, "party_sanction")
    assert _add(case, person, "admonition").kind == "admonition"

"""Confidentiality: who sees a case file, a target's own decision, read logging, 404s."""

import pytest
from django.urls import reverse

from accountability.models import AccountabilityCase, DisciplinaryCase
from accountability.rules import case_visible_q, own_decision_q
from accountability.services import cases
from accountability.services.disciplinary import share_disciplinary_case
from responsibilities.scoping import scope_q
from security.models import AuditEntry
from tests.accountability.fixtures import advance, register_dcase

S = AccountabilityCase.Status
USERS = (
    "prov_secretary",
    "prov_jw",
    "city1_secretary",
    "city1_jw",
    "county1_secretary",
    "county1_member",
    "county1_jw",
    "county2_secretary",
    "stationed_leader",
    "county1_former",
    "outsider",
)


def _visible(user):
    return set(AccountabilityCase.objects.filter(case_visible_q(user)).values_list("pk", flat=True))


def test_it_shows_a_county_case_to_the_handling_line_and_the_deciding_committee_only(cast, acc):
    case = acc.county1_case  # handled by county 1's commission, decided by the city committee
    allowed = {"prov_secretary", "prov_jw", "city1_secretary", "city1_jw", "county1_jw"}
    for name in USERS:
        user = cast.user(name)
        assert (case.pk in _visible(user)) == (name in allowed), name
        assert user.has_perm("accountability.view_accountabilitycase", case) == (name in allowed)


def test_it_hides_the_case_from_the_same_level_secretary_unless_his_committee_decides(cast, acc):
    secretary = cast.user("county1_secretary")
    assert acc.county1_case.pk not in _visible(secretary)  # R26: his own level goes upward
    assert acc.township_case.pk in _visible(secretary)  # the county committee decides this one


def test_it_predicates_and_querysets_agree_on_every_row(cast, acc):
    register_dcase(cast)
    city = {"actor": cast.user("city1_jw"), "handling_body": cast.bodies["T-C1:discipline"]}
    register_dcase(
        cast,
        case_no="二号县案",
        org=cast.county2,
        subject_person=cast.people["county2_secretary"],
        subject_tenure=cast.tenures["county2_secretary"],
        **city,
    )
    shared = register_dcase(
        cast,
        case_no="一号县常委案",
        subject_person=cast.people["county1_member"],
        subject_tenure=cast.tenures["county1_member"],
        **city,
    )
    share_disciplinary_case(
        shared, actor=cast.user("city1_jw"), body=cast.bodies["T-K1:discipline"]
    )
    assert AccountabilityCase.objects.count() == 3 and DisciplinaryCase.objects.count() == 3
    for name in USERS:
        user = cast.user(name)
        for perm, model in (
            ("accountability.view_accountabilitycase", AccountabilityCase),
            ("accountability.change_accountabilitycase", AccountabilityCase),
            ("accountability.view_disciplinarycase", DisciplinaryCase),
            ("accountability.change_disciplinarycase", DisciplinaryCase),
        ):
            by_q = set(model.objects.filter(scope_q(user, perm)).values_list("pk", flat=True))
            by_rule = {o.pk for o in model.objects.all() if user.has_perm(perm, o)}
            assert by_q == by_rule, (name, perm)


def test_it_a_target_sees_only_their_own_decision_and_only_once_decided(cast, acc, client_for):
    case = advance(cast, acc.county1_case, S.REPORT_DISCUSSED)  # target: the former secretary
    former = cast.user("county1_former")
    url = reverse("accountability:case_detail", args=[case.pk])
    assert client_for(former).get(url).status_code == 404
    advance(cast, case, S.DECIDED)
    assert set(AccountabilityCase.objects.filter(own_decision_q(former))) == {case}
    response = client_for(former).get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert "提出申诉" in body and "调查报告" not in body and "办理记录" not in body


def test_it_a_target_files_an_appeal_from_their_own_decision_page(cast, acc, client_for):
    case = advance(cast, acc.county1_case, S.EXECUTING)
    measure = case.measures.get()
    client = client_for(cast.user("county1_former"))
    response = client.post(
        reverse("accountability:case_appeal", args=[case.pk]),
        {
            "target": case.targets.get().pk,
            "measure": measure.pk,
            "received_on": measure.effective_date.isoformat(),
            "grounds": "对责任划分有异议。",
        },
    )
    assert response.status_code == 302
    appeal = case.appeals.get()
    assert appeal.filed_by == cast.user("county1_former") and appeal.is_pending
    # Another person cannot appeal on the case (they do not even see it).
    other = client_for(cast.user("county1_member"))
    assert other.post(reverse("accountability:case_appeal", args=[case.pk]), {}).status_code == 404


def test_it_every_read_of_a_case_file_is_logged(cast, acc, client_for):
    case = acc.county1_case
    client = client_for(cast.user("city1_jw"))
    before = AuditEntry.objects.filter(action="view", object_id=str(case.pk)).count()
    assert client.get(reverse("accountability:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("accountability:case_chain", args=[case.pk])).status_code == 200
    entries = AuditEntry.objects.filter(
        action="view", object_type="accountability.accountabilitycase", object_id=str(case.pk)
    )
    assert entries.count() == before + 2
    assert entries.latest("id").actor_username == "city1_jw"


@pytest.mark.parametrize("name", ["detail", "chain", "targets"])
def test_it_hides_sibling_units(cast, acc, client_for, name):
    url = reverse(f"accountability:case_{name}", args=[acc.county1_case.pk])
    assert client_for(cast.user("county2_secretary")).get(url).status_code == 404


@pytest.mark.parametrize("name", ["detail", "chain", "targets"])
def test_it_requires_scope(cast, acc, client_for, name):
    url = reverse(f"accountability:case_{name}", args=[acc.county1_case.pk])
    assert client_for(cast.user("outsider")).get(url).status_code == 404
    assert client_for(cast.user("county1_member")).get(url).status_code == 404


def test_it_hides_disciplinary_cases_from_committees(cast, client_for):
    case = register_dcase(cast)
    url = reverse("accountability:disciplinary_detail", args=[case.pk])
    for name in ("county1_secretary", "county2_secretary", "outsider"):
        assert client_for(cast.user(name)).get(url).status_code == 404
    assert client_for(cast.user("county1_jw")).get(url).status_code == 200


def test_it_a_reader_in_scope_but_not_handling_gets_403_on_writes(cast, acc, client_for):
    url = reverse(
        "accountability:case_transition", args=[acc.county1_case.pk, "preliminary_review"]
    )
    response = client_for(cast.user("city1_secretary")).post(url, {})
    assert response.status_code == 403
    cases.start_preliminary_review(acc.county1_case, actor=cast.user("county1_jw"))

"""干部管理权限 (issue 13): the editable rule table, `managing_committee` and the floor of the
纪委 that may lead a case (R26), over the fixed cast."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from responsibilities.authority import (
    DEFAULT_RULES,
    discipline_floor,
    ensure_management_defaults,
    managing_committee,
)
from responsibilities.models import ManagementAuthority, Person, Tenure
from security.models import AdminRole, AdminRoleAssignment

pytestmark = pytest.mark.django_db

BEFORE_HANDOVER = datetime.date(2024, 1, 15)

# (tenure key in the cast, the committee that manages its holder today: a cast body key).
MANAGED_BY = [
    ("county1_secretary", "T-C1:committee"),  # 县委书记: 市委 (下管一级)
    ("county1_member", "T-C1:committee"),  # 县委常委: 市委
    ("county1_jw", "T-C1:committee"),  # 县纪委常委: 市委
    ("county2_secretary", "T-C1:committee"),
    ("city1_secretary", "T-P:committee"),
    ("city1_jw", "T-P:committee"),
    ("township1_secretary", "T-K1:committee"),  # 镇党委书记: 县委
    ("department_secretary", "T-P:committee"),  # 省直部门党组书记: 省委
    ("stationed_leader", "T-P:committee"),
    ("prov_secretary", None),  # 省委书记: managed outside the tree (the central committee)
]


def test_it_installs_the_default_rules_once(db):
    rows = ManagementAuthority.objects.filter(org_kind="")
    assert {(r.role, r.managed_by) for r in rows} == {(r[0], r[1]) for r in DEFAULT_RULES}
    assert ensure_management_defaults() == 0
    assert rows.count() == len(DEFAULT_RULES)


@pytest.mark.parametrize(("key", "expected"), MANAGED_BY)
def test_it_finds_the_managing_committee(cast, key, expected):
    body = managing_committee(cast.tenures[key].person)
    assert body == (cast.bodies[expected] if expected else None)


def test_it_answers_in_one_query(cast, django_assert_num_queries):
    person = cast.tenures["county1_member"].person
    with django_assert_num_queries(1):
        body = managing_committee(person, on=datetime.date.today())
    assert body == cast.bodies["T-C1:committee"]


def test_it_follows_the_posts_held_on_the_day(cast):
    former = cast.tenures["county1_former"].person
    assert managing_committee(former, on=BEFORE_HANDOVER) == cast.bodies["T-C1:committee"]
    assert managing_committee(former) is None  # no post today


def test_it_takes_the_highest_committee_for_several_posts(cast):
    person = cast.tenures["township1_secretary"].person
    Tenure.objects.create(
        person=person,
        org=cast.county1,
        org_path=cast.county1.path,
        body=cast.bodies["T-K1:committee"],
        role=Tenure.Role.TEAM_MEMBER,
        start_date=datetime.date(2025, 1, 1),
    )
    assert managing_committee(person) == cast.bodies["T-C1:committee"]


def test_it_manages_other_posts_by_the_units_own_committee(cast):
    clerk = Person.objects.create(code="T-clerk", name="联络员甲")
    Tenure.objects.create(
        person=clerk,
        org=cast.county1,
        org_path=cast.county1.path,
        body=cast.bodies["T-K1:committee"],
        role=Tenure.Role.CLERK,
        start_date=datetime.date(2025, 1, 1),
    )
    assert managing_committee(clerk) == cast.bodies["T-K1:committee"]
    assert discipline_floor(clerk).path == cast.county1.path


def test_it_a_rule_for_the_kind_of_unit_wins_over_the_default(cast):
    ManagementAuthority.objects.create(
        org_kind="county", role=Tenure.Role.TEAM_MEMBER, managed_by="own", discipline_levels_up=0
    )
    member = cast.tenures["county1_member"].person
    assert managing_committee(member) == cast.bodies["T-K1:committee"]
    assert (
        managing_committee(cast.tenures["county1_secretary"].person)
        == (cast.bodies["T-C1:committee"])
    )


def test_it_falls_back_to_the_built_in_defaults_on_an_empty_table(cast):
    ManagementAuthority.objects.all().delete()
    member = cast.tenures["county1_member"].person
    assert managing_committee(member) == cast.bodies["T-C1:committee"]
    assert discipline_floor(member).path == cast.city1.path


def test_it_places_the_discipline_floor_one_level_up(cast):
    """R26: a county standing-committee member's case is led by the city 纪委."""
    assert discipline_floor(cast.tenures["county1_member"].person).path == cast.city1.path
    assert discipline_floor(cast.tenures["township1_secretary"].person).path == cast.county1.path
    assert discipline_floor(cast.tenures["prov_secretary"].person).path is None


def test_it_lets_the_system_administrator_edit_the_table_with_history(client):
    user = get_user_model().objects.create_user(username="sysadmin", password="Kx7!mQ2#wLp9")
    AdminRoleAssignment.objects.create(user=user, role=AdminRole.SYSTEM)
    client.force_login(user)
    rule = ManagementAuthority.objects.get(org_kind="", role=Tenure.Role.CLERK)
    assert client.get("/admin/responsibilities/managementauthority/").status_code == 200
    response = client.post(
        f"/admin/responsibilities/managementauthority/{rule.pk}/change/",
        {
            "org_kind": "",
            "role": rule.role,
            "managed_by": "higher",
            "discipline_levels_up": 1,
            "basis": "本地规定:联络员由上级党委管理",
        },
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert rule.managed_by == "higher"
    assert rule.history.first().managed_by == "higher"  # the change is in the history
    deleted = client.post(f"/admin/responsibilities/managementauthority/{rule.pk}/delete/")
    assert deleted.status_code == 403
    assert ManagementAuthority.objects.filter(pk=rule.pk).exists()

"""Who sees and changes what in the org tree, for every member of the fixed cast."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.urls import reverse

from responsibilities.models import Body, Organization, Person, Tenure
from responsibilities.scoping import registered_perms, scope_q

pytestmark = pytest.mark.django_db

ALL_ORGS = ["T-P", "T-C1", "T-C2", "T-K1", "T-K2", "T-X1", "T-D1"]

VISIBLE_ORGS = {
    "prov_secretary": ALL_ORGS,
    "prov_jw": ALL_ORGS,
    "city1_secretary": ["T-C1", "T-K1", "T-K2", "T-X1"],
    "city1_jw": ["T-C1", "T-K1", "T-K2", "T-X1"],
    "county1_secretary": ["T-K1", "T-X1"],
    "county1_member": ["T-K1", "T-X1"],
    "county1_jw": ["T-K1", "T-X1"],
    "county2_secretary": ["T-K2"],
    "stationed_leader": ["T-D1"],
    "county1_former": [],
    "outsider": [],
}


def visible_codes(user, perm="responsibilities.view_organization"):
    qs = Organization.objects.filter(scope_q(user, perm))
    return sorted(qs.values_list("code", flat=True))


@pytest.mark.parametrize("username", sorted(VISIBLE_ORGS))
def test_it_each_role_sees_exactly_its_subtree(cast, username):
    # Out-of-scope rows exist first, so "no leak" cannot pass vacuously.
    assert Organization.objects.count() == len(ALL_ORGS)
    assert visible_codes(cast.user(username)) == sorted(VISIBLE_ORGS[username])


def test_it_superiors_change_their_subtree_members_only_read(cast):
    manage = "responsibilities.change_organization"
    assert visible_codes(cast.user("city1_secretary"), manage) == ["T-C1", "T-K1", "T-K2", "T-X1"]
    assert visible_codes(cast.user("county1_member"), manage) == []
    assert visible_codes(cast.user("county1_jw"), manage) == []


def test_it_ended_tenures_grant_nothing(cast):
    former = cast.user("county1_former")
    assert Tenure.objects.filter(person__user=former).exists()
    assert visible_codes(former) == []
    assert not former.has_perm("responsibilities.view_organization", cast.county1)


def test_it_future_tenures_grant_nothing_yet(cast):
    outsider = cast.user("outsider")
    person = Person.objects.create(code="T-future", name="钱未来", user=outsider)
    Tenure.objects.create(
        person=person,
        org=cast.county2,
        org_path=cast.county2.path,
        body=Body.objects.get(code="T-K2-PC"),
        role=Tenure.Role.TEAM_MEMBER,
        start_date=datetime.date.today() + datetime.timedelta(days=30),
    )
    assert visible_codes(outsider) == []


def test_it_stationed_team_supervises_only_its_department(cast):
    leader = cast.user("stationed_leader")
    supervise = scope_q(leader, "responsibilities.view_organization")
    assert list(Organization.objects.filter(supervise).values_list("code", flat=True)) == ["T-D1"]
    assert cast.department.supervising_body.code == "T-D1-ST"


def test_it_discipline_body_of_each_org_is_one_lookup(cast, django_assert_num_queries):
    with django_assert_num_queries(1):
        pairs = dict(
            Organization.objects.values_list("code", "supervising_body__code").order_by("code")
        )
    assert pairs == {
        "T-P": "T-P-DC",
        "T-C1": "T-C1-DC",
        "T-C2": "T-C2-DC",
        "T-K1": "T-K1-DC",
        "T-K2": "T-K2-DC",
        "T-X1": "T-X1-DC",
        "T-D1": "T-D1-ST",  # stationed team wins over the province commission above
    }


@pytest.mark.parametrize("username", sorted(VISIBLE_ORGS))
def test_it_predicate_and_queryset_filter_agree_on_every_row(cast, username):
    """Every registered permission of every app, on every row of its model."""
    user = cast.user(username)
    checked = 0
    for name, perm in registered_perms().items():
        rows = perm.model_class()._default_manager.all()
        in_q = set(rows.filter(scope_q(user, name)).values_list("pk", flat=True))
        for row in rows:
            assert user.has_perm(name, row) == (row.pk in in_q), (name, row)
            checked += 1
    assert checked > 100


def test_it_every_rules_permission_is_in_the_scoping_registry():
    """No permission is defined beside the kit: each has its queryset twin, so `scope_q`
    answers for every name `rules` knows (and the agreement test above covers it)."""
    from rules.permissions import permissions

    registry = registered_perms()
    assert len(permissions) > 60
    assert set(permissions) - set(registry) == set()
    for name in permissions:
        assert isinstance(scope_q(AnonymousUser(), name), Q), name


def test_it_who_held_role_on_a_date_is_one_query(cast, django_assert_num_queries):
    from responsibilities.services import holders_on

    before = datetime.date(2023, 12, 31)
    after = datetime.date(2024, 6, 1)
    with django_assert_num_queries(1):
        names_before = [t.person.name for t in holders_on(cast.county1, "secretary", before)]
    with django_assert_num_queries(1):
        names_after = [t.person.name for t in holders_on(cast.county1, "secretary", after)]
    assert names_before == ["孙立民"]
    assert names_after == ["刘海涛"]


class TestOrgDetail:
    def url(self, org):
        return reverse("org_detail", args=[org.pk])

    def test_it_hides_sibling_units(self, cast, client_for):
        client = client_for(cast.user("county2_secretary"))
        assert client.get(self.url(cast.county1)).status_code == 404
        assert client.get(self.url(cast.county2)).status_code == 200

    def test_it_requires_scope(self, cast, client_for):
        assert client_for(cast.user("outsider")).get(self.url(cast.county1)).status_code == 404

    def test_it_requires_login(self, cast, client):
        response = client.get(self.url(cast.county1))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_it_shows_superiors_the_subtree(self, cast, client_for):
        client = client_for(cast.user("city1_secretary"))
        response = client.get(self.url(cast.county1))
        assert response.status_code == 200
        # Breadcrumbs of the org path, and current and past secretaries.
        html = response.content.decode()
        assert "测试省" in html and "一号市" in html
        assert "刘海涛" in html and "孙立民" in html

    def test_it_forbids_edit_to_read_only_roles(self, cast, client_for):
        client = client_for(cast.user("county1_member"))
        url = reverse("org_edit", args=[cast.county1.pk])
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "改名", "kind": "county"}).status_code == 403
        cast.county1.refresh_from_db()
        assert cast.county1.name == "一号县"

    def test_it_secretary_edits_and_history_records_it(self, cast, client_for):
        client = client_for(cast.user("county1_secretary"))
        url = reverse("org_edit", args=[cast.county1.pk])
        response = client.post(url, {"name": "一号县(新)", "kind": "county", "is_active": "on"})
        assert response.status_code == 302
        page = client.get(self.url(cast.county1)).content.decode()
        assert "一号县(新)" in page
        record = cast.county1.history.first()
        assert record.history_user == cast.user("county1_secretary")
        assert record.name == "一号县(新)"

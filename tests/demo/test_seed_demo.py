"""seed_demo: the demo province, its accounts, idempotency, the DEBUG guard, the bulk path."""

import datetime
import io

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from assessments import warnings as w
from assessments.models import (
    AssessmentSnapshot,
    Questionnaire,
    QuestionnaireComment,
    WarningRule,
)
from assessments.questionnaires import MIN_RESPONSES
from demo import org_tree, steps
from demo import warnings as demo_warnings
from liangge_zeren.actors import COMMAND
from liangge_zeren.periods import Quarter
from responsibilities import services
from responsibilities.models import (
    PATH_SEGMENT_WIDTH,
    PATH_SEPARATOR,
    Body,
    Organization,
    Person,
    Portfolio,
    Tenure,
    path_segment,
)
from responsibilities.scoping import forget_grants, scope_q

# The modules of group demo_world run one after the other on one worker (make test: --dist
# loadgroup) and share one demo seed (tests/conftest.py: demo_world).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]

R = Tenure.Role
SEGMENT = PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR)
VIEW_ORG = "responsibilities.view_organization"

# username -> (organisation code, role) of the post the account holds.
EXPECTED_POSTS = {
    "prov_secretary": ("JH", R.SECRETARY),
    "prov_jw": ("JH", R.DISCIPLINE_SECRETARY),
    "city1_secretary": ("JH-C01", R.SECRETARY),
    "city1_jw": ("JH-C01", R.DISCIPLINE_SECRETARY),
    "county1_secretary": ("JH-C01-K01", R.SECRETARY),
    "county1_member": ("JH-C01-K01", R.TEAM_MEMBER),
    "county1_jw": ("JH-C01-K01", R.DISCIPLINE_OFFICER),
    "county1_jw_secretary": ("JH-C01-K01", R.DISCIPLINE_SECRETARY),
    "county2_secretary": ("JH-C01-K02", R.SECRETARY),
}


@pytest.fixture(scope="module")
def tree(demo_world):
    """The demo province, seeded once for the consecutive modules that share it."""
    return demo_world.tree


def row_counts() -> dict[str, int]:
    """Rows of every model, history tables and m2m through tables included."""
    counts = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        counts[model._meta.label] = model._default_manager.count()
    return counts


def test_it_builds_one_province_five_cities_thirteen_counties(tree):
    demo_orgs = Organization.objects.subtree_of(tree.province)
    assert tree.province.parent is None
    assert demo_orgs.filter(kind=Organization.Kind.PROVINCE).count() == 1
    assert demo_orgs.filter(kind=Organization.Kind.CITY, parent=tree.province).count() == 5
    counties = demo_orgs.filter(kind=Organization.Kind.COUNTY)
    assert counties.count() == 13
    assert set(counties.values_list("parent__kind", flat=True)) == {Organization.Kind.CITY}
    assert tree.county1.parent == tree.city1 and tree.county2.parent == tree.city1
    assert tree.county1.code == "JH-C01-K01" and tree.county2.code == "JH-C01-K02"
    assert demo_orgs.filter(kind=Organization.Kind.TOWNSHIP).exists()
    assert demo_orgs.filter(kind=Organization.Kind.STREET).exists()
    assert demo_orgs.filter(kind=Organization.Kind.DEPARTMENT, parent=tree.province).count() >= 3
    assert tree.province.name == "江淮省"
    assert tree.body("JH-PC").name == "中共江淮省委员会"
    assert tree.body("JH-C01-DC").name == "青山市纪委监委"
    assert tree.body("JH-D01-PG").name == "中共江淮省教育厅党组"


def test_it_stations_discipline_teams_sent_by_the_commission(tree):
    team = tree.body("JH-D01-ST1")
    assert team.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM
    assert team.name == "江淮省纪委监委驻省教育厅纪检监察组"
    assert team.sent_by == tree.body("JH-DC")
    assert list(team.stationed_in.all()) == [tree.org("JH-D01")]
    assert tree.org("JH-D01").supervising_body == team
    # A commission supervises its own unit; a township its own 纪委.
    assert tree.county1.supervising_body == tree.body("JH-C01-K01-DC")
    assert tree.org("JH-C01-K01-T01").supervising_body == tree.body("JH-C01-K01-T01-DC")
    for body in Body.objects.filter(org_path__startswith=tree.province.path):
        body.full_clean()


def test_it_every_committee_and_commission_has_its_posts(tree):
    today = datetime.date.today()
    current = Tenure.objects.held_on(today)
    committees = Body.objects.filter(
        org_path__startswith=tree.province.path,
        kind__in=[Body.Kind.PARTY_COMMITTEE, Body.Kind.WORKING_COMMITTEE],
    )
    for body in committees:
        roles = list(current.filter(body=body).values_list("role", flat=True))
        assert roles.count(R.SECRETARY) == 1, body
        assert R.DEPUTY_SECRETARY in roles and R.CLERK in roles, body
        assert roles.count(R.TEAM_MEMBER) >= 3, body
    members = current.filter(body__in=committees, role=R.TEAM_MEMBER)
    assert not members.filter(portfolios__isnull=True).exists()
    commissions = Body.objects.filter(
        org_path__startswith=tree.province.path,
        kind__in=[Body.Kind.DISCIPLINE_COMMISSION, Body.Kind.DISCIPLINE_WORK_COMMITTEE],
    )
    for body in commissions:
        roles = list(current.filter(body=body).values_list("role", flat=True))
        assert roles.count(R.DISCIPLINE_SECRETARY) == 1, body
        assert R.DISCIPLINE_OFFICER in roles, body
    portfolio_names = set(Portfolio.objects.values_list("name", flat=True))
    assert {"教育", "卫生健康", "财政", "城乡建设", "农业农村", "政法", "宣传", "组织"} <= (
        portfolio_names
    )


def test_it_each_role_appears(tree):
    seeded = Tenure.objects.filter(org_path__startswith=tree.province.path)
    assert set(seeded.values_list("role", flat=True)) == set(R.values)
    assert seeded.filter(end_date__isnull=False).exclude(end_reason="").count() >= 5
    assert {"调任", "退休"} <= set(seeded.values_list("end_reason", flat=True))
    assert not seeded.exclude(org_path=F("org__path")).exists()


def test_it_county1_changed_secretary_on_2024_03_01(tree):
    before = services.holders_on(tree.county1, R.SECRETARY, datetime.date(2024, 2, 29))
    after = services.holders_on(tree.county1, R.SECRETARY, datetime.date(2024, 3, 1))
    assert len(before) == 1 and len(after) == 1
    former, incumbent = before[0], after[0]
    assert former.end_date == datetime.date(2024, 2, 29) and former.end_reason
    assert incumbent.start_date == datetime.date(2024, 3, 1) and incumbent.end_date is None
    assert former.person != incumbent.person
    assert incumbent.person.user.username == "county1_secretary"
    assert former == tree.tenure("JH-C01-K01-PC:secretary:former")
    # The predecessor moved on: city 1's organisation minister from the same day.
    assert former.person.tenures.filter(
        org=tree.city1, role=R.TEAM_MEMBER, start_date=datetime.date(2024, 3, 1)
    ).exists()


@pytest.mark.parametrize("username", sorted(EXPECTED_POSTS))
def test_it_each_account_logs_in_and_holds_its_post(tree, username):
    request = RequestFactory().post("/accounts/login/")
    user = authenticate(request, username=username, password=django_settings.DEMO_PASSWORD)
    assert user is not None and user.username == username
    assert not user.is_superuser
    org_code, role = EXPECTED_POSTS[username]
    tenures = Tenure.objects.current().filter(person__user=user)
    assert tenures.filter(org__code=org_code, role=role).exists()
    if username == "county1_member":
        assert tenures.get().portfolios.exists()
    if username == "county1_jw":
        assert tenures.get().body == tree.body("JH-C01-K01-DC")


def test_it_admin_is_a_superuser_without_a_post(tree):
    request = RequestFactory().post("/accounts/login/")
    admin = authenticate(request, username="admin", password=django_settings.DEMO_PASSWORD)
    assert admin is not None and admin.is_superuser and admin.is_staff
    assert not Person.objects.filter(user=admin).exists()
    assert set(tree.users) == set(org_tree.ACCOUNTS)


def test_it_names_are_chinese_and_deterministic(tree):
    assert org_tree.demo_spec() == org_tree.demo_spec()
    names = list(Person.objects.filter(code__startswith="P").values_list("name", flat=True))
    assert len(names) > 300
    assert all(2 <= len(n) <= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names)
    assert len(set(names)) == len(names)


def test_it_person_codes_are_stable(tree):
    """Existing databases match people by code: changing the spec must only append people.

    If this fails, a change reordered or removed people in demo_spec(); re-seeding an
    existing demo database would then attach new tenures to the wrong people.
    """
    holders = {
        username: tree.tenure(key).person.code
        for username, key in org_tree.ACCOUNTS.items()
        if key is not None
    }
    assert holders == {
        "prov_secretary": "P000002",
        "prov_jw": "P000012",
        "city1_secretary": "P000038",
        "city1_jw": "P000050",
        "county1_secretary": "P000063",
        "county1_member": "P000070",
        "county1_jw": "P000074",
        "county1_jw_secretary": "P000073",
        "county2_secretary": "P000114",
        "county1_zzb": "P000701",  # appended (issue 16)
    }
    assert tree.tenure("JH-C01-K01-PC:secretary:former").person.code == "P000043"


def test_it_county2_secretary_cannot_see_county1(tree):
    user = tree.users["county2_secretary"]
    forget_grants(user)
    visible = Organization.objects.filter(scope_q(user, VIEW_ORG))
    county1_subtree = Organization.objects.subtree_of(tree.county1)
    assert county1_subtree.count() > 1  # out-of-scope rows exist, so this cannot pass vacuously
    assert not visible.filter(pk__in=county1_subtree.values("pk")).exists()
    assert set(visible.values_list("pk", flat=True)) == set(
        Organization.objects.subtree_of(tree.county2).values_list("pk", flat=True)
    )
    county1_tenures = Tenure.objects.filter(org_path__startswith=tree.county1.path)
    assert county1_tenures.exists()
    assert not county1_tenures.filter(scope_q(user, "responsibilities.view_tenure")).exists()
    # …while the city above sees both counties.
    city = tree.users["city1_secretary"]
    forget_grants(city)
    seen = Organization.objects.filter(scope_q(city, VIEW_ORG))
    assert seen.filter(pk__in=[tree.county1.pk, tree.county2.pk]).count() == 2


def test_it_seeds_a_closed_evaluation_with_results_and_an_open_one_with_codes(tree):
    from assessments import selectors
    from assessments.models import EvaluationRound, VotingCode
    from notifications.models import Notification

    rounds = EvaluationRound.objects.filter(org=tree.county1)
    closed = rounds.get(status=EvaluationRound.Status.CLOSED)
    result = selectors.round_result(closed)
    assert result.shown, result.reason
    assert result.groups[0].counts and sum(result.groups[0].counts.values()) >= 5
    assert any(g.counts for g in result.groups[1:])  # per-person results too
    people = [p.pk for p in selectors.evaluated_people(closed)]
    assert selectors.person_evaluation_results(people, closed.year, closed.quarter)
    opened = rounds.get(status=EvaluationRound.Status.OPEN)
    assert VotingCode.objects.filter(round=opened, used=False).count() == 3
    note = Notification.objects.get(title__startswith="演示", title__endswith="的投票码")
    assert note.recipient.username == "city1_secretary" and note.link == "/vote/"


def test_it_a_second_run_creates_nothing(tree, settings):
    settings.DEBUG = True
    before = row_counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert row_counts() == before
    assert "无 (none)" in out.getvalue()


def test_it_keeps_changed_passwords_unless_asked(tree, settings):
    settings.DEBUG = True
    user = get_user_model().objects.get(username="county1_member")
    user.set_password("a-changed-Passw0rd")
    user.save()
    call_command("seed_demo", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password("a-changed-Passw0rd")
    call_command("seed_demo", "--reset-passwords", stdout=io.StringIO())
    user.refresh_from_db()
    assert user.check_password(django_settings.DEMO_PASSWORD)


def test_it_refuses_with_debug_off(tree, settings):
    settings.DEBUG = False
    before = row_counts()
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--force", stdout=out)
    assert "演示数据完成" in out.getvalue()
    assert row_counts() == before


# --- The bulk path --------------------------------------------------------------------------

TINY = org_tree.ScaleShape(
    cities=2,
    counties_per_city=2,
    departments_per_county=2,
    townships_per_county=2,
    villages_per_township=3,
    former_every=4,
)


@pytest.mark.slow
def test_it_scale_city_smoke(tree, settings):
    """The real `--scale city` (≈2,000 organisations, 500,000 duty logs): minutes, so slow."""
    settings.DEBUG = True
    demo_orgs = Organization.objects.subtree_of(tree.province).count()
    call_command("seed_demo", "--scale", "city", stdout=io.StringIO())
    root = Organization.objects.get(code="SCALE-city")
    assert root.parent is None and not tree.province.path.startswith(root.path)
    shape = org_tree.SCALE_SHAPES["city"]
    assert Organization.objects.subtree_of(root).count() == shape.org_count
    assert Tenure.objects.filter(org_path__startswith=root.path).count() > 9000
    assert Organization.objects.subtree_of(tree.province).count() == demo_orgs
    before = row_counts()
    call_command("seed_demo", "--scale", "city", stdout=io.StringIO())
    assert row_counts() == before


def test_it_bulk_tree_matches_what_the_services_build():
    ctx = steps.build_scale("t", TINY)
    root = ctx.tree.root
    assert root.code == "SCALE-t" and root.parent is None
    orgs = {o.pk: o for o in Organization.objects.subtree_of(root)}
    assert len(orgs) == TINY.org_count == len(ctx.tree.orgs)
    for org in orgs.values():
        assert org.depth == len(org.path) // SEGMENT
        if org.parent_id is None:
            continue
        parent = orgs[org.parent_id]
        assert org.path.startswith(parent.path)
        assert len(org.path) == len(parent.path) + SEGMENT
        assert org.depth == parent.depth + 1
        org.full_clean()
    # Sibling segments are numbered 1..n, so the services continue the sequence.
    county = Organization.objects.get(code="SCALE-t-C01K01")
    children = county.children.count()
    added = services.create_organization(
        code="SCALE-t-new",
        name="新增单位",
        kind=Organization.Kind.TOWNSHIP,
        parent=county,
        actor=COMMAND,
    )
    assert added.path == county.path + path_segment(children + 1)
    # Copies of the path and supervising bodies are what the services would have set.
    assert services.resync_org_path_copies(root.path) == 0
    assert services.refresh_supervising_bodies(root) == 0
    for model in (Body, Portfolio, Tenure):
        scoped = model.objects.filter(org__path__startswith=root.path)
        assert scoped.exists()
        assert not scoped.exclude(org_path=F("org__path")).exists()
    team = Body.objects.get(code="SCALE-t-C01K01-ST1")
    department = Organization.objects.get(code="SCALE-t-C01K01D01")
    village = Organization.objects.get(code="SCALE-t-C01K01T01V01")
    assert department.supervising_body == team
    assert team.sent_by == Body.objects.get(code="SCALE-t-C01K01-DC")
    assert village.supervising_body == Body.objects.get(code="SCALE-t-C01K01T01-DC")
    # Tenures pass the same validation as services.appoint, and every role is there.
    tenures = Tenure.objects.filter(org_path__startswith=root.path).select_related("body", "org")
    for tenure in tenures:
        tenure.full_clean()
    assert set(tenures.values_list("role", flat=True)) == set(R.values)
    assert tenures.filter(end_date__isnull=False).exists()
    assert tenures.filter(role=R.TEAM_MEMBER, portfolios__isnull=False).exists()
    assert len(ctx.tree.tenures) == tenures.count()
    # Idempotent: a second build is skipped.
    before = row_counts()
    assert steps.build_scale("t", TINY) is None
    assert row_counts() == before


# --- Issue 18 on the demo: public questionnaires and the warnings (one seeding serves all) ----


def test_it_seeds_a_closed_questionnaire_that_feeds_the_quarter(tree):
    last = Quarter.current().previous()
    closed = Questionnaire.objects.get(
        org=tree.county1, year=last.year, quarter=last.quarter, status="closed"
    )
    assert closed.responses.count() >= MIN_RESPONSES
    snapshot = AssessmentSnapshot.objects.get(
        org=tree.county1, year=last.year, quarter=last.quarter
    )
    # The imported score and the online questionnaire: two entries.
    assert snapshot.inputs["questionnaire"]["entries"] == 2
    comments = QuestionnaireComment.objects.filter(questionnaire=closed)
    assert comments.count() == 2
    jw = tree.users["county1_jw"]
    assert QuestionnaireComment.objects.visible_to(jw).count() == 2
    assert not QuestionnaireComment.objects.visible_to(tree.users["county1_secretary"]).exists()


def test_it_seeds_an_open_questionnaire_with_codes(tree):
    now = Quarter.current()
    open_ = Questionnaire.objects.get(
        org=tree.county1, year=now.year, quarter=now.quarter, status="open"
    )
    assert open_.codes.filter(used_on__isnull=True).count() == 20


Code = WarningRule.Code


def _flags(tree, code, username, org_code):
    today = timezone.localdate()
    user = tree.users[username]
    org = tree.orgs[org_code]
    rule = WarningRule.objects.get(code=code)
    return w.flags(rule, user, org.path, w.Window(today.year, today))


def test_it_raises_discipline_substitution_in_county2(tree):
    flags = _flags(tree, Code.DISCIPLINE_SUBSTITUTES, "county2_secretary", "JH-C01-K02")
    assert [f.org_name for f in flags] == [tree.orgs["JH-C01-K02"].name]
    assert flags[0].reasons == ["班子自身纪实主要是听取纪委汇报"]
    assert _flags(tree, Code.DISCIPLINE_SUBSTITUTES, "city1_secretary", "JH-C01")


def test_it_raises_a_side_job_of_county2_discipline_secretary(tree):
    flags = _flags(tree, Code.DISCIPLINE_SIDE_JOBS, "county2_secretary", "JH-C01-K02")
    assert len(flags) == 1
    assert "纪委书记" in flags[0].subject
    assert dict(flags[0].figures)["监督执纪以外的分管领域"] == demo_warnings.SIDE_PORTFOLIO


def test_it_raises_a_letter_signed_in_january_and_left_alone(tree):
    flags = _flags(tree, Code.SIGNED_THEN_IDLE, "city1_secretary", "JH-C01")
    idle = [f for f in flags if f.org_id == tree.orgs["JH-C01"].pk]
    assert idle and dict(idle[0].figures)["此后纪实"] == 0
    # County 1 stays the healthy example.
    assert not _flags(tree, Code.DISCIPLINE_SUBSTITUTES, "county1_secretary", "JH-C01-K01")

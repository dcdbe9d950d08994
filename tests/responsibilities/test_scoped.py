"""One way to ask (issue 12): `Model.objects.visible_to(user, action)`, the ScopedModel base,
the Organization path helpers and the one request-scoped cache."""

import datetime

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from accountability.models import AccountabilityCase
from inspections.models import Finding
from liangge_zeren import request_cache
from liangge_zeren.celery import app as celery_app
from responsibilities.models import PATH_STEP, Organization, Person, Tenure
from responsibilities.scoped import (
    Capability,
    ScopedModel,
    UnknownScopedAction,
    permission_for,
)
from responsibilities.scoping import forget_grants, registered_perms, scope_q, user_grants

pytestmark = pytest.mark.django_db

USERS = ("city1_secretary", "county1_jw", "county2_secretary", "stationed_leader", "outsider")
# Rows with an org_path that cannot take the base: notifications stands before responsibilities
# in the import order; the others differ on purpose (blank, verbose name, no index); the count
# tables are read only through their own scope rules (dashboards/scope.py, the warnings' VIEW).
NOT_SCOPED_MODELS = {
    "notifications.Notification",
    "notifications.SupervisionNotice",
    "security.AuditEntry",
    "dashboards.TaskScope",
    "assessments.CommitteeLogCount",
}


def _action_of(name, model):
    app_label, codename = name.split(".")
    suffix = f"_{model._meta.model_name}"
    if app_label == model._meta.app_label and codename.endswith(suffix):
        return codename[: -len(suffix)]
    return name  # a permission not named after its model: asked by its full name


@pytest.mark.parametrize("username", USERS)
def test_it_visible_to_is_scope_q_for_every_registered_permission(cast, username):
    user = cast.user(username)
    asked = 0
    for name, perm in registered_perms().items():
        model = perm.model_class()
        action = _action_of(name, model)
        expected = set(model._default_manager.filter(scope_q(user, name)).values_list("pk"))
        assert set(model.objects.visible_to(user, action).values_list("pk")) == expected, name
        asked += 1
    assert asked == len(registered_perms()) > 40


def test_it_visible_to_hides_sibling_units(cast):
    county1_codes = set(
        Organization.objects.subtree_of(cast.county1).values_list("code", flat=True)
    )
    assert county1_codes  # out-of-scope rows exist, so this cannot pass vacuously
    seen = Organization.objects.visible_to(cast.user("county2_secretary"))
    assert set(seen.values_list("code", flat=True)) == {"T-K2"}
    superior = Organization.objects.visible_to(cast.user("city1_secretary"))
    assert county1_codes <= set(superior.values_list("code", flat=True))
    assert Tenure.objects.visible_to(cast.user("outsider")).count() == 0
    assert Tenure.objects.count() > 0


def test_it_an_unknown_action_is_a_clear_error(cast):
    with pytest.raises(UnknownScopedAction, match="inspections.fly_finding"):
        Finding.objects.visible_to(cast.user("county1_jw"), "fly")
    with pytest.raises(UnknownScopedAction):
        permission_for(Finding, "")
    assert permission_for(Finding, "change") == "inspections.change_finding"
    dotted = "accountability.view_own_decision"
    assert permission_for(AccountabilityCase, dotted) == dotted
    assert not AccountabilityCase.objects.visible_to(cast.user("outsider"), dotted).exists()


def test_it_every_org_path_copy_comes_from_the_base():
    own = []
    for model in apps.get_models():
        fields = {f.name for f in model._meta.concrete_fields}
        if "org_path" not in fields or model._meta.label in NOT_SCOPED_MODELS:
            continue
        if model.__name__.startswith("Historical"):
            continue
        own.append(model._meta.label)
        assert issubclass(model, ScopedModel), model._meta.label
        assert hasattr(model.objects, "visible_to"), model._meta.label
    assert len(own) >= 25


# --- Organization path helpers -----------------------------------------------------------------


def test_it_the_path_helpers_do_the_arithmetic(cast):
    county1, township1, province = cast.county1, cast.township1, cast.province
    assert township1.parent_path == county1.path
    assert province.parent_path is None
    assert Organization.path_depth(township1.path) == township1.depth == 4
    assert Organization.ancestor_path(township1.path, 2) == cast.city1.path
    assert Organization.ancestor_path(township1.path, 4) is None
    assert county1.child_path_length == len(township1.path) == len(county1.path) + PATH_STEP
    assert township1.ancestor_paths() == [province.path, cast.city1.path, county1.path]
    assert Organization.path_prefixes(county1.path) == [
        province.path,
        cast.city1.path,
        county1.path,
    ]


def test_it_pickable_is_the_users_subtree_a_few_levels_down(cast):
    jw = cast.user("city1_jw")
    pick = Organization.objects.pickable
    assert set(pick(jw, Capability.SUPERVISE, below=1).values_list("code", flat=True)) == {
        "T-C1",
        "T-K1",
        "T-K2",
    }
    assert "T-X1" in set(pick(jw, Capability.SUPERVISE, below=2).values_list("code", flat=True))
    assert not pick(cast.user("outsider"), Capability.VIEW, below=2).exists()
    # A read-only member supervises nothing.
    assert not pick(cast.user("county1_member"), Capability.SUPERVISE, below=2).exists()
    Organization.objects.filter(pk=cast.county2.pk).update(is_active=False)
    assert "T-K2" not in set(pick(jw, Capability.SUPERVISE, below=1).values_list("code", flat=True))
    everything = pick(jw, Capability.SUPERVISE, below=1, active_only=False)
    assert "T-K2" in set(everything.values_list("code", flat=True))


def test_it_pickable_gives_the_unrestricted_the_top_levels(cast):
    root = get_user_model().objects.create_superuser("root-picker", password="x-Long-pass-1")
    codes = set(Organization.objects.pickable(root, Capability.VIEW, below=1).values_list("code"))
    assert codes == {("T-P",), ("T-C1",), ("T-C2",), ("T-D1",)}


# --- The request-scoped cache --------------------------------------------------------------------


def _grant_a_post(cast, user):
    return Tenure.objects.create(
        person=Person.objects.create(code="T-new", name="吴新来", user=user),
        org=cast.county2,
        org_path=cast.county2.path,
        body=cast.bodies["T-K2:committee"],
        role=Tenure.Role.SECRETARY,
        start_date=datetime.date(2020, 1, 1),
    )


def test_it_a_grant_change_in_a_request_is_seen_after_forget(cast):
    outsider = cast.user("outsider")
    with request_cache.scope():
        assert user_grants(outsider) == ()
        tenure = _grant_a_post(cast, outsider)  # saving a tenure drops cached grants
        assert {g.path for g in user_grants(outsider)} == {cast.county2.path}
        # A change that bypasses save() stays cached for the request…
        Tenure.objects.filter(pk=tenure.pk).update(end_date=datetime.date(2021, 1, 1))
        assert user_grants(outsider) != ()
        # …until forget_grants, as the services that change posts and roles call it.
        forget_grants(outsider)
        assert user_grants(outsider) == ()


def test_it_grants_are_keyed_by_user_not_shared(cast):
    with request_cache.scope() as store:
        secretary = user_grants(cast.user("county2_secretary"))
        outsider = user_grants(cast.user("outsider"))
        assert secretary and outsider == ()
        assert {key[1] for key in store} == {
            cast.user("county2_secretary").pk,
            cast.user("outsider").pk,
        }
        # Another object for the same user reuses the entry (key by id)…
        again = get_user_model().objects.get(pk=cast.user("county2_secretary").pk)
        assert user_grants(again) is secretary


def test_it_outside_a_scope_nothing_is_cached(cast):
    user = cast.user("county2_secretary")
    assert not request_cache.is_open()
    with CaptureQueriesContext(connection) as first:
        user_grants(user)
    with CaptureQueriesContext(connection) as second:
        user_grants(user)
    assert len(first) == len(second) > 0  # asked again, not served from anywhere
    with request_cache.scope(), CaptureQueriesContext(connection) as scoped:
        user_grants(user)
        user_grants(user)
    assert len(scoped) == len(first)  # inside a scope: asked once


def test_it_two_requests_do_not_share(cast):
    seen = []

    def view(request):
        seen.append(request_cache.cached(("probe", request.user.pk), lambda: object()))
        seen.append(request_cache.cached(("probe", request.user.pk), lambda: object()))
        return HttpResponse()

    middleware = request_cache.RequestCacheMiddleware(view)
    for _ in range(2):
        request = RequestFactory().get("/")
        request.user = cast.user("county1_jw")
        middleware(request)
    assert seen[0] is seen[1]  # one request: computed once
    assert seen[2] is seen[3]
    assert seen[0] is not seen[2]  # the next request starts empty
    assert not request_cache.is_open()


def test_it_the_site_opens_a_scope_per_request(cast, client_for, settings):
    assert settings.MIDDLEWARE[0] == "liangge_zeren.request_cache.RequestCacheMiddleware"
    client = client_for(cast.user("county1_secretary"))
    assert client.get("/").status_code in (200, 302)
    assert not request_cache.is_open()


@celery_app.task(name="tests.responsibilities.request_cache_probe")
def _probe(user_id):
    outer = request_cache.cached(("probe", user_id), lambda: "task")
    return request_cache.is_open(), outer


def test_it_a_celery_task_gets_its_own_scope(cast):
    user_id = cast.user("county1_jw").pk
    assert _probe.delay(user_id).get() == (True, "task")  # a scope even when none was open
    assert not request_cache.is_open()
    with request_cache.scope():
        request_cache.cached(("probe", user_id), lambda: "request")
        assert _probe.delay(user_id).get() == (True, "task")  # not the request's entry
        assert request_cache.cached(("probe", user_id), lambda: "again") == "request"

"""ListCount: kept exact by the database, and the cockpit's list figures read from it equal
the figures counted from the lists for every viewer of the cast (issue 19)."""

from collections import Counter

import pytest
from django.utils import timezone

from dashboards import counts, services
from dashboards.access import get_cockpit_org_for_user
from dashboards.listcount import COUNTS
from dashboards.models import ListCount
from liangge_zeren.periods import Quarter
from responsibilities.models import Organization, ResponsibilityList
from responsibilities.scoping import Capability, PathClause, registered_perms
from tests.dashboards.conftest import COUNT_VIEWERS, widget_figures
from tests.responsibilities.dutyfix import build_duty

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WIDTH = 5


def _expected() -> Counter:
    expected: Counter = Counter()
    for row in ResponsibilityList.objects.filter(is_template=False):
        for depth in range(1, len(row.org_path) // WIDTH + 1):
            key = (row.org_path[: depth * WIDTH], row.year, 1, row.status, row.copy_flagged)
            expected[key] += 1
    return expected


def _actual() -> Counter:
    fields = ("prefix", "year", "quarter", "status", "copy_flagged", "n")
    return Counter({tuple(r[:-1]): r[-1] for r in ListCount.objects.values_list(*fields) if r[-1]})


class _Request:
    def __init__(self, user):
        self.user = user


def _progress(user, org, scan):
    period = Quarter.of(TODAY)
    org, children = get_cockpit_org_for_user(_Request(user), org.pk)
    services.add_unit_figures(user, period, [org, *children], scan=scan)
    scope = services.Scope(user=user, org=org, children=children, today=TODAY, period=period)
    return widget_figures(services.list_progress(scope))


def _same(cast):
    assert _actual() == _expected()
    compared = 0
    for name in COUNT_VIEWERS:
        user = cast.user(name)
        for org in Organization.objects.visible_to(user).filter(is_active=True):
            assert _progress(user, org, False) == _progress(user, org, True), (name, org.name)
            compared += 1
    assert compared > 10


def test_it_the_list_counts_follow_every_change_and_equal_the_scan(cast):
    assert counts.installed(COUNTS)
    build_duty(cast)
    assert ListCount.objects.filter(n__gt=0).exists()
    _same(cast)

    some = ResponsibilityList.objects.filter(is_template=False).first()
    ResponsibilityList.objects.filter(pk=some.pk).update(
        copy_flagged=True, status=ResponsibilityList.Status.IN_FORCE, year=TODAY.year - 1
    )
    ResponsibilityList.objects.filter(is_template=True).update(is_template=False)
    _same(cast)

    ResponsibilityList.history.model.objects.all().delete()
    ResponsibilityList.objects.filter(pk=some.pk).update(org_path=cast.county2.path)
    assert _actual() == _expected()


def test_it_the_list_rule_is_the_duty_log_rule_the_counts_rely_on():
    # list_count_q reuses dutylog_rollup_q: both permissions must stay plain VIEW over the path.
    perms = registered_perms()
    lists = perms["responsibilities.view_responsibilitylist"].clauses
    logs = perms["responsibilities.view_dutylog"].clauses
    assert lists == logs == (PathClause(Capability.VIEW, "org_path"),)

"""MeasureCount: kept exact by the database, and the cockpit's measures figure read from it
equals the figure counted from the measures for every viewer of the cast (issue 19):
after adding, editing, revoking and deleting a measure, and after its case moves to another
deciding body (committee ↔ discipline line) or the body changes kind."""

import datetime
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from accountability.models import AccountabilityCase, AccountabilityMeasure
from dashboards import counts, services
from dashboards.measurecount import COUNTS
from dashboards.models import MeasureCount
from liangge_zeren import request_cache
from responsibilities.models import Body
from tests.dashboards.conftest import assert_counts_equal_scan, cockpit_scope, relative_to

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WIDTH = 5


def _expected() -> Counter:
    expected: Counter = Counter()
    measures = AccountabilityMeasure.objects.exclude(
        status=AccountabilityMeasure.Status.REVOKED
    ).select_related("case__deciding_body")
    for m in measures:
        day = m.effective_date
        for depth in range(1, len(m.org_path) // WIDTH + 1):
            prefix = m.org_path[: depth * WIDTH]
            dims = (
                m.kind,
                relative_to(m.case.handling_path, prefix),
                relative_to(m.case.deciding_path, prefix),
                m.case.deciding_body.kind,
            )
            expected[(prefix, day.year, (day.month - 1) // 3 + 1, *dims)] += 1
    return expected


def _actual() -> Counter:
    fields = (
        "prefix",
        "year",
        "quarter",
        "kind",
        "handling_path",
        "deciding_path",
        "deciding_kind",
        "n",
    )
    return Counter(
        {tuple(r[:-1]): r[-1] for r in MeasureCount.objects.values_list(*fields) if r[-1]}
    )


def _same(cast):
    assert _actual() == _expected()
    assert assert_counts_equal_scan(cast, services.measures_mix) > 10


def test_it_the_measure_counts_follow_every_change_and_equal_the_scan(cast, acc_world):
    assert counts.installed(COUNTS)
    assert MeasureCount.objects.filter(n__gt=0).exists()
    _same(cast)

    measure = acc_world.measure
    AccountabilityMeasure.objects.filter(pk=measure.pk).update(
        kind="admonishment", effective_date=TODAY - datetime.timedelta(days=200)
    )
    assert _actual() == _expected()

    # The case passes to the discipline line for decision, then that body changes kind.
    case = acc_world.case
    discipline = cast.bodies["T-K1:discipline"]
    AccountabilityCase.objects.filter(pk=case.pk).update(
        deciding_body=discipline, deciding_path=cast.county1.path
    )
    _same(cast)
    Body.objects.filter(pk=discipline.pk).update(kind=Body.Kind.PARTY_COMMITTEE)
    assert _actual() == _expected()
    Body.objects.filter(pk=discipline.pk).update(kind=discipline.kind)

    AccountabilityMeasure.objects.filter(pk=measure.pk).update(
        status=AccountabilityMeasure.Status.REVOKED
    )
    assert _actual() == _expected()
    assert not MeasureCount.objects.filter(n__gt=0).exists()
    AccountabilityMeasure.objects.filter(pk=measure.pk).update(status=measure.status)
    assert _actual() == _expected()

    AccountabilityMeasure.history.model.objects.all().delete()
    AccountabilityMeasure.objects.filter(pk=measure.pk).delete()
    assert _actual() == _expected()
    assert not MeasureCount.objects.filter(n__gt=0).exists()


def test_it_the_measures_figure_costs_one_query_whatever_the_subtree(
    cast, acc_world, django_assert_num_queries
):
    user = cast.user("prov_jw")
    for org in (cast.province, cast.city1, cast.county1):
        scope = cockpit_scope(user, org)
        with request_cache.scope():
            services.measures_mix(scope)  # the viewer's grants, read once per request
            with django_assert_num_queries(1):
                services.measures_mix(scope)


def test_it_check_notices_damaged_measure_counts(cast, acc_world):
    call_command("rebuild_cockpit_counts", "--check")
    MeasureCount.objects.update(n=7)
    with pytest.raises(CommandError):
        call_command("rebuild_cockpit_counts", "--check")
    call_command("rebuild_cockpit_counts")
    assert _actual() == _expected()

"""FindingCount: kept exact by the database, and the cockpit's findings figure read from it
equals the figure counted from the findings, for every viewer of the cast (issue 19).

- the table equals a recount (in Python, from the findings) after create, edit, feedback,
  upward channel, disclosure of a covert visit, a tree move and delete;
- `findings_by_category` read from the counts equals the scan for the province, city,
  county and township viewers, discipline officers and a plain member, on the units they
  may open — before and after those writes;
- the figure reads a handful of rows: the same number of queries whatever the subtree;
- `rebuild_cockpit_counts --check` notices a damaged FindingCount.
"""

import datetime
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from dashboards import counts, services
from dashboards.findingcount import COUNTS
from dashboards.models import FindingCount
from dashboards.scope import FINDING_COUNT_VIEW, counts_exact
from inspections.models import Finding, InspectionRound
from inspections.rules import finding_is_secret
from inspections.services import rounds
from liangge_zeren import request_cache
from tests.dashboards.conftest import assert_counts_equal_scan, cockpit_scope, relative_to
from tests.inspections.fixtures import make_finding

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WIDTH = 5


def _expected() -> Counter:
    expected: Counter = Counter()
    for f in Finding.objects.select_related("round"):
        day = timezone.localtime(f.created_at).date()
        quarter = (day.month - 1) // 3 + 1
        for depth in range(1, len(f.org_path) // WIDTH + 1):
            prefix = f.org_path[: depth * WIDTH]
            dims = (
                f.category,
                relative_to(f.inspecting_path, prefix),
                f.side,
                finding_is_secret(f),
                f.delivered_at is not None,
            )
            expected[(prefix, day.year, quarter, *dims)] += 1
    return expected


def _actual() -> Counter:
    return Counter(
        {
            (
                r.prefix,
                r.year,
                r.quarter,
                r.category,
                r.inspecting_path,
                r.side,
                r.secret,
                r.delivered,
            ): r.n
            for r in FindingCount.objects.all()
            if r.n
        }
    )


def _assert_same_as_scan(cast):
    assert assert_counts_equal_scan(cast, services.findings_by_category) > 10
    user = cast.user("prov_secretary")
    assert counts_exact(user, FINDING_COUNT_VIEW, cast.province.path)


def test_it_the_finding_counts_are_installed_and_rebuilt(cast, insp):
    assert counts.installed(COUNTS)
    assert _actual() == _expected()
    assert counts.rebuild(COUNTS) > 0
    assert _actual() == _expected()


def test_it_the_finding_counts_follow_every_change_and_equal_the_scan(cast, insp):
    assert FindingCount.objects.filter(secret=True).exists()  # covert and upward rows
    _assert_same_as_scan(cast)

    jw = cast.user("county1_jw")
    made = make_finding(
        jw,
        cast.county1,
        body=cast.bodies["T-K1:discipline"],
        title="新问题",
        category=list(Finding.Category)[-1],
    )
    assert _actual() == _expected()

    rounds.disclose_round(insp.covert, actor=jw)
    assert _actual() == _expected()
    _assert_same_as_scan(cast)

    Finding.objects.filter(pk=insp.daily.pk).update(delivered_at=None)
    Finding.objects.filter(pk=insp.upward.pk).update(upward_channel=False, side="principal")
    assert _actual() == _expected()
    InspectionRound.objects.filter(pk=insp.covert.pk).update(disclosed_at=None)
    assert _actual() == _expected()

    # Registered last year (a correction of the date) and moved in the tree.
    earlier = timezone.now() - datetime.timedelta(days=400)
    Finding.objects.filter(pk=made.pk).update(created_at=earlier, org_path=cast.county2.path)
    assert _actual() == _expected()

    Finding.history.model.objects.all().delete()
    Finding.objects.get(pk=made.pk).delete()
    assert _actual() == _expected()
    _assert_same_as_scan(cast)


def test_it_a_root_row_holds_a_value_per_child_not_per_inspecting_body(cast, insp):
    """Findings inspected from ever deeper bodies inside one county add no province rows:
    the inspecting path is stored cut to the child level below each row's prefix."""
    province = cast.province.path
    before = FindingCount.objects.filter(prefix=province).count()
    findings = list(Finding.objects.filter(org_path__startswith=cast.county1.path))
    assert len(findings) >= 2
    for i, finding in enumerate(findings):
        # Distinct (made-up) bodies' paths, all inside county 1.
        deep = cast.county1.path + f"{9000 + i:04d}."
        Finding.objects.filter(pk=finding.pk).update(inspecting_path=deep)
    assert _actual() == _expected()
    assert FindingCount.objects.filter(prefix=province).count() <= before
    for row in FindingCount.objects.filter(n__gt=0):
        inside = row.inspecting_path.startswith(row.prefix)
        assert not inside or len(row.inspecting_path) <= len(row.prefix) + WIDTH


def test_it_a_rolled_back_finding_leaves_no_count(cast):
    from django.db import transaction

    before = _actual()
    with pytest.raises(RuntimeError), transaction.atomic():
        make_finding(cast.user("county1_jw"), cast.county1, body=cast.bodies["T-K1:discipline"])
        raise RuntimeError
    assert _actual() == before


def test_it_the_figure_costs_one_query_whatever_the_subtree(cast, insp, django_assert_num_queries):
    user = cast.user("prov_secretary")
    for org in (cast.province, cast.city1, cast.county1):
        scope = cockpit_scope(user, org)
        with request_cache.scope():
            services.findings_by_category(scope)  # the viewer's grants, read once per request
            with django_assert_num_queries(1):
                services.findings_by_category(scope)


def test_it_check_notices_damaged_finding_counts(cast, insp):
    call_command("rebuild_cockpit_counts", "--check")
    FindingCount.objects.filter(prefix=cast.province.path).update(n=999)
    with pytest.raises(CommandError):
        call_command("rebuild_cockpit_counts", "--check")
    call_command("rebuild_cockpit_counts")
    assert _actual() == _expected()

"""Trends: every cockpit figure over the last 8 quarters, for the selected unit's subtree,
equal to counts made independently row by row through the permission rules — with rows of
past quarters on both sides of the scope line (county 1 and its sibling county 2)."""

import datetime
from collections import defaultdict

import pytest
from django.urls import reverse
from django.utils import timezone

from accountability.models import (
    AccountabilityMeasure,
    DisciplinaryCase,
    DualInvestigation,
)
from inspections.models import Finding, RectificationTask
from liangge_zeren.figures import Figure
from liangge_zeren.periods import Quarter
from responsibilities.models import ActionType, DutyLog
from tests.dashboards.conftest import add_logs, add_overdue_task
from tests.dashboards.test_cockpit import VIEWERS, _cockpit

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
PERIOD = Quarter.of(TODAY)
LAST = PERIOD.previous()
EARLIER = PERIOD.previous(3)
LAST_DAY = LAST.window()[0] + datetime.timedelta(days=10)
EARLIER_DAY = EARLIER.window()[0] + datetime.timedelta(days=20)
LABELS = [str(p) for p in PERIOD.last(8)]


def _at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))


@pytest.fixture
def past(world):
    """Rows dated in earlier quarters, inside county 1 and in county 2 next door."""
    cast = world.cast
    t = cast.tenures
    add_logs(t["county1_secretary"], 2, day=LAST_DAY)
    add_logs(t["county1_member"], 1, action=ActionType.COMMITTEE_MEETING, day=EARLIER_DAY)
    add_logs(t["county2_secretary"], 4, day=LAST_DAY)

    on_time = add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "按期")
    late = add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "逾期销号")
    still_open = add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "未改")
    sibling = add_overdue_task(cast, "county2", "T-K2:discipline", "county2_secretary", "邻县")
    closed = RectificationTask.Status.CLOSED
    moved = [on_time.pk, late.pk, still_open.pk, sibling.pk]
    RectificationTask.objects.filter(pk__in=moved).update(
        start_date=LAST_DAY - datetime.timedelta(days=30), due_date=LAST_DAY
    )
    RectificationTask.objects.filter(pk__in=[on_time.pk, sibling.pk]).update(
        status=closed, closed_at=_at(LAST_DAY - datetime.timedelta(days=2))
    )
    RectificationTask.objects.filter(pk=late.pk).update(
        status=closed, closed_at=_at(LAST_DAY + datetime.timedelta(days=5))
    )
    # Findings of the tasks above were registered today; move two of them back in time.
    Finding.objects.filter(pk__in=[on_time.finding_id, sibling.finding_id]).update(
        created_at=_at(EARLIER_DAY)
    )
    AccountabilityMeasure.objects.filter(pk=world.acc.measure.pk).update(effective_date=LAST_DAY)
    DisciplinaryCase.objects.filter(pk=world.acc.dcase.pk).update(registered_on=LAST_DAY)
    return world


def _label(day) -> str | None:
    label = str(Quarter.of(day))
    return label if label in LABELS else None


def _under(obj, org) -> bool:
    return obj.org_path.startswith(org.path)


def expected_trends(user, org) -> dict:
    """Per widget, {quarter label: {column: n}} counted row by row with `user.has_perm`."""
    out = {key: defaultdict(lambda: defaultdict(int)) for key in ("methods", "rect", "findings")}
    out["measures"] = defaultdict(lambda: defaultdict(int))
    out["dual"] = defaultdict(lambda: defaultdict(int))
    for log in DutyLog.objects.filter(status__in=DutyLog.COUNTED):
        label = _label(log.occurred_on)
        if label and _under(log, org) and user.has_perm("responsibilities.view_dutylog", log):
            out["methods"][label][log.action_type] += 1
            out["methods"][label]["total"] += 1
    for task in RectificationTask.objects.select_related("finding__round"):
        label = _label(task.due_date)
        if not (label and _under(task, org)):
            continue
        if not user.has_perm("inspections.view_rectificationtask", task):
            continue
        on_time = (
            task.status == RectificationTask.Status.CLOSED
            and timezone.localtime(task.closed_at).date() <= task.due_date
        )
        out["rect"][label]["due"] += 1
        out["rect"][label]["on_time"] += on_time
        out["rect"][label]["late"] += task.due_date < TODAY and not on_time
    for finding in Finding.objects.select_related("round"):
        label = _label(timezone.localtime(finding.created_at).date())
        if label and _under(finding, org) and user.has_perm("inspections.view_finding", finding):
            out["findings"][label][finding.category] += 1
            out["findings"][label]["total"] += 1
    measures = AccountabilityMeasure.objects.exclude(
        status=AccountabilityMeasure.Status.REVOKED
    ).select_related("case")
    for measure in measures:
        label = _label(measure.effective_date)
        if not (label and _under(measure, org)):
            continue
        if user.has_perm("accountability.view_accountabilitycase", measure.case):
            out["measures"][label][measure.kind] += 1
            out["measures"][label]["total"] += 1
    for case in DisciplinaryCase.objects.filter(dual_required=True):
        label = _label(case.registered_on)
        if not (label and _under(case, org)):
            continue
        if user.has_perm("accountability.view_disciplinarycase", case):
            kinds = set(
                DualInvestigation.objects.filter(
                    disciplinary_case=case, status=DualInvestigation.Status.CONCLUDED
                ).values_list("kind", flat=True)
            )
            out["dual"][label]["qualifying"] += 1
            out["dual"][label]["covered"] += len(kinds) == 2
    return out


def _matches(widget, expected, columns) -> None:
    assert list(widget.trend) == LABELS
    for label in LABELS:
        for column in columns:
            got = widget.trend[label].get(column, 0)
            if isinstance(got, Figure):  # "—" where the viewer may see none (issue 14)
                got = 0 if got.is_hidden else got.value
            assert got == expected.get(label, {}).get(column, 0), (widget.key, label, column)


@pytest.mark.parametrize(("username", "org_key"), VIEWERS)
def test_it_each_trend_counts_exactly_what_the_viewer_may_see(past, username, org_key):
    cast = past.cast
    user, org = cast.user(username), getattr(cast, org_key)
    widgets = {w.key: w for w in _cockpit(user, org).widgets}
    expected = expected_trends(user, org)
    _matches(widgets["methods"], expected["methods"], [*ActionType.values, "total"])
    _matches(widgets["rectification"], expected["rect"], ["due", "on_time", "late"])
    _matches(widgets["findings"], expected["findings"], [*Finding.Category.values, "total"])
    _matches(widgets["measures"], expected["measures"], ["total"])
    _matches(widgets["dual"], expected["dual"], ["qualifying", "covered"])


def test_it_the_trends_are_not_empty_and_leave_the_sibling_out(past):
    """County 1's secretary: the rows set up above, and none of county 2's."""
    cast = past.cast
    widgets = {w.key: w for w in _cockpit(cast.user("county1_secretary"), cast.county1).widgets}
    last, earlier = str(LAST), str(EARLIER)
    assert widgets["methods"].trend[last]["total"] == 2  # county 2's four are not counted
    assert widgets["methods"].trend[earlier][ActionType.COMMITTEE_MEETING] == 1
    assert widgets["rectification"].trend[last] == {"due": 3, "on_time": 1, "late": 2}
    assert widgets["findings"].trend[earlier]["total"] == 1  # county 2's moved finding: no
    # The trend's current quarter is the same figure as the current table's total.
    assert widgets["methods"].trend[str(PERIOD)]["total"] == widgets["methods"].total("total")
    jw = {w.key: w for w in _cockpit(cast.user("county1_jw"), cast.county1).widgets}
    assert jw["measures"].trend[last]["total"] == 1
    assert jw["dual"].trend[last]["qualifying"] == 1


def test_it_list_progress_shows_this_year_beside_the_last(past):
    cast = past.cast
    widgets = {w.key: w for w in _cockpit(cast.user("prov_secretary"), cast.province).widgets}
    lists = widgets["lists"]
    assert list(lists.trend) == [str(PERIOD.year - 1), str(PERIOD.year)]
    assert lists.trend[str(PERIOD.year)]["lists"] == lists.total("lists")


def test_it_the_page_and_the_spreadsheet_show_each_trend(past, client_for):
    cast = past.cast
    client = client_for(cast.user("county1_secretary"))
    page = client.get(reverse("dashboards:cockpit", args=[cast.county1.pk]))
    tables = {t.key: t for t in page.context["table"]}
    for key in ("lists", "methods", "rectification", "findings", "measures", "dual"):
        trend = tables[f"{key}-trend"]
        assert trend.chart == "line"
        assert f'id="chart-{key}-trend"' in page.content.decode()
    rect = tables["rectification-trend"]
    assert rect.headers == LABELS
    due_row = rect.rows[0]
    assert due_row.cells[LABELS.index(str(LAST))] == 3
    charts = {c["id"]: c for c in page.context["chart_data"]["charts"]}
    assert charts["chart-rectification-trend"]["categories"] == LABELS

"""The cockpit: counts equal independently computed counts, scope never leaks, queries pinned."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import services
from dashboards.exports import page_tables
from inspections.models import Finding, RectificationTask
from liangge_zeren.figures import Figure
from liangge_zeren.periods import Quarter
from responsibilities.models import DutyLog
from tests.dashboards.conftest import add_logs, add_overdue_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
MAX_QUERIES = 16  # 16: the navbar also asks whether to offer 任免 (admin role)
# The cockpit reads the unit's and children's snapshots and list counts in two queries of
# their own (dashboards.services.add_unit_figures).
UNIT_FIGURES_QUERIES = 2
# The cockpit's rectification widget reads its counts, then the tasks due near today and those
# the viewer sees only as their owner (dashboards.services.rectification).
RECTIFICATION_QUERIES = 2
# The cockpit page (not the exports) also lists the warnings (issue 18): one query for the
# rules and each selector's fixed number (assessments/warnings.py; 以纪代责: three).
WARNING_QUERIES = 10


def _cockpit(user, org):
    from dashboards.access import get_cockpit_org_for_user

    class Request:
        pass

    request = Request()
    request.user = user
    period = Quarter.of(TODAY)
    org, children = get_cockpit_org_for_user(request, org.pk)
    services.add_unit_figures(user, period, [org, *children])
    return services.cockpit(user, org, children, today=TODAY, period=period)


def _expected_tasks(user, org):
    """Per child: open/overdue tasks the user may see — through the rules predicate, in Python."""
    expected = {}
    children = {c.path: c.pk for c in org.children.all()}
    for task in RectificationTask.objects.select_related("finding__round"):
        if not task.org_path.startswith(org.path):
            continue
        if not user.has_perm("inspections.view_rectificationtask", task):
            continue
        key = children.get(task.org_path[: org.child_path_length], services.OWN)
        row = expected.setdefault(key, {"open": 0, "overdue": 0})
        if task.status != RectificationTask.Status.CLOSED:
            row["open"] += 1
            if task.due_date < TODAY:
                row["overdue"] += 1
    return expected


def _expected_findings(user, org):
    expected = {}
    children = {c.path: c.pk for c in org.children.all()}
    for finding in Finding.objects.select_related("round"):
        if not finding.org_path.startswith(org.path) or finding.created_at.year != TODAY.year:
            continue
        if user.has_perm("inspections.view_finding", finding):
            key = children.get(finding.org_path[: org.child_path_length], services.OWN)
            expected[key] = expected.get(key, 0) + 1
    return expected


def _expected_logs(user, org):
    start, end = Quarter.of(TODAY).window()
    expected = {}
    children = {c.path: c.pk for c in org.children.all()}
    for log in DutyLog.objects.filter(status__in=DutyLog.COUNTED, occurred_on__range=(start, end)):
        if log.org_path.startswith(org.path) and user.has_perm(
            "responsibilities.view_dutylog", log
        ):
            key = children.get(log.org_path[: org.child_path_length], services.OWN)
            expected[key] = expected.get(key, 0) + 1
    return expected


VIEWERS = [
    ("prov_secretary", "province"),
    ("prov_jw", "province"),
    ("city1_secretary", "city1"),
    ("city1_jw", "city1"),
    ("county1_secretary", "county1"),
    ("county1_jw", "county1"),
    ("county2_secretary", "county2"),
]


@pytest.mark.parametrize(("username", "org_key"), VIEWERS)
def test_it_counts_exactly_what_the_viewer_may_see(world, username, org_key):
    cast = world.cast
    user, org = cast.user(username), getattr(cast, org_key)
    data = _cockpit(user, org)
    widgets = {w.key: w for w in data.widgets}

    tasks = _expected_tasks(user, org)
    for key, row in tasks.items():
        assert widgets["rectification"].value(key, "open") == row["open"], (username, key)
        assert widgets["rectification"].value(key, "overdue") == row["overdue"], (username, key)
    assert widgets["rectification"].total("open") == sum(r["open"] for r in tasks.values())

    findings = _expected_findings(user, org)
    assert widgets["findings"].total("total") == sum(findings.values())
    for key, n in findings.items():
        assert widgets["findings"].value(key, "total") == n

    logs = _expected_logs(user, org)
    assert widgets["methods"].total("total") == sum(logs.values())
    for key, n in logs.items():
        assert widgets["methods"].value(key, "total") == n


def test_it_never_counts_the_sibling_countys_rows(world):
    cast = world.cast
    # Out-of-scope rows exist (so the check below cannot pass vacuously).
    county2_overdue = RectificationTask.objects.filter(
        org_path__startswith=cast.county2.path, due_date__lt=TODAY
    ).count()
    assert county2_overdue == 2
    assert DutyLog.objects.filter(org_path__startswith=cast.county2.path).count() == 5

    data = _cockpit(cast.user("county1_secretary"), cast.county1)
    widgets = {w.key: w for w in data.widgets}
    assert widgets["rectification"].total("overdue") == 1  # county 1's own only
    assert widgets["methods"].total("total") == 5  # 3 + 2 accepted, drafts and county 2 not


def test_it_hides_the_upward_channel_from_the_same_level_committee(world):
    cast = world.cast
    upward_task = world.insp.upward_task
    assert upward_task.finding.upward_channel
    secretary = _cockpit(cast.user("county1_secretary"), cast.county1)
    jw = _cockpit(cast.user("county1_jw"), cast.county1)
    rect = {w.key: w for w in secretary.widgets}["rectification"]
    rect_jw = {w.key: w for w in jw.widgets}["rectification"]
    # The discipline officer sees the upward-channel task, the committee secretary does not.
    assert rect_jw.total("open") == rect.total("open") + 1


def test_it_shows_each_child_with_its_latest_snapshot(world, client_for):
    cast = world.cast
    response = client_for(cast.user("prov_secretary")).get(
        reverse("dashboards:cockpit", args=[cast.province.pk])
    )
    assert response.status_code == 200
    overview = response.context["table"][0]
    rows = {row.pk: row for row in overview.rows}
    assert rows[cast.city1.pk].cells[0] == 91
    assert rows[cast.city1.pk].light == "green"
    assert rows[cast.city2.pk].light == "red"
    # The chart JSON is rendered for the page's script, never inline code.
    body = response.content.decode()
    assert 'id="lz-cockpit-data"' in body
    assert "<script>" not in body.replace('<script id="lz-cockpit-data"', "")


def test_it_orders_by_traffic_light_on_request(world, client_for):
    cast = world.cast
    client = client_for(cast.user("prov_secretary"))
    url = reverse("dashboards:cockpit", args=[cast.province.pk])
    rows = client.get(url + "?order=light").context["table"][0].rows
    assert [r.pk for r in rows[:2]] == [cast.city2.pk, cast.city1.pk]  # red before green


def test_it_drills_down_one_level(world, client_for):
    cast = world.cast
    client = client_for(cast.user("prov_secretary"))
    page = client.get(reverse("dashboards:cockpit", args=[cast.province.pk]))
    city_url = reverse("dashboards:cockpit", args=[cast.city1.pk])
    assert city_url in page.content.decode()
    city = client.get(city_url)
    assert city.status_code == 200
    assert {c.pk for c in city.context["cockpit"].scope.children} >= {
        cast.county1.pk,
        cast.county2.pk,
    }


def test_it_hides_sibling_units(world, client_for):
    client = client_for(world.cast.user("county2_secretary"))
    for name in ("dashboards:cockpit", "dashboards:cockpit_xlsx", "dashboards:cockpit_docx"):
        assert client.get(reverse(name, args=[world.cast.county1.pk])).status_code == 404


def test_it_requires_scope(world, client_for):
    client = client_for(world.cast.user("outsider"))
    assert client.get(reverse("dashboards:home")).status_code == 404
    for name in ("dashboards:cockpit", "dashboards:cockpit_xlsx", "dashboards:cockpit_docx"):
        assert client.get(reverse(name, args=[world.cast.province.pk])).status_code == 404
    assert client.get(reverse("dashboards:secretary_panel")).status_code == 404
    assert client.get(reverse("dashboards:discipline_panel")).status_code == 404


@pytest.mark.parametrize(
    "name", ["dashboards:cockpit", "dashboards:cockpit_xlsx", "dashboards:cockpit_docx"]
)
@pytest.mark.parametrize("username", ["prov_secretary", "prov_jw"])
def test_it_pins_the_query_count(world, client_for, django_assert_max_num_queries, name, username):
    cast = world.cast
    client = client_for(cast.user(username))
    url = reverse(name, args=[cast.province.pk])
    client.get(url)  # the first request after login also saves the session (security app)
    # Downloads also write one audit-trail row (security.middleware.AuditTrailMiddleware).
    limit = MAX_QUERIES + UNIT_FIGURES_QUERIES + RECTIFICATION_QUERIES
    limit += WARNING_QUERIES if name == "dashboards:cockpit" else 1
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
    # More rows everywhere: the count does not grow.
    for _ in range(5):
        add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "更多")
    add_logs(cast.tenures["city1_secretary"], 20)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_it_pins_the_panels_query_counts(world, client_for, django_assert_max_num_queries):
    cast = world.cast
    for username, name in (
        ("county1_secretary", "dashboards:secretary_panel"),
        ("county1_jw", "dashboards:discipline_panel"),
    ):
        client = client_for(cast.user(username))
        client.get(reverse(name))  # first request after login also saves the session
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(reverse(name))
        assert response.status_code == 200
        for _ in range(5):
            add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "更多")
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(reverse(name)).status_code == 200


def test_it_exports_exactly_what_the_page_shows(world, client_for):
    from openpyxl import load_workbook

    cast = world.cast
    client = client_for(cast.user("prov_jw"))
    page = client.get(reverse("dashboards:cockpit", args=[cast.province.pk]))
    tables = page.context["table"]
    response = client.get(reverse("dashboards:cockpit_xlsx", args=[cast.province.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == len(tables)
    for sheet, table in zip(book.worksheets, tables, strict=True):
        values = [list(r) for r in sheet.iter_rows(min_row=3, values_only=True)]
        expected = [[row.label, *row.cells] for row in table.rows]
        if table.total is not None:
            expected.append(["合计", *table.total])
        normalise = [[("" if v is None else v) for v in r] for r in values]
        assert normalise == [[("" if v is None else v) for v in r] for r in expected], table.key
    # The page itself shows the same numbers (e.g. the overdue column of the overview).
    body = page.content.decode()
    for row in tables[0].rows:
        assert row.label in body


def test_it_writes_the_quarterly_report(world, client_for):
    from docx import Document

    cast = world.cast
    client = client_for(cast.user("prov_secretary"))
    response = client.get(reverse("dashboards:cockpit_docx", args=[cast.province.pk]))
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert cast.province.name in text
    tables = page_tables(_cockpit(cast.user("prov_secretary"), cast.province))
    assert len(doc.tables) == len(tables)
    overview = doc.tables[0]
    assert [c.text for c in overview.rows[1].cells][0] == tables[0].rows[0].label


def test_it_the_home_page_starts_at_the_viewers_top_unit(world, client_for):
    response = client_for(world.cast.user("county1_secretary")).get(reverse("dashboards:home"))
    assert response.status_code == 302
    assert response.url == reverse("dashboards:cockpit", args=[world.cast.county1.pk])


def test_it_the_secretary_panel_shows_members_and_what_is_due(world, client_for):
    cast = world.cast
    response = client_for(cast.user("county1_secretary")).get(reverse("dashboards:secretary_panel"))
    assert response.status_code == 200
    members = {m.pk: m.logs for m in response.context["members"]}
    assert members[cast.tenures["county1_secretary"].pk] == 3
    assert members[cast.tenures["county1_member"].pk] == 2  # drafts do not count
    due = response.context["due"]
    assert world.overdue[0] in due
    assert all(t.org_path == cast.county1.path for t in due)


def test_it_the_discipline_panel_lists_overdue_tasks_in_jurisdiction_only(world, client_for):
    cast = world.cast
    response = client_for(cast.user("county1_jw")).get(reverse("dashboards:discipline_panel"))
    assert response.status_code == 200
    overdue = response.context["overdue"]
    assert world.overdue[0] in overdue
    assert all(t.org_path.startswith(cast.county1.path) for t in overdue)
    assert not any(t in overdue for t in world.overdue[1:])  # county 2's stay hidden


def test_it_the_home_page_loads_the_panel_of_the_working_post(world, client_for):
    cast = world.cast
    home = client_for(cast.user("county1_secretary")).get(reverse("home"))
    assert reverse("dashboards:home_panel") in home.content.decode()

    secretary = client_for(cast.user("county1_secretary")).get(reverse("dashboards:home_panel"))
    assert secretary.templates[0].name == "dashboards/_home_panel.html"
    assert world.overdue[0] in secretary.context["due"]
    assert 'id="panel-members"' in secretary.content.decode()

    officer = client_for(cast.user("county1_jw")).get(reverse("dashboards:home_panel"))
    assert world.overdue[0] in officer.context["overdue"]
    assert 'id="verify-h"' in officer.content.decode()  # closures to verify

    outsider = client_for(cast.user("outsider")).get(reverse("dashboards:home_panel"))
    assert outsider.status_code == 200
    assert outsider.content == b""


def test_it_pins_the_home_panels_query_count(world, client_for, django_assert_max_num_queries):
    cast = world.cast
    for username in ("county1_secretary", "county1_jw"):
        client = client_for(cast.user(username))
        client.get(reverse("dashboards:home_panel"))  # first request after login saves the session
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(reverse("dashboards:home_panel")).status_code == 200
        for _ in range(5):
            add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "更多")
        with django_assert_max_num_queries(MAX_QUERIES):
            assert client.get(reverse("dashboards:home_panel")).status_code == 200


@pytest.mark.parametrize("username", ["prov_jw", "prov_secretary", "city1_jw"])
def test_it_each_findings_figure_opens_the_ledger_rows_behind_it(world, client_for, username):
    cast = world.cast
    client = client_for(cast.user(username))
    org = cast.city1 if username == "city1_jw" else cast.province
    page = client.get(reverse("dashboards:cockpit", args=[org.pk]))
    findings = next(t for t in page.context["table"] if t.key == "findings")
    followed = 0
    for row in findings.rows:
        for i, url in row.links.items():
            ledger = client.get(url)
            assert ledger.status_code == 200
            assert ledger.context["page"].paginator.count == row.cells[i], (row.label, url)
            followed += row.cells[i] > 0
    assert followed  # not vacuous: some figures were non-zero


@pytest.mark.parametrize(("username", "org_key"), [("prov_jw", "province"), ("city1_jw", "city1")])
def test_it_each_dual_investigation_figure_opens_the_cases_behind_it(
    world, client_for, username, org_key
):
    cast = world.cast
    client = client_for(cast.user(username))
    page = client.get(reverse("dashboards:cockpit", args=[getattr(cast, org_key).pk]))
    dual = next(t for t in page.context["table"] if t.key == "dual")
    followed = 0
    for row in dual.rows:
        if 0 not in row.links:
            continue
        listing = client.get(row.links[0])
        assert listing.status_code == 200
        assert listing.context["page"].paginator.count == row.cells[0], row.label
        if row.cells[0]:  # issue 17.10: badges were cut to "主体…核查中"
            html = listing.content.decode()
            assert "主体责任 · " in html and "…" not in html
        followed += row.cells[0] > 0
    assert followed  # county 1's disciplinary case is counted and listed


def test_it_the_filtered_case_list_refuses_a_unit_out_of_scope(world, client_for):
    client = client_for(world.cast.user("county2_secretary"))
    url = reverse("accountability:disciplinary_list")
    assert client.get(url, {"org": world.cast.county1.pk}).status_code == 404
    assert client.get(url, {"org": world.cast.county2.pk, "dual": "1"}).status_code == 200


@pytest.mark.parametrize(
    ("username", "secretary", "discipline"),
    [
        ("county1_secretary", True, False),
        ("county1_jw", False, True),
        ("county1_member", False, False),
        ("outsider", False, False),
    ],
)
def test_it_the_home_page_offers_only_the_panels_the_posts_open(
    world, client_for, username, secretary, discipline
):
    """Issue 17.5: a member was offered both panels and got two 404s."""
    client = client_for(world.cast.user(username))
    html = client.get(reverse("home")).content.decode()
    for url_name, offered in (("secretary_panel", secretary), ("discipline_panel", discipline)):
        url = reverse(f"dashboards:{url_name}")
        assert (f'href="{url}"' in html) is offered
        assert client.get(url).status_code == (200 if offered else 404)


def _expected(cell) -> int:
    """The figure a cell shows: a count, or "done/due" whose list is the due ones."""
    value = cell.value if isinstance(cell, Figure) else cell
    return int(str(value).split("/")[-1])


@pytest.mark.parametrize(
    ("username", "org_key"),
    [
        ("prov_secretary", "province"),
        ("prov_secretary", "county1"),  # township rows, three levels below the viewer
        ("prov_jw", "city1"),
        ("city1_jw", "county1"),
        ("county1_jw", "county1"),
    ],
)
def test_it_every_linked_figure_opens_exactly_its_rows(world, client_for, username, org_key):
    """Issue 17.1: 城关镇's overdue "1" opened 9 problems: the unit and light were dropped."""
    cast = world.cast
    add_overdue_task(cast, "township1", "T-K1:discipline", "county1_secretary", "一号镇逾期")
    client = client_for(cast.user(username))
    page = client.get(reverse("dashboards:cockpit", args=[getattr(cast, org_key).pk]))
    assert page.status_code == 200
    followed = 0
    for table in page.context["table"]:
        for row in table.rows:
            for i, url in row.links.items():
                assert not (isinstance(row.cells[i], Figure) and row.cells[i].is_hidden), url
                listing = client.get(url)
                assert listing.status_code == 200, url
                count = listing.context["page"].paginator.count
                assert count == _expected(row.cells[i]), (table.key, row.label, url)
                followed += count > 0
    assert followed  # not vacuous


def test_it_the_ledger_honours_a_deep_unit_and_says_when_a_filter_cannot_apply(world, client_for):
    cast = world.cast
    task = add_overdue_task(cast, "township1", "T-K1:discipline", "county1_secretary", "镇逾期")
    client = client_for(cast.user("prov_secretary"))
    url = reverse("inspections:ledger")
    page = client.get(f"{url}?org={cast.township1.pk}&light=red")
    assert page.status_code == 200
    assert [f.pk for f in page.context["page"]] == [task.finding_id]
    assert page.context["form"]["org"].value() == str(cast.township1.pk)
    assert f'value="{cast.township1.pk}" selected' in page.content.decode()
    outside = client_for(cast.user("county1_jw")).get(f"{url}?org={cast.county2.pk}&light=red")
    assert outside.status_code == 400
    assert outside.context["page"].paginator.count == 0
    assert 'id="ledger-filter-errors"' in outside.content.decode()

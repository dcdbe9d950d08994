"""In the browser: the province secretary drills from the province cockpit to county 1 and
finds county 1's overdue rectification count equal to the issue ledger's."""

import math
import re

from tests.browser import BROWSER_MARKS, log_in, screenshot
from tests.dashboards.conftest import add_logs, add_overdue_task

pytestmark = BROWSER_MARKS


def test_it_the_province_secretary_drills_down_to_county_1(live_server, live_cast, new_page):
    cast = live_cast
    add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "一号县逾期甲")
    add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "一号县逾期乙")
    add_overdue_task(cast, "county2", "T-K2:discipline", "county2_secretary", "二号县逾期")
    add_logs(cast.tenures["county1_secretary"], 3)

    page = new_page()
    log_in(page, live_server, "prov_secretary")
    page.goto(f"{live_server.url}/dashboards/")
    page.wait_for_selector("#table-overview")
    assert cast.province.name in page.locator("h1").inner_text()
    page.wait_for_selector("#chart-rectification svg")  # ECharts drew the chart

    page.locator("#table-overview").get_by_role("link", name=cast.city1.name).click()
    page.wait_for_url(re.compile(rf"/dashboards/org/{cast.city1.pk}/"))
    page.locator("#table-overview").get_by_role("link", name=cast.county1.name).click()
    page.wait_for_url(re.compile(rf"/dashboards/org/{cast.county1.pk}/"))
    page.wait_for_selector("#chart-methods svg")
    overdue = int(page.locator("#table-rectification tfoot td").nth(1).inner_text())
    screenshot(page, "dashboards-county1-cockpit.png")
    assert overdue == 2  # county 2's overdue task is not counted

    page.goto(f"{live_server.url}/inspections/ledger/?org={cast.county1.pk}&light=red")
    rows = page.locator("table.lz-ledger tbody tr")
    assert rows.count() == overdue


def test_it_the_home_page_loads_the_working_posts_panel(live_server, live_cast, new_page):
    cast = live_cast
    task = add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "一号县逾期")

    page = new_page()
    log_in(page, live_server, "county1_secretary")
    page.goto(f"{live_server.url}/")
    panel = page.locator("[data-testid=home-panel]")
    panel.wait_for()
    assert panel.locator("#panel-members").count() == 1  # my members' progress
    assert str(task) in panel.locator("#panel-due").inner_text()  # what is due
    page.wait_for_selector("#chart-methods-trend", state="detached")  # no cockpit here
    screenshot(page, "dashboards-home-secretary-panel.png")

    page.goto(f"{live_server.url}/dashboards/org/{cast.county1.pk}/")
    trend = page.locator("#details-rectification-trend")
    assert trend.locator("svg").count() == 0  # folded: drawn when opened
    trend.locator("summary").click()
    page.wait_for_selector("#chart-rectification-trend svg")  # the trend chart drew
    assert trend.locator("#table-rectification-trend").is_visible()


def test_it_the_cockpit_axis_labels_do_not_overlap_at_375_px(live_server, live_cast, new_page):
    """Issue 17.9: at 375 px the cockpit's chart axis labels overlapped."""
    page = new_page(viewport={"width": 375, "height": 800})
    log_in(page, live_server, "prov_secretary")
    page.goto(f"{live_server.url}/dashboards/org/{live_cast.province.pk}/")
    page.wait_for_selector("#chart-rectification svg text")
    labels = page.evaluate(
        """() => {
          const names = JSON.parse(document.getElementById('lz-cockpit-data').textContent)
            .charts.find(c => c.id === 'chart-rectification').categories;
          const cut = (t) => names.some(n => t === n || (t.endsWith('...') &&
                                                          n.startsWith(t.slice(0, -3))));
          return [...document.querySelectorAll('#chart-rectification svg text')]
            .filter(t => cut(t.textContent))
            .map(t => { const m = t.transform.baseVal.consolidate().matrix;
                        return {x: m.e, angle: Math.atan2(m.b, m.a),
                                length: t.getComputedTextLength(),
                                size: parseFloat(getComputedStyle(t).fontSize)}; })
            .sort((a, b) => a.x - b.x);
        }"""
    )
    assert len(labels) >= 2
    # Hand check at 375 px: hidden notes in table cells ("无权查看") escaped their scrolling
    # box and widened the whole page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    for left, right in zip(labels, labels[1:], strict=False):
        spacing = right["x"] - left["x"]
        if abs(left["angle"]) < 0.01:  # level labels: each fits its slot
            assert left["length"] <= spacing, (left, right)
        else:  # rotated labels: parallel lines at least one text height apart
            assert spacing * abs(math.sin(left["angle"])) >= 0.9 * left["size"], (left, right)

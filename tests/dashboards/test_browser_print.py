"""Printing on A4 (static/css/print.css): the ledger, a responsibility list, a case and the
cockpit print without navigation or buttons, with the unit, period and print time in the
footer of every sheet. Each page is also printed to PDF with Chromium (test-artifacts/)."""

import re

from accountability.defaults import ensure_defaults
from tests.accountability.fixtures import open_county1_case
from tests.browser import ARTIFACTS, BROWSER_MARKS, log_in
from tests.dashboards.conftest import add_logs, add_overdue_task
from tests.responsibilities.dutyfix import build_duty

pytestmark = BROWSER_MARKS

MEDIA_BOX = re.compile(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]")
A4_PORTRAIT, A4_LANDSCAPE = (595, 842), (842, 595)  # PDF points: 210 x 297 mm
PRINT_TIME = re.compile(r"打印时间: \d{4}-\d{2}-\d{2} \d{2}:\d{2}")
FOOTER_PARTS = """() => Object.fromEntries(["unit", "period", "time"].map(part =>
    [part, getComputedStyle(document.documentElement).getPropertyValue(`--lz-print-${part}`)]))"""


def _pages(live_server, cast, duty, case):
    county = cast.county1
    url = live_server.url
    return [
        ("ledger", f"{url}/inspections/ledger/?org={county.pk}", county.name, "全部年度", True),
        (
            "list",
            f"{url}/duty/lists/{duty.county1_list.pk}/",
            county.name,
            f"{duty.year}年度",
            False,
        ),
        ("case", f"{url}/accountability/cases/{case.pk}/", county.name, "至今", False),
        ("cockpit", f"{url}/dashboards/org/{county.pk}/", county.name, "Q", True),
    ]


def test_it_prints_the_ledger_a_list_a_case_and_the_cockpit_on_a4(live_server, live_cast, new_page):
    ensure_defaults()  # transactional tests flush the migration-seeded rows
    cast = live_cast
    add_overdue_task(cast, "county1", "T-K1:discipline", "county1_secretary", "一号县逾期甲")
    add_logs(cast.tenures["county1_secretary"], 3)
    duty = build_duty(cast)
    case = open_county1_case(cast)

    page = new_page()
    log_in(page, live_server, "county1_jw")
    ARTIFACTS.mkdir(exist_ok=True)
    for name, url, unit, period, landscape in _pages(live_server, cast, duty, case):
        page.goto(url)
        page.wait_for_load_state("networkidle")
        footer = page.locator("[data-print-footer]")
        assert footer.is_hidden(), name  # not on screen
        text = footer.text_content()
        assert unit in text and period in text and PRINT_TIME.search(text), (name, text)
        page.emulate_media(media="print")
        assert page.locator("nav.lz-navbar").is_hidden(), name
        assert page.locator("main .btn").evaluate_all(
            "els => els.every(e => getComputedStyle(e).display === 'none')"
        ), name
        # The footer's parts are in the CSS variables the sheets' bottom margins show.
        parts = page.evaluate(FOOTER_PARTS)
        assert unit in parts["unit"] and period in parts["period"], (name, parts)
        assert PRINT_TIME.search(parts["time"]), (name, parts)
        pdf = page.pdf(path=str(ARTIFACTS / f"print-{name}.pdf"), prefer_css_page_size=True)
        boxes = {tuple(round(float(v)) for v in m) for m in MEDIA_BOX.findall(pdf)}
        assert boxes == {A4_LANDSCAPE if landscape else A4_PORTRAIT}, (name, boxes)
        width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
        page.emulate_media(media="screen")
        assert width > 0

"""Issue 17.6, "every count opens its rows", on the home pages and the role panels: each
figure marked `data-count` links to a list, and that list shows exactly that many rows
(the cockpit's figures are followed in test_cockpit.py)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.responsibilities.dutyfix import build_duty, make_log

pytestmark = pytest.mark.django_db


class _CountLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, int]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and "data-count" in attrs:
            self.found.append((attrs["href"], int(attrs["data-count"])))


def count_links(html: str) -> list[tuple[str, int]]:
    parser = _CountLinks()
    parser.feed(html)
    return parser.found


def rows_shown(response) -> int:
    """The rows a list page shows: its paginator's count, or its items."""
    if "page" in response.context and hasattr(response.context["page"], "paginator"):
        return response.context["page"].paginator.count
    return len(response.context["items"])


PAGES = {
    "home": lambda: reverse("home"),
    "home_panel": lambda: reverse("dashboards:home_panel"),
    "secretary_panel": lambda: reverse("dashboards:secretary_panel"),
    "discipline_panel": lambda: reverse("dashboards:discipline_panel"),
    "my_progress": lambda: reverse("duty_my_progress"),
}


@pytest.fixture
def counted(world):
    duty = build_duty(world.cast)
    make_log(duty, items=("talk",))  # the member's talk item: done
    make_log(duty, tenure_key="county1_member", items=(), submit=True)  # one to review
    return world


@pytest.mark.parametrize(
    ("username", "expect", "nonzero"),
    [
        ("county1_secretary", {"home", "home_panel", "secretary_panel", "my_progress"}, True),
        ("county1_member", {"home", "my_progress"}, True),
        ("county1_jw", {"home", "home_panel", "discipline_panel"}, False),
        ("prov_secretary", {"home", "home_panel", "secretary_panel"}, False),
    ],
)
def test_it_every_count_on_the_home_pages_and_panels_opens_exactly_its_rows(
    counted, client_for, username, expect, nonzero
):
    client = client_for(counted.cast.user(username))
    seen: dict[str, list[tuple[str, int]]] = {}
    for name, url in PAGES.items():
        response = client.get(url())
        if response.status_code == 200:
            seen[name] = count_links(response.content.decode())
    followed = 0
    for name in expect:
        for url, figure in seen.get(name, []):
            listing = client.get(url)
            assert listing.status_code == 200, (name, url)
            assert rows_shown(listing) == figure, (username, name, url)
            followed += figure > 0
    assert set(seen) >= expect
    assert bool(followed) or not nonzero  # not vacuous where the cast has figures


def test_it_a_bad_filter_on_the_log_list_says_so_and_shows_nothing(counted, client_for):
    client = client_for(counted.cast.user("county1_secretary"))
    response = client.get(reverse("duty_log_index"), {"tab": "scope", "from": "2026-13-40"})
    assert response.status_code == 400
    assert "日期格式应为" in response.content.decode()
    assert response.context["page"].paginator.count == 0


def test_it_a_panel_case_opens_its_page(counted, client_for):
    client = client_for(counted.cast.user("county1_jw"))
    html = client.get(reverse("dashboards:discipline_panel")).content.decode()
    assert "/accountability/cases/" in html or "没有办理中的问责案件" in html

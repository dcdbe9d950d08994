"""Every edit form of an editable record is conflict-safe (issue 8, "concurrent edits").

Two people open the same record; the first saves; the second save gets a clear conflict
message naming what changed, keeps what the second person typed, and leaves the first save in
place. Saving again from the conflict page (which carries the current version) is a deliberate
overwrite. The form is filled in from the page itself, as a browser would, so one test covers
every edit view; `test_every_edit_view_is_covered` fails when a new `*_edit` view appears
without a case here.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from inspections.models import Finding, InspectionRound
from inspections.services import findings, rounds
from responsibilities import letters
from responsibilities.models import DutyLog, DutyReport, Organization, ResponsibilityItem
from tests.responsibilities import dutyfix

pytestmark = pytest.mark.django_db


# --- A browser's view of a form -------------------------------------------------------------


class _FormReader(HTMLParser):
    """Collects each <form>'s action and the values a browser would submit."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name, value):
        self._form["data"].setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "data": {}}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "file", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(a["name"], a.get("value") or "on")
                return
            self._add(a["name"], a.get("value") or "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a.get("name")
            self._add(self._textarea, "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            values = self._form["data"][self._textarea]
            values[-1] += data.removeprefix("\n") if not values[-1] else data


def form_data(html: str, post_url: str, page_url: str) -> dict:
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        action = form["action"] or page_url
        if action == post_url:
            data = dict(form["data"])
            data.pop("csrfmiddlewaretoken", None)
            return data
    raise AssertionError(f"no form posting to {post_url} on {page_url}")


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The edit views and a record for each ---------------------------------------------------


@dataclass
class Case:
    page_url: str  # where the form is shown
    post_url: str  # where it posts
    first: object  # user saving first
    second: object  # user saving second
    field: str  # form field both people change
    label: str  # its label in the conflict message
    stored: Callable[[], str]  # the value now in the database


def _org(cast):
    org = cast.county1
    url = reverse("org_edit", args=[org.pk])
    return Case(
        url,
        url,
        cast.user("county1_secretary"),
        cast.user("city1_secretary"),
        "name",
        "名称",
        lambda: Organization.objects.get(pk=org.pk).name,
    )


def _item(cast):
    duty = dutyfix.build_duty(cast)
    item = duty.items["c1_own"]
    return Case(
        reverse("duty_item_detail", args=[item.pk]),
        reverse("duty_item_edit", args=[item.pk]),
        cast.user("county1_secretary"),
        cast.user("county1_secretary"),
        "content",
        "责任内容",
        lambda: ResponsibilityItem.objects.get(pk=item.pk).content,
    )


def _log(cast):
    duty = dutyfix.build_duty(cast)
    log = dutyfix.make_log(duty, submit=False)
    url = reverse("duty_log_edit", args=[log.pk])
    member = cast.user("county1_member")
    return Case(
        url, url, member, member, "title", "标题", lambda: DutyLog.objects.get(pk=log.pk).title
    )


def _report(cast):
    duty = dutyfix.build_duty(cast)
    report = letters.draft_report(
        org=cast.county1,
        year=duty.year,
        tenure=duty.tenure("county1_member"),
        actor=cast.user("county1_member"),
    )
    url = reverse("duty_report_detail", args=[report.pk])
    member = cast.user("county1_member")
    return Case(
        url,
        url,
        member,
        member,
        "title",
        "标题",
        lambda: DutyReport.objects.get(pk=report.pk).title,
    )


def _round(cast):
    jw = cast.user("county1_jw")
    round_ = rounds.create_round(
        actor=jw,
        kind=InspectionRound.Kind.XUNCHA,
        title="县委第一轮巡察",
        issuing_body=cast.bodies["T-K1:committee"],
        year=datetime.date.today().year,
        targets=[cast.township1],
    )
    url = reverse("inspections:round_edit", args=[round_.pk])
    return Case(
        url, url, jw, jw, "title", "名称", lambda: InspectionRound.objects.get(pk=round_.pk).title
    )


def _finding(cast):
    jw = cast.user("county1_jw")
    finding = findings.record_finding(
        actor=jw,
        org=cast.county1,
        round=None,
        inspecting_body=cast.bodies["T-K1:discipline"],
        title="落实主体责任不力",
        responsibilities=[],
        source=Finding.Source.THIS_LEVEL,
        sub_source="level_discipline",
        category=Finding.Category.CONDUCT,
        description="详细描述",
        severity=Finding.Severity.MINOR,
    )
    url = reverse("inspections:finding_edit", args=[finding.pk])
    return Case(
        url, url, jw, jw, "title", "问题概述", lambda: Finding.objects.get(pk=finding.pk).title
    )


CASES = {
    "org_edit": _org,
    "duty_item_edit": _item,
    "duty_log_edit": _log,
    "duty_report_detail": _report,  # the draft report is edited on its own page
    "inspections:round_edit": _round,
    "inspections:finding_edit": _finding,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_it_the_second_save_gets_a_conflict_and_nothing_is_lost(name, cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    case = CASES[name](cast)
    first, second = client_of(case.first), client_of(case.second)
    loaded = form_data(first.get(case.page_url).content.decode(), case.post_url, case.page_url)
    assert loaded.get("version"), "the form carries the version the user loaded"
    before = case.stored()
    label = str(case.label)

    response = first.post(case.post_url, {**loaded, case.field: "第一人的修改", "reason": "调整"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert case.stored() == "第一人的修改"

    response = second.post(case.post_url, {**loaded, case.field: "第二人的修改", "reason": "调整"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "保存冲突" in page
    assert f"{label}:您打开时为“{before}”,现在为“第一人的修改”" in page
    assert "第二人的修改" in page  # the second person's input is still in the form
    assert case.stored() == "第一人的修改"  # and the first save stands

    # Saving again from the conflict page is a deliberate overwrite.
    again = form_data(page, case.post_url, case.page_url)
    assert again[case.field] == ["第二人的修改"]
    response = second.post(case.post_url, again)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert case.stored() == "第二人的修改"


def _named_urls(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _named_urls(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_it_every_edit_view_is_covered():
    edit_views = {name for name in _named_urls() if name.endswith("_edit")}
    assert edit_views <= set(CASES), f"add a conflict case for {sorted(edit_views - set(CASES))}"


def test_it_the_admin_site_is_conflict_safe_too(cast, admins):
    """The system administrator edits organisations in the admin site as well."""
    org = cast.county1
    url = reverse("admin:responsibilities_organization_change", args=[org.pk])
    sysadmin = client_of(admins["system"])
    loaded = form_data(sysadmin.get(url).content.decode(), url, url)
    assert loaded.get("edit_version") == [str(org.version)]

    front = client_of(cast.user("county1_secretary"))
    edit = reverse("org_edit", args=[org.pk])
    data = form_data(front.get(edit).content.decode(), edit, edit)
    assert front.post(edit, {**data, "name": "前台修改"}).status_code == 302

    response = sysadmin.post(url, {**loaded, "name": "后台修改"})
    page = response.content.decode()
    assert response.status_code == 200 and "保存冲突" in page
    assert "名称:您打开时为“一号县”,现在为“前台修改”" in page
    assert Organization.objects.get(pk=org.pk).name == "前台修改"

    again = form_data(page, url, url)
    assert again["name"] == ["后台修改"]
    assert sysadmin.post(url, again).status_code == 302
    changed = Organization.objects.get(pk=org.pk)
    assert changed.name == "后台修改" and changed.version == org.version + 2


@pytest.mark.parametrize("name", sorted(CASES))
def test_it_the_conflict_page_heading_shows_what_is_stored_not_the_unsaved_input(name, cast):
    case = CASES[name](cast)
    first, second = client_of(case.first), client_of(case.second)
    loaded = form_data(first.get(case.page_url).content.decode(), case.post_url, case.page_url)
    first.post(case.post_url, {**loaded, case.field: "第一人的修改", "reason": "调整"})

    response = second.post(case.post_url, {**loaded, case.field: "第二人的修改", "reason": "调整"})

    assert response.status_code == 409
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", response.content.decode(), re.S).group(1)
    assert "第二人的修改" not in heading

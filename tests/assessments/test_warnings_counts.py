"""CommitteeLogCount: kept exact by the database through every change of a duty log or of a
post's role, and the 以纪代责 warning read from it equals the warning counted from the logs for
every viewer of the cast and every unit they may open (issue 19)."""

import datetime
from collections import Counter

import pytest
from django.utils import timezone

from assessments import warnings as w
from assessments.models import CommitteeLogCount, WarningRule
from dashboards import counts
from dashboards.committeelogcount import COUNTS
from liangge_zeren.periods import Quarter
from responsibilities.models import ActionType, DutyLog, Organization, Tenure
from tests.assessments.test_warnings import _discipline_logs, _log
from tests.dashboards.conftest import COUNT_VIEWERS

pytestmark = pytest.mark.django_db

Code = WarningRule.Code


def _expected() -> dict:
    """Per unit, year and quarter: the year's own counted logs up to the quarter's end and
    the report reviews among them."""
    by_quarter: Counter = Counter()
    for path, day, action in DutyLog.objects.filter(
        status__in=DutyLog.COUNTED, tenure__role__in=Tenure.COMMITTEE_ROLES
    ).values_list("org_path", "occurred_on", "action_type"):
        quarter = Quarter.of(day)
        review = action == ActionType.REPORT_REVIEW
        for through in range(quarter.quarter, 5):
            by_quarter[(path, quarter.year, through, "n")] += 1
            by_quarter[(path, quarter.year, through, "reviews")] += review
    keys = {key[:3] for key in by_quarter}
    return {key: (by_quarter[(*key, "n")], by_quarter[(*key, "reviews")]) for key in keys}


def _actual() -> dict:
    fields = ("org_path", "year", "quarter", "n", "reviews", "review_share")
    rows = CommitteeLogCount.objects.values_list(*fields)
    for *_key, n, reviews, share in rows:
        assert share == (reviews * 100 / n if n else None)
    return {tuple(r[:3]): (r[3], r[4]) for r in rows if r[3]}


def _hearings(duty, n: int):
    for _ in range(n):
        _log(duty, "county1_secretary", action=ActionType.REPORT_REVIEW, title="听取县纪委工作汇报")


def test_it_the_committee_log_counts_follow_every_change(duty):
    assert counts.installed(COUNTS)
    _discipline_logs(duty, discipline=3, own=2)
    _hearings(duty, 2)
    _log(duty, "county1_member", action=ActionType.REPORT_REVIEW, title="听取审计汇报")
    assert _actual() and _actual() == _expected()

    first, second, third = DutyLog.objects.filter(tenure__role__in=Tenure.COMMITTEE_ROLES).order_by(
        "pk"
    )[:3]
    DutyLog.objects.filter(pk=first.pk).update(status=DutyLog.Status.RETURNED)
    DutyLog.objects.filter(pk=second.pk).update(
        occurred_on=datetime.date(timezone.localdate().year - 1, 11, 30),
        action_type=ActionType.REPORT_REVIEW,
    )
    DutyLog.objects.filter(pk=third.pk).update(org_path=duty.cast.county2.path)
    assert _actual() == _expected()

    # The 纪委 officer's post becomes a committee post: its logs count from now on.
    Tenure.objects.filter(pk=duty.tenure("county1_jw").pk).update(role=Tenure.Role.TEAM_MEMBER)
    assert _actual() == _expected()
    DutyLog.objects.filter(pk=first.pk).update(status=DutyLog.Status.ACCEPTED)
    DutyLog.history.model.objects.filter(id=second.pk).delete()
    DutyLog.objects.filter(pk=second.pk).delete()
    assert _actual() == _expected()

    assert counts.rebuild(COUNTS) > 0
    assert _actual() == _expected()


def _flags(rule, user, under, window):
    flags = w.discipline_substitutes(rule, user, under, window)
    return sorted(
        (f.org_id, f.org_path, tuple((label, str(v)) for label, v in f.figures), tuple(f.reasons))
        for f in flags
    )


def test_it_flags_from_the_counts_what_the_scan_of_the_logs_flags(duty, monkeypatch):
    cast = duty.cast
    _discipline_logs(duty, discipline=3, own=1)  # county 1: items fulfilled by its 纪委
    for _ in range(3):  # city 1's committee mostly hears its 纪委
        _log(duty, "city1_secretary", action=ActionType.REPORT_REVIEW, title="听取市纪委工作汇报")
    _log(duty, "city1_secretary", action=ActionType.REPORT_REVIEW, title="听取统计局汇报")
    rule = WarningRule.objects.get(code=Code.DISCIPLINE_SUBSTITUTES)
    today = timezone.localdate()
    window = w.Window(today.year, today)
    last_quarter_end = Quarter.of(today).previous().window()[1]
    windows = [window, w.Window(last_quarter_end.year, last_quarter_end)]
    assert all(w._quarters_counted(x) is not None for x in windows)

    compared, flagged = 0, 0
    for name in (*COUNT_VIEWERS, "city1_secretary", None):
        user = cast.user(name) if name else None
        units = Organization.objects.filter(is_active=True)
        if user is not None:
            units = units.visible_to(user)
        for org in units:
            for x in windows:
                from_counts = _flags(rule, user, org.path, x)
                with monkeypatch.context() as patched:
                    patched.setattr(w, "_quarters_counted", lambda _window: None)
                    assert _flags(rule, user, org.path, x) == from_counts, (name, org.name, x)
                compared += 1
                flagged += bool(from_counts)
    assert compared > 20 and flagged > 5


def test_it_scans_the_logs_for_a_window_ending_inside_a_quarter_before_today(duty):
    # Whole quarters would count the logs after the window's end: the logs are scanned.
    today = timezone.localdate()
    start = Quarter.of(today).window()[0]
    inside = w.Window(today.year, start)
    if start == today:  # the first day of a quarter is also today: nothing after it yet
        assert w._quarters_counted(inside) == Quarter.of(today).quarter
    else:
        assert w._quarters_counted(inside) is None
    assert w._quarters_counted(w.Window(today.year + 1, today)) == 0


def test_it_flags_own_logs_only_over_the_share_not_at_it(duty):
    # County 2's committee: 2 of 4 own logs are hearings, exactly the rule's 50 %; then 3 of 5.
    rule = WarningRule.objects.get(code=Code.DISCIPLINE_SUBSTITUTES)
    assert (rule.share_percent, rule.min_logs) == (50, 4)
    for _ in range(2):
        _log(duty, "county2_secretary", action=ActionType.REPORT_REVIEW, title="听取县纪委汇报")
        _log(duty, "county2_secretary")
    today = timezone.localdate()
    window = w.Window(today.year, today)
    county2 = duty.cast.county2

    def flagged() -> list[str]:
        return [f.org_path for f in w.discipline_substitutes(rule, None, county2.path, window)]

    row = CommitteeLogCount.objects.get(
        org_path=county2.path, year=today.year, quarter=Quarter.of(today).quarter
    )
    assert (row.n, row.reviews, row.review_share) == (4, 2, 50.0)
    assert flagged() == []
    _log(duty, "county2_secretary", action=ActionType.REPORT_REVIEW, title="听取县纪委汇报")
    assert flagged() == [county2.path]

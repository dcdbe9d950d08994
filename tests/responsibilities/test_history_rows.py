"""History in plain Chinese (issue 14): people by name and post, related objects by label,
choice values by their labels, one row per logical change."""

import pytest
from django.urls import reverse

from responsibilities import duty_logs
from responsibilities.history import history_rows
from responsibilities.models import DutyLog
from tests.responsibilities.dutyfix import make_log

pytestmark = pytest.mark.django_db


def _reviewed(duty):
    log = make_log(duty, tenure_key="county1_member", submit=False)
    duty_logs.submit_log(log, actor=duty.cast.user("county1_member"))
    return duty_logs.review_log(
        log,
        actor=duty.cast.user("county1_secretary"),
        reviewer=duty.tenure("county1_secretary"),
        accept=True,
    )


def _page(client_for, duty, log) -> str:
    c = client_for(duty.cast.user("county1_secretary"))
    response = c.get(reverse("duty_log_detail", args=[log.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_it_history_names_people_and_their_posts_not_login_names(client_for, duty):
    log = _reviewed(duty)
    html = _page(client_for, duty, log)
    section = html[html.index('id="history-heading"') :]
    secretary = duty.tenure("county1_secretary")
    assert secretary.person.name in section
    assert secretary.org.name in section  # the post the reviewer held
    for username in ("county1_secretary", "county1_member"):
        assert username not in section


def test_it_history_names_related_objects_not_raw_ids(duty):
    log = _reviewed(duty)
    secretary = duty.tenure("county1_secretary")
    changes = {
        str(label): (old, new) for row in history_rows(log) for label, old, new in row.changes
    }
    old, new = changes["审核人"]
    assert old == "—"
    assert new == str(secretary)
    assert str(secretary.pk) != new


def test_it_history_shows_choice_labels_not_stored_values(client_for, duty):
    log = _reviewed(duty)
    html = _page(client_for, duty, log)
    section = html[html.index('id="history-heading"') :]
    assert "草稿 → 已提交" in section
    assert "已提交 → 已审核(锁定)" in section
    assert "draft" not in section and "submitted" not in section and "accepted" not in section


def test_it_history_shows_one_row_per_logical_change(duty):
    log = make_log(duty, tenure_key="county1_member", submit=True)
    assert log.history.count() > 1  # the service wrote several history rows for one create
    rows = history_rows(log)
    assert len(rows) == 1
    assert str(rows[0].action) == "创建"
    duty_logs.review_log(
        DutyLog.objects.get(pk=log.pk),
        actor=duty.cast.user("county1_secretary"),
        reviewer=duty.tenure("county1_secretary"),
        accept=True,
    )
    rows = history_rows(log)
    assert [str(r.action) for r in rows] == ["修改", "创建"]

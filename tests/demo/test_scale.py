"""The scale steps on a tiny shape (the province-size seed itself never runs in the suite)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accountability.models import AccountabilityCase, AccountabilityMeasure, DisciplinaryCase
from assessments.models import AssessmentSnapshot
from demo import org_tree, scale, steps
from inspections.models import Finding, RectificationTask
from responsibilities.models import DutyLog, Organization

pytestmark = pytest.mark.django_db

TINY = org_tree.ScaleShape(
    cities=2,
    counties_per_city=2,
    departments_per_county=1,
    townships_per_county=2,
    villages_per_township=1,
)


def test_it_the_scale_steps_fill_every_table_the_cockpit_reads(client_for, settings):
    ctx = steps.build_scale("tiny", TINY)
    root = Organization.objects.get(code="SCALE-tiny")
    orgs = Organization.objects.filter(path__startswith=root.path).count()
    volumes = scale.volumes_for(ctx)
    under = {"org_path__startswith": root.path}
    assert DutyLog.objects.filter(**under).count() == volumes.duty_logs == orgs * 20
    assert Finding.objects.filter(**under).count() == volumes.findings
    assert RectificationTask.objects.filter(**under).count() == volumes.findings
    assert AccountabilityCase.objects.filter(**under).count() == volumes.cases
    assert AccountabilityMeasure.objects.filter(**under).exists()
    assert DisciplinaryCase.objects.filter(**under, dual_required=True).count() == (
        volumes.disciplinary_cases
    )
    assert AssessmentSnapshot.objects.filter(**under).count() == orgs * 8
    # Every task has an owner with an account (the reminder job's recipients).
    assert not RectificationTask.objects.filter(
        **under, owner_tenure__person__user__isnull=True
    ).exists()
    # Subtree roll-ups of the root's snapshots cover the whole tree.
    snap = AssessmentSnapshot.objects.filter(org=root).first()
    assert snap.subtree_units == orgs
    assert sum(snap.subtree_lights.values()) == orgs

    # The bench's two logins open their cockpits as scoped users.
    root_name, county_name = scale.bench_usernames("tiny")
    User = get_user_model()
    client = client_for(User.objects.get(username=root_name))
    response = client.get(reverse("dashboards:cockpit", args=[root.pk]))
    assert response.status_code == 200
    widgets = {w.key: w for w in response.context["cockpit"].widgets}
    root_user = User.objects.get(username=root_name)
    visible_open = [
        t
        for t in RectificationTask.objects.filter(**under).exclude(status="closed")
        if root_user.has_perm("inspections.view_rectificationtask", t)
    ]
    assert widgets["rectification"].total("open") == len(visible_open) > 0
    county = Organization.objects.filter(**{"path__startswith": root.path}, kind="county").first()
    client = client_for(User.objects.get(username=county_name))
    assert client.get(reverse("dashboards:cockpit", args=[county.pk])).status_code == 200
    assert client.get(reverse("dashboards:cockpit", args=[root.pk])).status_code == 404
    # The city login (the bench's subtree-size comparison) sees its city, not the root.
    city = scale.first_unit(root.path, Organization.Kind.CITY)
    city_user = User.objects.get(username=scale.bench_logins("tiny")["city"])
    client = client_for(city_user)
    assert client.get(reverse("dashboards:cockpit", args=[city.pk])).status_code == 200
    assert client.get(reverse("dashboards:cockpit", args=[root.pk])).status_code == 404
    # A database seeded before the city login existed gets it from the bench, once.
    city_user.username = "seeded-before"
    city_user.save(update_fields=["username"])
    assert scale.ensure_bench_login(scale.bench_logins("tiny")["city"], city)
    assert scale.ensure_bench_login(scale.bench_logins("tiny")["city"], city)
    renamed = User.objects.get(username=scale.bench_logins("tiny")["city"])
    assert renamed.pk == city_user.pk
    assert not User.objects.filter(username="seeded-before").exists()

    # Idempotent per root: a second build is skipped.
    assert steps.build_scale("tiny", TINY) is None


def test_it_the_bench_needs_postgresql():
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("runs the real bench on PostgreSQL: `make bench`")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench", "--skip-rollup", "--skip-reminders")


def test_it_forget_reminders_clears_only_the_jobs_deliveries_to_the_scale_tree():
    import datetime
    import itertools
    from dataclasses import replace

    from django.utils import timezone

    from inspections.reminders import task_reminders
    from notifications.models import Delivery, Notification
    from notifications.services import deliver

    steps.build_scale("tiny", TINY)
    day = timezone.localdate() + datetime.timedelta(days=400)  # every open task is due
    job = "inspections.tasks"
    sent = deliver(task_reminders(day), job=job, day=day).sent
    other = [replace(r, threshold="other") for r in itertools.islice(task_reminders(day), 5)]
    kept = deliver(other, job="other", day=day).sent  # those the gate lets through
    assert kept > 0
    assert Delivery.objects.filter(job=job).count() == sent > 0

    scale.forget_reminders("tiny", job)

    assert not Delivery.objects.filter(job=job).exists()
    assert not Notification.objects.filter(delivery__job=job).exists()
    assert Notification.objects.filter(delivery__job="other").count() == kept
    # Claimed afresh by the next run, as the bench needs.
    assert deliver(task_reminders(day), job=job, day=day).sent == sent


def test_it_says_what_a_ratio_target_leaves_after_the_shell_and_the_raw_sql():
    from demo.management.commands.bench import _floor_lines

    timings = {
        "root_raw": {"median_ms": 40.0},
        "root_shell": {"median_ms": 15.0},
        "county_raw": {"median_ms": 6.0},
        "county_shell": {"median_ms": 4.0},
    }
    root, county = _floor_lines(timings)
    # root: 1.3 × 40 = 52 ms; 52 - 40 - 15 = -3 (the target lies below an empty page)
    assert root.startswith("floor: root target 1.3 × raw = 52.0 ms; raw SQL 40.0 + shell 15.0")
    assert "→ -3.0 ms left" in root
    # county: 2 × 6 = 12 ms; 12 - 6 - 4 = 2 ms for everything the cockpit adds
    assert "county target 2 × raw = 12.0 ms" in county
    assert "→ 2.0 ms left" in county

"""The cockpit's count tables: kept exact by the database, scoped like the rows they count.

- DutyLogRollup equals a recount of the counted logs after every kind of change (create,
  submit, return, resubmit, accept, edit, delete, bulk update, a tree move);
- TaskScope equals a recomputation from tasks, findings and rounds after the changes that
  move visibility (feedback, disclosure of a covert visit, upward channel, closing, moving);
- the rule on TaskScope selects exactly the tasks `inspections.view_rectificationtask`
  selects, for every user of the cast, with secret rows present;
- the triggers are in place after `migrate` (SQLite rebuilds altered tables without them);
- `rebuild_cockpit_counts` restores damaged tables and `--check` notices the damage.
"""

import datetime
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from dashboards import counts, rollup, taskscope
from dashboards.models import DutyLogRollup, TaskScope
from dashboards.scope import task_view_q
from dashboards.services import dutylog_rollup_q
from inspections.models import InspectionRound, RectificationTask
from inspections.services import rounds
from responsibilities.models import ActionType, DutyLog
from responsibilities.scoping import Capability, paths_q, scope_paths, scope_q
from tests.dashboards.conftest import add_logs
from tests.inspections.fixtures import make_task

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
WIDTH = rollup.WIDTH


def _expected_rollup() -> Counter:
    expected = Counter()
    for log in DutyLog.objects.filter(status__in=DutyLog.COUNTED):
        quarter = (log.occurred_on.month - 1) // 3 + 1
        for depth in range(1, len(log.org_path) // WIDTH + 1):
            key = (log.org_path[: depth * WIDTH], log.occurred_on.year, quarter, log.action_type)
            expected[key] += 1
    return expected


def _actual_rollup() -> Counter:
    return Counter(
        {
            (r.prefix, r.year, r.quarter, r.action_type): r.n
            for r in DutyLogRollup.objects.all()
            if r.n
        }
    )


def _expected_scope() -> set[tuple]:
    rows = set()
    for t in RectificationTask.objects.select_related("finding__round"):
        f = t.finding
        rnd = f.round
        secret = f.upward_channel or (
            rnd is not None
            and rnd.kind == InspectionRound.Kind.COVERT_VISIT
            and rnd.disclosed_at is None
        )
        rows.add(
            (
                t.pk,
                t.org_path,
                t.status,
                t.due_date,
                t.owner_tenure_id,
                f.inspecting_path,
                f.org_path,
                f.side,
                bool(secret),
                f.delivered_at is not None,
                t.closed_at,
            )
        )
    return rows


def _actual_scope() -> set[tuple]:
    return set(
        TaskScope.objects.values_list(
            "task_id",
            "org_path",
            "status",
            "due_date",
            "owner_tenure_id",
            "inspecting_path",
            "finding_org_path",
            "side",
            "secret",
            "delivered",
            "closed_at",
        )
    )


def test_it_the_triggers_are_installed_after_migrate():
    # Later migrations rebuild DutyLog and Finding tables on SQLite; the triggers came back.
    assert counts.installed(rollup)
    assert counts.installed(taskscope)


def test_it_the_duty_log_rollup_equals_a_recount_after_every_change(cast):
    t = cast.tenures
    add_logs(t["county1_secretary"], 3)  # accepted
    add_logs(t["county1_member"], 2, status=DutyLog.Status.DRAFT)
    add_logs(t["county2_secretary"], 2, action=ActionType.STUDY_SESSION)
    add_logs(t["prov_secretary"], 1, day=TODAY - datetime.timedelta(days=200))
    assert _actual_rollup() == _expected_rollup()
    # The province's row counts every counted log below it.
    province = cast.province.path
    assert sum(n for (p, *_rest), n in _actual_rollup().items() if p == province) == 6

    draft = DutyLog.objects.filter(status=DutyLog.Status.DRAFT).first()
    for status in (
        DutyLog.Status.SUBMITTED,
        DutyLog.Status.RETURNED,
        DutyLog.Status.RESUBMITTED,
        DutyLog.Status.ACCEPTED,
    ):
        draft.status = status
        draft.save()
        assert _actual_rollup() == _expected_rollup(), status

    log = DutyLog.objects.filter(status=DutyLog.Status.ACCEPTED).first()
    log.action_type = ActionType.TALK
    log.occurred_on = TODAY - datetime.timedelta(days=120)
    log.save()
    assert _actual_rollup() == _expected_rollup()

    DutyLog.objects.filter(org=cast.county2).update(status=DutyLog.Status.RETURNED)
    assert _actual_rollup() == _expected_rollup()

    # A tree move rewrites the copied paths with a bulk UPDATE: the counts follow.
    old, new = cast.county1.path, cast.county2.path + "0099."
    for row in DutyLog.objects.filter(org_path__startswith=old):
        DutyLog.objects.filter(pk=row.pk).update(org_path=new + row.org_path[len(old) :])
    assert _actual_rollup() == _expected_rollup()

    DutyLog.history.model.objects.all().delete()  # history rows protect nothing; keep it clean
    DutyLog.objects.filter(status__in=DutyLog.COUNTED).first().delete()
    assert _actual_rollup() == _expected_rollup()


def test_it_a_rolled_back_log_leaves_no_count(cast):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        add_logs(cast.tenures["county1_secretary"], 2)
        raise RuntimeError
    assert _actual_rollup() == Counter()


def test_it_the_task_scope_follows_tasks_findings_and_rounds(cast, insp):
    jw = cast.user("county1_jw")
    t = cast.tenures
    covert_task = make_task(jw, insp.covert_finding, t["county1_secretary"])
    make_task(jw, insp.xuncha_finding, t["county1_secretary"])
    make_task(cast.user("prov_jw"), insp.xunshi_finding, t["city1_secretary"])
    assert _actual_scope() == _expected_scope()
    assert TaskScope.objects.filter(secret=True).count() >= 2  # covert and upward rows exist
    assert TaskScope.objects.get(task_id=covert_task.pk).secret

    rounds.disclose_round(insp.covert, actor=jw)
    assert not TaskScope.objects.get(task_id=covert_task.pk).secret
    assert _actual_scope() == _expected_scope()

    type(insp.daily).objects.filter(pk=insp.daily.pk).update(delivered_at=None)
    assert _actual_scope() == _expected_scope()

    type(insp.daily).objects.filter(pk=insp.daily.pk).update(
        upward_channel=True, side="supervisory"
    )
    assert _actual_scope() == _expected_scope()

    RectificationTask.objects.filter(pk=insp.daily_task.pk).update(
        status=RectificationTask.Status.CLOSED, due_date=TODAY - datetime.timedelta(days=3)
    )
    InspectionRound.objects.filter(pk=insp.covert.pk).update(disclosed_at=None)
    assert _actual_scope() == _expected_scope()

    # The closing time alone changes (a correction): the on-time trend follows it.
    closed_at = timezone.now() - datetime.timedelta(days=5)
    RectificationTask.objects.filter(pk=insp.daily_task.pk).update(closed_at=closed_at)
    assert TaskScope.objects.get(task_id=insp.daily_task.pk).closed_at == closed_at
    assert _actual_scope() == _expected_scope()

    task = RectificationTask.objects.get(pk=insp.sibling_task.pk)
    task.owner_tenure = t["county1_member"]
    task.org_path = cast.county1.path
    task.save()
    assert _actual_scope() == _expected_scope()

    RectificationTask.history.model.objects.filter(id=covert_task.pk).delete()
    covert_task.updates.all().delete()
    RectificationTask.objects.filter(pk=covert_task.pk).delete()
    assert _actual_scope() == _expected_scope()
    assert not TaskScope.objects.filter(task_id=covert_task.pk).exists()


def test_it_the_task_scope_rule_selects_what_the_task_rule_selects(cast, insp):
    jw = cast.user("county1_jw")
    make_task(jw, insp.covert_finding, cast.tenures["county1_secretary"])  # secret
    make_task(jw, insp.xuncha_finding, cast.tenures["county1_member"])
    make_task(cast.user("city1_jw"), insp.resup_finding, cast.tenures["county1_jw"])
    make_task(cast.user("prov_jw"), insp.xunshi_finding, cast.tenures["city1_secretary"])
    assert TaskScope.objects.filter(secret=True).exists()
    seen_some = seen_less = False
    for user in get_user_model().objects.all():
        expected = set(
            RectificationTask.objects.filter(
                scope_q(user, "inspections.view_rectificationtask")
            ).values_list("pk", flat=True)
        )
        actual = set(TaskScope.objects.filter(task_view_q(user)).values_list("task_id", flat=True))
        assert actual == expected, user.username
        seen_some |= bool(expected)
        seen_less |= 0 < len(expected) < RectificationTask.objects.count()
    assert seen_some and seen_less  # not vacuous: some see tasks, some see only part


def test_it_duty_logs_are_scoped_by_the_plain_view_subtree_rule(cast):
    """The roll-up's rule (VIEW over the prefix) is the rule of the logs it counts."""
    for name in ("county1_secretary", "county2_secretary", "city1_jw", "county1_member"):
        add_logs(cast.tenures[name], 1)
    for user in get_user_model().objects.all():
        by_rule = set(
            DutyLog.objects.filter(scope_q(user, "responsibilities.view_dutylog")).values_list(
                "pk", flat=True
            )
        )
        by_paths = set(
            DutyLog.objects.filter(
                paths_q(scope_paths(user, Capability.VIEW), "org_path")
            ).values_list("pk", flat=True)
        )
        assert by_rule == by_paths, user.username
        visible_prefixes = set(
            DutyLogRollup.objects.filter(dutylog_rollup_q(user)).values_list("prefix", flat=True)
        )
        roots = scope_paths(user, Capability.VIEW)
        assert all(any(p.startswith(r) for r in roots) for p in visible_prefixes)


def test_it_the_rebuild_command_restores_damaged_tables(cast, insp, capsys):
    add_logs(cast.tenures["county1_secretary"], 4)
    DutyLogRollup.objects.filter(prefix=cast.province.path).update(n=99)
    TaskScope.objects.filter(task_id=insp.daily_task.pk).update(secret=True)
    with pytest.raises(CommandError):
        call_command("rebuild_cockpit_counts", "--check")
    assert DutyLogRollup.objects.filter(prefix=cast.province.path, n=99).exists()  # unchanged
    call_command("rebuild_cockpit_counts")
    assert _actual_rollup() == _expected_rollup()
    assert _actual_scope() == _expected_scope()
    call_command("rebuild_cockpit_counts", "--check")
    assert "0 differing rows" in capsys.readouterr().out

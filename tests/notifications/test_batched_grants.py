"""A job's gate loads the grants of all its recipients together (issue 19: 100,000 reminders
to 20,000 people cost three grant queries per person)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liangge_zeren import request_cache
from notifications import gate
from notifications.services import Reminder, deliver
from responsibilities import scoping
from security.models import ScopeGrant


@pytest.fixture
def recipients(due_world):
    """Every cast login, one of them also holding a grant of the security administrator and
    one of them deactivated: the kinds of grant a recipient can have, and none."""
    cast = due_world.cast
    ScopeGrant.objects.create(
        user=cast.user("outsider"), capability="view", org=cast.county1, reason="核查"
    )
    idle = get_user_model().objects.create_user(username="idle-account", is_active=False)
    return [*cast.users.values(), idle]


def _reminders(world, users):
    return [
        Reminder(recipient=u, obj=world.task, kind="task", threshold="soon", title="整改提醒")
        for u in users
    ]


def _fresh(users):
    # The users as a job loads them: no grants computed on the objects yet.
    return list(get_user_model().objects.filter(pk__in=[u.pk for u in users]).order_by("pk"))


def test_it_preloads_what_each_user_would_compute(due_world, recipients):
    kinds = {type(g.capability) for u in recipients for g in scoping._compute_grants(u)}
    assert kinds == {scoping.Capability}
    stationed = [u for u in recipients if u.username == "stationed_leader"]
    assert stationed, "the cast has a stationed team's leader (grants from stationed_in)"
    with request_cache.scope():
        scoping.preload_grants(_fresh(recipients))
        for user in _fresh(recipients):
            assert scoping.user_grants(user) == scoping._compute_grants(user), user.username
        # And what those are, stated independently of the code under test.
        cast, by_name = due_world.cast, {u.username: u for u in _fresh(recipients)}
        leader = cast.tenures["stationed_leader"]
        assert scoping.Grant(
            scoping.Capability.SUPERVISE, cast.department.path, leader.pk
        ) in scoping.user_grants(by_name["stationed_leader"])
        assert scoping.user_grants(by_name["outsider"]) == (
            scoping.Grant(scoping.Capability.VIEW, cast.county1.path, 0),
        )
        assert scoping.user_grants(by_name["idle-account"]) == ()
    outsider = next(u for u in recipients if u.username == "outsider")
    assert scoping._compute_grants(outsider), "the administrator's grant counts"


def test_it_asks_for_grants_once_for_all_recipients(due_world, recipients):
    def gate_queries(users):
        with request_cache.scope(), CaptureQueriesContext(connection) as ctx:
            gate.preload(users)
            levels = [gate.access(r.recipient, r.obj) for r in _reminders(due_world, users)]
        return len(ctx.captured_queries), levels

    few, _levels = gate_queries(_fresh(recipients[:2]))
    every, levels = gate_queries(_fresh(recipients))
    assert every == few
    assert gate.Access.FULL in levels and gate.Access.NONE in levels


def test_it_admits_the_same_reminders_as_asking_one_by_one(due_world, recipients):
    one_by_one = {
        u.pk: gate.access(u, due_world.task) for u in _fresh(recipients)
    }  # no scope: computed afresh for each
    result = deliver(_reminders(due_world, _fresh(recipients)), job="probe")
    assert result.sent == sum(level is not gate.Access.NONE for level in one_by_one.values())
    assert result.external["withheld"] == sum(
        level is gate.Access.NONE for level in one_by_one.values()
    )


def test_it_loads_no_recipient_again_while_gating_task_reminders(due_world):
    """The task reminders carry their owners' logins with every field the gate's has_perm
    reads (is_superuser was deferred: one query per recipient)."""
    from inspections.reminders import task_reminders

    table = get_user_model()._meta.db_table
    reminders = list(task_reminders(due_world.due))
    assert reminders, "the world's task is due on its due day"
    with request_cache.scope(), CaptureQueriesContext(connection) as ctx:
        result = deliver(reminders, job="probe")
    assert result.sent == len(reminders)
    assert not [q["sql"] for q in ctx.captured_queries if f'FROM "{table}"' in q["sql"]]


def test_it_answers_each_permission_as_the_users_own_has_perm(due_world, recipients):
    """The gate's has_perm with the backends built once: the same answer as Django's for every
    recipient (a superuser among them), the task's subject permissions and a permission to
    change it; a backend refusing with PermissionDenied refuses there too."""
    from django.core.exceptions import PermissionDenied

    boss = get_user_model().objects.create_superuser(username="gate-superuser", password="x")
    users = [*_fresh(recipients), boss]
    task = due_world.task
    rule = gate.rule_for(task)
    perms = [*rule.view, *rule.outside, "inspections.change_rectificationtask"]
    answers = set()
    with request_cache.scope():
        for user in users:
            for perm in perms:
                mine = gate._has_perm(user, perm, task)
                assert mine == user.has_perm(perm, task), (user.username, perm)
                answers.add(mine)
    assert answers == {True, False}

    class Refusing:
        def has_perm(self, user_obj, perm, obj=None):
            raise PermissionDenied

    owner = next(u for u in users if gate._has_perm(u, "inspections.view_rectificationtask", task))
    with request_cache.scope():
        request_cache.put(("gate", "auth backends"), [Refusing()])
        assert not gate._has_perm(owner, "inspections.view_rectificationtask", task)
        assert gate._has_perm(boss, "inspections.view_rectificationtask", task)

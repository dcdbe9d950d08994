"""The inspections demo step: every kind of round and every task state, idempotent."""

import pytest
from django.conf import settings as django_settings

from demo import org_tree
from demo.inspections import step_inspections
from inspections.models import (
    Finding,
    InspectionRound,
    RectificationTask,
    RiskProfile,
    RoundTransition,
    TaskTransition,
)

# The modules of group demo_world run one after the other on one worker (make test: --dist
# loadgroup) and share one demo seed (tests/conftest.py: demo_world).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]

MODELS = [InspectionRound, Finding, RectificationTask, RiskProfile, RoundTransition, TaskTransition]


@pytest.fixture(scope="module")
def demo_ctx(demo_world):
    """The whole demo province, shared with the other modules of the group."""
    return demo_world


def test_it_seeds_every_kind_of_round_and_every_task_state(demo_ctx):
    kinds = dict(InspectionRound.objects.values_list("kind", "status"))
    assert set(kinds) == {"xunshi", "xuncha", "covert_visit", "re_supervision"}
    covert = InspectionRound.objects.get(kind="covert_visit")
    assert covert.disclosed_at is None
    xunshi = InspectionRound.objects.get(kind="xunshi")
    assert xunshi.feedbacks.count() == 2
    assert xunshi.reviews.get().acknowledgements.count() == 1
    assert xunshi.report_due is not None
    statuses = set(RectificationTask.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in RectificationTask.Status}
    assert RectificationTask.objects.filter(reopen_count__gt=0).exists()
    assert RectificationTask.objects.red().exists()
    assert RectificationTask.objects.yellow().exists()
    assert RectificationTask.objects.filter(status="returned").exclude(returned_reason="").exists()
    assert RectificationTask.objects.filter(is_long_term=True).exists()
    assert Finding.objects.filter(upward_channel=True, is_case_lead_transferred=True).exists()
    assert RiskProfile.objects.count() == 5


def test_it_demo_accounts_see_what_their_posts_allow(demo_ctx):
    secretary = demo_ctx.tree.users["county1_secretary"]
    upward = Finding.objects.get(upward_channel=True)
    assert not secretary.has_perm("inspections.view_finding", upward)
    assert demo_ctx.tree.users["county1_jw"].has_perm("inspections.view_finding", upward)
    daily_task = RectificationTask.objects.get(finding__title__startswith="县委落实意识形态")
    assert secretary.has_perm("inspections.rectify_rectificationtask", daily_task)
    assert demo_ctx.tree.users["county1_jw"].has_perm(
        "inspections.verify_rectificationtask", daily_task
    )


def test_it_a_second_run_creates_nothing(demo_ctx):
    before = {m: m.objects.count() for m in MODELS}
    ctx = org_tree.DemoContext(password=django_settings.DEMO_PASSWORD)
    org_tree.step_org_tree(ctx)
    org_tree.step_accounts(ctx)
    step_inspections(ctx)
    assert {m: m.objects.count() for m in MODELS} == before
    assert not any(k in ctx.created for k in ("inspection rounds", "findings"))


def test_it_the_re_supervision_report_reminders_go_to_the_county_commission(demo_ctx):
    """Issue 13: "The rectification-report reminder of a re-supervision round of 东溪县纪委监委
    went to the 县委书记" — it goes to the commission's secretary."""
    import datetime

    from inspections.models import InspectionRound
    from inspections.reminders import report_reminders

    round_ = InspectionRound.objects.get(kind="re_supervision")
    assert round_.issuing_body.code == "JH-C01-DC"
    due = round_.reports.order_by("due_date").first().due_date
    recipients = {
        r.recipient.username
        for r in report_reminders(due + datetime.timedelta(days=1))
        if r.obj.round_id == round_.pk
    }
    assert recipients == {"county1_jw_secretary"}

"""The accountability demo step: what it seeds, and a second run creates nothing."""

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import override_settings

from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    Appeal,
    DisciplinaryCase,
    DualInvestigation,
    MeasureKind,
)
from accountability.services.disciplinary import archive_disciplinary_case
from demo import org_tree
from demo.accountability import step_accountability
from demo.inspections import step_inspections
from liangge_zeren.actors import DEMO, acting
from liangge_zeren.workflow import TransitionRefused

pytestmark = pytest.mark.django_db

MODELS = [AccountabilityCase, AccountabilityMeasure, Appeal, DisciplinaryCase, DualInvestigation]


@pytest.fixture(scope="module")
def demo_ctx(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        acting(DEMO),  # as run_demo: the services join the fixture's transaction
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            ctx = org_tree.DemoContext(password=django_settings.DEMO_PASSWORD)
            org_tree.step_org_tree(ctx)
            org_tree.step_accounts(ctx)
            step_inspections(ctx)
            step_accountability(ctx)
            yield ctx
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_it_seeds_the_predecessor_case_from_the_finding(demo_ctx):
    case = AccountabilityCase.objects.get(title="东溪县委落实意识形态工作责任制不力问责案")
    target = case.targets.get()
    assert target.is_predecessor
    assert target.tenure == demo_ctx.tree.tenures["JH-C01-K01-PC:secretary:former"]
    assert case.findings.exists() and case.status == "executing"
    assert case.appeals.filter(outcome="").exists()


def test_it_seeds_every_measure_kind_and_an_expired_influence_period(demo_ctx):
    kinds = set(AccountabilityMeasure.objects.values_list("kind", flat=True))
    assert kinds == set(MeasureKind.values)
    assert AccountabilityMeasure.objects.filter(expired_at__isnull=False).exists()
    assert Appeal.objects.exclude(outcome="").exists()


def test_it_seeds_dual_investigations_in_several_states(demo_ctx):
    statuses = {c.case_no: c for c in DisciplinaryCase.objects.all()}
    assert len(statuses) >= 3
    blocked = DisciplinaryCase.objects.get(case_no="东纪审〔2026〕5号")
    assert blocked.probes.filter(status="open").count() == 2
    with pytest.raises(TransitionRefused):
        archive_disciplinary_case(blocked, actor=DEMO)
    assert DisciplinaryCase.objects.filter(status="archived", dual_required=True).exists()
    assert DualInvestigation.objects.filter(conclusion="responsible").exists()
    assert DualInvestigation.objects.filter(conclusion="not_responsible").exists()


def test_it_a_second_run_creates_nothing(demo_ctx):
    before = [m.objects.count() for m in MODELS]
    ctx = org_tree.DemoContext(password="x", tree=demo_ctx.tree)
    step_accountability(ctx)
    assert [m.objects.count() for m in MODELS] == before
    assert not ctx.created


def test_it_the_demo_obeys_recusal_self_judgement_and_sign_off(demo_ctx):
    """Issue 13 on the demo: nobody approves, investigates, hears or decides a case they are a
    target of; no commission concludes on its own supervisory responsibility; waivers and
    conclusions are signed by the concluding commission's head."""
    from accountability.dual import conductor_of
    from accountability.recusal import recused_ids, target_bodies
    from accountability.signoff import HEAD_ROLES

    for case in AccountabilityCase.objects.all():
        aside = recused_ids(case)
        assert not {p.pk for p in case.investigation_team.all()} & aside
        assert not {p.pk for p in case.hearers.all()} & aside
        if case.start_approved_by is not None:
            assert case.start_approved_by.person_id not in aside
        assert case.deciding_body_id not in target_bodies(case)
        if case.status in ("not_pursued", "archived") and case.not_pursued_reason:
            assert case.signed_by.body == case.handling_body
            assert case.signed_by.role in HEAD_ROLES
    concluded = DualInvestigation.objects.filter(status="concluded")
    assert concluded.exists()
    for probe in concluded:
        assert probe.conducting_body == conductor_of(probe)
        assert probe.conducting_body != probe.target_body
        assert probe.signed_by.body == probe.conducting_body


def test_it_the_demo_s_headline_approver_list_leaves_out_the_target(demo_ctx):
    """Issue 13: the predecessor now sits on the city committee that decides her case."""
    from accountability.forms import ApproveForm

    case = AccountabilityCase.objects.get(title="东溪县委落实意识形态工作责任制不力问责案")
    target = case.targets.get()
    sits_on_deciding_body = case.deciding_body.tenures.filter(person=target.person)
    assert sits_on_deciding_body.exists()
    offered = ApproveForm(case=case).fields["approver"].queryset
    assert not offered.filter(person=target.person).exists()

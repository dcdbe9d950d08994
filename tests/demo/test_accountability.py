"""The accountability demo step: what it seeds, and a second run creates nothing."""

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import override_settings

from accountability.combinations import forbidden_pairs, refusal_for
from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    Appeal,
    Channel,
    DisciplinaryCase,
    DualInvestigation,
    MeasureKind,
)
from accountability.proposals import propose_targets
from accountability.roles import valid_roles
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
    assert case.portfolio is not None and case.portfolio.name == "宣传"
    slots = {s.key: s for s in propose_targets(case.org, case.event_date, case.portfolio)}
    assert (
        slots["portfolio"].at_event and slots["portfolio"].suggested_kind == "important_leadership"
    )
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


def test_it_the_demo_obeys_the_role_and_combination_rules(demo_ctx):
    """R9/R19a roles for every target and subject; R10 combination rules for every target."""
    from accountability.models import AccountabilityTarget

    for target in AccountabilityTarget.objects.all():
        assert target.responsibility_kind in valid_roles(
            Channel.PARTY_ACCOUNTABILITY, target.target_type
        ), target
    for dcase in DisciplinaryCase.objects.all():
        assert dcase.subject_role in valid_roles(Channel.PARTY_DISCIPLINE, "person"), dcase
    forbidden = forbidden_pairs()
    measures: dict[int, list[tuple[str, str]]] = {}
    for m in AccountabilityMeasure.objects.filter(status="in_force").order_by("pk"):
        before = measures.setdefault(m.target_id, [])
        assert refusal_for(m.kind, before, forbidden) is None, (m.case_id, m.label)
        before.append((m.kind, m.label))
    assert measures


def test_it_a_second_run_creates_nothing(demo_ctx):
    before = [m.objects.count() for m in MODELS]
    ctx = org_tree.DemoContext(password="x", tree=demo_ctx.tree)
    step_accountability(ctx)
    assert [m.objects.count() for m in MODELS] == before
    assert not ctx.created

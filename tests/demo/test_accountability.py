"""The accountability demo step: what it seeds, and a second run creates nothing."""

import pytest

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
from liangge_zeren.actors import DEMO
from liangge_zeren.workflow import TransitionRefused

# The modules of group demo_world run one after the other on one worker (make test: --dist
# loadgroup) and share one demo seed (tests/conftest.py: demo_world).
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo_world")]

MODELS = [AccountabilityCase, AccountabilityMeasure, Appeal, DisciplinaryCase, DualInvestigation]


@pytest.fixture(scope="module")
def demo_ctx(demo_world):
    """The whole demo province (its accountability step included), shared with the other
    modules of the group."""
    return demo_world


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


def test_it_every_seeded_case_obeys_the_authority_rules(demo_ctx):
    """Issue 13: deciding bodies and handlers of the demo cases have authority (下管一级,
    R11, R18, R26); the headline case on a city standing-committee member goes to the
    province committee, and the city 纪委 leads the cases on county standing members."""
    from accountability.bodies import (
        check_case_deciding_body,
        check_case_handler,
        check_disciplinary_handler,
        check_org_decider,
        check_person_decider,
    )
    from accountability.services.cases import check_deciding_authority

    decided = 0
    for case in AccountabilityCase.objects.select_related("org", "deciding_body", "handling_body"):
        check_case_deciding_body(case.org, case.deciding_body)
        check_case_handler(case.org, case.handling_body)
        if case.decided_on:
            check_deciding_authority(case, case.decided_on)
            decided += 1
    assert decided >= 4
    for m in AccountabilityMeasure.objects.select_related("target__person", "target__tenure"):
        if m.target.target_type == "org":
            check_org_decider(m.deciding_body, m.target.org, m.kind)
        else:
            day = m.case.decided_on
            check_person_decider(m.deciding_body, m.target.person, m.target.tenure, day, m.kind)
    for d in DisciplinaryCase.objects.select_related("subject_person", "subject_tenure"):
        check_disciplinary_handler(
            d.handling_body, d.org, d.subject_person, d.subject_tenure, d.registered_on
        )
    headline = AccountabilityCase.objects.get(title="东溪县委落实意识形态工作责任制不力问责案")
    assert headline.deciding_body == demo_ctx.tree.body("JH-PC")
    led = DisciplinaryCase.objects.filter(handling_body=demo_ctx.tree.body("JH-C01-DC"))
    assert led.count() == 2
    county_jw = demo_ctx.tree.users["county1_jw"]
    visible = DisciplinaryCase.objects.visible_to(county_jw).filter(pk__in=led)
    assert list(visible.values_list("case_no", flat=True)) == ["青纪审〔2026〕2号"]


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
    """Issue 13: the predecessor now sits on the city committee (the province committee decides
    her case, by 下管一级); she is never offered as approver of her own case."""
    from accountability.forms import ApproveForm

    case = AccountabilityCase.objects.get(title="东溪县委落实意识形态工作责任制不力问责案")
    target = case.targets.get()
    offered = ApproveForm(case=case).fields["approver"].queryset
    assert not offered.filter(person=target.person).exists()

"""一案双查 (R29): triggers, the two probes, the archive block and coverage."""

import datetime
from decimal import Decimal

import pytest

from accountability import dual
from accountability.models import DisciplinaryCase, DualInvestigation
from accountability.services import disciplinary
from liangge_zeren.workflow import TransitionRefused
from tests.accountability.fixtures import TODAY, probe_signer, register_dcase

K = DualInvestigation.Kind
C = DualInvestigation.Conclusion


def _decide(cast, case, **kw):
    data = dict(decided_on=TODAY, four_form=2, party_sanction="warning")
    data.update(kw)
    return disciplinary.decide_disciplinary_case(case, actor=cast.user("county1_jw"), **data)


def test_it_opens_both_probes_when_the_sanction_reaches_the_trigger_grade(cast):
    case = _decide(
        cast, register_dcase(cast), four_form=3, party_sanction="removal_from_party_posts"
    )
    probes = {p.kind: p for p in case.probes.all()}
    assert set(probes) == {K.PRINCIPAL, K.SUPERVISORY}
    assert probes[K.PRINCIPAL].target_body == cast.bodies["T-K1:committee"]
    assert probes[K.SUPERVISORY].target_body == cast.county1.supervising_body
    assert case.dual_required and "撤销党内职务" in case.dual_reasons[0]


@pytest.mark.parametrize(
    "extra",
    [
        {"amount_involved": Decimal("150000")},
        {"public_office_sanction": "dismissal_from_post"},
        {"four_form": 4},
    ],
)
def test_it_opens_the_probes_on_other_configured_triggers(cast, extra):
    case = _decide(cast, register_dcase(cast), **extra)
    assert case.probes.count() == 2


def test_it_opens_the_probes_on_repeat_cases_in_the_same_unit(cast, settings):
    for n in (1, 2):
        _decide(cast, register_dcase(cast, case_no=f"早先{n}"))
    third = _decide(cast, register_dcase(cast, case_no="第三起"))
    assert third.probes.count() == 2
    assert "3 起案件" in third.dual_reasons[0]


def test_it_opens_no_probe_below_the_triggers_but_an_officer_may_with_a_reason(cast):
    case = _decide(cast, register_dcase(cast))
    assert case.probes.count() == 0 and not case.dual_required
    with pytest.raises(TransitionRefused, match="写明理由"):
        disciplinary.open_dual_investigation(case, actor=cast.user("county1_jw"), reason=" ")
    disciplinary.open_dual_investigation(
        case, actor=cast.user("county1_jw"), reason="该单位系统性问题突出"
    )
    assert case.probes.count() == 2 and case.dual_reasons == ["该单位系统性问题突出"]


def test_it_blocks_archiving_until_both_probes_are_concluded(cast):
    jw = cast.user("county1_jw")
    case = _decide(cast, register_dcase(cast), party_sanction="probation")
    with pytest.raises(TransitionRefused, match="两项核查均得出结论后才能归档"):
        disciplinary.archive_disciplinary_case(case, actor=jw)
    principal = case.probes.get(kind=K.PRINCIPAL)
    accountability_case = disciplinary.open_case_for_probe(
        principal, actor=probe_signer(cast, principal)
    )
    assert accountability_case.source == "dual_investigation"
    assert list(accountability_case.disciplinary_cases.all()) == [case]
    with pytest.raises(TransitionRefused, match="两项核查"):
        disciplinary.archive_disciplinary_case(case, actor=jw)
    supervisory = case.probes.get(kind=K.SUPERVISORY)
    city = probe_signer(cast, supervisory)  # the county commission's own: one level up
    with pytest.raises(TransitionRefused, match="写明理由"):
        disciplinary.conclude_probe(
            supervisory, actor=city, conclusion=C.NOT_RESPONSIBLE, reasoning="无"
        )
    disciplinary.conclude_probe(
        supervisory,
        actor=city,
        conclusion=C.NOT_RESPONSIBLE,
        reasoning="县纪委已多次提醒并及时查处,已履职尽责。",
    )
    disciplinary.archive_disciplinary_case(case, actor=jw)
    assert case.status == DisciplinaryCase.Status.ARCHIVED


def test_it_requires_a_linked_case_for_a_responsible_conclusion(cast):
    case = _decide(cast, register_dcase(cast), party_sanction="expulsion")
    probe = case.probes.first()
    with pytest.raises(TransitionRefused, match="须关联问责案件"):
        disciplinary.conclude_probe(
            probe, actor=probe_signer(cast, probe), conclusion=C.RESPONSIBLE
        )


def test_it_blocks_archiving_a_qualifying_case_whose_probes_were_never_opened(cast, settings):
    settings.ACCOUNTABILITY = {**settings.ACCOUNTABILITY, "DUAL_TRIGGER_AMOUNT": 10**12}
    case = _decide(cast, register_dcase(cast), amount_involved=Decimal("500000"))
    assert case.probes.count() == 0
    settings.ACCOUNTABILITY = {**settings.ACCOUNTABILITY, "DUAL_TRIGGER_AMOUNT": 100_000}
    with pytest.raises(TransitionRefused, match="一案双查"):
        disciplinary.archive_disciplinary_case(case, actor=cast.user("county1_jw"))


def test_it_only_a_discipline_head_may_waive_and_the_reason_is_kept(cast):
    case = _decide(cast, register_dcase(cast), party_sanction="probation")
    officer, head = cast.user("county1_jw"), cast.user("city1_jw")
    assert not officer.has_perm("accountability.waive_dual_investigation", case)
    assert head.has_perm("accountability.waive_dual_investigation", case)
    with pytest.raises(TransitionRefused, match="纪委书记"):
        disciplinary.archive_disciplinary_case(case, actor=officer, waiver_reason="另案处理")
    disciplinary.archive_disciplinary_case(
        case, actor=head, waiver_reason="相关责任已在另案中追究。"
    )
    assert case.dual_waiver_reason == "相关责任已在另案中追究。" and case.dual_waived_by == head


def test_it_computes_coverage_over_qualifying_cases(cast):
    done = _decide(cast, register_dcase(cast, case_no="A"), party_sanction="expulsion")
    for probe in done.probes.all():
        disciplinary.conclude_probe(
            probe,
            actor=probe_signer(cast, probe),
            conclusion=C.NOT_RESPONSIBLE,
            reasoning="经核查已履职尽责,不予问责。",
        )
    _decide(cast, register_dcase(cast, case_no="B"), party_sanction="expulsion")  # open probes
    _decide(cast, register_dcase(cast, case_no="C", org=cast.township1))  # does not qualify
    row = dual.dual_coverage(DisciplinaryCase.objects.all())
    assert row["qualifying"] == 2 and row["covered"] == 1 and row["share"] == 50.0


def test_it_refuses_a_disciplinary_case_handled_by_a_committee(cast):
    with pytest.raises(TransitionRefused, match="纪检监察机关"):
        register_dcase(cast, handling_body=cast.bodies["T-K1:committee"])


def test_it_refuses_a_decision_dated_before_registration(cast):
    case = register_dcase(cast)
    with pytest.raises(TransitionRefused, match="不能早于立案日期"):
        _decide(cast, case, decided_on=case.registered_on - datetime.timedelta(days=1))

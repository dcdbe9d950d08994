"""一案双查 (R29): which configured triggers a disciplinary case meets, whether its probes
are complete, and the coverage over many cases (reads; the probes' writes are in
services/disciplinary.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from accountability.models import (
    PARTY_GRADE_RANK,
    PUBLIC_GRADE_RANK,
    DisciplinaryCase,
    DualInvestigation,
    accountability_setting,
)
from inspections.deadlines import add_months
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Tenure


def _sanction_triggers(case: DisciplinaryCase) -> list[str]:
    reasons = []
    party_min = accountability_setting("DUAL_TRIGGER_PARTY_SANCTION", "removal_from_party_posts")
    if case.party_sanction and PARTY_GRADE_RANK[case.party_sanction] >= PARTY_GRADE_RANK.get(
        party_min, 99
    ):
        reasons.append(
            _("党纪处分达到触发等级:%(grade)s") % {"grade": case.get_party_sanction_display()}
        )
    public_min = accountability_setting("DUAL_TRIGGER_PUBLIC_SANCTION", "dismissal_from_post")
    if case.public_office_sanction and PUBLIC_GRADE_RANK[
        case.public_office_sanction
    ] >= PUBLIC_GRADE_RANK.get(public_min, 99):
        reasons.append(
            _("政务处分达到触发等级:%(grade)s")
            % {"grade": case.get_public_office_sanction_display()}
        )
    form_min = accountability_setting("DUAL_TRIGGER_FOUR_FORM", 4)
    if case.four_form and case.four_form >= form_min:
        reasons.append(_("运用第%(form)s种形态") % {"form": case.four_form})
    return reasons


def _size_triggers(case: DisciplinaryCase) -> list[str]:
    reasons = []
    amount_min = accountability_setting("DUAL_TRIGGER_AMOUNT", 100_000)
    if case.amount_involved is not None and case.amount_involved >= Decimal(amount_min):
        reasons.append(_("涉案金额达到 %(amount)s 元") % {"amount": amount_min})
    repeat = int(accountability_setting("DUAL_TRIGGER_REPEAT_CASES", 3))
    years = int(accountability_setting("DUAL_TRIGGER_REPEAT_YEARS", 3))
    if repeat:
        since = add_months(case.registered_on, -12 * years)
        count = DisciplinaryCase.objects.filter(
            org_path__startswith=case.org_path,
            registered_on__gte=since,
            registered_on__lte=case.registered_on,
        ).count()
        if count >= repeat:
            reasons.append(
                _("%(years)s 年内同一单位发生 %(count)s 起案件") % {"years": years, "count": count}
            )
    return reasons


def dual_triggers(case: DisciplinaryCase) -> list[str]:
    """Which configured 一案双查 triggers this case meets (Chinese reasons, may be empty)."""
    return [*_sanction_triggers(case), *_size_triggers(case)]


def probes_complete(case: DisciplinaryCase) -> bool:
    concluded = {
        p.kind for p in case.probes.all() if p.status == DualInvestigation.Status.CONCLUDED
    }
    return concluded >= set(DualInvestigation.Kind.values)


def dual_coverage(cases: QuerySet[DisciplinaryCase]) -> dict[str, Any]:
    """一案双查 coverage: qualifying cases where both probes are concluded (one query)."""
    concluded = DualInvestigation.objects.filter(
        disciplinary_case=OuterRef("pk"), status=DualInvestigation.Status.CONCLUDED
    )
    row = (
        cases.filter(dual_required=True)
        .annotate(
            p=Exists(concluded.filter(kind=DualInvestigation.Kind.PRINCIPAL)),
            s=Exists(concluded.filter(kind=DualInvestigation.Kind.SUPERVISORY)),
        )
        .aggregate(
            qualifying=Count("pk"),
            covered=Count("pk", filter=Q(p=True, s=True)),
            waived=Count("pk", filter=~Q(dual_waiver_reason="")),
        )
    )
    qualifying, covered = row["qualifying"], row["covered"]
    row["share"] = round(100 * covered / qualifying, 1) if qualifying else None
    return row


# --- No self-judgement (R29, 规则 art.73; R28 for stationed teams) ---------------------------


def higher_commission(body: Body) -> Body | None:
    """The commission one level up: a stationed team's sender, else the discipline
    commission of the nearest unit above the body's own (one query)."""
    if body.kind == Body.Kind.STATIONED_DISCIPLINE_TEAM:
        return body.sent_by
    return (
        Body.objects.filter(
            org__path__in=body.org.ancestor_paths(),
            kind=Body.Kind.DISCIPLINE_COMMISSION,
            is_active=True,
        )
        .order_by("-org__path", "pk")
        .first()
    )


def default_conductor(kind: str, target_body: Body | None, handling_body: Body) -> Body:
    """Who conducts a probe: the supervisory one by the commission one level up from the
    body whose supervisory responsibility is examined (never that body itself); the
    principal one by the commission handling the disciplinary case."""
    if kind != DualInvestigation.Kind.SUPERVISORY or target_body is None:
        return handling_body
    return higher_commission(target_body) or refuse(
        _("一案双查不得自查:找不到%(body)s的上一级纪检监察机关来核查其监督责任。")
        % {"body": target_body.name}
    )


def conductor_of(probe: DualInvestigation) -> Body:
    if probe.conducting_body is not None:
        return probe.conducting_body
    return default_conductor(probe.kind, probe.target_body, probe.disciplinary_case.handling_body)


def refuse_self_judgement(probe: DualInvestigation, people_ids: set[int], day: date) -> None:
    """The commission whose supervisory responsibility is examined never concludes it."""
    examined = probe.target_body
    if probe.kind != DualInvestigation.Kind.SUPERVISORY or examined is None:
        return
    conductor = conductor_of(probe)
    if conductor.pk == examined.pk or (
        Tenure.objects.held_on(day).filter(body=examined, person_id__in=people_ids).exists()
    ):
        refuse(
            _(
                "一案双查不得自查(规则第73条):%(body)s的监督责任由%(conductor)s核查,"
                "本委不得对自身是否负监督责任作出结论。"
            )
            % {"body": examined.name, "conductor": conductor.name}
        )

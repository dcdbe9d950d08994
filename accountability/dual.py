"""一案双查 (R29): which configured triggers a disciplinary case meets, whether its probes
are complete, and the coverage over many cases (reads; the probes' writes are in
services/disciplinary.py)."""

from __future__ import annotations

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

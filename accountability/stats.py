"""Statistics: one grouped query per widget; never names, never a ranking by head count."""

from __future__ import annotations

from statistics import median

from django.db.models import Count, Q
from django.db.models.functions import ExtractYear

from accountability.dual import dual_coverage
from accountability.models import (
    HANDLING_MEASURES,
    LIGHT_MEASURES,
    SANCTION_MEASURES,
    AccountabilityCase,
    AccountabilityMeasure,
    DisciplinaryCase,
    FourForm,
)
from accountability.rules import case_visible_q
from liangge_zeren.figures import Figure, Visibility, figure_visibility
from responsibilities.scoping import Capability


def discipline_visibility(user) -> Visibility:
    """Whether the viewer may see disciplinary-case figures at all (the handling discipline
    line: SUPERVISE somewhere); PARTIAL: only those of their own jurisdiction."""
    return figure_visibility(user, Capability.SUPERVISE)


def measure_mix(user, year: int | None = None) -> list[dict]:
    """Per unit and year: light measures vs organisational handling vs sanctions."""
    qs = AccountabilityMeasure.objects.filter(case_visible_q(user, "case__")).exclude(
        status=AccountabilityMeasure.Status.REVOKED
    )
    if year:
        qs = qs.filter(effective_date__year=year)
    rows = (
        qs.values("case__org__name", "case__org__path")
        .annotate(
            year=ExtractYear("effective_date"),
            light=Count("pk", filter=Q(kind__in=sorted(LIGHT_MEASURES))),
            handling=Count("pk", filter=Q(kind__in=sorted(HANDLING_MEASURES))),
            sanctions=Count("pk", filter=Q(kind__in=sorted(SANCTION_MEASURES))),
            total=Count("pk"),
        )
        .order_by("case__org__path", "year")  # by the tree, never by count
    )
    result = []
    for row in rows:
        total = row["total"] or 1
        result.append(
            {
                "unit": row["case__org__name"],
                "year": row["year"],
                "light": row["light"],
                "handling": row["handling"],
                "sanctions": row["sanctions"],
                "total": row["total"],
                "light_share": round(100 * row["light"] / total, 1),
            }
        )
    return result


def four_forms(user, year: int | None = None) -> list[dict]:
    """Per 形态: count and share; "—" (Figure.hidden) for a viewer who may see no
    disciplinary case at all — never 0 as if there were none."""
    if discipline_visibility(user) is Visibility.HIDDEN:
        return [
            {"form": label, "count": Figure.hidden(), "share": Figure.hidden()}
            for _value, label in FourForm.choices
        ]
    qs = DisciplinaryCase.objects.visible_to(user).filter(four_form__isnull=False)
    if year:
        qs = qs.filter(decided_on__year=year)
    counts = dict(qs.values_list("four_form").annotate(n=Count("pk")).values_list("four_form", "n"))
    total = sum(counts.values()) or 1
    return [
        {
            "form": label,
            "count": counts.get(value, 0),
            "share": round(100 * counts.get(value, 0) / total, 1),
        }
        for value, label in FourForm.choices
    ]


def coverage(user, year: int | None = None) -> dict:
    if discipline_visibility(user) is Visibility.HIDDEN:
        hidden = Figure.hidden()
        return {"qualifying": hidden, "covered": hidden, "waived": hidden, "share": None}
    qs = DisciplinaryCase.objects.visible_to(user)
    if year:
        qs = qs.filter(registered_on__year=year)
    return dual_coverage(qs)


def lead_to_decision(user, year: int | None = None) -> dict:
    qs = AccountabilityCase.objects.filter(case_visible_q(user), decided_on__isnull=False)
    if year:
        qs = qs.filter(decided_on__year=year)
    days = [(d - r).days for r, d in qs.values_list("lead_received_on", "decided_on")]
    return {
        "count": len(days),
        "median": median(days) if days else None,
        "max": max(days) if days else None,
    }

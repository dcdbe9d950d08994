"""Risk-based targeting: subordinate units ranked by a transparent, weighted score.

score = Σ weight_f · value_f / max_f over the units being compared (each factor normalised
to 0–1 within the set, so the score runs from 0 to the sum of the weights). Entered factors
come from the yearly RiskProfile; system factors from the app's own findings and tasks.
Weights default to settings.INSPECTIONS["RISK_WEIGHTS"] and can be changed per request.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from django.db.models import IntegerField, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from inspections.models import Finding, RectificationTask, RiskProfile, inspections_setting
from responsibilities.models import Organization


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    origin: str  # "entered" or "system"


FACTORS = [
    Factor("power_concentration", _("权力集中度"), "entered"),
    Factor("funds_density", _("资金密集度"), "entered"),
    Factor("petitions", _("信访举报"), "entered"),
    Factor("case_incidence", _("案件发生"), "entered"),
    Factor("audit_issues", _("审计发现问题"), "entered"),
    Factor("findings", _("本年度发现问题数"), "system"),
    Factor("overdue_tasks", _("逾期未整改任务数"), "system"),
]
DEFAULT_WEIGHTS = {
    "power_concentration": 25,
    "funds_density": 20,
    "petitions": 20,
    "case_incidence": 15,
    "audit_issues": 10,
    "findings": 10,
    "overdue_tasks": 10,
}


def default_weights() -> dict[str, float]:
    configured = inspections_setting("RISK_WEIGHTS", {})
    return {f.key: float(configured.get(f.key, DEFAULT_WEIGHTS[f.key])) for f in FACTORS}


def weights_from(params) -> dict[str, float]:
    """Weights from query parameters w_<factor> (0–100), falling back to the defaults."""
    weights = default_weights()
    for factor in FACTORS:
        raw = params.get(f"w_{factor.key}")
        if raw not in (None, ""):
            with contextlib.suppress(ValueError):
                weights[factor.key] = max(0.0, min(100.0, float(raw)))
    return weights


class SubqueryCount(Subquery):
    template = "(SELECT COUNT(*) FROM (%(subquery)s) _count)"
    output_field = IntegerField()


@dataclass
class RankedUnit:
    org: Organization
    values: dict[str, int]
    parts: dict[str, float]
    score: float
    has_profile: bool


def ranking(parent: Organization, year: int, weights: dict[str, float], user=None):
    """The parent's direct subordinate units, highest risk first. One SQL statement."""
    profile = RiskProfile.objects.filter(org=OuterRef("pk"), year=year)
    findings = Finding.objects.filter(org_path__startswith=OuterRef("path"), created_at__year=year)
    overdue = RectificationTask.objects.red(timezone.localdate()).filter(
        org_path__startswith=OuterRef("path")
    )
    if user is not None:
        findings = findings.visible_to(user)
        overdue = overdue.visible_to(user)
    annotations = {
        name: Subquery(profile.values(name)[:1], output_field=IntegerField())
        for name in (
            "power_concentration",
            "funds_density",
            "petitions",
            "case_incidence",
            "audit_issues",
        )
    }
    units = list(
        Organization.objects.filter(parent=parent, is_active=True)
        .annotate(
            **annotations,
            has_profile=Subquery(profile.values("pk")[:1]),
            findings=SubqueryCount(findings.values("pk")),
            overdue_tasks=SubqueryCount(overdue.values("pk")),
        )
        .order_by("path")
    )
    keys = [f.key for f in FACTORS]
    maxima = {k: max((getattr(u, k) or 0) for u in units) if units else 0 for k in keys}
    rows = []
    for unit in units:
        values = {k: getattr(unit, k) or 0 for k in keys}
        parts = {
            k: (weights.get(k, 0.0) * values[k] / maxima[k]) if maxima[k] else 0.0 for k in keys
        }
        rows.append(
            RankedUnit(
                org=unit,
                values=values,
                parts=parts,
                score=round(sum(parts.values()), 1),
                has_profile=unit.has_profile is not None,
            )
        )
    rows.sort(key=lambda r: (-r.score, r.org.path))
    return rows

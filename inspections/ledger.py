"""The issue ledger (问题台账): the findings a user may see, filtered, for the page and export."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from inspections.models import Finding, FindingResponsibility, InspectionRound, RectificationTask
from responsibilities.models import Organization
from responsibilities.scoped import scope_roots, sees_everything
from responsibilities.scoping import Capability, paths_q

# Rounds offered in the filter: those of the last few years.
ROUND_YEARS = 5


def filter_orgs(user: Any, selected: str | None = None) -> QuerySet[Organization]:
    """The units offered in the filter: the user's view roots, their level and two below, and
    the unit a link asks for (a figure deeper in the tree) when it lies in the user's scope:
    a filter a figure links with is honoured, never dropped (issue 17.1)."""
    orgs = Organization.objects.pickable(user, Capability.VIEW, below=2, active_only=False)
    if selected and selected.isdigit():
        asked = Organization.objects.filter(pk=int(selected))
        if not sees_everything(user):
            asked = asked.filter(paths_q(scope_roots(user, Capability.VIEW), "path"))
        orgs = orgs | asked
    return orgs.order_by("path")


def filter_rounds(user: Any) -> QuerySet[InspectionRound]:
    # Not sliced: a ModelChoiceField cannot take a sliced queryset.
    return (
        InspectionRound.objects.visible_to(user)
        .filter(year__gte=timezone.localdate().year - (ROUND_YEARS - 1))
        .order_by("-year", "-pk")
    )


LIGHTS = {
    "red": RectificationTask.objects.red,
    "yellow": RectificationTask.objects.yellow,
    "green": RectificationTask.objects.green,
}


def _filtered(findings: QuerySet[Finding], data: dict[str, Any]) -> QuerySet[Finding]:
    if data.get("org"):
        findings = findings.filter(org_path__startswith=data["org"].path)
    if data.get("round"):
        findings = findings.filter(round=data["round"])
    for name in ("status", "source", "category", "severity"):
        if data.get(name):
            findings = findings.filter(**{name: data[name]})
    if data.get("year"):
        findings = findings.filter(created_at__year=data["year"])
    if data.get("q"):
        q = data["q"]
        findings = findings.filter(
            Q(title__contains=q) | Q(description__contains=q) | Q(number__iexact=q)
        )
    if data.get("light"):
        lit = LIGHTS[data["light"]](timezone.localdate()).filter(finding=OuterRef("pk"))
        findings = findings.filter(Exists(lit))
    return findings


def ledger_findings(user: Any, filters: dict[str, Any] | None = None) -> QuerySet[Finding]:
    """The findings the user may see, narrowed by the ledger filter's cleaned data (None: all),
    newest first, with what the ledger shows of their tasks and responsibilities."""
    findings = _filtered(Finding.objects.visible_to(user), filters or {})
    return (
        findings.select_related("org", "round", "inspecting_body")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=RectificationTask.objects.select_related("owner_tenure__person", "org"),
            ),
            Prefetch(
                "responsibilities",
                queryset=FindingResponsibility.objects.select_related("tenure__person"),
            ),
        )
        .order_by("-created_at", "-pk")
    )

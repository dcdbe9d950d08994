"""Reads of accountability for pages and jobs: the case lists, the case file, the
disciplinary-case list, and what reminders look for. Statistics: stats.py; the 倒查 chain:
chain.py; whom to propose as targets: proposals.py."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    AccountabilityTarget,
    Appeal,
    DisciplinaryCase,
)
from accountability.rules import case_visible_q, own_decision_q
from inspections.models import Finding
from responsibilities.models import Organization

LIST_PREVIEW = 20


def cases_for(user: Any, *, status: str = "") -> QuerySet[AccountabilityCase]:
    """The case list: every case file the user may see, newest lead first."""
    cases = (
        AccountabilityCase.objects.filter(case_visible_q(user))
        .select_related("org", "deciding_body")
        .order_by("-lead_received_on", "-pk")
    )
    if status in AccountabilityCase.Status.values:
        cases = cases.filter(status=status)
    return cases


def own_decisions(user: Any, listed: QuerySet[AccountabilityCase]) -> list[AccountabilityCase]:
    """Decisions on the user as a target, beyond the case files listed for them."""
    return list(
        AccountabilityCase.objects.filter(own_decision_q(user))
        .exclude(pk__in=listed.values("pk"))
        .select_related("org")[:LIST_PREVIEW]
    )


def open_case_leads(user: Any) -> list[Finding]:
    """Case leads transferred from inspections that no case has taken up yet."""
    return list(
        Finding.objects.visible_to(user, "change")
        .filter(
            is_case_lead_transferred=True,
            accountability_cases__isnull=True,
        )
        .select_related("org")
        .order_by("-transferred_at")[:LIST_PREVIEW]
    )


def case_targets(case: AccountabilityCase) -> list[AccountabilityTarget]:
    """The targets with their measures (the case file and the own-decision page)."""
    return list(
        case.targets.select_related(
            "tenure__person", "tenure__org", "target_body"
        ).prefetch_related(
            Prefetch(
                "measures", queryset=AccountabilityMeasure.objects.select_related("deciding_body")
            )
        )
    )


@dataclass
class CaseFile:
    grounds: list[Any]
    findings: list[Finding]
    disciplinary_cases: list[DisciplinaryCase]
    transitions: list[Any]
    appeals: list[Appeal]
    corrections: list[Any]
    team: list[Any]


def case_file(case: AccountabilityCase) -> CaseFile:
    return CaseFile(
        grounds=list(case.grounds.all()),
        findings=list(case.findings.select_related("org")),
        disciplinary_cases=list(case.disciplinary_cases.all()),
        transitions=list(case.transitions.select_related("actor")),
        appeals=list(case.appeals.select_related("target", "measure")),
        corrections=list(case.corrections.select_related("recorded_by")),
        team=list(case.investigation_team.all()),
    )


def disciplinary_cases_for(
    user: Any,
    *,
    org: Organization | None = None,
    year: int | None = None,
    dual_only: bool = False,
) -> QuerySet[DisciplinaryCase]:
    """The disciplinary-case list, with the filters the cockpit's 一案双查 figures link to:
    a unit's subtree, the year registered, only the cases that need both probes."""
    cases = (
        DisciplinaryCase.objects.visible_to(user)
        .select_related("org", "subject_person")
        .prefetch_related("probes")
        .order_by("-registered_on", "-pk")
    )
    if org is not None:
        cases = cases.filter(org_path__startswith=org.path)
    if year is not None:
        cases = cases.filter(registered_on__year=year)
    if dual_only:
        cases = cases.filter(dual_required=True)
    return cases


# --- Reminders ---------------------------------------------------------------------------


def formalities_due_by(day: datetime.date) -> QuerySet[AccountabilityMeasure]:
    """Reminders: organisational-handling formalities still open and due by `day`."""
    return AccountabilityMeasure.objects.filter(
        status=AccountabilityMeasure.Status.IN_FORCE,
        formalities_due__isnull=False,
        formalities_due__lte=day,
        formalities_done_on__isnull=True,
    )


def appeals_due_by(day: datetime.date) -> QuerySet[Appeal]:
    """Reminders: appeals without a decision whose decision is due by `day`."""
    return Appeal.objects.filter(outcome=Appeal.Outcome.PENDING, decision_due__lte=day)

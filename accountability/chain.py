"""倒查: the chain behind a case on one page (责任分解 → 检查监督 → 倒查追究).

From a case: the responsibility items covering the failed area of the unit and their owners
*at the time*, the letters those owners signed, the duty logs they recorded in the period
before the event (or their absence), inspection findings with their rectification history
on the same unit and area, and earlier cases. A fixed number of queries, whatever the size;
every part is filtered by the reader's own scope as well.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from accountability.models import (
    AccountabilityCase,
    DisciplinaryCase,
    FailedArea,
    accountability_setting,
)
from accountability.proposals import propose_targets
from accountability.rules import case_visible_q
from inspections.models import Finding, RectificationTask
from responsibilities.models import (
    DutyLog,
    ItemAssignment,
    ResponsibilityItem,
    ResponsibilityLetter,
    Tenure,
)

MAX_ROWS = 50
LOGS_PER_OWNER = 5


@dataclass
class Owner:
    tenure: Tenure
    reasons: list[str] = field(default_factory=list)
    items: list[ResponsibilityItem] = field(default_factory=list)
    letters: list[ResponsibilityLetter] = field(default_factory=list)
    log_count: int = 0
    logs: list[DutyLog] = field(default_factory=list)


@dataclass
class Chain:
    case: AccountabilityCase
    since: datetime.date
    slots: list
    items: list
    owners: list[Owner]
    findings: list
    earlier_cases: list
    earlier_disciplinary: list


def _held(tenure: Tenure, day: datetime.date) -> bool:
    return tenure.start_date <= day and (tenure.end_date is None or tenure.end_date >= day)


def build_chain(case: AccountabilityCase, user) -> Chain:
    event = case.event_date
    since = event - datetime.timedelta(days=int(accountability_setting("CHAIN_LOOKBACK_DAYS", 365)))
    area = case.area if case.area != FailedArea.OTHER else None

    slots = propose_targets(case.org, event, case.portfolio)
    items = _covering_items(case, user, area)
    owners = _owners_at(event, slots, items)
    _attach_letters(owners, user, event)
    _attach_logs(owners, user, since, event)
    findings = _findings(case, user, area)
    earlier_cases, earlier_disciplinary = _earlier_cases(case, user)
    ordered = sorted(owners.values(), key=lambda o: (o.tenure.org.path, o.tenure.role, o.tenure.pk))
    return Chain(
        case=case,
        since=since,
        slots=slots,
        items=items,
        owners=ordered,
        findings=findings,
        earlier_cases=earlier_cases,
        earlier_disciplinary=earlier_disciplinary,
    )


def _covering_items(case: AccountabilityCase, user, area: str | None) -> list[ResponsibilityItem]:
    """The unit's items of the event's year and the one before in the failed area, and the
    items the linked findings name as not carried out (any year)."""
    event = case.event_date
    covering = Q(org=case.org, list__year__in=[event.year, event.year - 1], is_active=True)
    if area:
        covering &= Q(category=area)
    failed = Q(pk__in=Finding.objects.filter(accountability_cases=case).values("failed_item"))
    items_qs = ResponsibilityItem.objects.visible_to(user).filter(covering | failed)
    return list(
        items_qs.select_related("list__subject_tenure__person", "portfolio")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=ItemAssignment.objects.select_related("tenure__person", "tenure__org"),
            )
        )
        .order_by("-list__year", "list_id", "number")[:MAX_ROWS]
    )


def _owners_at(
    event: datetime.date, slots: list, items: list[ResponsibilityItem]
) -> dict[int, Owner]:
    """Who held a proposed slot or owned a covering item on the day of the event, and why."""
    owners: dict[int, Owner] = {}

    def owner(tenure: Tenure, reason: str) -> None:
        if not _held(tenure, event):
            return
        row = owners.setdefault(tenure.pk, Owner(tenure=tenure))
        if reason not in row.reasons:
            row.reasons.append(reason)

    for slot in slots:
        for candidate in slot.at_event:
            owner(candidate.tenure, str(slot.label))
    for item in items:
        subject = item.list.subject_tenure
        if subject is not None:
            owner(subject, str(item.list.get_subject_type_display()))
            if subject.pk in owners:
                owners[subject.pk].items.append(item)
        for assignment in item.assignments.all():
            owner(assignment.tenure, str(assignment.get_role_display()))
            if assignment.tenure_id in owners and item not in owners[assignment.tenure_id].items:
                owners[assignment.tenure_id].items.append(item)
    return owners


def _attach_letters(owners: dict[int, Owner], user, event: datetime.date) -> None:
    for letter in (
        ResponsibilityLetter.objects.visible_to(user)
        .filter(
            signee_tenure_id__in=list(owners),
            year__in=[event.year, event.year - 1],
        )
        .exclude(status=ResponsibilityLetter.Status.DRAFTED)
        .order_by("-year", "pk")
    ):
        owners[letter.signee_tenure_id].letters.append(letter)


def _attach_logs(
    owners: dict[int, Owner], user, since: datetime.date, event: datetime.date
) -> None:
    """Each owner's counted logs in the look-back period: the count and the latest few."""
    logs = (
        DutyLog.objects.visible_to(user)
        .filter(
            tenure_id__in=list(owners),
            occurred_on__gte=since,
            occurred_on__lte=event,
            status__in=DutyLog.COUNTED,
        )
        .only("pk", "tenure_id", "occurred_on", "title", "action_type", "status")
        .order_by("-occurred_on", "-pk")
    )
    for log in logs:
        row = owners[log.tenure_id]
        row.log_count += 1
        if len(row.logs) < LOGS_PER_OWNER:
            row.logs.append(log)


def _findings(case: AccountabilityCase, user, area: str | None) -> list[Finding]:
    """Findings on the unit (and below) in the failed area, and those linked to the case."""
    findings_qs = Finding.objects.visible_to(user).filter(
        Q(org_path__startswith=case.org_path, **({"category": area} if area else {}))
        | Q(accountability_cases=case)
    )
    return list(
        findings_qs.distinct()
        .select_related("org", "round")
        .prefetch_related(
            Prefetch(
                "tasks",
                queryset=RectificationTask.objects.select_related("owner_tenure__person").order_by(
                    "due_date", "pk"
                ),
            )
        )
        .order_by("-created_at", "-pk")[:MAX_ROWS]
    )


def _earlier_cases(case: AccountabilityCase, user) -> tuple[list, list]:
    """Earlier accountability and disciplinary cases on the unit and below."""
    event = case.event_date
    earlier_cases = list(
        AccountabilityCase.objects.filter(
            case_visible_q(user),
            org_path__startswith=case.org_path,
            event_date__lte=event,
        )
        .exclude(pk=case.pk)
        .select_related("org")
        .order_by("-event_date", "-pk")[:20]
    )
    earlier_disciplinary = list(
        DisciplinaryCase.objects.visible_to(user)
        .filter(
            org_path__startswith=case.org_path,
            registered_on__lte=event,
        )
        .select_related("org")
        .order_by("-registered_on", "-pk")[:20]
    )
    return earlier_cases, earlier_disciplinary

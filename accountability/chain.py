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

    covering = Q(org=case.org, list__year__in=[event.year, event.year - 1], is_active=True)
    if area:
        covering &= Q(category=area)
    # …and the items the linked findings name as not carried out (any year).
    failed = Q(pk__in=Finding.objects.filter(accountability_cases=case).values("failed_item"))
    items_qs = ResponsibilityItem.objects.visible_to(user).filter(covering | failed)
    items = list(
        items_qs.select_related("list__subject_tenure__person", "portfolio")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=ItemAssignment.objects.select_related("tenure__person", "tenure__org"),
            )
        )
        .order_by("-list__year", "list_id", "number")[:MAX_ROWS]
    )

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

    ids = list(owners)
    for letter in (
        ResponsibilityLetter.objects.visible_to(user)
        .filter(
            signee_tenure_id__in=ids,
            year__in=[event.year, event.year - 1],
        )
        .exclude(status=ResponsibilityLetter.Status.DRAFTED)
        .order_by("-year", "pk")
    ):
        owners[letter.signee_tenure_id].letters.append(letter)

    logs = (
        DutyLog.objects.visible_to(user)
        .filter(
            tenure_id__in=ids,
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

    findings_qs = Finding.objects.visible_to(user).filter(
        Q(org_path__startswith=case.org_path, **({"category": area} if area else {}))
        | Q(accountability_cases=case)
    )
    findings = list(
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

"""Inputs of a quarter for many organisations at once: one grouped query per source.

`collect(org_ids, year, quarter)` → {org_id: inputs dict}. Every count is of the unit's *own*
records (org == the unit); subtrees are rolled up from snapshots afterwards. Burden rules
(R31): nothing here counts check-ins, logins or time online.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, F, Q

from assessments.models import Ballot, EvaluationInput, Grade
from inspections.models import Finding, RectificationTask
from liangge_zeren.periods import Quarter
from responsibilities.models import (
    ActionType,
    DutyLog,
    ResponsibilityItem,
    ResponsibilityList,
)

ACTIVE_LIST_STATES = (
    ResponsibilityList.Status.ACKNOWLEDGED,
    ResponsibilityList.Status.IN_FORCE,
    ResponsibilityList.Status.ARCHIVED,
)


def empty_inputs() -> dict:
    """The inputs of a unit with no records in the quarter (also the shape importers check)."""
    return {
        "logs": {"total": 0, **{a: 0 for a in ActionType.values}},
        "lists": {"in_force": 0, "items_due": 0, "items_missed": 0},
        "rectification": {"due": 0, "on_time": 0},
        "findings": {"self_found": 0, "found_by_others": 0, "concealed": 0},
        "democratic": {},
        "questionnaire": {},
        "interview": {},
        "third_party": {},
    }


def _avg(values: list) -> str:
    total = sum((Decimal(str(v)) for v in values), Decimal(0))
    return str((total / len(values)).quantize(Decimal("0.01")))


def collect(org_ids, year: int, quarter: int) -> dict[int, dict]:
    org_ids = list(org_ids)
    start, end = Quarter(year, quarter).window()
    data: dict[int, dict] = {pk: empty_inputs() for pk in org_ids}
    _count_logs(data, org_ids, start, end)
    _mark_lists_in_force(data, org_ids, year)
    _count_items_due(data, org_ids, start, end)
    _count_rectification(data, org_ids, start, end)
    _count_findings(data, org_ids, start, end)
    _count_ballots(data, org_ids, year, quarter)
    _add_imported(data, org_ids, year, quarter)
    for entry in data.values():
        entry["democratic"] = dict(sorted(entry["democratic"].items()))
    return data


def _count_logs(
    data: dict[int, dict], org_ids: list[int], start: datetime.date, end: datetime.date
) -> None:
    """1. Duty logs per action type."""
    logs = (
        DutyLog.objects.filter(
            org_id__in=org_ids, status__in=DutyLog.COUNTED, occurred_on__range=(start, end)
        )
        .values("org_id", "action_type")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in logs:
        entry = data[row["org_id"]]["logs"]
        entry[row["action_type"]] = row["n"]
        entry["total"] += row["n"]


def _mark_lists_in_force(data: dict[int, dict], org_ids: list[int], year: int) -> None:
    """2. A collective list of the year in force."""
    for org_id in (
        ResponsibilityList.objects.filter(
            org_id__in=org_ids,
            year=year,
            is_template=False,
            subject_type=ResponsibilityList.SubjectType.COMMITTEE_COLLECTIVE,
            status__in=ACTIVE_LIST_STATES,
        )
        .values_list("org_id", flat=True)
        .distinct()
    ):
        data[org_id]["lists"]["in_force"] = 1


def _count_items_due(
    data: dict[int, dict], org_ids: list[int], start: datetime.date, end: datetime.date
) -> None:
    """3. Items due this quarter and whether they got their logs by the due date."""
    items = (
        ResponsibilityItem.objects.filter(
            org_id__in=org_ids,
            is_active=True,
            list__is_template=False,
            list__status__in=ACTIVE_LIST_STATES,
            due_date__range=(start, end),
        )
        .values("org_id", "pk", "min_count")
        .annotate(
            logged=Count(
                "duty_logs",
                filter=Q(
                    duty_logs__status__in=DutyLog.COUNTED,
                    duty_logs__occurred_on__lte=F("due_date"),
                ),
                distinct=True,
            )
        )
        .order_by()
    )
    for row in items:
        entry = data[row["org_id"]]["lists"]
        entry["items_due"] += 1
        if row["logged"] < row["min_count"]:
            entry["items_missed"] += 1


def _count_rectification(
    data: dict[int, dict], org_ids: list[int], start: datetime.date, end: datetime.date
) -> None:
    """4. Rectification tasks due this quarter, closed by their due date."""
    tasks = (
        RectificationTask.objects.filter(org_id__in=org_ids, due_date__range=(start, end))
        .values("org_id")
        .annotate(
            due=Count("id"),
            on_time=Count(
                "id",
                filter=Q(
                    status=RectificationTask.Status.CLOSED, closed_at__date__lte=F("due_date")
                ),
            ),
        )
        .order_by()
    )
    for row in tasks:
        data[row["org_id"]]["rectification"] = {"due": row["due"], "on_time": row["on_time"]}


def _count_findings(
    data: dict[int, dict], org_ids: list[int], start: datetime.date, end: datetime.date
) -> None:
    """5. Findings registered this quarter: self-found (not deducted), found by others, and
    verified as concealed (Finding.concealed; counted only there, so the D3 weights make it
    double, not 1 + 2). Imported concealed counts are added in section 7."""
    self_found = Q(source=Finding.Source.SELF_IDENTIFIED)
    findings = (
        Finding.objects.filter(org_id__in=org_ids, created_at__date__range=(start, end))
        .values("org_id")
        .annotate(
            self_found=Count("id", filter=self_found & Q(concealed=False)),
            others=Count("id", filter=~self_found & Q(concealed=False)),
            concealed=Count("id", filter=Q(concealed=True)),
        )
        .order_by()
    )
    for row in findings:
        entry = data[row["org_id"]]["findings"]
        entry["self_found"], entry["found_by_others"] = row["self_found"], row["others"]
        entry["concealed"] = row["concealed"]


def _count_ballots(data: dict[int, dict], org_ids: list[int], year: int, quarter: int) -> None:
    """6. Online ballots (anonymous counts per grade)."""
    ballots = (
        Ballot.objects.filter(round__org_id__in=org_ids, round__year=year, round__quarter=quarter)
        .values("round__org_id", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in ballots:
        votes = data[row["round__org_id"]]["democratic"]
        votes[row["grade"]] = votes.get(row["grade"], 0) + row["n"]


def _add_imported(data: dict[int, dict], org_ids: list[int], year: int, quarter: int) -> None:
    """7. Imported tallies, questionnaires, interviews, third-party scores, concealed problems."""
    scores: dict[tuple[int, str], list] = defaultdict(list)
    people: dict[int, int] = defaultdict(int)
    K = EvaluationInput.Kind
    for row in (
        EvaluationInput.objects.filter(org_id__in=org_ids, year=year, quarter=quarter)
        .values("org_id", "kind", "values")
        .order_by("pk")
    ):
        org_id, kind, values = row["org_id"], row["kind"], row["values"] or {}
        if kind == K.DEMOCRATIC_TALLY:
            votes = data[org_id]["democratic"]
            for grade in Grade.values:
                if values.get(grade):
                    votes[grade] = votes.get(grade, 0) + int(values[grade])
        elif kind == K.CONCEALED_PROBLEMS:
            data[org_id]["findings"]["concealed"] += int(values.get("count", 0))
        elif "score" in values:
            scores[org_id, kind].append(values["score"])
            if kind == K.INTERVIEW:
                people[org_id] += int(values.get("people", 0))
    for (org_id, kind), values in scores.items():
        data[org_id][kind] = {"score": _avg(values), "entries": len(values)}
        if kind == K.INTERVIEW:
            data[org_id][kind]["people"] = people[org_id]

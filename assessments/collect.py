"""Inputs of a quarter for many organisations at once: one grouped query per source.

`collect(org_ids, year, quarter)` → {org_id: inputs dict}. Every count is of the unit's *own*
records (org == the unit); subtrees are rolled up from snapshots afterwards. Burden rules
(R31): nothing here counts check-ins, logins or time online.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db.models import Avg, Count, F, Q

from assessments import knowledge
from assessments.models import (
    EvaluationInput,
    Grade,
    Questionnaire,
    QuestionnaireResponse,
    ThirdPartyReport,
    WarningRule,
)
from assessments.questionnaires import MIN_RESPONSES
from assessments.selectors import counted_team_ballots
from assessments.warnings import Window, counts_by_org
from inspections.models import Finding, RectificationTask, closed_on_time
from liangge_zeren.lookups import ids_in
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


# Read once: an enum's `.values` builds its list on every access (40,000 units a roll-up).
_ACTION_TYPES = tuple(ActionType.values)
_WARNING_CODES = tuple(WarningRule.Code.values)


def empty_inputs() -> dict:
    """The inputs of a unit with no records in the quarter (also the shape importers check)."""
    return {
        "logs": {"total": 0, **{a: 0 for a in _ACTION_TYPES}},
        "lists": {"in_force": 0, "items_due": 0, "items_missed": 0},
        "rectification": {"due": 0, "on_time": 0},
        "findings": {"self_found": 0, "found_by_others": 0, "concealed": 0},
        "democratic": {},
        "questionnaire": {},
        "interview": {},
        "third_party": {},
        "knowledge": knowledge.empty_inputs(),
        "warnings": {code: 0 for code in _WARNING_CODES},
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
    scores = _questionnaire_scores(org_ids, year, quarter)
    _add_imported(data, org_ids, year, quarter, scores)
    for org_id, found in knowledge.unit_inputs(org_ids, year, quarter).items():
        data[org_id]["knowledge"] = found  # 8. 知责 tests taken by the unit's people
    _count_warnings(data, org_ids, year, end)
    for entry in data.values():
        entry["democratic"] = dict(sorted(entry["democratic"].items()))
    return data


def _count_logs(
    data: dict[int, dict], org_ids: list[int], start: datetime.date, end: datetime.date
) -> None:
    """1. Duty logs per action type."""
    logs = (
        DutyLog.objects.filter(
            ids_in("org_id", org_ids), status__in=DutyLog.COUNTED, occurred_on__range=(start, end)
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
            ids_in("org_id", org_ids),
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
            ids_in("org_id", org_ids),
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
        RectificationTask.objects.filter(ids_in("org_id", org_ids), due_date__range=(start, end))
        .values("org_id")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=closed_on_time()),
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
        Finding.objects.filter(ids_in("org_id", org_ids), created_at__date__range=(start, end))
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
    """6. Online ballots' team grades (anonymous counts per grade): closed rounds whose turnout
    reached the minimum, with enough ballots to count (selectors.counted_team_ballots)."""
    ballots = (
        counted_team_ballots(org_ids, year, quarter)
        .values("round__org_id", "grade")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in ballots:
        votes = data[row["round__org_id"]]["democratic"]
        votes[row["grade"]] = votes.get(row["grade"], 0) + row["n"]


def _questionnaire_scores(
    org_ids: list[int], year: int, quarter: int
) -> dict[tuple[int, str], list]:
    """7a. Online questionnaires and third-party reports, one grouped query each: a closed
    questionnaire counts with its mean sheet score only from MIN_RESPONSES sheets (anonymity:
    fewer are suppressed, not scored); each third-party report counts with its score."""
    scores: dict[tuple[int, str], list] = defaultdict(list)
    K = EvaluationInput.Kind
    for row in (
        QuestionnaireResponse.objects.filter(
            ids_in("questionnaire__org_id", org_ids),
            questionnaire__year=year,
            questionnaire__quarter=quarter,
            questionnaire__status=Questionnaire.Status.CLOSED,
        )
        .values("questionnaire_id", "questionnaire__org_id")
        .annotate(n=Count("id"), mean=Avg("score"))
        .order_by("questionnaire_id")
    ):
        if row["n"] >= MIN_RESPONSES:
            scores[row["questionnaire__org_id"], K.QUESTIONNAIRE].append(row["mean"])
    for org_id, score in (
        ThirdPartyReport.objects.filter(
            ids_in("questionnaire__org_id", org_ids),
            questionnaire__year=year,
            questionnaire__quarter=quarter,
        )
        .order_by("pk")
        .values_list("questionnaire__org_id", "score")
    ):
        scores[org_id, K.THIRD_PARTY].append(score)
    return scores


def _add_imported(
    data: dict[int, dict],
    org_ids: list[int],
    year: int,
    quarter: int,
    scores: dict[tuple[int, str], list],
) -> None:
    """7. Imported tallies, questionnaires, interviews, third-party scores, concealed problems
    (the scores added to those of 7a)."""
    people: dict[int, int] = defaultdict(int)
    K = EvaluationInput.Kind
    for row in (
        EvaluationInput.objects.filter(ids_in("org_id", org_ids), year=year, quarter=quarter)
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


# --- Per-person inputs (issue 18) -------------------------------------------------------------


def period_window(year: int, period: int) -> tuple[datetime.date, datetime.date]:
    """The days of a quarter (period 1–4) or of the whole year (period 0)."""
    if period:
        return Quarter(year, period).window()
    return datetime.date(year, 1, 1), datetime.date(year, 12, 31)


def empty_person_inputs(quarters: int) -> dict:
    return {
        "quarters": quarters,
        "logs": {"total": 0, **{a: 0 for a in _ACTION_TYPES}},
        "method": {"kinds": 0, "meeting_only": 0, "practical": 0},
        "lists": {"items_due": 0, "items_missed": 0},
        "portfolio": {
            "findings": {"self_found": 0, "found_by_others": 0, "concealed": 0},
            "rectification": {"due": 0, "on_time": 0},
        },
        "accountability": {"measures": 0},
        "report": {},
        "democratic": {},
        "interview": {},
        "knowledge": knowledge.empty_inputs(),
    }


def collect_people(tenures, year: int, period: int) -> dict[int, dict]:
    """{tenure_id: inputs} of a quarter (period 1–4) or the year (period 0) for team posts.

    `tenures`: (tenure_id, person_id) pairs. A fixed number of grouped queries, whatever the
    number of people: own duty logs and their method mix, items of the lists where the post is
    the subject or the lead, findings and rectification in the post's portfolios (分管领域:
    the item that failed lies in it, or the post is named answerable for the finding),
    accountability measures on the person, the 述责述廉 and its 面对面 review (year), the
    民主测评 on the person, the 谈话了解 rubric totals and the person's 知责 tests."""
    from assessments.selectors import person_evaluation_results

    pairs = [(int(t), int(p)) for t, p in tenures]
    ids = [t for t, _p in pairs]
    start, end = period_window(year, period)
    data = {t: empty_person_inputs(1 if period else 4) for t in ids}
    _person_logs(data, ids, start, end)
    _person_items(data, ids, start, end)
    portfolios = _portfolios(ids)
    _person_findings(data, ids, portfolios, start, end)
    _person_rectification(data, ids, portfolios, start, end)
    _person_measures(data, pairs, start, end)
    if period == 0:
        _person_reports(data, ids, year)
    votes = person_evaluation_results(sorted({p for _t, p in pairs}), year, period or None)
    for tenure_id, person_id in pairs:
        data[tenure_id]["democratic"] = dict(sorted((votes.get(person_id) or {}).items()))
    _person_interviews(data, ids, year, period)
    tests = knowledge.knowledge_results(sorted({p for _t, p in pairs}), year, period or None)
    for tenure_id, person_id in pairs:  # 知责: the unit-level shape, so one rule scores both
        found = tests[person_id]
        score = found["score"]
        data[tenure_id]["knowledge"] = {
            "assigned": found["assigned"],
            "taken": found["taken"],
            "average": None if score is None else str(score),
        }
    return data


def _person_logs(data: dict, ids: list[int], start, end) -> None:
    from responsibilities.models import MEETING_ONLY_ACTIONS

    for row in (
        DutyLog.objects.filter(
            tenure_id__in=ids, status__in=DutyLog.COUNTED, occurred_on__range=(start, end)
        )
        .values("tenure_id", "action_type")
        .annotate(n=Count("id"))
        .order_by()
    ):
        entry = data[row["tenure_id"]]
        entry["logs"][row["action_type"]] = row["n"]
        entry["logs"]["total"] += row["n"]
        method = entry["method"]
        method["kinds"] += 1
        key = "meeting_only" if row["action_type"] in MEETING_ONLY_ACTIONS else "practical"
        method[key] += row["n"]


def _person_items(data: dict, ids: list[int], start, end) -> None:
    """Items due in the period of the post's own lists or led by the post (牵头)."""
    from responsibilities.models import ItemAssignment

    live = dict(
        is_active=True,
        list__is_template=False,
        list__status__in=ACTIVE_LIST_STATES,
        due_date__range=(start, end),
    )
    owners: dict[int, set[int]] = defaultdict(set)
    for item_id, tenure_id in ResponsibilityItem.objects.filter(
        list__subject_tenure_id__in=ids, **live
    ).values_list("pk", "list__subject_tenure_id"):
        owners[item_id].add(tenure_id)
    for item_id, tenure_id in ItemAssignment.objects.filter(
        tenure_id__in=ids,
        role=ItemAssignment.Role.LEAD,
        **{f"item__{k}": v for k, v in live.items()},
    ).values_list("item_id", "tenure_id"):
        owners[item_id].add(tenure_id)
    if not owners:
        return
    for row in (
        ResponsibilityItem.objects.filter(pk__in=list(owners))
        .values("pk", "min_count")
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
    ):
        for tenure_id in owners[row["pk"]]:
            entry = data[tenure_id]["lists"]
            entry["items_due"] += 1
            entry["items_missed"] += int(row["logged"] < row["min_count"])


def _portfolios(ids: list[int]) -> dict[int, set[int]]:
    """portfolio_id → the posts (of `ids`) that hold it."""
    from responsibilities.models import Tenure

    holders: dict[int, set[int]] = defaultdict(set)
    for tenure_id, portfolio_id in Tenure.portfolios.through.objects.filter(
        tenure_id__in=ids
    ).values_list("tenure_id", "portfolio_id"):
        holders[portfolio_id].add(tenure_id)
    return holders


def _person_findings(data: dict, ids: list[int], portfolios: dict, start, end) -> None:
    from inspections.models import FindingResponsibility

    found: dict[int, dict[int, str]] = defaultdict(dict)  # tenure → {finding: category}

    def category(source: str, concealed: bool) -> str:
        if concealed:
            return "concealed"
        return "self_found" if source == Finding.Source.SELF_IDENTIFIED else "found_by_others"

    window = dict(created_at__date__range=(start, end))
    if portfolios:
        for pk, source, concealed, portfolio_id in Finding.objects.filter(
            failed_item__portfolio_id__in=list(portfolios), **window
        ).values_list("pk", "source", "concealed", "failed_item__portfolio_id"):
            for tenure_id in portfolios[portfolio_id]:
                found[tenure_id][pk] = category(source, concealed)
    for tenure_id, pk, source, concealed in FindingResponsibility.objects.filter(
        tenure_id__in=ids, **{f"finding__{k}": v for k, v in window.items()}
    ).values_list("tenure_id", "finding_id", "finding__source", "finding__concealed"):
        found[tenure_id][pk] = category(source, concealed)
    for tenure_id, findings in found.items():
        entry = data[tenure_id]["portfolio"]["findings"]
        for kind in findings.values():
            entry[kind] += 1


def _person_rectification(data: dict, ids: list[int], portfolios: dict, start, end) -> None:
    from django.utils import timezone

    tasks = RectificationTask.objects.filter(
        Q(owner_tenure_id__in=ids) | Q(finding__failed_item__portfolio_id__in=list(portfolios)),
        due_date__range=(start, end),
    ).values_list(
        "pk",
        "owner_tenure_id",
        "finding__failed_item__portfolio_id",
        "status",
        "closed_at",
        "due_date",
    )
    for _pk, owner, portfolio_id, status, closed_at, due in tasks:
        holders = set(portfolios.get(portfolio_id, ())) | ({owner} if owner in data else set())
        on_time = (
            status == RectificationTask.Status.CLOSED
            and closed_at is not None
            and timezone.localdate(closed_at) <= due
        )
        for tenure_id in holders:
            entry = data[tenure_id]["portfolio"]["rectification"]
            entry["due"] += 1
            entry["on_time"] += int(on_time)


def _person_measures(data: dict, pairs: list[tuple[int, int]], start, end) -> None:
    """Accountability measures in force on the person, decided in the period."""
    from accountability.models import AccountabilityMeasure

    counts = dict(
        AccountabilityMeasure.objects.filter(
            target__person_id__in=[p for _t, p in pairs],
            status=AccountabilityMeasure.Status.IN_FORCE,
            effective_date__range=(start, end),
        )
        .values("target__person_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("target__person_id", "n")
    )
    for tenure_id, person_id in pairs:
        data[tenure_id]["accountability"]["measures"] = counts.get(person_id, 0)


def _person_reports(data: dict, ids: list[int], year: int) -> None:
    """述责述廉 of the year: not submitted → score 0; submitted and reviewed 面对面 → the
    rating's score; submitted, review pending → no data yet."""
    from assessments.models import ReportReview
    from responsibilities.models import DutyReport

    submitted = set(
        DutyReport.objects.filter(
            tenure_id__in=ids,
            year=year,
            status__in=[DutyReport.Status.SUBMITTED, DutyReport.Status.ACKNOWLEDGED],
        ).values_list("tenure_id", flat=True)
    )
    reviews = dict(
        ReportReview.objects.filter(tenure_id__in=ids, year=year).values_list("tenure_id", "rating")
    )
    for tenure_id in ids:
        if tenure_id not in submitted:
            data[tenure_id]["report"] = {"submitted": 0, "score": 0}
        elif tenure_id in reviews:
            rating = reviews[tenure_id]
            data[tenure_id]["report"] = {
                "submitted": 1,
                "rating": rating,
                "score": ReportReview.RATING_SCORES[rating],
            }


def _person_interviews(data: dict, ids: list[int], year: int, period: int) -> None:
    from assessments.models import PersonInterview

    rows = PersonInterview.objects.filter(tenure_id__in=ids, year=year)
    if period:
        rows = rows.filter(quarter=period)
    totals: dict[int, list] = defaultdict(list)
    for tenure_id, total in rows.order_by("pk").values_list("tenure_id", "total"):
        totals[tenure_id].append(total)
    for tenure_id, values in totals.items():
        data[tenure_id]["interview"] = {"score": _avg(values), "entries": len(values)}


def _count_warnings(data: dict[int, dict], org_ids: list[int], year: int, end) -> None:
    """8. Warnings (issue 18) on the unit itself at the quarter's end: {rule code: flags}, for
    indicators such as a deduction per warning (per_miss_deduction on "warnings.<code>")."""
    for org_id, counts in counts_by_org(org_ids, Window(year, end)).items():
        data[org_id]["warnings"] = counts

"""Reads of 知责 (knowing the 准则 and 条例, issue 18): question banks, tests, answer sheets
and their results.

Burden rules (R31): results are never ranked. One person's score is read only through
`KnowledgeAssignment.objects.visible_to(user)` (the person and the organiser, rules.py); a
superior sees per-unit participation and average, and an average over fewer than
`MIN_GROUP` people is not shown to anyone but the organiser (it would be one person's score).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from assessments.models import KnowledgeAssignment, KnowledgeQuestion, KnowledgeTest
from liangge_zeren.figures import Figure
from liangge_zeren.lookups import ids_in
from liangge_zeren.spreadsheets import fold
from responsibilities.models import Organization
from responsibilities.scoped import Capability, scope_roots, sees_everything
from responsibilities.scoping import grant_paths

MIN_GROUP = 3  # an average over fewer people is one person's score in disguise
CENT = Decimal("0.01")
_END_PUNCTUATION = re.compile(r"[。.?？!！:：;；()()_\s]+$")


def normalise_stem(text: str) -> str:
    """The stem as re-imports recognise it: folded, blanks and final punctuation dropped."""
    return _END_PUNCTUATION.sub("", fold(text or ""))[:500]


# --- Banks -------------------------------------------------------------------------------


def bank_for(org: Organization) -> QuerySet[KnowledgeQuestion]:
    """The active questions a test of `org` draws from: its own bank and its ancestors'."""
    return KnowledgeQuestion.objects.filter(
        org_path__in=Organization.path_prefixes(org.path), is_active=True
    )


def visible_questions(user: Any) -> QuerySet[KnowledgeQuestion]:
    return KnowledgeQuestion.objects.visible_to(user).select_related("org")


def managed_units(user: Any) -> QuerySet[Organization]:
    """Units whose bank the user keeps and whose tests they may organise (MANAGE roots)."""
    if sees_everything(user):
        return Organization.objects.filter(is_active=True, parent__isnull=True)
    return Organization.objects.filter(
        path__in=scope_roots(user, Capability.MANAGE), is_active=True
    ).order_by("path")


def matching(
    questions: QuerySet[KnowledgeQuestion], tags: list[str], source_kinds: list[str]
) -> list[int]:
    """Ids of the questions carrying any of `tags` (all when none) of the source kinds."""
    if source_kinds:
        questions = questions.filter(source_kind__in=source_kinds)
    wanted = set(tags)
    return [
        pk
        for pk, question_tags in questions.order_by("pk").values_list("pk", "tags")
        if not wanted or wanted & set(question_tags or [])
    ]


# --- Tests and sheets --------------------------------------------------------------------


def visible_tests(user: Any) -> QuerySet[KnowledgeTest]:
    return KnowledgeTest.objects.visible_to(user).select_related("org")


def my_sheets(user: Any) -> QuerySet[KnowledgeAssignment]:
    """The user's own answer sheets, newest test first."""
    if not user.is_authenticated:
        return KnowledgeAssignment.objects.none()
    return (
        KnowledgeAssignment.objects.filter(person__user=user)
        .select_related("test")
        .order_by("-test__year", "-test__quarter", "-test_id")
    )


def readable_sheets(user: Any, test: KnowledgeTest) -> QuerySet[KnowledgeAssignment]:
    """The sheets of `test` the user may read one by one (all for the organiser, their own
    for a participant, none for a superior or a peer)."""
    return (
        KnowledgeAssignment.objects.visible_to(user)
        .filter(test=test)
        .select_related("person", "org")
        .order_by("org_path", "person__name", "pk")
    )


def sheet_questions(sheet: KnowledgeAssignment) -> list[KnowledgeQuestion]:
    """The sheet's questions in its order (one query; a question gone from the bank stays)."""
    found = KnowledgeQuestion.objects.in_bulk(sheet.questions)
    return [found[pk] for pk in sheet.questions if pk in found]


def _average(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(CENT)


def unit_results(user: Any, test: KnowledgeTest) -> list[dict[str, Any]]:
    """Participation and average per unit of the test (one grouped query), each figure as the
    viewer may see it: nothing of a unit outside their VIEW scope; the average hidden ("—")
    from everyone but the organiser when fewer than MIN_GROUP took it."""
    organiser = is_organiser(user, test)
    roots = None if sees_everything(user) else scope_roots(user, Capability.VIEW)
    rows = (
        KnowledgeAssignment.objects.filter(test=test)
        .values("org_id", "org__name", "org_path")
        .annotate(
            assigned=Count("id"),
            taken=Count("id", filter=Q(submitted_at__isnull=False)),
            average=Avg("score", filter=Q(submitted_at__isnull=False)),
        )
        .order_by("org_path")
    )
    results = []
    for row in rows:
        outside = roots is not None and not any(row["org_path"].startswith(r) for r in roots)
        if not organiser and outside:
            continue
        average: Any = _average(row["average"])
        if not organiser and row["taken"] < MIN_GROUP:
            average = Figure.hidden()
        results.append(
            {
                "org_name": row["org__name"],
                "assigned": row["assigned"],
                "taken": row["taken"],
                "rate": (Decimal(row["taken"] * 100) / row["assigned"]).quantize(CENT),
                "average": average,
            }
        )
    return results


def is_organiser(user: Any, test: KnowledgeTest) -> bool:
    """The organiser: MANAGE held in exactly the test's unit, or whoever created it (the
    same readers as rules.KNOWLEDGE_SHEET_READERS)."""
    if sees_everything(user):
        return True
    if user.is_authenticated and test.created_by_id == user.pk:
        return True
    return test.org_path in grant_paths(user, Capability.MANAGE)


# --- Results for assessments -------------------------------------------------------------


def knowledge_results(person_ids, year: int, quarter: int | None) -> dict[int, dict[str, Any]]:
    """{person_id: {"assigned": n, "taken": n, "score": Decimal | None}} over the tests of
    the quarter (None: of the year; score: the average of the sheets taken). One grouped
    query. For the per-person assessment: the caller decides who may see it (the person and
    the assessor)."""
    ids = list(person_ids)
    results: dict[int, dict[str, Any]] = {
        pk: {"assigned": 0, "taken": 0, "score": None} for pk in ids
    }
    sheets = KnowledgeAssignment.objects.filter(person_id__in=ids, test__year=year)
    if quarter is not None:
        sheets = sheets.filter(test__quarter=quarter)
    rows = (
        sheets.values("person_id")
        .annotate(
            assigned=Count("id"),
            taken=Count("id", filter=Q(submitted_at__isnull=False)),
            score=Avg("score", filter=Q(submitted_at__isnull=False)),
        )
        .order_by()
    )
    for row in rows:
        results[row["person_id"]] = {
            "assigned": row["assigned"],
            "taken": row["taken"],
            "score": _average(row["score"]),
        }
    return results


def empty_inputs() -> dict[str, Any]:
    return {"assigned": 0, "taken": 0, "average": None}


def unit_inputs(org_ids, year: int, quarter: int) -> dict[int, dict[str, Any]]:
    """{org_id: {"assigned", "taken", "average"}}: the sheets of the people of each unit (their
    post's unit) in the quarter's tests — one grouped query (collect.py)."""
    rows = (
        KnowledgeAssignment.objects.filter(
            ids_in("org_id", org_ids), test__year=year, test__quarter=quarter
        )
        .values("org_id")
        .annotate(
            assigned=Count("id"),
            taken=Count("id", filter=Q(submitted_at__isnull=False)),
            average=Avg("score", filter=Q(submitted_at__isnull=False)),
        )
        .order_by()
    )
    found = {}
    for row in rows:
        average = _average(row["average"])
        found[row["org_id"]] = {
            "assigned": row["assigned"],
            "taken": row["taken"],
            "average": None if average is None else str(average),
        }
    return found

"""Reads of the 廉政档案 (a person's integrity record, issue 16) and the facts a
党风廉政意见回复 draft is filled from.

Who may read a record: `accountability.view_integrity_record` (rules.py: the commission with
jurisdiction over the person's managing committee). Every read goes through
`integrity_record`, which writes one audit entry (security's audit chain) — the page, the
draft filled for a reply, anything else. Within the record each part is also asked of the
scoping kit (a disciplinary case led by a higher commission and not shared stays out).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from accountability.models import (
    DECIDED_STATUSES,
    AccountabilityCase,
    AccountabilityMeasure,
    AccountabilityTarget,
    ConflictDeclaration,
    DisciplinaryCase,
    IntegrityReply,
    IntegrityRequest,
)
from accountability.rules import INTEGRITY_RECORD, case_visible_q, org_department_paths
from accountability.sections import RecordSection, sections_for
from inspections.models import Finding, FindingResponsibility
from responsibilities.models import ActionType, DutyLog, Person, ResponsibilityLetter, Tenure
from responsibilities.scoping import scope_q
from security.services import audit

CS = AccountabilityCase.Status
# Before 立案 (受理, 初步核实): a lead (线索) still being looked at.
LEAD_STATUSES = frozenset({CS.LEAD_RECEIVED, CS.PRELIMINARY_REVIEW})


@dataclass
class IntegrityRecord:
    person: Person
    posts: list[Tenure]
    letters: list[ResponsibilityLetter]
    duty_summary: list[dict[str, Any]]
    findings: list[FindingResponsibility]
    targets: list[AccountabilityTarget]
    disciplinary: list[DisciplinaryCase]
    measures: list[AccountabilityMeasure]
    conflicts: list[ConflictDeclaration]
    pending_leads: list[Finding] = field(default_factory=list)
    # Sections registered by later apps (accountability/sections.py), e.g. assessments.
    extra_sections: list[RecordSection] = field(default_factory=list)

    @property
    def measures_in_force(self) -> list[AccountabilityMeasure]:
        return [m for m in self.measures if m.in_influence_period]

    @property
    def measures_expired(self) -> list[AccountabilityMeasure]:
        return [m for m in self.measures if not m.in_influence_period]

    @property
    def open_cases(self) -> list[AccountabilityCase]:
        """Accountability cases on the person past the lead stage and not yet decided."""
        cases = {t.case_id: t.case for t in self.targets}
        return [
            c
            for c in cases.values()
            if c.status not in DECIDED_STATUSES
            and c.status not in LEAD_STATUSES
            and c.status != CS.NOT_PURSUED
        ]

    @property
    def lead_cases(self) -> list[AccountabilityCase]:
        cases = {t.case_id: t.case for t in self.targets}
        return [c for c in cases.values() if c.status in LEAD_STATUSES]

    @property
    def open_disciplinary(self) -> list[DisciplinaryCase]:
        return [d for d in self.disciplinary if d.status == DisciplinaryCase.Status.REGISTERED]


def _duty_summary(person: Person) -> list[dict[str, Any]]:
    labels = dict(ActionType.choices)
    rows = (
        DutyLog.objects.filter(tenure__person=person)
        .values("action_type")
        .annotate(count=Count("pk"), last=Max("occurred_on"))
        .order_by("action_type")
    )
    return [{**row, "label": labels.get(row["action_type"], row["action_type"])} for row in rows]


def people_on_record(viewer: Any) -> QuerySet[Person]:
    """The people whose record `viewer` may read (one filter)."""
    return Person.objects.filter(scope_q(viewer, INTEGRITY_RECORD))


def may_read_record(viewer: Any, person: Person) -> bool:
    return bool(viewer.has_perm(INTEGRITY_RECORD, person))


def integrity_record(
    person: Person, *, viewer: Any, request: Any = None, why: str
) -> IntegrityRecord:
    """The record, for a viewer the caller has checked; audited on every call."""
    audit(request or viewer, "view", person, object_type="integrity_record", purpose=why)
    visible_cases = AccountabilityCase.objects.filter(case_visible_q(viewer)).values("pk")
    visible_disciplinary = DisciplinaryCase.objects.visible_to(viewer).values("pk")
    return IntegrityRecord(
        person=person,
        posts=list(
            Tenure.objects.filter(person=person)
            .select_related("org", "body")
            .order_by("-start_date", "pk")
        ),
        letters=list(
            ResponsibilityLetter.objects.filter(
                Q(issuer_tenure__person=person) | Q(signee_tenure__person=person)
            )
            .select_related("org")
            .order_by("-year", "-pk")
        ),
        duty_summary=_duty_summary(person),
        findings=list(
            FindingResponsibility.objects.filter(
                tenure__person=person, finding__in=Finding.objects.visible_to(viewer).values("pk")
            ).select_related("finding__org", "tenure__org")
        ),
        targets=list(
            AccountabilityTarget.objects.filter(person=person, case__in=visible_cases)
            .select_related("case__org")
            .order_by("-case__lead_received_on", "pk")
        ),
        disciplinary=list(
            DisciplinaryCase.objects.filter(subject_person=person, pk__in=visible_disciplinary)
            .select_related("org", "handling_body")
            .order_by("-registered_on")
        ),
        measures=list(
            AccountabilityMeasure.objects.filter(target__person=person, case__in=visible_cases)
            .select_related("case", "deciding_body")
            .order_by("-effective_date", "pk")
        ),
        conflicts=list(
            ConflictDeclaration.objects.filter(person=person)
            .filter(Q(case__in=visible_cases) | Q(disciplinary_case__in=visible_disciplinary))
            .select_related("case", "disciplinary_case")
        ),
        pending_leads=list(
            Finding.objects.visible_to(viewer)
            .filter(
                responsibilities__tenure__person=person,
                is_case_lead_transferred=True,
                accountability_cases__isnull=True,
            )
            .distinct()
            .select_related("org")
        ),
        extra_sections=sections_for(person, viewer),
    )


# --- 意见回复: what the draft says ------------------------------------------------------------


@dataclass(frozen=True)
class DraftFacts:
    in_influence_period: list[str]
    open_cases: list[str]
    recent_measures: list[str]
    pending_leads: list[str]

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "in_influence_period": self.in_influence_period,
            "open_cases": self.open_cases,
            "recent_measures": self.recent_measures,
            "pending_leads": self.pending_leads,
        }


def _sanction(case: DisciplinaryCase) -> str:
    party = case.get_party_sanction_display() if case.party_sanction else ""
    public = case.get_public_office_sanction_display() if case.public_office_sanction else ""
    return "、".join(str(x) for x in (party, public) if x)


def draft_facts(record: IntegrityRecord, years: int, day: datetime.date) -> DraftFacts:
    since = (
        day.replace(year=day.year - years)
        if not (day.month == 2 and day.day == 29)
        else (day - datetime.timedelta(days=365 * years))
    )
    in_force = [
        f"{m.label}({m.decision_no},影响期至{m.influence_ends.isoformat()})"
        for m in record.measures_in_force
        if m.influence_ends is not None
    ]
    recent = [
        f"{m.effective_date.isoformat()} {m.label}({m.decision_no})"
        for m in record.measures
        if m.effective_date >= since and m.status == AccountabilityMeasure.Status.IN_FORCE
    ]
    recent += [
        f"{d.decided_on.isoformat()} {_sanction(d)}({d.case_no})"
        for d in record.disciplinary
        if d.decided_on is not None
        and d.decided_on >= since
        and (d.party_sanction or d.public_office_sanction)
    ]
    open_cases = [f"{c.number} {c.title}({c.get_status_display()})" for c in record.open_cases]
    open_cases += [
        f"{d.case_no}(纪律审查,{d.get_status_display()})" for d in record.open_disciplinary
    ]
    leads = [f"{c.number} {c.title}({c.get_status_display()})" for c in record.lead_cases]
    leads += [f"{f}" for f in record.pending_leads]
    return DraftFacts(in_force, open_cases, recent, leads)


def replies_for_request(request: IntegrityRequest, viewer: Any) -> QuerySet[IntegrityReply]:
    return (
        IntegrityReply.objects.visible_to(viewer)
        .filter(request=request)
        .select_related("person", "commission", "signed_by__person")
        .order_by("pk")
    )


def requests_for(viewer: Any) -> QuerySet[IntegrityRequest]:
    """The 组织部's own requests (and the ones a commission answers), newest first."""
    return (
        IntegrityRequest.objects.visible_to(viewer)
        .select_related("org", "requested_by__person")
        .annotate(
            total=Count("replies", distinct=True),
            returned=Count("replies", filter=Q(replies__status="returned"), distinct=True),
        )
        .order_by("-submitted_at", "-pk")
    )


def reply_queue(viewer: Any, *, status: str = "") -> QuerySet[IntegrityReply]:
    """The commission's queue: replies it answers, open ones first by due date."""
    replies = (
        IntegrityReply.objects.visible_to(viewer, "change")
        .select_related("person", "request__org", "commission")
        .order_by("status", "request__due_date", "pk")
    )
    if status in IntegrityReply.Status.values:
        replies = replies.filter(status=status)
    return replies


def is_requester(viewer: Any) -> bool:
    return bool(org_department_paths(viewer))


def today() -> datetime.date:
    return timezone.localdate()

"""Whom to hold to account: who held the posts answerable for a failure on the event date
(前任) and who holds them today (现任). A read; the officer picks, services/targets.py adds.

Suggested roles (R9, 问责条例 art.6): the secretary 主要领导责任; the member whose portfolio
(分管领域, the case's `portfolio`) covers the matter 重要领导责任; the supervising commission's
head 主要领导责任 for its supervisory responsibility."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import ResponsibilityKind
from responsibilities.models import Body, Organization, Portfolio, Tenure

R = Tenure.Role


@dataclass
class Candidate:
    tenure: Tenure
    is_incumbent: bool  # holds the post today
    held_at_event: bool  # held the post on the event date
    current_posts: list[Tenure] = field(default_factory=list)

    @property
    def is_predecessor(self) -> bool:
        return self.held_at_event and not self.is_incumbent


@dataclass
class Slot:
    key: str
    label: str
    suggested_kind: str
    at_event: list[Candidate]
    incumbents: list[Candidate]


def _slot_roles(org: Organization) -> list[tuple[str, str, str, Q]]:
    committee = Q(org=org, body__kind__in=Body.COMMITTEE_KINDS)
    discipline = Q(body=org.supervising_body) if org.supervising_body_id else Q(pk__in=[])
    return [
        (
            "secretary",
            _("书记(第一责任人)"),
            ResponsibilityKind.PRIMARY,
            committee & Q(role=R.SECRETARY),
        ),
        (
            "portfolio",
            _("分管该领域的班子成员"),
            ResponsibilityKind.IMPORTANT,
            committee & Q(role__in=[R.DEPUTY_SECRETARY, R.TEAM_MEMBER]),
        ),
        (
            # The commission's principal leader, for its supervisory responsibility: 问责 knows
            # only leadership roles for a person (accountability/roles.py).
            "discipline",
            _("纪委书记(派驻组组长)·监督责任"),
            ResponsibilityKind.PRIMARY,
            discipline & Q(role__in=[R.DISCIPLINE_SECRETARY, R.STATIONED_TEAM_LEADER]),
        ),
    ]


def _matches_slot(t: Tenure, key: str, org: Organization, portfolio: Portfolio | None) -> bool:
    if key == "secretary":
        return t.org_id == org.pk and t.role == R.SECRETARY and t.body.is_committee
    if key == "portfolio":
        return (
            t.org_id == org.pk
            and t.role in (R.DEPUTY_SECRETARY, R.TEAM_MEMBER)
            and t.body.is_committee
            and portfolio is not None
            and any(p.pk == portfolio.pk for p in t.portfolios.all())
        )
    return t.body_id == org.supervising_body_id and t.role in (
        R.DISCIPLINE_SECRETARY,
        R.STATIONED_TEAM_LEADER,
    )


def _held(t: Tenure, day: datetime.date) -> bool:
    return t.start_date <= day and (t.end_date is None or t.end_date >= day)


def _current_posts(person_ids: set[int], today: datetime.date) -> dict[int, list[Tenure]]:
    posts: dict[int, list[Tenure]] = {}
    for post in (
        Tenure.objects.held_on(today)
        .filter(person_id__in=person_ids)
        .select_related("org")
        .order_by("org__path", "pk")
    ):
        posts.setdefault(post.person_id, []).append(post)
    return posts


def propose_targets(
    org: Organization,
    event_date: datetime.date,
    portfolio: Portfolio | None = None,
    today: datetime.date | None = None,
) -> list[Slot]:
    """Who held the secretary, portfolio-member and discipline-secretary posts on the event
    date, and who holds them today; the officer picks. Three queries, whatever the size.

    Lifelong accountability: a holder at the time who has since moved or retired is listed
    with their current posts (possibly none).
    """
    today = today or timezone.localdate()
    slots = _slot_roles(org)
    if portfolio is None:
        slots = [s for s in slots if s[0] != "portfolio"]
    any_slot = Q(pk__in=[])
    for _key, _label, _kind, q in slots:
        any_slot |= q
    window = Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=event_date))
    tenures = list(
        Tenure.objects.filter(any_slot, window, start_date__lte=max(today, event_date))
        .select_related("person", "org", "body")
        .prefetch_related("portfolios")
        .order_by("start_date", "pk")
    )
    current_posts = _current_posts({t.person_id for t in tenures}, today)
    result = []
    for key, label, kind, _q in slots:
        candidates = [
            Candidate(
                tenure=t,
                is_incumbent=_held(t, today),
                held_at_event=_held(t, event_date),
                current_posts=current_posts.get(t.person_id, []),
            )
            for t in tenures
            if _matches_slot(t, key, org, portfolio)
        ]
        at_event = [c for c in candidates if c.held_at_event]
        incumbents = [c for c in candidates if c.is_incumbent]
        result.append(Slot(key, label, kind, at_event, incumbents))
    return result

"""Warnings no platform has (issue 18): the seed's 主体责任虚化 and 监督责任弱化, measured.

Each rule is a row of `WarningRule` (thresholds kept by the system administrator) and a
selector here that returns the flagged units or people (`Flag`) in a subtree:

- 以纪代责 (`discipline_substitutes`): a committee whose principal-responsibility items are
  fulfilled mainly by its 纪委's duty logs, or whose own logs are mostly 听取纪委汇报
  (action type 听取汇报或审阅报告 whose title names the 纪委: the rule's keywords);
- 纪检负责人兼职 (`discipline_side_jobs`): a 纪委 secretary or stationed-team leader in post
  with a portfolio outside supervision (on any current post of theirs), or holding a current
  post that is neither a discipline nor a committee post;
- 派驻组负荷 (`stationed_overload`): a stationed team supervising more departments, or with
  more open leads and cases (in total or per officer), than the rule allows;
- 年初签、平时空 (`signed_then_idle`): a signed responsibility letter whose signee has fewer
  counted duty logs after `day_limit` days from signing than the rule requires.

Every selector runs a fixed number of grouped queries over the subtree's path prefix
(`org_path LIKE 'path%'`), restricted to what the viewer may see (the scoping kit's VIEW
roots; `user=None` = the system, for collect.py). Figures needing a capability the viewer
lacks are `Figure.hidden()` ("—"), and do not trigger the warning for that viewer.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import DECIDED_STATUSES, AccountabilityCase, DisciplinaryCase
from assessments.models import CommitteeLogCount, WarningRule
from liangge_zeren.figures import Figure, Visibility, figure_visibility
from liangge_zeren.lookups import ids_in
from liangge_zeren.periods import Quarter
from responsibilities.models import (
    ActionType,
    Body,
    DutyLog,
    Organization,
    ResponsibilityLetter,
    ResponsibilityList,
    Signature,
    Tenure,
)
from responsibilities.scoping import Capability, is_unrestricted, paths_q, scope_paths

Code = WarningRule.Code

COMMITTEE_SUBJECTS = (
    ResponsibilityList.SubjectType.COMMITTEE_COLLECTIVE,
    ResponsibilityList.SubjectType.FIRST_RESPONSIBLE_PERSON,
    ResponsibilityList.SubjectType.TEAM_MEMBER,
)
LEADER_ROLES = (Tenure.Role.DISCIPLINE_SECRETARY, Tenure.Role.STATIONED_TEAM_LEADER)
OPEN_CASE_EXCLUDED = (*DECIDED_STATUSES, AccountabilityCase.Status.NOT_PURSUED)


@dataclass
class Flag:
    """One flagged unit or person, with the figures that triggered it."""

    code: str
    org_id: int
    org_name: str
    org_path: str
    subject: str
    figures: list[tuple[str, Any]] = field(default_factory=list)  # (label, value or Figure)
    reasons: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Window:
    """The year the warnings look at, up to `today` (never past the year's end)."""

    year: int
    today: datetime.date

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def end(self) -> datetime.date:
        return min(self.today, datetime.date(self.year, 12, 31))


def active_rules() -> list[WarningRule]:
    """The enabled rules, in code order (one query)."""
    return list(WarningRule.objects.filter(is_active=True).order_by("code"))


def describe(rule: WarningRule) -> str:
    """What triggers the warning, in plain Chinese, with its thresholds."""
    words = "、".join(rule.keyword_list) or "—"
    if rule.code == Code.DISCIPLINE_SUBSTITUTES:
        return _(
            "党委(党组)本年度计入主体责任清单条目的履责纪实中,由纪检监察干部记录的超过"
            "%(share)s%%;或班子自身的纪实中“听取纪委汇报”(听取汇报类、标题含%(words)s)超过"
            "%(share)s%%。纪实不足%(min)s条的不计算。"
        ) % {"share": rule.share_percent, "min": rule.min_logs, "words": words}
    if rule.code == Code.DISCIPLINE_SIDE_JOBS:
        return _(
            "在任纪委书记、派驻纪检监察组组长分管的领域名称不含监督执纪类关键词(%(words)s),"
            "或同时担任纪检、党委(党组)职务以外的其他职务。"
        ) % {"words": words}
    if rule.code == Code.STATIONED_OVERLOAD:
        return _(
            "派驻纪检监察组派驻单位超过%(departments)s个,或在办问责线索案件与纪律审查案件超过"
            "%(cases)s件,或人均在办超过%(per)s件。"
        ) % {
            "departments": rule.max_departments,
            "cases": rule.max_open_cases,
            "per": rule.max_cases_per_officer,
        }
    return _(
        "责任书已签订,但承诺方自签订满%(days)s天后记录的履责纪实少于%(min)s条(本年度,至今)。"
    ) % {"days": rule.day_limit, "min": rule.min_logs}


# --- Scope -----------------------------------------------------------------------------------


def _view_q(user, lookup: str) -> Q:
    """Rows the viewer may see: the VIEW subtrees over `lookup` (the plain subtree rule of the
    tree, lists and duty logs); everything for the system (`user=None`)."""
    if user is None or is_unrestricted(user):
        return Q()
    return paths_q(scope_paths(user, Capability.VIEW), lookup)


def _within(lookup: str, under: str, org_ids: Iterable[int] | None, id_lookup: str) -> Q:
    q = Q(**{f"{lookup}__startswith": under}) if under else Q()
    if org_ids is not None:
        q &= Q(ids_in(id_lookup, org_ids))
    return q


def _visibility(user, capability: Capability, path: str) -> Visibility:
    if user is None:
        return Visibility.FULL
    return figure_visibility(user, capability, path)


def _percent(part: int, whole: int) -> int:
    return round(part * 100 / whole) if whole else 0


def _over(part: int, whole: int, share: int) -> bool:
    """part / whole > share % (exact, no rounding); nothing over nothing is never over."""
    return whole > 0 and part * 100 > share * whole


def _keywords_q(words: list[str], lookup: str) -> Q:
    q = Q(pk__in=[])
    for word in words:
        q |= Q(**{f"{lookup}__contains": word})
    return q


# --- 以纪代责 -----------------------------------------------------------------------------------

REPORT_REVIEW = Q(action_type=ActionType.REPORT_REVIEW)


def committee_own_logs() -> QuerySet[DutyLog]:
    """A committee's own counted duty logs (written on a committee post): the warning's "own
    logs". `CommitteeLogCount` counts these rows, and the REPORT_REVIEW ones among them, per
    unit and year to date (dashboards/committeelogcount.py)."""
    return DutyLog.objects.filter(
        status__in=DutyLog.COUNTED, tenure__role__in=Tenure.COMMITTEE_ROLES
    )


def _in_window(window: Window) -> Q:
    return Q(occurred_on__range=(window.start, window.end))


def _hearing_q(keywords: list[str]) -> Q:
    """A 听取纪委汇报: a report review whose title names the 纪委 (the rule's keywords)."""
    return REPORT_REVIEW & _keywords_q(keywords, "title")


def substitution_counts(
    keywords: list[str], user, under: str, window: Window, org_ids=None
) -> dict[int, dict]:
    """Per unit: logs counted toward its committee items (`total`) and how many a discipline
    tenure wrote (`by_discipline`); the committee's own logs (`own`) and how many are
    听取纪委汇报 (`hearings`). Two grouped queries over the window's logs in the subtree: the
    reference `substitution_candidates` is checked against."""
    own = (
        committee_own_logs()
        .filter(
            _in_window(window),
            _within("org_path", under, org_ids, "org_id"),
            _view_q(user, "org_path"),
        )
        .values("org_id", "org__name", "org__path")
        .annotate(total=Count("pk"), hearings=Count("pk", filter=_hearing_q(keywords)))
        .order_by()
    )
    units = _toward(user, under, window, org_ids)
    for row in own:
        unit = units.setdefault(row["org_id"], {"name": row["org__name"], "path": row["org__path"]})
        unit["own"], unit["hearings"] = row["total"], row["hearings"]
    return units


def _toward(user, under: str, window: Window, org_ids=None) -> dict[int, dict]:
    """Per unit: the counted logs linked to its committee items of the year (`total`) and how
    many a discipline tenure wrote (`by_discipline`). One grouped query."""
    toward = (
        DutyLog.objects.filter(
            _in_window(window),
            _within("items__org_path", under, org_ids, "items__org_id"),
            _view_q(user, "items__org_path"),
            status__in=DutyLog.COUNTED,
            items__list__subject_type__in=COMMITTEE_SUBJECTS,
            items__list__is_template=False,
            items__list__year=window.year,
        )
        .values("items__org_id", "items__org__name", "items__org__path")
        .annotate(
            total=Count("pk", distinct=True),
            by_discipline=Count(
                "pk", distinct=True, filter=Q(tenure__role__in=Tenure.DISCIPLINE_ROLES)
            ),
        )
        .order_by()
    )
    units: dict[int, dict] = {}
    for row in toward:
        units[row["items__org_id"]] = {
            "name": row["items__org__name"],
            "path": row["items__org__path"],
            "total": row["total"],
            "by_discipline": row["by_discipline"],
        }
    return units


def _quarters_counted(window: Window) -> int | None:
    """Which quarter's year-to-date `CommitteeLogCount` row is the window (0: none),
    or None when whole quarters would count more: the window ends inside a quarter, before
    today (no log is dated after today, so a window ending today is its quarter to date)."""
    end = window.end
    if end < window.start:
        return 0
    quarter = Quarter.of(end)
    if end >= timezone.localdate() or end == quarter.window()[1]:
        return quarter.quarter
    return None


def _own_candidates(
    rule: WarningRule, user, under: str, window: Window, quarters: int, org_ids, also: set[str]
) -> dict[str, dict]:
    """Per unit path: the committee's own counted logs (`own`), from the year-to-date row of
    CommitteeLogCount — only for units where the own-logs reason may hold (hearings are a
    part of the report reviews, so reviews over the share is necessary: an index range on
    `review_share`) and for the paths in `also`. One query over those units' rows."""
    share, floor = rule.share_percent or 0, rule.min_logs or 0
    units = CommitteeLogCount.objects.filter(
        _view_q(user, "org_path"), year=window.year, quarter=quarters
    )
    if under:
        units = units.filter(org_path__startswith=under)
    if org_ids is not None:
        units = units.filter(
            org_path__in=Organization.objects.filter(ids_in("pk", org_ids)).values("path")
        )
    rows = units.filter(
        Q(n__gte=floor, n__gt=0, review_share__gt=share) | Q(org_path__in=also)
    ).values_list("org_path", "n")
    return {path: {"own": own} for path, own in rows.order_by()}


def _units_with_hearings(keywords: list[str], window: Window, paths: Iterable[str]) -> dict:
    """The units at `paths` (path → pk, name) with their committee's own counted 听取纪委汇报
    logs (`hearings`): one query, a correlated count over each unit's logs only."""
    hearings = committee_own_logs().filter(
        _hearing_q(keywords), _in_window(window), org_path=OuterRef("path")
    )
    rows = (
        Organization.objects.filter(path__in=list(paths))
        .annotate(hearings=_count(hearings))
        .values_list("pk", "name", "path", "hearings")
    )
    return {path: {"pk": pk, "name": name, "hearings": n} for pk, name, path, n in rows}


def substitution_candidates(
    rule: WarningRule, user, under: str, window: Window, org_ids=None
) -> dict[int, dict]:
    """`substitution_counts` for the units the rule may flag, in a number of queries that
    does not grow with the subtree: the logs toward committee items (as there), the own-log
    counts from CommitteeLogCount, then the hearings of the candidate units only. Units the
    rule cannot flag are left out; the scan is used where whole quarters do not fit the
    window."""
    quarters = _quarters_counted(window)
    if quarters is None:
        return substitution_counts(rule.keyword_list, user, under, window, org_ids)
    share, floor = rule.share_percent or 0, rule.min_logs or 0
    toward = _toward(user, under, window, org_ids)
    flagged_toward = {
        unit["path"]
        for unit in toward.values()
        if unit["total"] >= floor and _over(unit["by_discipline"], unit["total"], share)
    }
    own = _own_candidates(rule, user, under, window, quarters, org_ids, flagged_toward)
    found = _units_with_hearings(rule.keyword_list, window, own) if own else {}
    # Units with figures on both sides keep their toward-item figures.
    units = {pk: unit for pk, unit in toward.items() if unit["path"] in flagged_toward | own.keys()}
    for path, unit in found.items():
        entry = units.setdefault(unit["pk"], {"name": unit["name"], "path": path})
        entry["own"], entry["hearings"] = own[path]["own"], unit["hearings"]
    return units


def discipline_substitutes(
    rule: WarningRule, user, under: str, window: Window, org_ids=None
) -> list[Flag]:
    """A committee's items fulfilled mainly by 纪委 logs, or its own logs mostly hearings."""
    share, floor = rule.share_percent or 0, rule.min_logs or 0
    units = substitution_candidates(rule, user, under, window, org_ids)
    flags = []
    for org_id, unit in units.items():
        total, by_discipline = unit.get("total", 0), unit.get("by_discipline", 0)
        own_total, hearings = unit.get("own", 0), unit.get("hearings", 0)
        reasons = []
        if total >= floor and _over(by_discipline, total, share):
            reasons.append(_("主体责任条目主要由纪委的纪实完成"))
        if own_total >= floor and _over(hearings, own_total, share):
            reasons.append(_("班子自身纪实主要是听取纪委汇报"))
        if reasons:
            flags.append(
                Flag(
                    Code.DISCIPLINE_SUBSTITUTES,
                    org_id,
                    unit["name"],
                    unit["path"],
                    unit["name"],
                    [
                        (_("主体责任条目纪实"), total),
                        (_("其中纪委记录"), by_discipline),
                        (_("纪委占比(%)"), _percent(by_discipline, total)),
                        (_("班子自身纪实"), own_total),
                        (_("听取纪委汇报"), hearings),
                        (_("汇报占比(%)"), _percent(hearings, own_total)),
                    ],
                    reasons,
                )
            )
    return flags


def _count(qs: QuerySet) -> Coalesce:
    """A correlated COUNT(*) of `qs` (grouped by a constant: one row, or none → 0)."""
    counted = qs.order_by().values(one=Value(1)).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- 纪检负责人兼职 ----------------------------------------------------------------------------


def discipline_side_jobs(
    rule: WarningRule, user, under: str, window: Window, org_ids=None
) -> list[Flag]:
    """The leaders in post with their non-supervision portfolio count and whether they hold
    another kind of post (one query); then, when some are flagged, their names and their
    portfolio names (two more)."""
    day = window.end
    supervision = _keywords_q(rule.keyword_list, "portfolio__name")
    Through = Tenure.portfolios.through
    in_post = Tenure.objects.held_on(day)
    held = Q(tenure__start_date__lte=day) & (
        Q(tenure__end_date__isnull=True) | Q(tenure__end_date__gte=day)
    )
    outside = Through.objects.filter(held, tenure__person_id=OuterRef("person_id")).exclude(
        supervision
    )
    other_post = in_post.filter(person_id=OuterRef("person_id")).exclude(
        role__in=Tenure.DISCIPLINE_ROLES | Tenure.COMMITTEE_ROLES
    )
    # The flagged leaders first, without their names: joining every person and unit of a
    # province to the leaders before filtering cost more than the filter (issue 19).
    flagged = list(
        in_post.filter(
            _within("org_path", under, org_ids, "org_id"),
            _view_q(user, "org_path"),
            role__in=LEADER_ROLES,
        )
        .annotate(
            outside=_count(outside),
            other_post=Exists(other_post),
        )
        .filter(Q(outside__gt=0) | Q(other_post=True))
        .values("pk", "outside", "other_post")
        # Unordered: the model's order (by the unit's path) joined every unit of a province
        # for a list that is usually empty; the names below come in order.
        .order_by()
    )
    if not flagged:
        return []
    found = {row["pk"]: row for row in flagged}
    leaders = [
        {**row, **found[row["pk"]]}
        for row in Tenure.objects.filter(pk__in=found)
        .values("pk", "person_id", "person__name", "role", "org_id", "org__name", "org_path")
        .order_by("org_path", "person__name")
    ]
    outside_names = _portfolio_names(
        Through.objects.filter(
            held, tenure__person_id__in={r["person_id"] for r in leaders}
        ).exclude(supervision)
    )
    return [_side_job_flag(row, outside_names[row["person_id"]]) for row in leaders]


def _portfolio_names(rows: QuerySet) -> dict[int, list[str]]:
    names: dict[int, list[str]] = defaultdict(list)
    for person_id, name in (
        rows.values_list("tenure__person_id", "portfolio__name")
        .order_by("portfolio__name")
        .distinct()
    ):
        names[person_id].append(name)
    return names


def _side_job_flag(row: dict, names: list[str]) -> Flag:
    posts = dict(Tenure.Role.choices)
    reasons = []
    if row["outside"]:
        reasons.append(_("分管监督执纪以外的领域"))
    if row["other_post"]:
        reasons.append(_("兼任纪检、党委(党组)以外的职务"))
    return Flag(
        Code.DISCIPLINE_SIDE_JOBS,
        row["org_id"],
        row["org__name"],
        row["org_path"],
        f"{row['person__name']}({posts[row['role']]})",
        [
            (_("监督执纪以外的分管领域"), "、".join(names) or "—"),
            (_("兼任其他职务"), _("是") if row["other_post"] else _("否")),
        ],
        reasons,
    )


# --- 派驻组负荷 -------------------------------------------------------------------------------


def _masked(value: Any, seen: bool) -> Any:
    return value if seen else Figure.hidden()


def _teams(user, under: str, window: Window, org_ids=None) -> QuerySet:
    """Each stationed team with its departments, officers in post and open leads and cases
    (correlated counts; one query). Without its unit's name: joined to the units, a
    province's 160 teams hashed all 20,000 of them (11 ms at the root, issue 19); the flagged
    few are named after."""
    officers = Tenure.objects.held_on(window.end).filter(
        body_id=OuterRef("pk"), role__in=Tenure.DISCIPLINE_ROLES
    )
    leads = AccountabilityCase.objects.filter(handling_body_id=OuterRef("pk")).exclude(
        status__in=OPEN_CASE_EXCLUDED
    )
    cases = DisciplinaryCase.objects.filter(
        handling_body_id=OuterRef("pk"), status=DisciplinaryCase.Status.REGISTERED
    )
    departments = _count(Body.stationed_in.through.objects.filter(body_id=OuterRef("pk")))
    return (
        Body.objects.filter(
            _within("org_path", under, org_ids, "org_id"),
            _view_q(user, "org_path"),
            kind=Body.Kind.STATIONED_DISCIPLINE_TEAM,
            is_active=True,
        )
        .annotate(
            departments=departments,
            officers=_count(officers),
            leads=_count(leads),
            cases=_count(cases),
        )
        .values(
            "pk",
            "name",
            "org_id",
            "org_path",
            "departments",
            "officers",
            "leads",
            "cases",
        )
        .order_by("org_path", "name")
    )


def stationed_overload(
    rule: WarningRule, user, under: str, window: Window, org_ids=None
) -> list[Flag]:
    """Teams over the rule's limits. Case figures need discipline jurisdiction (SUPERVISE)
    over the team's unit: without it they show "—" and do not trigger the warning."""
    flags = []
    for row in _teams(user, under, window, org_ids):
        seen = _visibility(user, Capability.SUPERVISE, row["org_path"]) is Visibility.FULL
        open_cases = row["leads"] + row["cases"]
        per = (
            (Decimal(open_cases) / row["officers"]).quantize(Decimal("0.1"))
            if row["officers"]
            else None
        )
        reasons = []
        if rule.max_departments is not None and row["departments"] > rule.max_departments:
            reasons.append(_("派驻单位过多"))
        if seen and rule.max_open_cases is not None and open_cases > rule.max_open_cases:
            reasons.append(_("在办线索案件过多"))
        top_per = rule.max_cases_per_officer
        if seen and top_per is not None and per is not None and per > top_per:
            reasons.append(_("人均在办过多"))
        if not reasons:
            continue
        flags.append(
            Flag(
                Code.STATIONED_OVERLOAD,
                row["org_id"],
                "",  # named below
                row["org_path"],
                row["name"],
                [
                    (_("派驻单位数"), row["departments"]),
                    (_("在任纪检干部"), row["officers"]),
                    (_("在办问责线索"), _masked(row["leads"], seen)),
                    (_("在办审查案件"), _masked(row["cases"], seen)),
                    (_("人均在办"), _masked(per if per is not None else "—", seen)),
                ],
                reasons,
            )
        )
    return _named(flags)


def _named(flags: list[Flag]) -> list[Flag]:
    """The flags with their units' names: one query, for the flagged few only."""
    if flags:
        units = Organization.objects.filter(ids_in("pk", {flag.org_id for flag in flags}))
        names = dict(units.values_list("pk", "name"))
        for flag in flags:
            flag.org_name = names[flag.org_id]
    return flags


# --- 年初签、平时空 ----------------------------------------------------------------------------


def signed_then_idle(
    rule: WarningRule, user, under: str, window: Window, org_ids=None
) -> list[Flag]:
    """Two queries: the year's signed letters with the signee's signing time, then the signees'
    counted logs of the year per day (grouped)."""
    days = datetime.timedelta(days=rule.day_limit or 0)
    due = []
    for row in _signed_letters(user, under, window, org_ids):
        row["cutoff"] = timezone.localdate(row["signed_at"]) + days
        if row["cutoff"] < window.end:
            due.append(row)
    if not due:
        return []
    per_day = _logs_per_day({r["signee_tenure_id"] for r in due}, window)
    flags = []
    for row in due:
        logs = per_day[row["signee_tenure_id"]]
        after = sum(n for day, n in logs if day > row["cutoff"])
        if after >= (rule.min_logs or 0):
            continue
        flags.append(
            Flag(
                Code.SIGNED_THEN_IDLE,
                row["org_id"],
                row["org__name"],
                row["org_path"],
                f"{row['signee_tenure__person__name']} · {row['title']}",
                [
                    (_("签订日期"), timezone.localdate(row["signed_at"]).isoformat()),
                    (_("计数起始"), row["cutoff"].isoformat()),
                    (_("此后纪实"), after),
                    (_("本年度纪实"), sum(n for _day, n in logs)),
                ],
                [_("签订后履责纪实过少")],
            )
        )
    return flags


def _signed_letters(user, under: str, window: Window, org_ids=None) -> list[dict]:
    """The year's signed letters with the signee's signing time (one query)."""
    signed_at = Signature.objects.filter(
        letter_id=OuterRef("pk"), role=Signature.Role.SIGNEE
    ).values("signed_at")[:1]
    return list(
        ResponsibilityLetter.objects.filter(
            _within("org_path", under, org_ids, "org_id"),
            _view_q(user, "org_path"),
            year=window.year,
            status=ResponsibilityLetter.Status.SIGNED,
        )
        .annotate(signed_at=Subquery(signed_at))
        .filter(signed_at__isnull=False)
        .values(
            "pk",
            "title",
            "org_id",
            "org__name",
            "org_path",
            "signee_tenure_id",
            "signee_tenure__person__name",
            "signed_at",
        )
        .order_by("org_path", "pk")
    )


def _logs_per_day(tenure_ids: set[int], window: Window) -> dict[int, list]:
    """Counted logs of the year per (tenure, day) — at most a row per day per signee."""
    per_day: dict[int, list[tuple[datetime.date, int]]] = defaultdict(list)
    for tenure_id, day, n in (
        DutyLog.objects.filter(
            tenure_id__in=tenure_ids,
            status__in=DutyLog.COUNTED,
            occurred_on__range=(window.start, window.end),
        )
        .values("tenure_id", "occurred_on")
        .annotate(n=Count("pk"))
        .values_list("tenure_id", "occurred_on", "n")
        .order_by()
    ):
        per_day[tenure_id].append((day, n))
    return per_day


SELECTORS: dict[str, Callable[..., list[Flag]]] = {
    Code.DISCIPLINE_SUBSTITUTES: discipline_substitutes,
    Code.DISCIPLINE_SIDE_JOBS: discipline_side_jobs,
    Code.STATIONED_OVERLOAD: stationed_overload,
    Code.SIGNED_THEN_IDLE: signed_then_idle,
}


def flags(rule: WarningRule, user, under: str, window: Window) -> list[Flag]:
    """The rule's flagged units or people in the subtree `under` the viewer may see."""
    return SELECTORS[rule.code](rule, user, under, window)


@dataclass
class Summary:
    rule: WarningRule
    description: str
    flags: list[Flag]

    @property
    def count(self) -> int:
        return len(self.flags)


def summaries(user, under: str, window: Window) -> list[Summary]:
    """Every enabled rule with its flags in the subtree (one query for the rules, then each
    selector's fixed number)."""
    return [Summary(r, describe(r), flags(r, user, under, window)) for r in active_rules()]


def counts_by_org(org_ids: Iterable[int], window: Window) -> dict[int, dict[str, int]]:
    """For collect.py: per unit, how many flags of each enabled rule fall on the unit itself
    (its own committee, letters, leaders, teams) — the system's view, no viewer."""
    org_ids = list(org_ids)
    codes = Code.values  # a list built per access
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(codes, 0) for pk in org_ids}
    for rule in active_rules():
        for flag in SELECTORS[rule.code](rule, None, "", window, org_ids):
            if flag.org_id in out:
                out[flag.org_id][rule.code] += 1
    return out

"""Appointments, removals, transfers and 换届 recorded in the browser (issue 16).

Write services (keyword-only `actor`, one transaction, history through `services.appoint`
and `services.end_tenure`, which also supersede letters and hand items over) and the checks
they share with the cadre-system import (responsibilities/appointment_import.py):

- an end date before the start date;
- the person already holding a post in the same body in an overlapping period;
- a single-holder post (书记, 纪委书记, 派驻组组长) already held by someone else then.

Dates: an effective date D means the old post's last day is D - 1 and the new post's first
day is D, so "who held the post on D" has one answer and the successor takes the
predecessor's items (lists.predecessor_of: ended before the successor started).

换届 (`plan_reshuffle` / `apply_reshuffle`): every tenure of a body in force on D - 1 ends on
D - 1 and the new team starts on D, in one transaction. The plan lists its effects first
(`ReshuffleEffects`): letters superseded, letters whose issuer leaves, item assignments
handed over or left without an owner, lists whose 责任人 leaves, open duty logs, and the
open work later apps register (`register_open_work`, e.g. rectification tasks), so nothing
is dropped silently: whatever needs a person's decision is listed as a follow-up. Open work
whose successor is determined (`_successor`: same body and role, for a team member the new
member sharing a portfolio) is handed to the successor's new tenure in the same transaction
by the registering app's own service, which tells the successor; the rest stays a follow-up.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from liangge_zeren.actors import Actor, write_service
from liangge_zeren.spreadsheets import choice_table, fold, split_list
from responsibilities import services
from responsibilities.models import (
    Body,
    DutyLog,
    ItemAssignment,
    Organization,
    Person,
    Portfolio,
    ResponsibilityItem,
    ResponsibilityLetter,
    ResponsibilityList,
    Tenure,
)

ONE_DAY = datetime.timedelta(days=1)
# Posts one person holds at a time in a body.
SINGLE_HOLDER_ROLES = frozenset(
    {
        Tenure.Role.SECRETARY,
        Tenure.Role.DISCIPLINE_SECRETARY,
        Tenure.Role.STATIONED_TEAM_LEADER,
    }
)
# The posts a 换届 ends and fills: the team (班子) of a committee or discipline body; a clerk
# or a 组织部 post in the same body is appointed and removed on its own.
TEAM_ROLES = Tenure.COMMITTEE_ROLES | Tenure.DISCIPLINE_ROLES
OPEN_LETTERS = (
    ResponsibilityLetter.Status.DRAFTED,
    ResponsibilityLetter.Status.SENT,
    ResponsibilityLetter.Status.SIGNED,
)


def _span(start: datetime.date, end: datetime.date | None) -> str:
    return f"{start:%Y-%m-%d} – {end:%Y-%m-%d}" if end else f"{start:%Y-%m-%d} – " + _("至今")


def overlapping(
    body: Body, start: datetime.date, end: datetime.date | None
) -> Q:  # tenures of `body` in force at some day of [start, end]
    q = Q(body=body) & (Q(end_date__isnull=True) | Q(end_date__gte=start))
    if end is not None:
        q &= Q(start_date__lte=end)
    return q


def tenure_problems(
    *,
    person: Person | None,
    body: Body,
    role: str,
    start: datetime.date,
    end: datetime.date | None = None,
    ignore: Iterable[int] = (),
) -> dict[str, str]:
    """Why a new tenure cannot be recorded, by field ({} when it can).

    `ignore`: tenures the same change ends before this one starts (a transfer, a 换届)."""
    problems: dict[str, str] = {}
    if end is not None and end < start:
        problems["end_date"] = _("任职结束日期不能早于开始日期。")
        return problems
    others = Tenure.objects.filter(overlapping(body, start, end)).exclude(pk__in=list(ignore))
    if person is not None and person.pk:
        same = others.filter(person=person).order_by("start_date").first()
        if same is not None:
            problems["person"] = _(
                "%(name)s 在此期间已在%(body)s担任“%(role)s”(%(span)s),"
                "请先办理免职或调任,不能重叠任职。"
            ) % {
                "name": person.name,
                "body": body.name,
                "role": same.get_role_display(),
                "span": _span(same.start_date, same.end_date),
            }
    if role in SINGLE_HOLDER_ROLES:
        holder = (
            others.filter(role=role)
            .exclude(person=person if person is not None and person.pk else None)
            .select_related("person")
            .order_by("start_date")
            .first()
        )
        if holder is not None:
            problems["role"] = _(
                "%(body)s的“%(role)s”在此期间已由 %(name)s 担任(%(span)s),"
                "请先办理其免职,或使用换届。"
            ) % {
                "body": body.name,
                "role": holder.get_role_display(),
                "name": holder.person.name,
                "span": _span(holder.start_date, holder.end_date),
            }
    return problems


def default_body(org: Organization, role: str) -> Body | None:
    """The body of `org` a post of `role` is held in, when the unit has exactly one fitting
    body: discipline posts in its discipline body, every other post in its committee."""
    if role in Tenure.DISCIPLINE_ROLES:
        kinds = Body.DISCIPLINE_KINDS
        bodies = list(
            Body.objects.filter(is_active=True, kind__in=kinds)
            .filter(Q(org=org) | Q(stationed_in=org))
            .distinct()[:2]
        )
    else:
        bodies = list(
            Body.objects.filter(org=org, is_active=True, kind__in=Body.COMMITTEE_KINDS)[:2]
        )
    return bodies[0] if len(bodies) == 1 else None


def find_person(code: str, name: str) -> tuple[Person | None, str]:
    """The person with `code` (None: a new person), or a message why the pair does not fit."""
    person = Person.objects.filter(code=code).first()
    if person is None:
        return None, ""
    if name and person.name != name:
        return None, _("人员编码“%(code)s”在系统中对应的姓名与所填姓名不一致,请核对。") % {
            "code": code
        }
    return person, ""


def _person_for(code: str, name: str, *, external_id: str = "", actor: Actor) -> Person:
    person, problem = find_person(code, name)
    if problem:
        raise ValidationError({"person_code": problem})
    if person is None:
        if not name:
            raise ValidationError({"person_name": _("新人员须填写姓名。")})
        person = services.create_person(code=code, name=name, actor=actor)
    if external_id:
        record_external_id(person, external_id, actor=actor)
    return person


@write_service
def record_external_id(person: Person, external_id: str, *, actor: Actor) -> bool:
    """The identity platform's id (single sign-on matches on it): filled once, never
    silently replaced — a different stored value or another person's is an error.
    True when it was recorded now."""
    if person.external_id == external_id:
        return False
    if person.external_id:
        raise ValidationError(
            {
                "external_id": _(
                    "与系统中该人员的统一身份标识“%(stored)s”不一致;更改请由系统管理员核实后办理。"
                )
                % {"stored": person.external_id}
            }
        )
    holder = Person.objects.filter(external_id=external_id).exclude(pk=person.pk).first()
    if holder is not None:
        raise ValidationError(
            {
                "external_id": _("统一身份标识“%(id)s”已属于人员编码“%(code)s”。")
                % {"id": external_id, "code": holder.code}
            }
        )
    services.update_person(person, external_id=external_id, actor=actor)
    return True


def _portfolios(org: Organization, names: Iterable[str], *, actor: Actor) -> list[Portfolio]:
    return [services.get_or_create_portfolio(org, name, actor=actor) for name in names]


def _raise(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError(problems)


# --- Appointment, removal, transfer ----------------------------------------------------------


@write_service
def record_appointment(
    *,
    org: Organization,
    body: Body,
    person_code: str,
    person_name: str,
    role: str,
    start_date: datetime.date,
    title: str = "",
    portfolio_names: Sequence[str] = (),
    end_date: datetime.date | None = None,
    external_id: str = "",
    actor: Actor,
) -> Tenure:
    """任职: `person` takes `role` in `body` from `start_date` (a new person is created;
    `external_id`, the identity platform's id, is recorded on a person who has none)."""
    if body.org_id != org.pk and not body.stationed_in.filter(pk=org.pk).exists():
        raise ValidationError({"body": _("所在机构必须属于该单位。")})
    person = _person_for(person_code, person_name, external_id=external_id, actor=actor)
    _raise(tenure_problems(person=person, body=body, role=role, start=start_date, end=end_date))
    return services.appoint(
        person=person,
        body=body,
        org=org,
        role=role,
        title=title,
        start_date=start_date,
        end_date=end_date,
        portfolios=_portfolios(org, portfolio_names, actor=actor),
        actor=actor,
    )


def removal_problems(tenure: Tenure, end_date: datetime.date) -> dict[str, str]:
    if tenure.end_date is not None:
        return {"end_date": _("该任职已于 %(day)s 结束。") % {"day": f"{tenure.end_date:%Y-%m-%d}"}}
    if end_date < tenure.start_date:
        return {"end_date": _("任职结束日期不能早于开始日期。")}
    return {}


@write_service
def record_removal(tenure: Tenure, *, end_date: datetime.date, reason: str, actor: Actor) -> Tenure:
    """免职: the tenure's last day is `end_date` (the row stays; letters are superseded)."""
    tenure = Tenure.objects.select_for_update().get(pk=tenure.pk)
    _raise(removal_problems(tenure, end_date))
    return services.end_tenure(tenure, end_date, reason, actor=actor)


@write_service
def record_transfer(
    tenure: Tenure,
    *,
    effective: datetime.date,
    org: Organization,
    body: Body,
    role: str,
    title: str = "",
    portfolio_names: Sequence[str] = (),
    reason: str = "",
    actor: Actor,
) -> Tenure:
    """调任: the old post ends the day before `effective`, the new one starts on it."""
    tenure = Tenure.objects.select_for_update().select_related("person").get(pk=tenure.pk)
    problems = removal_problems(tenure, effective - ONE_DAY)
    if problems:
        raise ValidationError({"effective": problems["end_date"]})
    if body.org_id != org.pk and not body.stationed_in.filter(pk=org.pk).exists():
        raise ValidationError({"body": _("所在机构必须属于该单位。")})
    _raise(
        tenure_problems(
            person=tenure.person, body=body, role=role, start=effective, ignore=[tenure.pk]
        )
    )
    services.end_tenure(tenure, effective - ONE_DAY, reason or _("调任"), actor=actor)
    return services.appoint(
        person=tenure.person,
        body=body,
        org=org,
        role=role,
        title=title,
        start_date=effective,
        portfolios=_portfolios(org, portfolio_names, actor=actor),
        actor=actor,
    )


# --- 换届 ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewMember:
    """One line of the new team: 人员编码, 姓名, 角色, 职务名称, 分管领域 (; separated)."""

    line: int
    code: str
    name: str
    role: str
    title: str
    portfolios: tuple[str, ...]
    person: Person | None  # None: a new person

    @property
    def role_label(self) -> str:
        return str(Tenure.Role(self.role).label)


@dataclass(frozen=True)
class Effect:
    """One consequence of the change: what, about which record, and whether a person must act."""

    kind: str
    text: str
    url: str = ""
    follow_up: bool = False


@dataclass
class ReshufflePlan:
    body: Body
    effective: datetime.date
    reason: str
    ending: list[Tenure] = field(default_factory=list)
    members: list[NewMember] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    # Ending tenure id -> the new member who takes over its items and open work (None: nobody).
    successors: dict[int, NewMember | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def follow_ups(self) -> list[Effect]:
        return [e for e in self.effects if e.follow_up]

    @property
    def fingerprint(self) -> str:
        """What the preview showed: the tenures that end, the new team and the effects (so
        open work assigned after the preview is not handed over unseen). Confirming a plan
        whose fingerprint changed since the preview is refused."""
        parts = [str(self.body.pk), f"{self.effective:%Y-%m-%d}"]
        parts += [f"{t.pk}:{t.end_date}" for t in self.ending]
        parts += [
            f"{m.code}|{m.name}|{m.role}|{m.title}|{';'.join(m.portfolios)}" for m in self.members
        ]
        parts += [f"{e.kind}|{e.follow_up}|{e.url}|{e.text}" for e in self.effects]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def parse_team(text: str) -> tuple[list[tuple[int, list[str]]], list[str]]:
    """Lines of "编码,姓名,角色,职务名称,分管领域" (comma, Chinese comma or tab separated)."""
    rows, errors = [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        cells = [c.strip() for c in line.replace(",", ",").replace("\t", ",").split(",")]
        if len(cells) < 3:
            errors.append(
                _("第 %(n)d 行:至少填写“人员编码,姓名,角色”三项,用逗号分隔。") % {"n": number}
            )
            continue
        rows.append((number, cells + [""] * (5 - len(cells))))
    return rows, errors


class _TeamCheck:
    """Checks the new team's lines one by one (duplicates across lines included)."""

    def __init__(self, body: Body, effective: datetime.date, ending_ids: list[int]):
        self.body, self.effective, self.ending_ids = body, effective, ending_ids
        self.roles = choice_table(Tenure.Role)
        self.seen: dict[str, int] = {}
        self.singles: dict[str, int] = {}

    def line(self, number: int, cells: list[str]) -> tuple[NewMember | None, list[str]]:
        code, name, role_text, title, portfolios = cells[:5]
        role = self.roles.get(fold(role_text))
        if not code:
            return None, [_("人员编码必须填写。")]
        if role is None:
            return None, [_("“%(value)s”不是可选的角色。") % {"value": role_text}]
        if role not in TEAM_ROLES:
            return None, [
                _("换届只办理班子成员的职务;“%(role)s”请在单位任免页面单独任免。")
                % {"role": Tenure.Role(role).label}
            ]
        if code in self.seen:
            return None, [
                _("人员编码“%(code)s”与第 %(first)d 行重复。")
                % {"code": code, "first": self.seen[code]}
            ]
        self.seen[code] = number
        if role in SINGLE_HOLDER_ROLES:
            if role in self.singles:
                return None, [
                    _("该职务只能一人担任,已在第 %(first)d 行填写。")
                    % {"first": self.singles[role]}
                ]
            self.singles[role] = number
        person, problem = find_person(code, name)
        if problem:
            return None, [problem]
        if person is None and not name:
            return None, [_("新人员须填写姓名。")]
        probe = Tenure(
            person=person, body=self.body, org=self.body.org, role=role, start_date=self.effective
        )
        try:
            probe.clean()
        except ValidationError as exc:
            return None, list(exc.messages)
        problems = tenure_problems(
            person=person, body=self.body, role=role, start=self.effective, ignore=self.ending_ids
        )
        member = NewMember(
            number,
            code,
            name or (person.name if person else ""),
            role,
            title,
            tuple(split_list(portfolios)),
            person,
        )
        return member, list(problems.values())


def plan_reshuffle(
    body: Body, effective: datetime.date, team_text: str, reason: str = "", *, viewer: Any
) -> ReshufflePlan:
    """What the 换届 would do (nothing is written): checks, the tenures that end, the new
    team and every effect."""
    plan = ReshufflePlan(body=body, effective=effective, reason=reason)
    last_day = effective - ONE_DAY
    plan.ending = list(
        Tenure.objects.held_on(last_day)
        .filter(body=body, role__in=sorted(TEAM_ROLES))
        .select_related("person", "org", "body")
        .prefetch_related("portfolios")
        .order_by("role", "pk")
    )
    for tenure in plan.ending:
        if tenure.start_date > last_day:
            plan.errors.append(
                _("%(name)s 的任职自 %(day)s 开始,晚于换届前一日,请调整换届日期。")
                % {"name": tenure.person.name, "day": f"{tenure.start_date:%Y-%m-%d}"}
            )
    rows, line_errors = parse_team(team_text)
    plan.errors.extend(line_errors)
    if not rows and not plan.errors:
        plan.errors.append(_("请填写新一届班子成员,每行一人。"))
    check = _TeamCheck(body, effective, [t.pk for t in plan.ending])
    for number, cells in rows:
        member, problems = check.line(number, cells)
        where = _("第 %(n)d 行:") % {"n": number}
        plan.errors.extend(where + problem for problem in problems)
        if member is not None:
            plan.members.append(member)
    plan.successors = {t.pk: _successor(t, plan.members, plan.ending) for t in plan.ending}
    plan.effects = reshuffle_effects(plan, viewer)
    return plan


# Later apps (inspections: open rectification tasks…) register the open work a tenure holds.
# `preview(ids, successors, viewer)`: the effects for the ending tenures' ids, given who takes
# over each (ending tenure id -> NewMember or None), naming only records the viewer may see
# (`shown`): "→ successor" or a follow-up when nobody does. `hand_over(handed, actor=...)`:
# inside the 换届's transaction, moves the open work of each ending tenure id in `handed` to
# the successor's new Tenure through the app's own write service (which records history and
# tells the successor); a refusal (ValidationError) rolls the whole 换届 back.
@dataclass(frozen=True)
class OpenWork:
    preview: Callable[[Sequence[int], Mapping[int, NewMember | None], Any], list[Effect]]
    hand_over: Callable[..., None]  # (handed: Mapping[int, Tenure], *, actor: Actor)


_OPEN_WORK: list[OpenWork] = []


def register_open_work(source: OpenWork) -> None:
    if source not in _OPEN_WORK:
        _OPEN_WORK.append(source)


def _successor(tenure: Tenure, members: Sequence[NewMember], ending: Sequence[Tenure]):
    """The new member who takes over `tenure`'s items, as lists.predecessor_of will decide:
    same role (and a shared portfolio for team members), the latest-ended predecessor."""
    names = {p.name for p in tenure.portfolios.all()}
    for member in members:
        if member.role != tenure.role:
            continue
        candidates = [t for t in ending if t.role == member.role]
        if member.role == Tenure.Role.TEAM_MEMBER:
            wanted = set(member.portfolios)
            candidates = [t for t in candidates if wanted & {p.name for p in t.portfolios.all()}]
            if not (wanted & names):
                continue
        if candidates and max(candidates, key=lambda t: t.pk).pk == tenure.pk:
            return member
    return None


def shown(model: Any, viewer: Any, pks: Iterable[int]) -> set[int]:
    """Of the rows `pks`, those the viewer may see (one scoped query): the others are
    counted in the effects without their content (a system administrator sees no business
    record, 三员分立)."""
    wanted = sorted(set(pks))
    if not wanted:
        return set()
    return set(model.objects.visible_to(viewer).filter(pk__in=wanted).values_list("pk", flat=True))


def hidden_effect(kind: str, what: str, *, follow_up: bool) -> Effect:
    return Effect(
        kind,
        _("%(what)s一项(您无权查看其内容,请通知其所在单位跟进)。") % {"what": what},
        follow_up=follow_up,
    )


def reshuffle_effects(plan: ReshufflePlan, viewer: Any) -> list[Effect]:
    """Every consequence of ending `plan.ending` and starting `plan.members` (read only)."""
    ids = [t.pk for t in plan.ending]
    if not ids:
        return []
    by_id = {t.pk: t for t in plan.ending}
    effects = _letter_effects(ids, by_id, viewer)
    effects += _item_effects(plan, ids, by_id, viewer)
    effects += _list_effects(ids, by_id, viewer)
    effects += _log_effects(ids, by_id, viewer)
    for source in _OPEN_WORK:
        effects.extend(source.preview(ids, plan.successors, viewer))
    return effects


def _letter_effects(ids: list[int], by_id: dict[int, Tenure], viewer: Any) -> list[Effect]:
    effects: list[Effect] = []
    signed = list(
        ResponsibilityLetter.objects.filter(
            signee_tenure_id__in=ids, status__in=OPEN_LETTERS
        ).order_by("pk")
    )
    issued = list(
        ResponsibilityLetter.objects.filter(
            issuer_tenure_id__in=ids,
            status__in=(ResponsibilityLetter.Status.DRAFTED, ResponsibilityLetter.Status.SENT),
        ).order_by("pk")
    )
    letters_seen = shown(ResponsibilityLetter, viewer, [x.pk for x in signed + issued])
    for letter in signed:
        if letter.pk not in letters_seen:
            effects.append(hidden_effect("letter", _("将作废的责任书"), follow_up=False))
            continue
        effects.append(
            Effect(
                "letter",
                _(
                    "责任书“%(title)s”(%(year)d 年,承诺方 %(name)s)将作废;"
                    "继任者在交责方仍在任时获得新的责任书草稿。"
                )
                % {
                    "title": letter.title,
                    "year": letter.year,
                    "name": by_id[letter.signee_tenure_id].person.name,
                },
                reverse("duty_letter_detail", args=[letter.pk]),
            )
        )
    for letter in issued:
        if letter.pk not in letters_seen:
            effects.append(hidden_effect("letter", _("交责方离任的责任书"), follow_up=True))
            continue
        effects.append(
            Effect(
                "letter",
                _("责任书“%(title)s”的交责方 %(name)s 离任,尚未签署完成,需由新任交责方重新生成。")
                % {"title": letter.title, "name": by_id[letter.issuer_tenure_id].person.name},
                reverse("duty_letter_detail", args=[letter.pk]),
                follow_up=True,
            )
        )
    return effects


def _item_effects(
    plan: ReshufflePlan, ids: list[int], by_id: dict[int, Tenure], viewer: Any
) -> list[Effect]:
    effects: list[Effect] = []
    year = timezone.localdate().year
    assignments = list(
        ItemAssignment.objects.filter(
            tenure_id__in=ids, item__is_active=True, item__list__year__gte=year
        )
        .exclude(item__list__status=ResponsibilityList.Status.ARCHIVED)
        .select_related("item")
        .order_by("item__list_id", "item_id")
    )
    items_seen = shown(ResponsibilityItem, viewer, [a.item_id for a in assignments])
    for assignment in assignments:
        tenure = by_id[assignment.tenure_id]
        member = plan.successors.get(tenure.pk)
        item = assignment.item
        url = reverse("duty_item_detail", args=[item.pk])
        if item.pk not in items_seen:
            effects.append(
                hidden_effect(
                    "item",
                    _("将移交的责任事项") if member else _("换届后无人牵头的责任事项"),
                    follow_up=member is None,
                )
            )
        elif member is not None:
            effects.append(
                Effect(
                    "item",
                    _("责任事项“%(item)s”由 %(old)s 移交 %(new)s。")
                    % {"item": str(item)[:60], "old": tenure.person.name, "new": member.name},
                    url,
                )
            )
        else:
            effects.append(
                Effect(
                    "item",
                    _("责任事项“%(item)s”(原责任人 %(old)s)换届后无人牵头,需手工指派责任人。")
                    % {"item": str(item)[:60], "old": tenure.person.name},
                    url,
                    follow_up=True,
                )
            )
    return effects


def _list_effects(ids: list[int], by_id: dict[int, Tenure], viewer: Any) -> list[Effect]:
    effects: list[Effect] = []
    lists = list(
        ResponsibilityList.objects.filter(subject_tenure_id__in=ids)
        .exclude(status=ResponsibilityList.Status.ARCHIVED)
        .order_by("pk")
    )
    lists_seen = shown(ResponsibilityList, viewer, [x.pk for x in lists])
    for duty_list in lists:
        if duty_list.pk not in lists_seen:
            effects.append(hidden_effect("list", _("责任人离任的责任清单"), follow_up=True))
            continue
        effects.append(
            Effect(
                "list",
                _("责任清单“%(title)s”的责任人 %(name)s 离任,需为继任者制定或调整清单。")
                % {
                    "title": duty_list.title,
                    "name": by_id[int(duty_list.subject_tenure_id or 0)].person.name,
                },
                reverse("duty_list_detail", args=[duty_list.pk]),
                follow_up=True,
            )
        )
    return effects


def _log_effects(ids: list[int], by_id: dict[int, Tenure], viewer: Any) -> list[Effect]:
    effects: list[Effect] = []
    open_logs = list(
        DutyLog.objects.filter(tenure_id__in=ids)
        .exclude(status=DutyLog.Status.ACCEPTED)
        .order_by("pk")
    )
    logs_seen = shown(DutyLog, viewer, [x.pk for x in open_logs])
    for log in open_logs:
        if log.pk not in logs_seen:
            effects.append(hidden_effect("log", _("未办结的履责纪实"), follow_up=True))
            continue
        effects.append(
            Effect(
                "log",
                _("%(name)s 的履责纪实(%(day)s,%(status)s)尚未办结,离任后需由审核人处理或退回。")
                % {
                    "name": by_id[log.tenure_id].person.name,
                    "day": f"{log.occurred_on:%Y-%m-%d}",
                    "status": log.get_status_display(),
                },
                reverse("duty_log_detail", args=[log.pk]),
                follow_up=True,
            )
        )
    return effects


@write_service
def apply_reshuffle(
    body: Body,
    *,
    effective: datetime.date,
    team_text: str,
    reason: str,
    fingerprint: str,
    actor: Actor,
) -> ReshufflePlan:
    """换届: end every tenure of `body` held on the eve of `effective` and start the new
    team on it — all or nothing. Refused if the plan changed since its preview."""
    Body.objects.select_for_update().filter(pk=body.pk).first()  # one 换届 of a body at a time
    plan = plan_reshuffle(body, effective, team_text, reason, viewer=actor)
    if not plan.ok:
        raise ValidationError(plan.errors)
    if plan.fingerprint != fingerprint:
        raise ValidationError(_("预览之后班子成员或任职记录已有变化,请重新预览后再确认。"))
    last_day = effective - ONE_DAY
    end_reason = reason or _("换届")
    for tenure in plan.ending:
        services.end_tenure(tenure, last_day, end_reason, actor=actor)
    new_tenures: dict[str, Tenure] = {}
    for member in plan.members:
        person = member.person or services.create_person(
            code=member.code, name=member.name, actor=actor
        )
        new_tenures[member.code] = services.appoint(
            person=person,
            body=body,
            role=member.role,
            title=member.title,
            start_date=effective,
            portfolios=_portfolios(body.org, member.portfolios, actor=actor),
            actor=actor,
        )
    handed = {
        tenure_id: new_tenures[member.code]
        for tenure_id, member in plan.successors.items()
        if member is not None
    }
    for source in _OPEN_WORK:  # open work to the successors, in this same transaction
        source.hand_over(handed, actor=actor)
    return plan

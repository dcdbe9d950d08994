"""党风廉政意见回复 (issue 16): the organisation department (组织部) asks about a batch of
people, the commission with jurisdiction answers each one.

- `submit_request`: names typed or pasted from Excel (one person a line; name, then unit,
  separated by a tab, spaces or a comma), matched by name and unit among the people holding a
  post in the 组织部's unit and below. An unknown or ambiguous name is refused with its line —
  never guessed. Each person's reply goes to the commission of the committee that manages
  them (干部管理权限).
- `prepare_draft`: the commission's first opening fills the draft from the integrity record
  (a read, audited): in an influence period? an open case? measures in the last N years?
  pending leads?
- `edit_reply`, `sign_reply` (签字背书 by the commission's secretary, accountability/signoff.py),
  `return_reply` (only once signed; the last one closes the request and tells the 组织部),
  `withdraw_request`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.integrity import DraftFacts, draft_facts, integrity_record
from accountability.models import IntegrityReply, IntegrityRequest
from accountability.signoff import signer_for
from accountability.workflows import INTEGRITY_REPLY_FLOW, INTEGRITY_REQUEST_FLOW
from liangge_zeren.actors import JOBS, Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from liangge_zeren.workflow import refuse
from notifications.services import notify
from responsibilities.authority import managing_committee
from responsibilities.models import Body, Organization, Person, Tenure

C = IntegrityReply.Conclusion
MAX_NAMES = 200


def reply_days() -> int:
    return int(getattr(settings, "INTEGRITY_REPLY_DAYS", 10))


@dataclass(frozen=True)
class NameLine:
    number: int
    name: str
    unit: str


_SEPARATORS = re.compile(r"[\t,,;;]+|\s{1,}")


def parse_names(text: str) -> list[NameLine]:
    """One person a line: 姓名[分隔符单位]; a header line (姓名 …) and blank lines are skipped."""
    lines: list[NameLine] = []
    for number, raw in enumerate((text or "").splitlines(), 1):
        parts = [p.strip() for p in _SEPARATORS.split(raw.strip()) if p.strip()]
        if not parts or parts[0] in ("姓名", "名字"):
            continue
        lines.append(NameLine(number, parts[0], "".join(parts[1:2])))
    return lines


def _candidates(line: NameLine, scope: list[str], day: datetime.date) -> list[Person]:
    posts = Tenure.objects.held_on(day).filter(
        Q(*[Q(org_path__startswith=p) for p in scope], _connector=Q.OR)
    )
    if line.unit:
        units = Organization.objects.filter(name=line.unit)
        posts = posts.filter(org__in=units)
    return list(
        Person.objects.filter(name=line.name, is_active=True, tenures__in=posts)
        .distinct()
        .order_by("pk")[:3]
    )


def match_people(text: str, scope: list[str], day: datetime.date) -> list[Person]:
    """The people the lines name, in order; every problem refused at once, with its line."""
    lines = parse_names(text)
    if not lines:
        refuse(_("请填写至少一名人员(每行一人:姓名,单位)。"))
    if len(lines) > MAX_NAMES:
        refuse(_("一次最多征求 %(n)s 人。") % {"n": MAX_NAMES})
    errors: list[str] = []
    people: list[Person] = []
    for line in lines:
        found = _candidates(line, scope, day)
        where = line.unit or _("本单位及下级单位")
        if not found:
            errors.append(
                _("第%(n)s行:在%(unit)s未找到现任人员“%(name)s”,请核对姓名和单位。")
                % {"n": line.number, "unit": where, "name": line.name}
            )
        elif len(found) > 1:
            errors.append(
                _("第%(n)s行:“%(name)s”在%(unit)s有多名同名人员,请写明所在单位(姓名,单位)。")
                % {"n": line.number, "unit": where, "name": line.name}
            )
        elif found[0] in people:
            errors.append(
                _("第%(n)s行:“%(name)s”重复填写。") % {"n": line.number, "name": line.name}
            )
        else:
            people.append(found[0])
    if errors:
        refuse("\n".join(errors))
    return people


def _requesting_post(actor: Actor, day: datetime.date) -> Tenure:
    user = actor_user(actor)
    post: Tenure | None = (
        Tenure.objects.held_on(day)
        .filter(person__user=user, role=Tenure.Role.ORG_DEPARTMENT)
        .select_related("org")
        .order_by("pk")
        .first()
        if user is not None
        else None
    )
    if post is None:
        refuse(_("只有组织部的同志可以征求党风廉政意见。"))
    return post


def answering_commission(person: Person, day: datetime.date) -> Body:
    """The commission of the committee that manages the person (干部管理权限)."""
    committee = managing_committee(person, on=day)
    body = committee.org.supervising_body if committee is not None else None
    if body is None or not body.is_discipline:
        refuse(
            _("找不到对%(name)s有管辖权的纪检监察机关(管理该干部的党委不在本系统中)。")
            % {"name": person.name}
        )
    return body


def _posts_text(person: Person, day: datetime.date) -> str:
    posts = Tenure.objects.held_on(day).filter(person=person).select_related("org")
    return "、".join(f"{t.org.name}{t.title or t.get_role_display()}" for t in posts)[:300]


@write_service
def submit_request(
    *,
    actor: Actor,
    purpose: str,
    names: str,
    purpose_note: str = "",
    lookback_years: int = 3,
    due_date: datetime.date | None = None,
) -> IntegrityRequest:
    day = timezone.localdate()
    post = _requesting_post(actor, day)
    if purpose not in IntegrityRequest.Purpose.values:
        refuse(_("请选择征求事由。"))
    if not 1 <= lookback_years <= 10:
        refuse(_("核查年限须在 1 至 10 年之间。"))
    if due_date is not None and due_date < day:
        refuse(_("回复期限不能早于今天。"))
    people = match_people(names, [post.org.path], day)
    request = IntegrityRequest.objects.create(
        org=post.org,
        org_path=post.org.path,
        requested_by=post,
        purpose=purpose,
        purpose_note=purpose_note.strip(),
        lookback_years=lookback_years,
        due_date=due_date or day + datetime.timedelta(days=reply_days()),
        created_by=actor_user(actor),
    )
    for person in people:
        commission = answering_commission(person, day)
        IntegrityReply.objects.create(
            request=request,
            org=post.org,
            org_path=post.org.path,
            person=person,
            unit_snapshot=_posts_text(person, day),
            commission=commission,
            handling_path=commission.org.path,
        )
    return request


# --- The commission's side ---------------------------------------------------------------


def draft_text(person: Person, request: IntegrityRequest, facts: DraftFacts) -> tuple[str, str]:
    """(conclusion, text) from the facts: in force or open → objection; older → noted."""
    years = request.lookback_years
    parts: list[str] = []
    if facts.in_influence_period:
        parts.append(_("目前处于影响期:%s。") % ";".join(facts.in_influence_period))
    if facts.open_cases:
        parts.append(_("正在接受审查调查:%s。") % ";".join(facts.open_cases))
    if facts.pending_leads:
        parts.append(_("有尚未了结的问题线索:%s。") % ";".join(facts.pending_leads))
    if facts.recent_measures:
        parts.append(
            _("近%(years)s年受到处理:%(list)s。")
            % {"years": years, "list": ";".join(facts.recent_measures)}
        )
    head = _("经查,%(name)s同志") % {"name": person.name}
    if facts.in_influence_period or facts.open_cases:
        return C.OBJECTION, head + "".join(parts) + _("对其%(purpose)s有不同意见。") % {
            "purpose": request.get_purpose_display()
        }
    if parts:
        return C.NOTED, head + "".join(parts) + _("上述情况不影响其%(purpose)s。") % {
            "purpose": request.get_purpose_display()
        }
    return C.CLEAR, head + _(
        "近%(years)s年未发现违反党风廉政建设有关规定的问题,未处于党纪政务处分或问责影响期内,"
        "无正在审查调查的问题。"
    ) % {"years": years}


@write_service
def prepare_draft(
    reply: IntegrityReply, *, actor: Actor, request: Any = None, again: bool = False
) -> IntegrityReply:
    """Fill the draft from the person's integrity record (a read: audited)."""
    lock_current(reply, "status")
    if reply.drafted_at is not None and not again:
        return reply
    INTEGRITY_REPLY_FLOW.check(reply, "edit", actor)
    record = integrity_record(reply.person, viewer=actor, request=request, why="integrity_reply")
    facts = draft_facts(record, reply.request.lookback_years, timezone.localdate())
    reply.conclusion, reply.text = draft_text(reply.person, reply.request, facts)
    reply.facts = facts.as_dict()
    reply.drafted_at = timezone.now()
    INTEGRITY_REPLY_FLOW.move(reply, "edit", actor)
    reply.signed_by, reply.signed_at = None, None
    reply.save()
    return reply


@write_service
def edit_reply(
    reply: IntegrityReply, *, actor: Actor, conclusion: str, text: str
) -> IntegrityReply:
    lock_current(reply, "status")
    if conclusion not in C.values:
        refuse(_("请选择回复结论。"))
    if len((text or "").strip()) < 10:
        refuse(_("回复意见不能少于 10 个字。"))
    INTEGRITY_REPLY_FLOW.move(reply, "edit", actor)
    reply.conclusion, reply.text = conclusion, text.strip()
    reply.signed_by, reply.signed_at = None, None  # an edit needs a new signature
    reply.save()
    return reply


@write_service
def sign_reply(reply: IntegrityReply, *, actor: Actor) -> IntegrityReply:
    """签字背书: the commission's secretary (or the officer acting as head) signs (R27)."""
    lock_current(reply, "status")
    if not reply.conclusion or not reply.text:
        refuse(_("回复意见尚未填写,不能签字。"))
    signer = signer_for(actor, reply.commission, timezone.localdate())
    INTEGRITY_REPLY_FLOW.move(reply, "sign", actor)
    reply.signed_by, reply.signed_at = signer, timezone.now()
    reply.save()
    return reply


@write_service
def return_reply(reply: IntegrityReply, *, actor: Actor) -> IntegrityReply:
    lock_current(reply, "status")
    INTEGRITY_REPLY_FLOW.move(reply, "return", actor)
    reply.returned_at = timezone.now()
    reply.save()
    request = IntegrityRequest.objects.select_for_update().get(pk=reply.request_id)
    if INTEGRITY_REQUEST_FLOW.can(request, "complete"):
        INTEGRITY_REQUEST_FLOW.move(request, "complete", JOBS)
        request.save()
        _tell_requester(request)
    return reply


def _tell_requester(request: IntegrityRequest) -> None:
    user = request.requested_by.person.user
    if user is None or not user.is_active:
        return
    notify(
        user,
        _("党风廉政意见已全部回复:%(request)s") % {"request": request},
        link=reverse("accountability:integrity_request", args=[request.pk]),
        kind="integrity_returned",
        org_path=request.org_path,
        obj=request,
    )


@write_service
def withdraw_request(request: IntegrityRequest, *, actor: Actor) -> IntegrityRequest:
    lock_current(request, "status")
    INTEGRITY_REQUEST_FLOW.move(request, "withdraw", actor)
    request.save()
    return request

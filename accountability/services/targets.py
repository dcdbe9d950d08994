"""Who is held to account: leaders as the tenure they held at the failure (前任/现任,
终身问责) and Party organisations, with snapshots of unit, post and current posts.

Whom to propose is a read: accountability/proposals.py.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.bodies import check_org_decider, check_person_decider, committee_of
from accountability.models import (
    AccountabilityCase,
    AccountabilityTarget,
    Channel,
    ResponsibilityKind,
)
from accountability.roles import ORG, PERSON, check_role
from accountability.workflows import CASE_FLOW
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import lock_current
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Organization, Person, Tenure


def current_posts_text(person: Person, today: datetime.date | None = None) -> str:
    posts = (
        Tenure.objects.held_on(today or timezone.localdate())
        .filter(person=person)
        .select_related("org")
    )
    text = "; ".join(f"{p.org.name} {p.title or p.get_role_display()}" for p in posts)
    return text[:300] or _("现无任职(已离任或退休)")


def _check_tenure(case: AccountabilityCase, tenure: Tenure) -> None:
    """The tenure covers the event date and lies in the unit, above it or in its supervisor."""
    event = case.event_date
    if tenure.start_date > event or (tenure.end_date is not None and tenure.end_date < event):
        refuse(
            _("%(name)s的该项任职(%(start)s 至 %(end)s)不覆盖问题发生日期 %(event)s。")
            % {
                "name": tenure.person.name,
                "start": tenure.start_date,
                "end": tenure.end_date or _("今"),
                "event": event,
            }
        )
    related = tenure.org.path.startswith(case.org_path) or case.org_path.startswith(tenure.org.path)
    supervising = bool(case.org.supervising_body_id) and (
        tenure.body_id == case.org.supervising_body_id
    )
    if not related and not supervising:
        refuse(_("问责对象的任职须在失职失责单位或其上级、监督机构。"))
    if case.targets.filter(tenure=tenure).exists():
        refuse(_("该任职已是本案问责对象。"))


@write_service
def add_person_target(
    case: AccountabilityCase,
    *,
    actor: Actor,
    tenure: Tenure,
    responsibility_kind: str,
    is_collective: bool = False,
    dissent_recorded: bool = False,
    mitigating: str = "",
    aggravating: str = "",
) -> AccountabilityTarget:
    """A leader, as the tenure they held when the failure happened; the role is one that
    问责 knows for a person (主要/重要领导责任, accountability/roles.py)."""
    lock_current(case, "status")
    CASE_FLOW.check(case, "add_target", actor)
    check_role(Channel.PARTY_ACCOUNTABILITY, PERSON, responsibility_kind)
    _check_tenure(case, tenure)
    check_person_decider(case.deciding_body, tenure.person, tenure, timezone.localdate())
    target = AccountabilityTarget(
        case=case,
        org=tenure.org,
        org_path=tenure.org.path,
        target_type=AccountabilityTarget.TargetType.PERSON,
        tenure=tenure,
        person=tenure.person,
        name_snapshot=tenure.person.name,
        unit_snapshot=tenure.org.name,
        post_snapshot=(tenure.title or tenure.get_role_display())[:100],
        current_posts_snapshot=current_posts_text(tenure.person),
        is_predecessor=not tenure.is_current,
        responsibility_kind=responsibility_kind,
        is_collective=is_collective,
        dissent_recorded=dissent_recorded,
        mitigating=mitigating,
        aggravating=aggravating,
        added_by=actor_user(actor),
    )
    target.save()
    return target


@write_service
def add_org_target(
    case: AccountabilityCase,
    *,
    actor: Actor,
    org: Organization,
    body: Body | None = None,
    responsibility_kind: str = ResponsibilityKind.OVERALL,
    no_person_reason: str = "",
) -> AccountabilityTarget:
    """A Party organisation (collective responsibility: 检查 / 通报 / 改组)."""
    lock_current(case, "status")
    CASE_FLOW.check(case, "add_target", actor)
    check_role(Channel.PARTY_ACCOUNTABILITY, ORG, responsibility_kind)
    body = body or committee_of(org)
    if body is None:
        refuse(_("该单位没有可问责的党组织。"))
    if body.org_id != org.pk:
        refuse(_("党组织须属于该单位。"))
    if not org.path.startswith(case.org_path) and not case.org_path.startswith(org.path):
        refuse(_("被问责党组织须为失职失责单位或其上级。"))
    check_org_decider(case.deciding_body, org)
    if body.pk == case.deciding_body_id:
        refuse(_("回避:%(body)s是本案问责决定机关,不得对自身问责。") % {"body": body.name})
    target = AccountabilityTarget(
        case=case,
        org=org,
        org_path=org.path,
        target_type=AccountabilityTarget.TargetType.ORG,
        target_body=body,
        name_snapshot=body.name[:100],
        unit_snapshot=org.name,
        responsibility_kind=responsibility_kind,
        is_collective=True,
        no_person_reason=no_person_reason.strip(),
        added_by=actor_user(actor),
    )
    target.save()
    return target


def refresh_target_snapshots(case: AccountabilityCase) -> None:
    """At decision time: each person target's current posts (they may have moved on).

    Part of the decision (services/cases.decide_case), not a write of its own."""
    for target in case.targets.filter(target_type="person").select_related("person"):
        if target.person is None:  # a person target always has one (check constraint)
            continue
        text = current_posts_text(target.person)
        if text != target.current_posts_snapshot:
            target.current_posts_snapshot = text
            target.save(update_fields=["current_posts_snapshot"])

"""Responsibility lists and their items: create, issue (交责), acknowledge (认领), put in
force, archive, adopt a template ("1+X"), ad-hoc items, owners and tenure handover.

Write services: each takes a keyword-only `actor` (liangge_zeren.actors.write_service: the
outermost call runs in `transaction.atomic(durable=True)`, history rows name the actor). State
changes ask LIST_FLOW (responsibilities/workflows.py) on the locked row and raise
TransitionRefused; invalid input raises ValidationError. Letters and reports: letters.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liangge_zeren.actors import Actor, set_change_reason, write_service
from liangge_zeren.concurrency import check_version, lock_current
from responsibilities.copies import refresh_copy_detection
from responsibilities.models import (
    Body,
    ItemAssignment,
    Organization,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)
from responsibilities.workflows import LIST_FLOW

RL = ResponsibilityList
ITEM_FIELDS = (
    "category",
    "content",
    "required_action_type",
    "method_required",
    "frequency",
    "min_count",
    "due_date",
    "evidence_required",
    "weight",
    "is_mandatory",
    "is_ad_hoc",
    "portfolio",
)


def _scope(org: Organization) -> dict[str, Any]:
    return {"org": org, "org_path": org.path}


# --- Responsibility lists -----------------------------------------------------------------


@write_service
def create_list(
    *,
    actor: Actor,
    org: Organization,
    year: int,
    subject_type: str,
    title: str,
    subject_tenure: Tenure | None = None,
    based_on: str = "",
    is_template: bool = False,
    issued_by: Tenure | None = None,
) -> ResponsibilityList:
    if subject_type == RL.SubjectType.COMMITTEE_COLLECTIVE:
        subject_tenure = None
    elif subject_tenure is not None and subject_tenure.org_id != org.pk:
        raise ValidationError(_("责任人必须是本单位的在任人员。"))
    duty_list = ResponsibilityList(
        **_scope(org),
        year=year,
        subject_type=subject_type,
        subject_tenure=subject_tenure,
        title=title,
        based_on=based_on,
        is_template=is_template,
        issued_by=issued_by,
    )
    duty_list.full_clean()
    duty_list.save()
    return duty_list


def _check_editable(duty_list: ResponsibilityList) -> None:
    LIST_FLOW.check(duty_list, "edit")


@write_service
def add_item(
    duty_list: ResponsibilityList,
    *,
    actor: Actor,
    content: str,
    category: str = ResponsibilityItem.Category.OTHER,
    reason: str = "",
    lead: Tenure | None = None,
    source_item: ResponsibilityItem | None = None,
    detect_copies: bool = True,
    **fields: Any,
) -> ResponsibilityItem:
    """Add a clause. Once the list is acknowledged or in force an addition needs a reason.

    Copy detection runs after the addition unless `detect_copies` is False (an import adds
    many items and runs it once at the end)."""
    _check_editable(duty_list)
    if duty_list.needs_change_reason and not reason.strip():
        raise ValidationError(_("清单已生效,新增条目必须填写变更理由。"))
    number = (duty_list.items.aggregate(n=Max("number"))["n"] or 0) + 1
    item = ResponsibilityItem(
        list=duty_list,
        **_scope(duty_list.org),
        number=number,
        content=content,
        category=category,
        source_item=source_item,
        **fields,
    )
    item.full_clean()
    if reason:
        set_change_reason(item, reason)
    item.save()
    lead = lead or duty_list.subject_tenure
    if lead is not None:
        assign_owner(item, lead, ItemAssignment.Role.LEAD, actor=actor)
    if detect_copies:
        refresh_copy_detection(duty_list, actor=actor)
    return item


@write_service
def update_item(
    item: ResponsibilityItem,
    *,
    actor: Actor,
    reason: str = "",
    version: int | None = None,
    **fields: Any,
) -> ResponsibilityItem:
    """Change a clause. After acknowledgement every change is a new version with a reason.

    `version` is the version the editor loaded: if someone saved since, EditConflict is raised
    (liangge_zeren/concurrency.py) and nothing changes.
    """
    duty_list = item.list
    _check_editable(duty_list)
    stored = check_version(ResponsibilityItem, item.pk, version, list(fields))
    changed = {k: v for k, v in fields.items() if getattr(stored, k) != v}
    if not changed:
        return item
    if duty_list.needs_change_reason and not reason.strip():
        raise ValidationError(_("清单已生效,修改条目必须填写变更理由。"))
    for name, value in changed.items():
        setattr(item, name, value)
    item.version = stored.version + 1
    item.full_clean()
    set_change_reason(item, reason.strip() or None)
    item.save()
    if "content" in changed:
        refresh_copy_detection(duty_list, actor=actor)
    return item


@write_service
def withdraw_item(item: ResponsibilityItem, *, actor: Actor, reason: str) -> ResponsibilityItem:
    """Soft-delete: the item stays in history and in logs that already cite it."""
    lock_current(item)
    _check_editable(item.list)
    if not reason.strip():
        raise ValidationError(_("撤销条目必须填写理由。"))
    item.is_active = False
    item.version += 1
    set_change_reason(item, reason.strip())
    item.save()
    refresh_copy_detection(item.list, actor=actor)
    return item


@write_service
def assign_owner(
    item: ResponsibilityItem, tenure: Tenure, role: str, *, actor: Actor
) -> ItemAssignment:
    if tenure.org_id != item.org_id:
        raise ValidationError(_("只能分配给本单位的在任人员。"))
    assignment, created = ItemAssignment.objects.get_or_create(
        item=item, tenure=tenure, defaults={"role": role, **_scope(item.org)}
    )
    if not created and assignment.role != role:
        assignment.role = role
        assignment.save()
    return assignment


@write_service
def unassign_owner(assignment: ItemAssignment, *, actor: Actor) -> None:
    # Assignments are plain join rows; history keeps the deletion record.
    assignment.delete()


@write_service
def set_item_owners(
    item: ResponsibilityItem,
    *,
    actor: Actor,
    leads: Iterable[Tenure],
    co_owners: Iterable[Tenure],
) -> None:
    """Replace an item's owners (a tenure in both lists counts as lead)."""
    leads = list(leads)
    co_owners = list(co_owners)
    lead_ids = {t.pk for t in leads}
    wanted = {t.pk: str(ItemAssignment.Role.LEAD) for t in leads}
    for tenure in co_owners:
        if tenure.pk not in lead_ids:
            wanted[tenure.pk] = str(ItemAssignment.Role.CO)
    for assignment in list(item.assignments.all()):
        if assignment.tenure_id not in wanted:
            unassign_owner(assignment, actor=actor)
    tenures = {t.pk: t for t in [*leads, *co_owners]}
    for tenure_id, role in wanted.items():
        assign_owner(item, tenures[tenure_id], role, actor=actor)


def _move(
    duty_list: ResponsibilityList, action: str, actor: Actor, reason: str = ""
) -> ResponsibilityList:
    lock_current(duty_list, "status")  # a double submit sees the state the first one left
    LIST_FLOW.move(duty_list, action, actor)
    set_change_reason(duty_list, reason or None)
    duty_list.save()
    return duty_list


@write_service
def issue_list(
    duty_list: ResponsibilityList, *, actor: Actor, by: Tenure | None = None
) -> ResponsibilityList:
    """交责: hand the list to its subject (draft → issued)."""
    duty_list.issued_by = by
    return _move(duty_list, "issue", actor)


@write_service
def acknowledge_list(duty_list: ResponsibilityList, *, actor: Actor) -> ResponsibilityList:
    """认领: the subject (or the adopting unit) accepts the list (issued → acknowledged)."""
    return _move(duty_list, "acknowledge", actor)


@write_service
def put_in_force(duty_list: ResponsibilityList, *, actor: Actor) -> ResponsibilityList:
    return _move(duty_list, "in_force", actor)


@write_service
def archive_list(duty_list: ResponsibilityList, *, actor: Actor) -> ResponsibilityList:
    return _move(duty_list, "archive", actor)


@write_service
def adopt_template(
    template: ResponsibilityList,
    org: Organization,
    *,
    actor: Actor,
    by: Tenure | None = None,
) -> ResponsibilityList:
    """ "1+X": copy a superior's template into `org` as an issued list (idempotent per org)."""
    if not template.is_template:
        raise ValidationError(_("只有模板清单才能下发。"))
    if not org.is_descendant_of(template.org):
        raise ValidationError(_("模板只能下发给下级单位。"))
    existing = ResponsibilityList.objects.filter(template=template, org=org).first()
    if existing:
        return existing
    adopted = create_list(
        org=org,
        year=template.year,
        subject_type=template.subject_type,
        title=f"{org.name}{template.year}年{template.get_subject_type_display()}清单",
        based_on=template.title,
        issued_by=by,
        actor=actor,
    )
    adopted.template = template
    adopted.status = RL.Status.ISSUED
    adopted.save()
    for source in template.items.filter(is_active=True).order_by("number", "pk"):
        ResponsibilityItem.objects.create(
            list=adopted,
            **_scope(org),
            number=source.number,
            content=source.content,
            source_item=source,
            **{
                name: getattr(source, name)
                for name in ITEM_FIELDS
                if name not in ("content", "portfolio")
            },
        )
    refresh_copy_detection(adopted, actor=actor)
    return adopted


@write_service
def issue_template(
    template: ResponsibilityList,
    orgs: Iterable[Organization],
    *,
    actor: Actor,
    by: Tenure | None = None,
) -> list[ResponsibilityList]:
    """Issue a template down the tree: every given unit gets its own issued copy."""
    lock_current(template, "status")
    LIST_FLOW.check(template, "issue_template", actor)
    if template.status == RL.Status.DRAFT:
        issue_list(template, actor=actor, by=by)
    return [adopt_template(template, org, actor=actor, by=by) for org in orgs]


def default_issue_targets(template: ResponsibilityList) -> QuerySet[Organization]:
    """Direct child units that have a Party committee or group."""
    return Organization.objects.filter(
        parent=template.org,
        is_active=True,
        bodies__kind__in=Body.COMMITTEE_KINDS,
    ).distinct()


@write_service
def push_ad_hoc_item(
    template: ResponsibilityList, *, actor: Actor, content: str, reason: str, **fields: Any
) -> list[ResponsibilityItem]:
    """Mid-year ad-hoc item (临时性重点工作): added to the template and every adoption."""
    fields["is_ad_hoc"] = True
    source = add_item(template, actor=actor, content=content, reason=reason, **fields)
    pushed: list[ResponsibilityItem] = []
    for adopted in template.adoptions.exclude(status=RL.Status.ARCHIVED):
        pushed.append(
            add_item(
                adopted,
                actor=actor,
                content=content,
                reason=reason,
                source_item=source,
                **fields,
            )
        )
    return pushed


def predecessor_of(tenure: Tenure) -> Tenure | None:
    """The ended tenure this one succeeds: same body and role (and a shared portfolio for
    team members), ended before this one started."""
    candidates = (
        Tenure.objects.filter(
            body_id=tenure.body_id,
            role=tenure.role,
            end_date__isnull=False,
            end_date__lt=tenure.start_date,
        )
        .exclude(pk=tenure.pk)
        .order_by("-end_date", "-pk")
    )
    if tenure.role == Tenure.Role.TEAM_MEMBER:
        portfolio_ids = list(tenure.portfolios.values_list("pk", flat=True))
        if not portfolio_ids:
            return None
        candidates = candidates.filter(portfolios__in=portfolio_ids).distinct()
    return candidates.first()


@write_service
def hand_over_items(predecessor: Tenure, successor: Tenure, *, actor: Actor) -> int:
    """The successor takes over the predecessor's assignments on this year's open lists.

    Each assignment row moves (history records it with a reason); logs keep their actor.
    A step of letters.on_tenure_started (called from services.appoint), part of that write:
    the history rows name the actor passed down from appoint.
    """
    year = timezone.localdate().year
    moved = 0
    assignments = ItemAssignment.objects.filter(
        tenure=predecessor, item__is_active=True, item__list__year__gte=year
    ).exclude(item__list__status=RL.Status.ARCHIVED)
    taken = set(ItemAssignment.objects.filter(tenure=successor).values_list("item_id", flat=True))
    for assignment in assignments:
        if assignment.item_id in taken:
            continue
        assignment.tenure = successor
        set_change_reason(assignment, _("任职交接"))
        assignment.save()
        moved += 1
    return moved

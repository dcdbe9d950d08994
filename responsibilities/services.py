"""State changes of the org tree, people and tenures. Views and importers call these."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Max, QuerySet

from liangge_zeren.actors import Actor, write_service
from liangge_zeren.concurrency import check_version
from responsibilities.models import (
    PATH_SEGMENT_WIDTH,
    PATH_SEPARATOR,
    Body,
    Organization,
    Person,
    Portfolio,
    Tenure,
    path_segment,
    segment_number,
)
from security.business_audit import note_bulk

SEGMENT = PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR)


def next_child_path(parent: Organization | None) -> str:
    """Path for a new child of `parent` (or a new root): one past the highest sibling."""
    siblings = Organization.objects.filter(parent=parent)
    last = siblings.aggregate(last=Max("path"))["last"]
    number = segment_number(last[-SEGMENT:]) + 1 if last else 1
    return (parent.path if parent else "") + path_segment(number)


@write_service
def create_organization(
    *,
    code: str,
    name: str,
    kind: str,
    parent: Organization | None = None,
    is_active: bool = True,
    actor: Actor,
) -> Organization:
    if parent is not None:
        # Serialise sibling numbering under the same parent.
        Organization.objects.select_for_update().filter(pk=parent.pk).first()
    path = next_child_path(parent)
    org = Organization(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        path=path,
        depth=len(path) // SEGMENT,
        is_active=is_active,
    )
    org.full_clean()
    org.save()
    refresh_supervising_bodies(org)
    return org


@write_service
def update_organization(
    org: Organization, *, actor: Actor, version: int | None = None, **fields: Any
) -> Organization:
    """Change plain fields; a new parent moves the whole subtree.

    `version` is the version the editor loaded: if someone saved since, EditConflict is raised
    (liangge_zeren/concurrency.py) and nothing changes.
    """
    new_parent = fields.pop("parent", org.parent)
    # Compare with the stored row: a bound ModelForm has already copied its data onto `org`.
    stored = check_version(Organization, org.pk, version, [f for f in fields if f != "parent"])
    changed = False
    for name, value in fields.items():
        setattr(org, name, value)
        if getattr(stored, name) != value:
            changed = True
    if changed:
        org.version = stored.version + 1
        org.full_clean()
        org.save()
    if (new_parent.pk if new_parent else None) != org.parent_id:
        move_organization(org, new_parent, actor=actor)
    return org


@write_service
def move_organization(
    org: Organization, new_parent: Organization | None, *, actor: Actor
) -> Organization:
    if new_parent is not None and (new_parent.pk == org.pk or new_parent.is_descendant_of(org)):
        raise ValueError("An organisation cannot be moved under itself.")
    old_path = org.path
    new_path = next_child_path(new_parent)
    subtree = list(Organization.objects.filter(path__startswith=old_path))
    for node in subtree:
        node.path = new_path + node.path[len(old_path) :]
        node.depth = len(node.path) // SEGMENT
        if node.pk == org.pk:
            node.parent = new_parent
    # Two passes so the unique index on path never sees a transient clash.
    for node in subtree:
        Organization.objects.filter(pk=node.pk).update(path=f"~{node.pk}")
    for node in subtree:
        node.save(update_fields=["path", "depth", "parent"])
    resync_org_path_copies(path_prefix=new_path)
    refresh_supervising_bodies(org)
    org.refresh_from_db()
    return org


def scoped_models() -> list[type[models.Model]]:
    """Every model carrying a copied `org_path` beside its `org` foreign key."""
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.get_fields()}
        if {"org", "org_path"} <= names and not model._meta.auto_created:
            if getattr(model._meta, "proxy", False):
                continue
            if model.__name__.startswith("Historical"):
                continue
            found.append(model)
    return found


def resync_org_path_copies(path_prefix: str = "") -> int:
    """Copy each organisation's path onto every scoped row under `path_prefix`.

    One UPDATE per model with a correlated subquery; no Python loop over rows.
    """
    fixed = 0
    orgs = Organization.objects.filter(pk=models.OuterRef("org_id")).values("path")[:1]
    for model in scoped_models():
        qs = model._default_manager.all()
        if path_prefix:
            qs = qs.filter(org__path__startswith=path_prefix)
        qs = qs.exclude(org_path=models.F("org__path"))
        ids = qs.values("pk")
        count = model._default_manager.filter(pk__in=ids).update(org_path=models.Subquery(orgs))
        if count:
            # The copies follow the organisation's move (audited itself): one entry per model.
            note_bulk(model, None, {}, key=path_prefix or "*", rows=count, field="org_path")
        fixed += count
    return fixed


def refresh_supervising_bodies(root: Organization | None = None) -> int:
    """Recompute `supervising_body` for `root`'s subtree (or the whole tree).

    The deepest discipline body on the organisation's line wins; a stationed team
    stationed at that level wins over a commission at the same level.
    """
    orgs = Organization.objects.all()
    if root is not None:
        orgs = orgs.filter(path__startswith=root.path)
    rows = list(orgs.only("pk", "path", "supervising_body_id"))
    if not rows:
        return 0
    by_path: dict[str, tuple[int, int]] = {}  # path -> (priority, body id)
    commissions = Body.objects.filter(
        is_active=True,
        kind__in=[Body.Kind.DISCIPLINE_COMMISSION, Body.Kind.DISCIPLINE_WORK_COMMITTEE],
    ).values_list("org__path", "pk")
    for path, body_id in commissions:
        by_path.setdefault(path, (0, body_id))
    stationed = Body.objects.filter(
        is_active=True, kind=Body.Kind.STATIONED_DISCIPLINE_TEAM
    ).values_list("stationed_in__path", "pk")
    for path, body_id in stationed:
        if path is not None:
            by_path[path] = max(by_path.get(path, (0, 0)), (1, body_id))
    changed = []
    for org in rows:
        supervisor: int | None = None
        for end in range(len(org.path), 0, -SEGMENT):
            hit = by_path.get(org.path[:end])
            if hit:
                supervisor = hit[1]
                break
        if org.supervising_body_id != supervisor:
            org.supervising_body_id = supervisor
            changed.append(org)
    Organization.objects.bulk_update(changed, ["supervising_body"], batch_size=1000)
    if changed:
        note_bulk(
            Organization,
            None,
            {},
            key="supervising_body",
            rows=len(changed),
            field="supervising_body",
        )
    return len(changed)


def resync_org_tree() -> dict[str, int]:
    """Maintenance job: path copies and supervising bodies back in line with the tree."""
    return {
        "org_path_copies_fixed": resync_org_path_copies(),
        "supervising_bodies_changed": refresh_supervising_bodies(),
    }


@write_service
def create_body(
    *,
    code: str,
    org: Organization,
    kind: str,
    name: str,
    sent_by: Body | None = None,
    stationed_in: Iterable[Organization] = (),
    actor: Actor,
) -> Body:
    body = Body(code=code, org=org, org_path=org.path, kind=kind, name=name, sent_by=sent_by)
    body.full_clean()
    body.save()
    if stationed_in:
        body.stationed_in.set(stationed_in)
    if body.is_discipline:
        refresh_supervising_bodies(org if kind != Body.Kind.STATIONED_DISCIPLINE_TEAM else None)
    return body


@write_service
def get_or_create_portfolio(org: Organization, name: str, *, actor: Actor) -> Portfolio:
    portfolio, _ = Portfolio.objects.get_or_create(
        org=org, name=name, defaults={"org_path": org.path}
    )
    return portfolio


@write_service
def appoint(
    *,
    person: Person,
    body: Body,
    role: str,
    start_date: datetime.date,
    org: Organization | None = None,
    title: str = "",
    portfolios: Iterable[Portfolio] = (),
    end_date: datetime.date | None = None,
    end_reason: str = "",
    actor: Actor,
) -> Tenure:
    """Record that `person` holds `role` in `body` from `start_date`."""
    org = org or body.org
    tenure = Tenure(
        person=person,
        org=org,
        org_path=org.path,
        body=body,
        role=role,
        title=title,
        start_date=start_date,
        end_date=end_date,
        end_reason=end_reason,
    )
    tenure.full_clean()
    tenure.save()
    if portfolios:
        tenure.portfolios.set(portfolios)
    from responsibilities.letters import on_tenure_started  # issue 3: successor's letter

    on_tenure_started(tenure, actor=actor)
    return tenure


@write_service
def end_tenure(
    tenure: Tenure, end_date: datetime.date, reason: str = "", *, actor: Actor
) -> Tenure:
    """Close a tenure. The row stays: responsibility at past dates depends on it."""
    if tenure.end_date is not None and tenure.end_date <= end_date:
        return tenure
    tenure.end_date = end_date
    tenure.end_reason = reason
    tenure.full_clean()
    tenure.save(update_fields=["end_date", "end_reason"])
    from responsibilities.letters import on_tenure_ended  # issue 3: supersede letters

    on_tenure_ended(tenure, actor=actor)
    return tenure


def holders_on(org: Organization, role: str, day: datetime.date) -> QuerySet[Tenure]:
    """Who held `role` in `org` on `day` — one query."""
    return Tenure.objects.held_on(day).filter(org=org, role=role).select_related("person")


# --- Plain-field updates (used by the importer; each saves only when a value really changes,
# so re-applying the same data writes no row and no history record).


def _assign_changes(obj: models.Model, fields: dict[str, Any]) -> bool:
    """Copy `fields` onto `obj`; True if any differs from the stored row."""
    stored = type(obj)._default_manager.get(pk=obj.pk)
    changed = False
    for name, value in fields.items():
        setattr(obj, name, value)
        if getattr(stored, name) != value:
            changed = True
    return changed


@write_service
def create_person(
    *, code: str, name: str, gender: str = "", party_member: bool = True, actor: Actor
) -> Person:
    person = Person(code=code, name=name, gender=gender, party_member=party_member)
    person.full_clean()
    person.save()
    return person


@write_service
def update_person(person: Person, *, actor: Actor, **fields: Any) -> Person:
    if _assign_changes(person, fields):
        person.full_clean()
        person.save()
    return person


@write_service
def update_body(
    body: Body,
    *,
    actor: Actor,
    stationed_in: Iterable[Organization] | None = None,
    **fields: Any,
) -> Body:
    """Change a body's plain fields and, if given, the units it is stationed in."""
    was_discipline = Body.objects.get(pk=body.pk).is_discipline
    changed = _assign_changes(body, fields)
    if changed:
        body.full_clean()
        body.save()
    restationed = False
    if stationed_in is not None:
        wanted = {org.pk for org in stationed_in}
        if wanted != set(body.stationed_in.values_list("pk", flat=True)):
            body.stationed_in.set(wanted)
            restationed = True
    if (changed or restationed) and (body.is_discipline or was_discipline):
        refresh_supervising_bodies()
    return body


@write_service
def update_tenure(
    tenure: Tenure,
    *,
    actor: Actor,
    portfolios: Iterable[Portfolio] | None = None,
    **fields: Any,
) -> Tenure:
    """Correct a tenure's title, dates or portfolios (closing one is `end_tenure`)."""
    if _assign_changes(tenure, fields):
        tenure.full_clean()
        tenure.save()
    if portfolios is not None:
        wanted = {p.pk for p in portfolios}
        if wanted != set(tenure.portfolios.values_list("pk", flat=True)):
            tenure.portfolios.set(wanted)
    return tenure

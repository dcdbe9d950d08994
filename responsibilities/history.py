"""Readable change history (django-simple-history) for object pages.

What a reader sees (issue 14): who changed it by name and post (never a login name), related
objects by their label (never a raw id), every choice value by its Chinese label (never
`draft → submitted`), and one row per logical change: the history rows one request writes
(a service saving the same object twice, a create followed by its m2m) collapse into one.

Every lookup is batched: one query for the history rows (people joined), one for the posts
their authors held, one per related model named in the changes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

HISTORY_TYPES = {"+": _("创建"), "~": _("修改"), "-": _("删除")}
# Bookkeeping columns that mean nothing to a reader.
HIDDEN_FIELDS = frozenset({"version", "org_path", "updated_at"})
_STAMP = "_lz_history_stamp"
MAX_LISTED = 5  # m2m values listed by name, then "等 N 项"


@dataclass
class HistoryRow:
    date: object
    user: object
    action: str
    reason: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)
    who: str = ""
    post: str = ""


@dataclass
class _Group:
    """Consecutive history records (newest first) that make one logical change."""

    records: list[Any]
    base: Any = None  # the record just before the group (what the change is measured from)

    @property
    def newest(self) -> Any:
        return self.records[0]

    @property
    def oldest(self) -> Any:
        return self.records[-1]


def history_rows(obj, limit: int = 20) -> list[HistoryRow]:
    """Newest first, each with its field-level changes against the previous version."""
    records = list(
        obj.history.select_related("history_user__person").order_by("-history_id")[: limit * 3 + 1]
    )
    groups = _groups(records)[:limit]
    model = type(obj)
    raw = [(group, _raw_changes(model, group)) for group in groups]
    labels = _Labels(model, [change for _group, changes in raw for change in changes])
    posts = _posts([g.newest for g in groups])
    rows = []
    for group, changes in raw:
        newest = group.newest
        who, post = _author(newest, posts)
        first = group.oldest if group.oldest.history_type == "+" else newest
        rows.append(
            HistoryRow(
                date=newest.history_date,
                user=newest.history_user,
                action=HISTORY_TYPES.get(first.history_type, first.history_type),
                reason=_reason(group),
                changes=[labels.change(name, old, new) for name, old, new in changes],
                who=who,
                post=post,
            )
        )
    return rows


# --- One row per logical change -----------------------------------------------------------------


def stamp_history_per_transaction(sender: Any, history_instance: Any, **kwargs: Any) -> None:
    """simple_history's pre_create_historical_record receiver (responsibilities/apps.py).

    Every history row written in one transaction (a service call, an admin save) carries the
    time of the first one, so the rows of one logical change are recognisable afterwards.
    The stamp lives on the connection until the transaction commits; a rolled-back one is
    recognised by its commit hook having been discarded.
    """
    connection = transaction.get_connection(kwargs.get("using") or DEFAULT_DB_ALIAS)
    blocks = [
        block
        for block in getattr(connection, "atomic_blocks", [])
        if not getattr(block, "_from_testcase", False)  # a test's wrapping transaction
    ]
    if not blocks:
        return  # autocommit: each row is its own change
    current = getattr(connection, _STAMP, None)
    if current is not None:
        block, stamp, hook = current
        pending = any(entry[1] is hook for entry in connection.run_on_commit)
        if block is blocks[0] and pending:
            history_instance.history_date = stamp
            return

    def forget() -> None:
        setattr(connection, _STAMP, None)

    setattr(connection, _STAMP, (blocks[0], history_instance.history_date, forget))
    transaction.on_commit(forget, using=connection.alias)


def _same_change(newer: Any, older: Any) -> bool:
    return (
        newer.history_type == "~"
        and older.history_type in ("+", "~")
        and newer.history_user_id == older.history_user_id
        and newer.history_date == older.history_date
    )


def _groups(records: list[Any]) -> list[_Group]:
    groups: list[_Group] = []
    for record in records:
        if groups and _same_change(groups[-1].oldest, record):
            groups[-1].records.append(record)
            continue
        if groups:
            groups[-1].base = record
        groups.append(_Group(records=[record]))
    return groups


def _reason(group: _Group) -> str:
    reasons = [r.history_change_reason for r in group.records if r.history_change_reason]
    return reasons[-1] if reasons else ""


def _raw_changes(model: type[models.Model], group: _Group) -> list[tuple[str, Any, Any]]:
    if group.base is None or group.oldest.history_type == "+" or group.newest.history_type != "~":
        return []
    delta = group.newest.diff_against(group.base)
    return [
        (change.field, change.old, change.new)
        for change in delta.changes
        if change.field not in HIDDEN_FIELDS and change.old != change.new
    ]


# --- Who: a person's name and the post held at the time -----------------------------------------


def _person(user: Any) -> Any:
    try:
        return user.person
    except Exception:  # a User without a Person (administrator accounts)
        return None


def _posts(records: list[Any]) -> dict[int, list[Any]]:
    """The tenures of the authors of `records`, by user id (one query)."""
    users = {r.history_user_id for r in records if r.history_user_id}
    if not users:
        return {}
    return posts_by_user(users, max(r.history_date for r in records).date())


def posts_by_user(user_ids: Any, until: datetime.date | None = None) -> dict[int, list[Any]]:
    """The posts (tenures) of these login accounts' people, by user id, in one query.

    `user_ids` may be a list or a values_list subquery; tenures starting after `until` are
    left out. Pick the ones held on a day with `held_on`.
    """
    from responsibilities.models import Tenure

    tenures = Tenure.objects.filter(person__user_id__in=user_ids)
    if until is not None:
        tenures = tenures.filter(start_date__lte=until)
    by_user: dict[int, list[Any]] = defaultdict(list)
    for tenure in tenures.select_related("org", "person").order_by("role", "-start_date"):
        by_user[tenure.person.user_id].append(tenure)
    return by_user


def held_on(tenures: list[Any], day: datetime.date) -> str:
    """The posts among `tenures` held on `day`, as one label ("一号县 书记、…")."""
    held = [t for t in tenures if t.start_date <= day and (t.end_date is None or t.end_date >= day)]
    return "、".join(post_label(t) for t in held[:2])


def post_label(tenure: Any) -> str:
    return f"{tenure.org.name} {tenure.title or tenure.get_role_display()}"


def _author(record: Any, posts: dict[int, list[Any]]) -> tuple[str, str]:
    user = record.history_user
    if user is None:
        return str(_("系统")), ""
    person = _person(user)
    if person is None:
        return user.get_username(), str(_("管理员账号"))
    return person.name, held_on(posts.get(user.pk, []), record.history_date.date())


# --- Values: labels for choices, related objects and flags --------------------------------------


class _Labels:
    """Display values for a batch of changes of one model (one query per related model)."""

    def __init__(self, model: type[models.Model], changes: list[tuple[str, Any, Any]]) -> None:
        self.model = model
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        for name, old, new in changes:
            target = self._target(name)
            if target is not None:
                for value in (old, new):
                    wanted[target].update(self._ids(name, value))
        self.names = {target: _names(target, ids) for target, ids in wanted.items()}

    def _field(self, name: str) -> Any:
        try:
            return self.model._meta.get_field(name)
        except Exception:
            return None

    def _target(self, name: str) -> type[models.Model] | None:
        f = self._field(name)
        if f is None or not (f.many_to_one or f.one_to_one or f.many_to_many):
            return None
        return f.related_model

    def _ids(self, name: str, value: Any) -> list[Any]:
        if value in (None, ""):
            return []
        if isinstance(value, list):  # m2m: through-row dicts
            key = self._field(name).m2m_reverse_field_name()
            return [row.get(key) for row in value if isinstance(row, dict)]
        return [value]

    def change(self, name: str, old: Any, new: Any) -> tuple[str, object, object]:
        f = self._field(name)
        label = f.verbose_name if f is not None and hasattr(f, "verbose_name") else name
        return (label, self.value(name, old), self.value(name, new))

    def value(self, name: str, value: Any) -> object:
        f = self._field(name)
        if value in (None, "") or (isinstance(value, list) and not value):
            return "—"
        target = self._target(name)
        if target is not None:
            names = [self.names[target].get(i, _("(已删除)")) for i in self._ids(name, value)]
            return _joined(names)
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if f is not None and getattr(f, "choices", None):
            return dict(f.flatchoices).get(value, value)
        return value


def _names(target: type[models.Model], ids: set[Any]) -> dict[Any, str]:
    """Labels of related rows; a login account is shown as its person's name."""
    from django.contrib.auth import get_user_model

    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    if target is get_user_model():
        from responsibilities.models import Person

        found = {p.user_id: p.name for p in Person.objects.filter(user_id__in=ids)}
        missing = ids - set(found)
        users = target._default_manager.filter(pk__in=missing) if missing else []
        return {**found, **{u.pk: str(u) for u in users}}
    related = target._default_manager.filter(Q(pk__in=ids))
    if {f.name for f in target._meta.fields} >= {"person", "org"}:
        related = related.select_related("person", "org")
    return {row.pk: str(row) for row in related}


def _joined(names: list[Any]) -> str:
    shown = "、".join(str(n) for n in names[:MAX_LISTED])
    if len(names) > MAX_LISTED:
        return str(_("%(names)s 等 %(count)d 项")) % {"names": shown, "count": len(names)}
    return shown

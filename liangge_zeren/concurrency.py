"""Optimistic concurrency for editable records: a `version` field, checked on save.

Use on a model with `version = models.PositiveIntegerField(default=1, editable=False)` and
django-simple-history:

- the form mixes in `VersionedFormMixin` (a hidden `version` field with the version the user
  loaded);
- the service calls `check_version(Model, pk, expected, fields)` inside its transaction, which
  locks the row and raises `EditConflict` when someone saved in between, and bumps `version`;
- the view catches `EditConflict` and calls `form.show_conflict(exc)`: the form keeps what the
  user typed, lists what the other person changed, and carries the new version so that saving
  again is a deliberate overwrite. Nothing is lost on either side.

Lives in the project package so that every app may import it (apps import one way only).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django import forms
from django.db.models import F
from django.utils.formats import localize
from django.utils.timezone import localtime
from django.utils.translation import gettext as _


@dataclass
class EditConflict(Exception):
    current: object
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    changed_by: str = ""
    changed_at: object = None

    def __str__(self) -> str:
        return f"edit conflict on {self.current!r}"


def _display(obj, name: str, value) -> str:
    model_field = obj._meta.get_field(name)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return "—" if value in (None, "") else str(value)


def changes_since(
    current, base_version: int, fields
) -> tuple[list[tuple[str, str, str]], str, object]:
    """(field label, value the user loaded, value now) for each field changed since then."""
    history = getattr(current, "history", None)
    base = None
    latest = None
    if history is not None:
        base = history.filter(version=base_version).order_by("-history_id").first()
        latest = history.select_related("history_user").order_by("-history_id").first()
    changes = []
    for name in fields:
        now = getattr(current, name)
        before = getattr(base, name) if base is not None else None
        if base is None or before != now:
            label = str(current._meta.get_field(name).verbose_name)
            old = _display(current, name, before) if base is not None else "?"
            changes.append((label, old, _display(current, name, now)))
    who = ""
    when = None
    if latest is not None:
        who = getattr(latest.history_user, "username", "") if latest.history_user else ""
        when = latest.history_date
    return changes, who, when


def check_version(model, pk, expected: int | None, fields):
    """Lock the row; raise EditConflict if its version moved past `expected`.

    Returns the locked current row. Call inside transaction.atomic; the caller saves with
    `version = current.version + 1`.
    """
    manager = model._default_manager
    if expected is not None:
        # The conditional UPDATE (… WHERE version = n) is the check itself: it takes the row's
        # write lock on every backend (SQLite has no SELECT … FOR UPDATE), so two saves of the
        # same version cannot both pass; the second waits, then matches no row.
        matched = manager.filter(pk=pk, version=expected).update(version=F("version"))
        if not matched:
            current = manager.get(pk=pk)
            changes, who, when = changes_since(current, expected, fields)
            raise EditConflict(current=current, changes=changes, changed_by=who, changed_at=when)
    return manager.select_for_update().get(pk=pk)


def save_versioned(obj, current, **save_kwargs) -> None:
    """Save `obj` (already carrying the user's values) as the version after `current`."""
    obj.version = current.version + 1
    obj.save(**save_kwargs)


def lock_current(obj, *fields: str):
    """Reload `obj` (only `fields`, if given) from its locked row, inside transaction.atomic.

    State-transition services call this before their state check, so that a double submit (or
    two people pressing the same button) sees the state the first one left and is refused by the
    usual check instead of applying the transition twice. Pass the state field(s) when the
    caller has already set other attributes that must not be overwritten.
    """
    obj.refresh_from_db(
        fields=list(fields) or None,
        from_queryset=type(obj)._default_manager.select_for_update(),
    )
    return obj


class VersionedFormMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    VERSION_FIELD = "version"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.fields[self.VERSION_FIELD].initial = instance.version

    def show_conflict(self, conflict: EditConflict) -> None:
        """Keep the user's input, explain the conflict, and carry the current version."""
        data = self.data.copy()
        data[self.add_prefix(self.VERSION_FIELD)] = str(conflict.current.version)
        self.data = data
        lines = [
            _("保存冲突:在您编辑期间,%(who)s于 %(when)s 修改了这条记录,您的修改尚未保存。")
            % {
                "who": conflict.changed_by or _("其他用户"),
                "when": localize(localtime(conflict.changed_at)) if conflict.changed_at else "—",
            }
        ]
        for label, old, new in conflict.changes:
            lines.append(
                _("%(field)s:您打开时为“%(old)s”,现在为“%(new)s”")
                % {"field": label, "old": old, "new": new}
            )
        lines.append(_("您填写的内容仍在下方表单中。核对后再次点击保存,将以您的内容为准。"))
        for line in lines:
            self.add_error(None, line)


class VersionCheckedAdminFormMixin(VersionedFormMixin):
    """For admin-site forms (which save without a service): the stale-version check happens
    at validation, so the admin shows the conflict like any form error; `save_versioned_admin`
    bumps the version under the row lock when saving. The field has its own name: the admin
    refuses a form field named like a non-editable model field."""

    version = None
    edit_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    VERSION_FIELD = "edit_version"

    def clean(self):
        data = super().clean()
        expected = data.get(self.VERSION_FIELD)
        instance = self.instance
        if instance.pk and expected is not None:
            current = type(instance)._default_manager.get(pk=instance.pk)
            if current.version != expected:
                names = {f.name for f in instance._meta.concrete_fields}
                changes, who, when = changes_since(
                    current, expected, [f for f in self.fields if f in names]
                )
                self.show_conflict(
                    EditConflict(current=current, changes=changes, changed_by=who, changed_at=when)
                )
        return data


def save_versioned_admin(obj, form, save) -> None:
    """Admin save_model helper: conditional check and version bump around `save()`."""
    from django.db import transaction

    with transaction.atomic():
        if obj.pk:
            expected = form.cleaned_data.get("edit_version") if form is not None else None
            current = check_version(type(obj), obj.pk, expected, [])
            obj.version = current.version + 1
        save()

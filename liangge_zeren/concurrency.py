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

    Returns the locked current row. Call inside transaction.atomic.
    """
    current = model._default_manager.select_for_update().get(pk=pk)
    if expected is not None and current.version != expected:
        changes, who, when = changes_since(current, expected, fields)
        raise EditConflict(current=current, changes=changes, changed_by=who, changed_at=when)
    return current


class VersionedFormMixin(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.fields["version"].initial = instance.version

    def show_conflict(self, conflict: EditConflict) -> None:
        """Keep the user's input, explain the conflict, and carry the current version."""
        data = self.data.copy()
        data[self.add_prefix("version")] = str(conflict.current.version)
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

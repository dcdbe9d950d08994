"""Readable change history (django-simple-history) for object pages."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

HISTORY_TYPES = {"+": _("创建"), "~": _("修改"), "-": _("删除")}


@dataclass
class HistoryRow:
    date: object
    user: object
    action: str
    reason: str
    changes: list[tuple[str, object, object]] = field(default_factory=list)


def history_rows(obj, limit: int = 20) -> list[HistoryRow]:
    """Newest first, each with its field-level changes against the previous version.

    Diffs are computed between fetched neighbours, so this costs one query (two with m2m).
    """
    records = list(obj.history.select_related("history_user").order_by("-history_id")[: limit + 1])
    model = type(obj)
    rows: list[HistoryRow] = []
    for newer, older in zip(records, records[1:] + [None], strict=False):
        if len(rows) == limit:
            break
        changes = []
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older)
            for change in delta.changes:
                try:
                    label = model._meta.get_field(change.field).verbose_name
                except Exception:
                    label = change.field
                changes.append((label, _display(change.old), _display(change.new)))
        rows.append(
            HistoryRow(
                date=newer.history_date,
                user=newer.history_user,
                action=HISTORY_TYPES.get(newer.history_type, newer.history_type),
                reason=newer.history_change_reason or "",
                changes=changes,
            )
        )
    return rows


def _display(value):
    if isinstance(value, list):  # m2m changes arrive as lists of through-row dicts
        return len(value)
    return "—" if value in (None, "") else value

"""Every business write enters the audit chain, in the service's own transaction.

One home for all business models:

- models with simple-history: `post_create_historical_record` (each history row, compared
  with the previous one, gives the fields changed before → after);
- the few business models without history (signatures, amendments, updates, attachments…):
  `post_save` / `post_delete`;
- writes that send no signal (queryset `.update()`, bulk writes) call
  `liangge_zeren.actors.note_change` where they happen.

Each is noted on the service call in progress (`liangge_zeren.actors.note_change`, which stamps
the actor and the top-level call); when the outermost `acting` block ends (the service call,
or a caller's block around several: the demo seed, an admin form), still in its transaction,
`write_entries` folds the notes per object and call (several saves of one object in one call
are one logical change) and appends one audit entry per changed object: the actor (person's
name and the post they act in, or the system actor), action, object (type, id, label, org
path), the fields changed before → after (secret fields redacted, long texts cut), the service
and the request id. Writes outside any service (the admin's generic forms, migrations, a
shell) are not noted here.

Anonymous ballots: casting one is recorded as `vote_cast` on the evaluation round, with no
actor, no address, no request id, no service and no content; the voter token (who voted), the
ballot's marks and the voting codes are not noted (a batch of codes is noted as a count).
Public questionnaire answers (an anonymous system actor) likewise: an answer sheet is noted
on its questionnaire with no content and no sheet id, and nothing the public writes carries
an address, a request id or field values.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, post_save
from simple_history.models import registered_models
from simple_history.signals import post_create_historical_record

from liangge_zeren.actors import (
    Change,
    SystemActor,
    in_service,
    is_system,
    note_change,
    noted_before,
    on_service_end,
)
from security.context import current_request, current_request_id

BUSINESS_APPS = ("responsibilities", "inspections", "accountability", "assessments")

# Rows that are part of a change recorded on another object, with the reason: they get no
# audit entry of their own (the coverage test accepts their writes).
DERIVED: dict[str, str] = {
    "responsibilities.tenure": "audited as tenure_change by security.signals (any path)",
    "inspections.roundtransition": "the round's status change is the audited change",
    "inspections.tasktransition": "the task's status change is the audited change",
    "accountability.casetransition": "the case's status change is the audited change",
    "assessments.votertoken": "who voted is never audited; the ballot's vote_cast is",
    "assessments.ballot": "audited as the round's anonymous vote_cast (on_save), nothing more",
    "assessments.ballotmark": "part of the anonymous ballot: its vote_cast is the entry",
    "assessments.votingcode": "codes are noted per batch on the round; a use is the vote_cast",
}

# Secret fields: the audit entry says the field changed, never its value.
SECRET_FIELDS: dict[str, frozenset[str]] = {
    "accountability.disciplinarycase": frozenset({"summary"}),
    "accountability.dualinvestigation": frozenset({"opened_reason", "reasoning"}),
    "accountability.accountabilitycase": frozenset(
        {"facts", "hearing_record", "report", "discussion_record", "not_pursued_note"}
    ),
    "accountability.accountabilitytarget": frozenset(
        {"mitigating", "aggravating", "no_person_reason"}
    ),
    "accountability.appeal": frozenset({"grounds", "outcome_reasoning"}),
    "accountability.casecorrection": frozenset({"note"}),
    "responsibilities.person": frozenset({"id_number", "phone", "email"}),
    # The public's comments are leads for the discipline side only.
    "assessments.questionnairecomment": frozenset({"text", "handling_note"}),
    "assessments.questionnairecode": frozenset({"code_hash"}),
    "assessments.thirdpartyevaluator": frozenset({"invite_hash", "contact"}),
}
# Any field whose name contains one of these is secret in every model.
SECRET_NAME_PARTS = ("token", "password", "secret", "otp")
REDACTED = "***"
# Never part of a change: bookkeeping the history rows or the concurrency check keep.
IGNORED_FIELDS = frozenset({"updated_at", "version"})
MAX_TEXT = 300


def is_secret(model: str, field: str) -> bool:
    return field in SECRET_FIELDS.get(model, ()) or any(p in field for p in SECRET_NAME_PARTS)


def _plain(value: Any) -> Any:
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, datetime.datetime | datetime.date | decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    return value


def field_values(model: type[models.Model], row: Any) -> dict[str, Any]:
    """The stored values of `model`'s concrete fields on `row` (an instance or a history
    row): foreign keys as ids."""
    values = {}
    for field in model._meta.concrete_fields:
        if field.primary_key or field.name in IGNORED_FIELDS:
            continue
        if hasattr(row, field.attname):
            values[field.name] = _plain(getattr(row, field.attname))
    return values


def _label(instance: models.Model) -> str:
    try:
        return str(instance)[:200]
    except Exception:  # a __str__ that needs a missing relation
        return f"#{instance.pk}"


def _is_business(model: type[models.Model]) -> bool:
    """A business model's own rows (not its history rows, not the derived ones)."""
    return (
        model._meta.app_label in BUSINESS_APPS
        and not model.__name__.startswith("Historical")
        and model._meta.label_lower not in DERIVED
    )


# --- Receivers ------------------------------------------------------------------------------

_KIND = {"+": "create", "~": "update", "-": "delete"}


def on_history_row(sender: Any, instance: Any, history_instance: Any, **kwargs: Any) -> None:
    model = type(instance)
    if not in_service() or not _is_business(model):
        return
    kind = _KIND.get(history_instance.history_type, "update")
    name, pk = model._meta.label_lower, str(instance.pk)
    # The first change of the object in this call needs the stored values before it; a
    # later one is folded into the first (which has them).
    first = kind != "create" and not noted_before(name, pk)
    note_change(
        Change(
            model=name,
            pk=pk,
            action=kind,
            label=_label(instance),
            org_path=getattr(instance, "org_path", "") or "",
            before=_previous_values(model, history_instance) if first else None,
            after=field_values(model, history_instance) if kind != "delete" else None,
        )
    )


def _previous_values(model: type[models.Model], history_row: Any) -> dict[str, Any] | None:
    """The object's stored values before this history row (its previous history row)."""
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if not f.primary_key and f.name in _tracked(model, history_row)
    ]
    key = model._meta.pk.attname
    previous = (
        type(history_row)
        ._default_manager.filter(
            **{key: getattr(history_row, key)}, history_date__lte=history_row.history_date
        )
        .exclude(history_id=history_row.history_id)
        .order_by("-history_date", "-history_id")
        .values(*names)
        .first()
    )
    if previous is None:
        return None
    by_attname = {f.attname: f.name for f in model._meta.concrete_fields}
    return {by_attname[k]: _plain(v) for k, v in previous.items()}


def _tracked(model: type[models.Model], history_row: Any) -> set[str]:
    return {
        f.name
        for f in model._meta.concrete_fields
        if f.name not in IGNORED_FIELDS and hasattr(history_row, f.attname)
    }


def _no_history(model: type[models.Model]) -> bool:
    return model._meta.db_table not in registered_models


def on_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not in_service() or not _no_history(sender):
        return
    if sender._meta.label_lower == "assessments.ballot":
        note_change(vote_cast(instance.round_id, instance.round.org_path))
        return
    if sender._meta.label_lower == "assessments.questionnaireresponse":
        note_change(answer_given(instance.questionnaire_id, instance.questionnaire.org_path))
        return
    if not _is_business(sender):
        return
    note_change(
        Change(
            model=sender._meta.label_lower,
            pk=str(instance.pk),
            action="create" if created else "update",
            label=_label(instance),
            org_path=getattr(instance, "org_path", "") or "",
            after=field_values(sender, instance),
        )
    )


def on_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if not in_service() or not _no_history(sender) or not _is_business(sender):
        return
    note_change(
        Change(
            model=sender._meta.label_lower,
            pk=str(instance.pk),
            action="delete",
            label=_label(instance),
            org_path=getattr(instance, "org_path", "") or "",
            before=field_values(sender, instance),
        )
    )


def vote_cast(round_id: int, org_path: str) -> Change:
    """A ballot was cast in the round: no voter, no grade, no ballot id."""
    return Change(
        model="assessments.evaluationround",
        pk=str(round_id),
        action="vote_cast",
        label="",
        org_path=org_path,
        anonymous=True,
    )


def answer_given(questionnaire_id: int, org_path: str) -> Change:
    """An answer sheet came in for the questionnaire: no sheet id, no answers, no address."""
    return Change(
        model="assessments.questionnaireresponse",
        pk=f"questionnaire:{questionnaire_id}",
        action="create",
        label="",
        org_path=org_path,
        anonymous=True,
    )


def connect() -> None:
    post_create_historical_record.connect(
        on_history_row, dispatch_uid="security.business_audit.history"
    )
    post_save.connect(on_save, dispatch_uid="security.business_audit.save")
    post_delete.connect(on_delete, dispatch_uid="security.business_audit.delete")
    on_service_end(write_entries)


def business_models() -> list[type[models.Model]]:
    """Every model of the business apps (history rows and m2m through tables excluded)."""
    return [
        model
        for app in BUSINESS_APPS
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
    ]


# --- Folding and writing ------------------------------------------------------------------


def fold(changes: list[Change]) -> list[Change]:
    """One change per object per top-level service call (and one per anonymous vote):
    the first `before`, the last `after`."""
    folded: dict[tuple[Any, ...], Change] = {}
    votes: list[Change] = []
    for change in changes:
        if change.anonymous:
            votes.append(change)
            continue
        kind = "" if change.action in _KIND.values() else change.action
        key = (change.call, change.model, change.pk, kind)
        first = folded.get(key)
        if first is None:
            folded[key] = Change(**vars(change))
            continue
        # Later values win; a partial note (note_bulk) adds to the full ones.
        first.after = None if change.after is None else {**(first.after or {}), **change.after}
        if first.action != "create" and change.before:
            first.before = {**change.before, **(first.before or {})}
        first.label = change.label or first.label
        first.details = {**(first.details or {}), **(change.details or {})} or None
        if change.action == "delete":
            first.action = "delete" if first.action != "create" else "discard"
    return [c for c in folded.values() if c.action != "discard"] + votes


def diff(change: Change) -> dict[str, list[Any]]:
    """Fields changed, {name: [before, after]}, secret values redacted."""
    before, after = change.before or {}, change.after or {}
    out = {}
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old == new and change.action == "update":
            continue
        if old is None and new is None:
            continue
        if is_secret(change.model, name):
            old = REDACTED if old not in (None, "") else old
            new = REDACTED if new not in (None, "") else new
        out[name] = [old, new]
    return out


def write_entries(changes: list[Change]) -> None:
    """The `on_service_end` hook: one audit entry per changed object, appended together."""
    if not changes:
        return
    from security.models import AuditEntry
    from security.services import _normalise, append_entries, client_ip

    request = current_request()
    ip, request_id = client_ip(request)[:45], current_request_id()[:64]
    people: dict[int, _Who] = {}
    entries = []
    for change in fold(changes):
        changed = diff(change)
        if change.action == "update" and not changed and not change.details:
            continue  # saved without a change
        entry = AuditEntry(
            action=change.action,
            object_type=change.model[:100],
            object_id=change.pk[:64],
            object_repr=change.label[:200],
            org_path=change.org_path[:255],
            details={"service": change.call[1], **(change.details or {})},
        )
        if change.anonymous or getattr(change.actor, "anonymous", False):
            entry.actor_name = "匿名"
            # Not even the service: a vote by account and one by code look the same.
            entry.details = {}
        else:
            who = people.setdefault(id(change.actor), _Who(change.actor))
            who.fill(entry, change.org_path)
            entry.ip, entry.request_id = ip, request_id
            entry.details["changes"] = changed
        entry.details = _normalise(entry.details)
        entries.append(entry)
    append_entries(entries)


class _Who:
    """The actor's name and the post they act in (the current post whose organisation
    contains the object; the first post otherwise). One query per service call."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor
        self._posts: list[tuple[str, str]] | None = None

    def posts(self) -> list[tuple[str, str]]:
        if self._posts is None:
            from responsibilities.models import Tenure

            rows = (
                Tenure.objects.current()
                .filter(person__user_id=self.actor.pk)
                .select_related("org")
                .order_by("-org__depth", "pk")
            )
            self._posts = [
                (t.org.path, f"{t.org.name}{t.title or t.get_role_display()}") for t in rows
            ]
        return self._posts

    def fill(self, entry: Any, org_path: str) -> None:
        actor = self.actor
        if is_system(actor):
            system: SystemActor = actor
            entry.actor_username, entry.actor_name = system.name[:150], system.label[:100]
            entry.actor_post = system.label[:200]
            return
        from security.services import _person_name

        entry.actor_id = actor.pk
        entry.actor_username = actor.get_username()[:150]
        entry.actor_name = _person_name(actor)[:100]
        posts = self.posts()
        post = next((title for path, title in posts if org_path.startswith(path)), None)
        entry.actor_post = (post or (posts[0][1] if posts else ""))[:200]


def note_bulk(
    model: type[models.Model],
    pks: list[Any] | None,
    fields: dict[str, Any],
    *,
    label: str = "",
    org_path: str = "",
    key: str = "",
    **details: Any,
) -> None:
    """Note a write that sends no signal (queryset `.update()`, bulk writes, raw SQL).

    With `pks`: one update per row, `fields` its new values (before unknown: not stored).
    Without: one `bulk_update` entry for the batch (`key` names it, `details` say what)."""
    name = model._meta.label_lower
    if pks is None:
        note_change(
            Change(
                model=name,
                pk=key or "*",
                action="bulk_update",
                label=label,
                org_path=org_path,
                after={k: _plain(v) for k, v in fields.items()},
                details=details or None,
            )
        )
        return
    for pk in pks:
        note_change(
            Change(
                model=name,
                pk=str(pk),
                action="update",
                label=label,
                org_path=org_path,
                after={k: _plain(v) for k, v in fields.items()},
                details=details or None,
            )
        )

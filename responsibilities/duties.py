"""State changes and read models for responsibility lists, duty logs, progress and method mix.

One function per state change (transactional, history recorded by simple_history); views
check permission, call one of these and render. Letters and reports live in letters.py.
"""

from __future__ import annotations

import calendar
import datetime
import hashlib
import os
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liangge_zeren.concurrency import check_version, lock_current
from responsibilities.models import (
    MEETING_ONLY_ACTIONS,
    ActionType,
    Attachment,
    Body,
    DutyLog,
    DutyLogAmendment,
    ItemAssignment,
    Organization,
    Portfolio,
    ResponsibilityItem,
    ResponsibilityList,
    Tenure,
)

RL = ResponsibilityList
ITEM_FIELDS = (
    "category",
    "content",
    "required_action_type",
    "frequency",
    "min_count",
    "due_date",
    "evidence_required",
    "weight",
    "is_mandatory",
    "is_ad_hoc",
    "portfolio",
)


def _scope(org: Organization) -> dict:
    return {"org": org, "org_path": org.path}


# --- Responsibility lists -----------------------------------------------------------------


@transaction.atomic
def create_list(
    *,
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
    if not duty_list.is_editable:
        raise ValidationError(_("清单已归档,不能再修改。"))


@transaction.atomic
def add_item(
    duty_list: ResponsibilityList,
    *,
    content: str,
    category: str = ResponsibilityItem.Category.OTHER,
    reason: str = "",
    lead: Tenure | None = None,
    source_item: ResponsibilityItem | None = None,
    **fields,
) -> ResponsibilityItem:
    """Add a clause. Once the list is acknowledged or in force an addition needs a reason."""
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
        item._change_reason = reason
    item.save()
    lead = lead or duty_list.subject_tenure
    if lead is not None:
        assign_owner(item, lead, ItemAssignment.Role.LEAD)
    if duty_list.template_id:
        refresh_copy_detection(duty_list)
    return item


@transaction.atomic
def update_item(
    item: ResponsibilityItem, *, reason: str = "", version: int | None = None, **fields
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
    item._change_reason = reason.strip() or None
    item.save()
    if duty_list.template_id and "content" in changed:
        refresh_copy_detection(duty_list)
    return item


@transaction.atomic
def withdraw_item(item: ResponsibilityItem, *, reason: str) -> ResponsibilityItem:
    """Soft-delete: the item stays in history and in logs that already cite it."""
    lock_current(item)
    _check_editable(item.list)
    if not reason.strip():
        raise ValidationError(_("撤销条目必须填写理由。"))
    item.is_active = False
    item.version += 1
    item._change_reason = reason.strip()
    item.save()
    if item.list.template_id:
        refresh_copy_detection(item.list)
    return item


@transaction.atomic
def assign_owner(item: ResponsibilityItem, tenure: Tenure, role: str) -> ItemAssignment:
    if tenure.org_id != item.org_id:
        raise ValidationError(_("只能分配给本单位的在任人员。"))
    assignment, created = ItemAssignment.objects.get_or_create(
        item=item, tenure=tenure, defaults={"role": role, **_scope(item.org)}
    )
    if not created and assignment.role != role:
        assignment.role = role
        assignment.save()
    return assignment


@transaction.atomic
def unassign_owner(assignment: ItemAssignment) -> None:
    # Assignments are plain join rows; history keeps the deletion record.
    assignment.delete()


@transaction.atomic
def set_item_owners(
    item: ResponsibilityItem, *, leads: Iterable[Tenure], co_owners: Iterable[Tenure]
) -> None:
    """Replace an item's owners (a tenure in both lists counts as lead)."""
    leads = list(leads)
    lead_ids = {t.pk for t in leads}
    wanted = {t.pk: ItemAssignment.Role.LEAD for t in leads}
    for tenure in co_owners:
        if tenure.pk not in lead_ids:
            wanted[tenure.pk] = ItemAssignment.Role.CO
    for assignment in list(item.assignments.all()):
        if assignment.tenure_id not in wanted:
            unassign_owner(assignment)
    tenures = {t.pk: t for t in [*leads, *co_owners]}
    for tenure_id, role in wanted.items():
        assign_owner(item, tenures[tenure_id], role)


def _transition(duty_list: ResponsibilityList, expected, new_status, reason: str = ""):
    expected = expected if isinstance(expected, (tuple, list, set, frozenset)) else (expected,)
    lock_current(duty_list, "status")  # a double submit sees the state the first one left
    if duty_list.status not in expected:
        raise ValidationError(
            _("当前状态为“%(status)s”,不能执行此操作。")
            % {"status": duty_list.get_status_display()}
        )
    duty_list.status = new_status
    duty_list._change_reason = reason or None
    duty_list.save()
    return duty_list


@transaction.atomic
def issue_list(duty_list: ResponsibilityList, *, by: Tenure | None = None) -> ResponsibilityList:
    """交责: hand the list to its subject (draft → issued)."""
    if not duty_list.items.filter(is_active=True).exists():
        raise ValidationError(_("清单还没有任何条目,不能交责。"))
    duty_list.issued_by = by
    return _transition(duty_list, RL.Status.DRAFT, RL.Status.ISSUED)


@transaction.atomic
def acknowledge_list(duty_list: ResponsibilityList) -> ResponsibilityList:
    """认领: the subject (or the adopting unit) accepts the list (issued → acknowledged)."""
    return _transition(duty_list, RL.Status.ISSUED, RL.Status.ACKNOWLEDGED)


@transaction.atomic
def put_in_force(duty_list: ResponsibilityList) -> ResponsibilityList:
    return _transition(duty_list, RL.Status.ACKNOWLEDGED, RL.Status.IN_FORCE)


@transaction.atomic
def archive_list(duty_list: ResponsibilityList) -> ResponsibilityList:
    return _transition(
        duty_list,
        (RL.Status.IN_FORCE, RL.Status.ACKNOWLEDGED, RL.Status.ISSUED),
        RL.Status.ARCHIVED,
    )


@transaction.atomic
def adopt_template(
    template: ResponsibilityList, org: Organization, *, by: Tenure | None = None
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
    refresh_copy_detection(adopted)
    return adopted


@transaction.atomic
def issue_template(
    template: ResponsibilityList,
    orgs: Iterable[Organization],
    *,
    by: Tenure | None = None,
) -> list[ResponsibilityList]:
    """Issue a template down the tree: every given unit gets its own issued copy."""
    if template.status == RL.Status.DRAFT:
        issue_list(template, by=by)
    elif template.status == RL.Status.ARCHIVED:
        raise ValidationError(_("清单已归档,不能再修改。"))
    return [adopt_template(template, org, by=by) for org in orgs]


def default_issue_targets(template: ResponsibilityList) -> QuerySet:
    """Direct child units that have a Party committee or group."""
    return Organization.objects.filter(
        parent=template.org,
        is_active=True,
        bodies__kind__in=Body.COMMITTEE_KINDS,
    ).distinct()


@transaction.atomic
def push_ad_hoc_item(
    template: ResponsibilityList, *, content: str, reason: str, **fields
) -> list[ResponsibilityItem]:
    """Mid-year ad-hoc item (临时性重点工作): added to the template and every adoption."""
    fields["is_ad_hoc"] = True
    source = add_item(template, content=content, reason=reason, **fields)
    pushed = []
    for adopted in template.adoptions.exclude(status=RL.Status.ARCHIVED):
        pushed.append(
            add_item(adopted, content=content, reason=reason, source_item=source, **fields)
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


@transaction.atomic
def hand_over_items(predecessor: Tenure, successor: Tenure) -> int:
    """The successor takes over the predecessor's assignments on this year's open lists.

    Each assignment row moves (history records it with a reason); logs keep their actor.
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
        assignment._change_reason = _("任职交接")
        assignment.save()
        moved += 1
    return moved


# --- Copy detection (照搬照抄) -----------------------------------------------------------------


def normalise_text(text: str) -> str:
    """NFKC (full/half width unified), lower-case, without whitespace, punctuation or symbols."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PZSC")


def similarity(a: str, b: str) -> float:
    """Deterministic 0..1 similarity of two normalised texts."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def best_similarity(text: str, candidates: list[str]) -> float:
    """Highest similarity of `text` against candidates, skipping hopeless ones cheaply."""
    best = 0.0
    for candidate in candidates:
        matcher = SequenceMatcher(None, text, candidate, autojunk=False)
        if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
            continue
        best = max(best, matcher.ratio())
        if best >= 1.0:
            break
    return best


@transaction.atomic
def refresh_copy_detection(duty_list: ResponsibilityList) -> ResponsibilityList:
    """Compare an adopted list with its template; store per-item and per-list results.

    Each item is compared with every active template item (a pasted template clause counts
    even if it was entered as the unit's own item). Two queries plus two bulk updates.
    """
    if duty_list.template_id is None:
        return duty_list
    threshold = settings.COPY_SIMILARITY_THRESHOLD / 100
    template_texts = [
        normalise_text(t)
        for t in duty_list.template.items.filter(is_active=True).values_list("content", flat=True)
    ]
    items = list(duty_list.items.filter(is_active=True))
    for item in items:
        score = best_similarity(normalise_text(item.content), template_texts)
        item.similarity = round(score, 4)
        item.is_verbatim = score >= threshold
    ResponsibilityItem.objects.bulk_update(items, ["similarity", "is_verbatim"], batch_size=500)
    verbatim = sum(1 for item in items if item.is_verbatim)
    total = len(items)
    duty_list.verbatim_count = verbatim
    duty_list.localisation_ratio = round(1 - verbatim / total, 4) if total else None
    duty_list.copy_flagged = bool(total) and verbatim * 100 >= settings.COPY_FLAG_PERCENT * total
    ResponsibilityList.objects.filter(pk=duty_list.pk).update(
        verbatim_count=duty_list.verbatim_count,
        localisation_ratio=duty_list.localisation_ratio,
        copy_flagged=duty_list.copy_flagged,
    )
    return duty_list


# --- Gap and overlap matrix (责任空挡 / 交叉) -------------------------------------------------


@dataclass
class MatrixRow:
    item: ResponsibilityItem
    cells: list[str]  # per member: "lead", "co" or ""
    lead_count: int
    flags: list[str] = field(default_factory=list)


@dataclass
class GapMatrix:
    members: list[Tenure]
    rows: list[MatrixRow]
    items_without_lead: list[ResponsibilityItem]
    items_with_several_leads: list[ResponsibilityItem]
    portfolios_without_item: list[Portfolio]
    members_without_item: list[Tenure]

    @property
    def has_problems(self) -> bool:
        return bool(
            self.items_without_lead
            or self.items_with_several_leads
            or self.portfolios_without_item
            or self.members_without_item
        )


def committee_members(org: Organization, day: datetime.date | None = None) -> QuerySet:
    day = day or timezone.localdate()
    return (
        Tenure.objects.held_on(day)
        .filter(org=org, role__in=Tenure.COMMITTEE_ROLES, body__kind__in=Body.COMMITTEE_KINDS)
        .select_related("person")
        .prefetch_related("portfolios")
        .order_by("role", "person__name")
    )


def gap_matrix(org: Organization, year: int, day: datetime.date | None = None) -> GapMatrix:
    """Team members × items of the org's committee-side lists of `year`. Four queries total.

    The discipline commission's own list (supervisory responsibility) is not part of the
    committee's division of work, so it is left out.
    """
    members = list(committee_members(org, day))
    items = list(
        ResponsibilityItem.objects.filter(
            org=org, list__year=year, is_active=True, list__is_template=False
        )
        .exclude(list__status=RL.Status.ARCHIVED)
        .exclude(list__subject_type=RL.SubjectType.DISCIPLINE_COMMISSION)
        .select_related("list", "portfolio")
        .prefetch_related("assignments")
        .order_by("list__subject_type", "list_id", "number")
    )
    member_index = {m.pk: i for i, m in enumerate(members)}
    covered_members: set[int] = set()
    covered_portfolios: set[int] = set()
    rows, no_lead, several = [], [], []
    for item in items:
        cells = [""] * len(members)
        leads = 0
        for a in item.assignments.all():
            if a.tenure_id not in member_index:
                continue  # an ended tenure leads nothing: the item shows as a gap
            if a.role == ItemAssignment.Role.LEAD:
                leads += 1
            covered_members.add(a.tenure_id)
            cells[member_index[a.tenure_id]] = a.role
        if item.portfolio_id:
            covered_portfolios.add(item.portfolio_id)
        flags = []
        if leads == 0:
            no_lead.append(item)
            flags.append("no_lead")
        elif leads > 1:
            several.append(item)
            flags.append("several_leads")
        rows.append(MatrixRow(item=item, cells=cells, lead_count=leads, flags=flags))
    member_portfolios = {p.pk: p for m in members for p in m.portfolios.all()}
    return GapMatrix(
        members=members,
        rows=rows,
        items_without_lead=no_lead,
        items_with_several_leads=several,
        portfolios_without_item=[
            p for pk, p in sorted(member_portfolios.items()) if pk not in covered_portfolios
        ],
        members_without_item=[m for m in members if m.pk not in covered_members],
    )


# --- Duty logs (履责纪实) -------------------------------------------------------------------


def items_for_tenure(tenure: Tenure) -> QuerySet:
    """The active items a tenure may cite: assigned to it, or in a list whose subject it is."""
    return (
        ResponsibilityItem.objects.filter(
            org=tenure.org_id, is_active=True, list__is_template=False
        )
        .exclude(list__status__in=[RL.Status.ARCHIVED, RL.Status.DRAFT])
        .filter(Q(assignments__tenure=tenure) | Q(list__subject_tenure=tenure))
        .distinct()
        .select_related("list")
        .order_by("list__year", "list_id", "number")
    )


def _is_late(occurred_on: datetime.date, entered_at: datetime.datetime) -> bool:
    return (timezone.localdate(entered_at) - occurred_on).days > settings.LATE_ENTRY_DAYS


def _validate_log(log: DutyLog, items: list[ResponsibilityItem]) -> None:
    errors = {}
    today = timezone.localdate()
    if log.occurred_on and log.occurred_on > today:
        errors["occurred_on"] = _("履责日期不能晚于今天。")
    if log.action_type == ActionType.TALK:
        if not log.talk_type:
            errors["talk_type"] = _("谈话必须选择谈话类型。")
        if not log.talk_target.strip():
            errors["talk_target"] = _("谈话必须填写谈话对象。")
    if items:
        allowed = set(
            items_for_tenure(log.tenure)
            .filter(pk__in=[i.pk for i in items])
            .values_list("pk", flat=True)
        )
        if any(i.pk not in allowed for i in items):
            errors["items"] = _("只能关联本人负责的责任条目。")
    if errors:
        raise ValidationError(errors)


LOG_FIELDS = (
    "action_type",
    "occurred_on",
    "place",
    "participants",
    "title",
    "summary",
    "outcome",
    "talk_type",
    "talk_target",
)


@transaction.atomic
def create_log(
    *,
    tenure: Tenure,
    items: Iterable[ResponsibilityItem] = (),
    submit: bool = False,
    **fields,
) -> DutyLog:
    """Record a duty. Late entries (补录) are flagged, never refused."""
    items = list(items)
    now = timezone.now()
    if fields.get("action_type") != ActionType.TALK:
        fields["talk_type"], fields["talk_target"] = "", ""
    log = DutyLog(tenure=tenure, **_scope(tenure.org), entered_at=now, **fields)
    log.is_late_entry = _is_late(log.occurred_on, now)
    log.full_clean()
    _validate_log(log, items)
    log.save()
    log.items.set(items)
    if submit:
        submit_log(log)
    return log


@transaction.atomic
def update_log(
    log: DutyLog,
    *,
    items: Iterable[ResponsibilityItem] | None = None,
    version: int | None = None,
    **fields,
):
    """Edit a draft or returned log; `version` as in update_item (EditConflict if stale)."""
    for name in fields:
        if name not in LOG_FIELDS:
            raise ValueError(name)
    stored = check_version(DutyLog, log.pk, version, list(fields))
    if stored.status not in DutyLog.EDITABLE:
        raise ValidationError(_("该纪实已提交或已审核锁定,不能修改。"))
    for name, value in fields.items():
        setattr(log, name, value)
    log.status = stored.status
    log.version = stored.version + 1
    if log.action_type != ActionType.TALK:
        log.talk_type, log.talk_target = "", ""
    log.is_late_entry = _is_late(log.occurred_on, log.entered_at)
    log.full_clean()
    item_list = list(items) if items is not None else list(log.items.all())
    _validate_log(log, item_list)
    log.save()
    if items is not None:
        log.items.set(item_list)
    return log


@transaction.atomic
def submit_log(log: DutyLog) -> DutyLog:
    lock_current(log)
    if log.status == DutyLog.Status.DRAFT:
        log.status = DutyLog.Status.SUBMITTED
    elif log.status == DutyLog.Status.RETURNED:
        log.status = DutyLog.Status.RESUBMITTED
    else:
        raise ValidationError(_("该纪实已经提交。"))
    log.submitted_at = timezone.now()
    log.save()
    return log


@transaction.atomic
def review_log(log: DutyLog, *, reviewer: Tenure, accept: bool, comment: str = "") -> DutyLog:
    """Accept (locks the log) or return it with a comment."""
    lock_current(log)
    if log.status not in DutyLog.REVIEWABLE:
        raise ValidationError(_("只有已提交的纪实才能审核。"))
    if reviewer.person_id == log.tenure.person_id:
        raise ValidationError(_("不能审核本人的纪实。"))
    if not accept and not comment.strip():
        raise ValidationError(_("退回时必须填写审核意见。"))
    log.status = DutyLog.Status.ACCEPTED if accept else DutyLog.Status.RETURNED
    log.reviewer = reviewer
    log.reviewed_at = timezone.now()
    log.review_comment = comment.strip()
    log._change_reason = comment.strip() or None
    log.save()
    return log


@transaction.atomic
def amend_log(log: DutyLog, *, author, text: str) -> DutyLogAmendment:
    """Append-only correction of an accepted log; the log itself never changes."""
    lock_current(log)
    if not log.is_locked:
        raise ValidationError(_("未锁定的纪实请直接修改,无需补正。"))
    if not text.strip():
        raise ValidationError(_("请填写补正说明。"))
    return DutyLogAmendment.objects.create(log=log, **_scope(log.org), author=author, text=text)


# --- Attachments ---------------------------------------------------------------------------

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "txt": "text/plain; charset=utf-8",
}


def sniff_kind(head: bytes, fileobj) -> str | None:
    """File kind from its content (magic bytes / zip structure), never from its name."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        try:
            fileobj.seek(0)
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    return None


def _looks_like_text(fileobj) -> bool:
    fileobj.seek(0)
    data = fileobj.read()
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def validate_upload(upload) -> str:
    """Return the detected kind or raise ValidationError with a clear Chinese message."""
    limit = settings.UPLOAD_MAX_BYTES
    if upload.size == 0:
        raise ValidationError(_("文件“%(name)s”是空文件。") % {"name": upload.name})
    if upload.size > limit:
        raise ValidationError(
            _("文件“%(name)s”过大(%(size).1f MB),上限为 %(limit).1f MB。")
            % {"name": upload.name, "size": upload.size / 1048576, "limit": limit / 1048576}
        )
    upload.seek(0)
    head = upload.read(16)
    kind = sniff_kind(head, upload)
    if kind is None and _looks_like_text(upload):
        kind = "txt"
    upload.seek(0)
    allowed = settings.ALLOWED_UPLOAD_TYPES
    if kind is None or kind not in allowed:
        raise ValidationError(
            _("文件“%(name)s”的类型不允许上传。允许的类型:%(allowed)s(按文件内容识别)。")
            % {"name": upload.name, "allowed": "、".join(a.upper() for a in allowed)}
        )
    return kind


def evidence_dir() -> Path:
    path = Path(settings.MEDIA_ROOT) / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def attachment_path(attachment: Attachment) -> Path:
    return evidence_dir() / attachment.stored_name


def _clean_name(name: str) -> str:
    name = os.path.basename(name.replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return (name or "file")[:200]


@transaction.atomic
def add_attachment(log: DutyLog, upload, *, user) -> Attachment:
    if log.status not in DutyLog.EDITABLE:
        raise ValidationError(_("该纪实已提交或已审核锁定,不能再上传材料。"))
    kind = validate_upload(upload)
    stored_name = uuid.uuid4().hex
    digest = hashlib.sha256()
    target = evidence_dir() / stored_name
    with open(target, "xb") as out:
        for chunk in upload.chunks():
            digest.update(chunk)
            out.write(chunk)
    os.chmod(target, 0o600)
    return Attachment.objects.create(
        log=log,
        **_scope(log.org),
        original_name=_clean_name(upload.name),
        stored_name=stored_name,
        content_type=CONTENT_TYPES[kind],
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=user,
    )


@transaction.atomic
def remove_attachment(attachment: Attachment) -> Attachment:
    if attachment.log.status not in DutyLog.EDITABLE:
        raise ValidationError(_("该纪实已提交或已审核锁定,不能移除材料。"))
    attachment.is_removed = True
    attachment.save()
    return attachment


# --- Progress per item (green / yellow / red) ----------------------------------------------

F_ = ResponsibilityItem.Frequency


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def period_window(frequency: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The period of `frequency` containing `day`."""
    y, m = day.year, day.month
    if frequency == F_.MONTHLY:
        return datetime.date(y, m, 1), _month_end(y, m)
    if frequency == F_.QUARTERLY:
        first = 3 * ((m - 1) // 3) + 1
        return datetime.date(y, first, 1), _month_end(y, first + 2)
    if frequency == F_.SEMIANNUAL:
        first = 1 if m <= 6 else 7
        return datetime.date(y, first, 1), _month_end(y, first + 5)
    return datetime.date(y, 1, 1), datetime.date(y, 12, 31)


def previous_window(frequency: str, day: datetime.date):
    """The period before the one containing `day`, if it lies in the same year."""
    if frequency not in (F_.MONTHLY, F_.QUARTERLY, F_.SEMIANNUAL):
        return None
    start, _end = period_window(frequency, day)
    if start.month == 1:
        return None
    return period_window(frequency, start - datetime.timedelta(days=1))


def reference_day(year: int, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    if year < today.year:
        return datetime.date(year, 12, 31)
    if year > today.year:
        return datetime.date(year, 1, 1)
    return today


def _window_q(year: int, ref: datetime.date, previous: bool) -> Q:
    q = Q(pk__in=[])
    for frequency in F_.values:
        window = previous_window(frequency, ref) if previous else period_window(frequency, ref)
        if window is None:
            continue
        q |= Q(frequency=frequency, duty_logs__occurred_on__range=window)
    return Q(list__year=year) & q & Q(duty_logs__status__in=DutyLog.COUNTED)


def with_progress(items: QuerySet, year: int, today: datetime.date | None = None) -> QuerySet:
    """Annotate items with logged actions in their current and previous period (one query)."""
    ref = reference_day(year, today)
    return items.annotate(
        period_count=Count("duty_logs", filter=_window_q(year, ref, False), distinct=True),
        previous_count=Count("duty_logs", filter=_window_q(year, ref, True), distinct=True),
    )


@dataclass(frozen=True)
class Progress:
    state: str  # green / yellow / red / grey
    label: str
    count: int
    required: int
    window: tuple[datetime.date, datetime.date]

    @property
    def css(self) -> str:
        return {
            "green": "success",
            "yellow": "warning",
            "red": "danger",
        }.get(self.state, "secondary")


def progress_of(item: ResponsibilityItem, today: datetime.date | None = None) -> Progress:
    """State of one annotated item (see with_progress); no queries."""
    ref = reference_day(item.list.year, today)
    window = period_window(item.frequency, ref)
    count = getattr(item, "period_count", 0)
    required = item.min_count
    if required == 0:
        return Progress("grey", _("不计次数"), count, required, window)
    if count >= required:
        return Progress("green", _("已完成"), count, required, window)
    if item.due_date and item.due_date < ref:
        return Progress("red", _("已逾期"), count, required, window)
    prev = previous_window(item.frequency, ref)
    if (
        prev is not None
        and timezone.localdate(item.created_at) <= prev[0]
        and getattr(item, "previous_count", 0) < required
    ):
        return Progress("red", _("上期未完成"), count, required, window)
    end = min(window[1], item.due_date) if item.due_date else window[1]
    if (end - ref).days <= settings.DUE_SOON_DAYS:
        return Progress("yellow", _("即将到期"), count, required, window)
    total = (window[1] - window[0]).days + 1
    elapsed = (ref - window[0]).days + 1
    if count < (required * elapsed) // total:
        return Progress("red", _("进度滞后"), count, required, window)
    return Progress("green", _("正常推进"), count, required, window)


def progress_summary(progresses: Iterable[Progress]) -> dict[str, int]:
    summary = {"green": 0, "yellow": 0, "red": 0, "grey": 0}
    for p in progresses:
        summary[p.state] += 1
    return summary


# --- Method mix (以会议贯彻会议) ----------------------------------------------------------------


def quarter_window(year: int, quarter: int) -> tuple[datetime.date, datetime.date]:
    first = 3 * (quarter - 1) + 1
    return datetime.date(year, first, 1), _month_end(year, first + 2)


def current_quarter(day: datetime.date | None = None) -> tuple[int, int]:
    day = day or timezone.localdate()
    return day.year, (day.month - 1) // 3 + 1


@dataclass
class MixRow:
    key: int
    label: str
    total: int
    meetings: int
    breakdown: list[tuple[str, int]]

    @property
    def share(self) -> int:
        return round(self.meetings * 100 / self.total) if self.total else 0

    @property
    def warning(self) -> bool:
        return (
            self.total >= settings.METHOD_MIX_MIN_LOGS
            and self.share > settings.METHOD_MIX_THRESHOLD
        )


def method_mix(logs: QuerySet, year: int, quarter: int, *, by: str = "tenure") -> list[MixRow]:
    """Share of meeting-only logs per person (`by="tenure"`) or per unit (`by="org"`).

    One grouped query with a conditional count per action type.
    """
    window = quarter_window(year, quarter)
    group = "tenure" if by == "tenure" else "org"
    label_field = "tenure__person__name" if by == "tenure" else "org__name"
    counts = {f"n_{value}": Count("id", filter=Q(action_type=value)) for value in ActionType.values}
    rows = (
        logs.filter(occurred_on__range=window)
        .exclude(status=DutyLog.Status.DRAFT)
        .values(group, label_field)
        .annotate(
            total=Count("id"),
            meetings=Count("id", filter=Q(action_type__in=MEETING_ONLY_ACTIONS)),
            **counts,
        )
        .order_by(label_field)
    )
    labels = dict(ActionType.choices)
    result = []
    for row in rows:
        breakdown = [
            (labels[value], row[f"n_{value}"]) for value in ActionType.values if row[f"n_{value}"]
        ]
        result.append(
            MixRow(
                key=row[group],
                label=row[label_field],
                total=row["total"],
                meetings=row["meetings"],
                breakdown=breakdown,
            )
        )
    return result

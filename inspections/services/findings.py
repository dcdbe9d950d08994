"""Findings: recording and correcting them, who answers for them, evidence, the case-lead
transfer to a discipline body and the verification of concealment (瞒报)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from inspections.models import Attachment, Finding, FindingResponsibility, InspectionRound, Side
from inspections.uploads import save_attachments
from inspections.workflows import ROUND_FLOW
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.concurrency import check_version, lock_current
from liangge_zeren.workflow import refuse
from responsibilities.models import Body, Organization, ResponsibilityItem, Tenure


def _next_number(finding: Finding) -> str:
    return f"WT{finding.created_at:%Y}{finding.pk:06d}"


def _is_upward_lead(inspecting_body: Body, tenure: Tenure, kind: str) -> bool:
    """R26: a lead on a same-level committee member (personal or leadership responsibility).

    A committee member named with *principal* responsibility is the post answerable for
    rectification and must see the finding; naming them with direct or leadership
    responsibility is a lead about the person, which goes upward only.
    """
    return (
        inspecting_body.is_discipline
        and tenure.org_id == inspecting_body.org_id
        and tenure.role in Tenure.COMMITTEE_ROLES
        and kind in {FindingResponsibility.Kind.DIRECT, FindingResponsibility.Kind.LEADERSHIP}
    )


def _inspecting_side(
    round_: InspectionRound | None,
    org: Organization,
    inspecting_body: Body | None,
    side: str | None,
    actor: Actor,
) -> tuple[Body, str]:
    """Who inspects and on which side: the round's (a target of it, the round still open)
    or the body named; the unit must lie in the inspecting body's jurisdiction."""
    if round_ is not None:
        target = next(
            (t for t in round_.round_targets.all() if org.path.startswith(t.org_path)), None
        )
        if target is None:
            refuse(_("被检查单位必须是本轮次的检查对象(或其下级)。"))
        ROUND_FLOW.check(round_, "add_finding", actor)
        inspecting_body, side = round_.issuing_body, target.side
    if inspecting_body is None:
        refuse(_("请指定发现问题的机构。"))
    if not org.path.startswith(inspecting_body.org_path):
        refuse(_("被检查单位不在发现机构的管辖范围内。"))
    return inspecting_body, side or Side.PRINCIPAL


@write_service
def record_finding(
    *,
    actor: Actor,
    org: Organization,
    source: str,
    sub_source: str,
    category: str,
    title: str,
    description: str,
    severity: str = Finding.Severity.MINOR,
    round: InspectionRound | None = None,  # noqa: A002 - the domain's word
    inspecting_body: Body | None = None,
    side: str | None = None,
    upward_channel: bool = False,
    failed_item: ResponsibilityItem | None = None,
    responsibilities: Iterable[tuple[Tenure, str]] = (),
    files: Sequence[Any] = (),
) -> Finding:
    valid_subs = {
        key for kind, subs in Finding.SUB_SOURCES.items() if kind == source for key, _label in subs
    }
    if sub_source not in valid_subs:
        refuse(_("来源细分与问题来源不一致。"))
    body, side = _inspecting_side(round, org, inspecting_body, side, actor)
    finding = Finding(
        number=f"tmp-{timezone.now().timestamp()}",
        round=round,
        inspecting_body=body,
        inspecting_path=body.org_path,
        source=source,
        sub_source=sub_source,
        category=category,
        title=title,
        description=description,
        severity=severity,
        org=org,
        org_path=org.path,
        side=side,
        upward_channel=upward_channel,
        failed_item=failed_item,
        created_by=actor_user(actor),
    )
    finding.save()
    finding.number = _next_number(finding)
    finding.save(update_fields=["number"])
    for tenure, kind in responsibilities:
        add_responsibility(finding, actor=actor, tenure=tenure, kind=kind)
    finding.refresh_from_db()
    if not finding.upward_channel and (round is None or round.findings_delivered):
        finding.delivered_at = timezone.now()
        finding.save(update_fields=["delivered_at"])
    save_attachments(files, user=actor_user(actor), finding=finding)
    return finding


FINDING_EDITABLE_FIELDS = frozenset({"title", "description", "category", "severity", "failed_item"})


@write_service
def update_finding(
    finding: Finding, *, actor: Actor, version: int | None = None, **fields: Any
) -> Finding:
    """Correct the description of a finding; where and to whom it was delivered stays.

    `version` as in update_round (EditConflict if someone saved since the editor loaded it).
    """
    unknown = set(fields) - FINDING_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    stored = check_version(Finding, finding.pk, version, sorted(fields))
    if stored.status == Finding.Status.CLOSED:
        refuse(_("已销号的问题不能再修改。"))
    finding.status = stored.status
    finding.version = stored.version + 1
    item = fields.get("failed_item")
    if item is not None and item.org_id != finding.org_id:
        refuse(_("责任清单条目必须属于被检查单位。"))
    for name, value in fields.items():
        setattr(finding, name, value)
    # Only what this form edits: a concealment mark or a state change saved meanwhile by
    # someone else (without a version bump) must not be overwritten by stale values.
    finding.save(update_fields=[*fields, "version"])
    return finding


@write_service
def add_responsibility(
    finding: Finding, *, actor: Actor, tenure: Tenure, kind: str, note: str = ""
) -> FindingResponsibility:
    row, _created = FindingResponsibility.objects.get_or_create(
        finding=finding, tenure=tenure, kind=kind, defaults={"note": note}
    )
    if not finding.upward_channel and _is_upward_lead(finding.inspecting_body, tenure, kind):
        # Sticky: once a lead on a same-level committee member, it stays on the upward channel.
        finding.upward_channel = True
        finding.delivered_at = None
        finding.save(update_fields=["upward_channel", "delivered_at"])
    return row


@write_service
def add_finding_evidence(
    finding: Finding, *, actor: Actor, files: Sequence[Any]
) -> list[Attachment]:
    if not files:
        refuse(_("请选择要上传的文件。"))
    return save_attachments(files, user=actor_user(actor), finding=finding)


@write_service
def transfer_case_lead(finding: Finding, *, actor: Actor, to_body: Body) -> Finding:
    """问题线索移交 to a discipline body (the accountability app picks these up)."""
    lock_current(finding, "is_case_lead_transferred")
    if finding.is_case_lead_transferred:
        refuse(_("该问题线索已移交。"))
    if not to_body.is_discipline:
        refuse(_("问题线索只能移交纪检监察机关。"))
    finding.is_case_lead_transferred = True
    finding.transferred_to = to_body
    finding.transferred_at = timezone.now()
    finding.save(update_fields=["is_case_lead_transferred", "transferred_to", "transferred_at"])
    return finding


@write_service
def mark_concealed(finding: Finding, *, actor: Actor, concealed: bool, reason: str) -> Finding:
    """Record the reviewers' verification that the unit concealed (瞒报) this problem — or
    withdraw it. Always with a reason; who and when are kept on the finding and in its
    history. The quarterly assessment deducts a concealed finding double (incentive rule).
    """
    reason = (reason or "").strip()
    if not reason:
        refuse(_("请填写认定理由。"))
    # Re-read under a row lock: two reviewers deciding at once must not both "win".
    current = Finding.objects.select_for_update().get(pk=finding.pk)
    if concealed and current.source == Finding.Source.SELF_IDENTIFIED:
        refuse(_("责任主体自查发现的问题不能认定为瞒报。"))
    if current.concealed == concealed:
        refuse(_("该问题已认定为瞒报。") if concealed else _("该问题未被认定为瞒报。"))
    current.concealed = concealed
    current.concealed_by = actor_user(actor)
    current.concealed_at = timezone.now()
    current.concealed_reason = reason
    current._change_reason = reason  # type: ignore[attr-defined]  # shown in its history
    current.save(update_fields=["concealed", "concealed_by", "concealed_at", "concealed_reason"])
    for name in ("concealed", "concealed_by", "concealed_at", "concealed_reason"):
        setattr(finding, name, getattr(current, name))
    return finding

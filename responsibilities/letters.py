"""Responsibility letters with chained signatures (签字背书), and annual duty reports.

A letter freezes the signee's items as canonical JSON. Each signature stores the SHA-256 of
that content and a MAC (under the chain key named by `key_id`, security/keys.py) of it and of
the previous signature of the same organisation, so changing any stored text later breaks the
chain even for someone who can rewrite the database and recompute hashes: they do not hold
the key. `manage.py verify_signatures` walks every chain.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from liangge_zeren import documents
from liangge_zeren.actors import Actor, set_change_reason, write_service
from liangge_zeren.concurrency import check_version, lock_current
from responsibilities.duty_logs import items_for_tenure
from responsibilities.lists import hand_over_items, predecessor_of
from responsibilities.models import (
    ActionType,
    DutyLog,
    DutyReport,
    Organization,
    ResponsibilityItem,
    ResponsibilityLetter,
    ResponsibilityList,
    Signature,
    Tenure,
)
from responsibilities.workflows import REPORT_FLOW
from security.keys import chain_keys

LS = ResponsibilityLetter.Status
OPEN_LETTER_STATES = (LS.DRAFTED, LS.SENT, LS.SIGNED)


def letters_enabled() -> bool:
    return bool(settings.RESPONSIBILITY_LETTERS_ENABLED)


def _require_enabled() -> None:
    if not letters_enabled():
        raise ValidationError(_("本系统未启用责任书功能。"))


def canonical_json(content) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def letter_title(signee: Tenure) -> str:
    if signee.role == Tenure.Role.SECRETARY:
        return _("全面从严治党主体责任书")
    return _("党风廉政建设责任书")


def _party(tenure: Tenure) -> dict:
    return {
        "tenure": tenure.pk,
        "name": tenure.person.name,
        "org": tenure.org.name,
        "post": tenure.title or tenure.get_role_display(),
    }


def letter_items(signee: Tenure, year: int) -> list[ResponsibilityItem]:
    return list(items_for_tenure(signee).filter(list__year=year))


def build_content(signee: Tenure, issuer: Tenure, year: int, version: int) -> dict:
    return {
        "title": letter_title(signee),
        "year": year,
        "version": version,
        "org": signee.org.name,
        "issuer": _party(issuer),
        "signee": _party(signee),
        "items": [
            {
                "number": n,
                "category": item.get_category_display(),
                "content": item.content,
                "frequency": item.get_frequency_display(),
                "min_count": item.min_count,
            }
            for n, item in enumerate(letter_items(signee, year), start=1)
        ],
    }


@write_service
def generate_letter(
    *,
    signee: Tenure,
    issuer: Tenure,
    year: int,
    previous: ResponsibilityLetter | None = None,
    actor: Actor,
) -> ResponsibilityLetter:
    """Draft a letter from the signee's assigned items for `year`."""
    _require_enabled()
    if signee.pk == issuer.pk:
        raise ValidationError(_("交责方和承诺方不能是同一任职。"))
    version = previous.version + 1 if previous else 1
    content = build_content(signee, issuer, year, version)
    if not content["items"]:
        raise ValidationError(_("承诺方在该年度还没有分配任何责任条目。"))
    letter = ResponsibilityLetter(
        org=signee.org,
        org_path=signee.org.path,
        year=year,
        title=content["title"],
        issuer_tenure=issuer,
        signee_tenure=signee,
        content=content,
        content_sha256=content_hash(content),
        version=version,
        previous_version=previous,
    )
    letter.full_clean()
    letter.save()
    return letter


def chain_hash(
    prev: str,
    letter_id: int,
    role: str,
    tenure_id: int,
    signed_at,
    content_sha: str,
    key_id: str = "",
) -> str:
    """The signature's link: a MAC under chain key `key_id` (KeyError for a key this
    installation does not hold); "" gives the plain SHA-256 of unkeyed (older) signatures."""
    stamp = signed_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    raw = f"{prev}|{letter_id}|{role}|{tenure_id}|{stamp}|{content_sha}"
    if not key_id:
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()
    return chain_keys().mac(key_id, f"signature|{raw}")


def expected_signer_role(letter: ResponsibilityLetter) -> str | None:
    if letter.status == LS.DRAFTED:
        return Signature.Role.ISSUER
    if letter.status == LS.SENT:
        return Signature.Role.SIGNEE
    return None


def may_sign(user, letter: ResponsibilityLetter) -> bool:
    role = expected_signer_role(letter)
    if role is None:
        return False
    tenure = letter.issuer_tenure if role == Signature.Role.ISSUER else letter.signee_tenure
    return tenure.is_current and tenure.person.user_id == user.pk


@write_service
def sign_letter(
    letter: ResponsibilityLetter, *, user, password: str, ip: str | None = None, actor: Actor
) -> Signature:
    """Issuer signs first (drafted → sent), then the signee (sent → signed).

    The signer re-enters their password; time and IP are recorded in the chained row.
    """
    if not password or not user.check_password(password):
        raise ValidationError(_("密码不正确,未签字。"))
    return sign_letter_trusted(letter, user=user, ip=ip, actor=actor)


@write_service
def sign_letter_trusted(
    letter: ResponsibilityLetter,
    *,
    user,
    ip: str | None = None,
    signed_at=None,
    actor: Actor,
) -> Signature:
    """Record the due signature without asking for the password (demo seeding only)."""
    _require_enabled()
    letter = ResponsibilityLetter.objects.select_for_update().get(pk=letter.pk)
    role = expected_signer_role(letter)
    if role is None:
        raise ValidationError(_("该责任书当前不需要签字。"))
    tenure = letter.issuer_tenure if role == Signature.Role.ISSUER else letter.signee_tenure
    if tenure.person.user_id != user.pk or not tenure.is_current:
        raise ValidationError(_("现在应由%(name)s签字。") % {"name": tenure.person.name})
    current_hash = content_hash(letter.content)
    if current_hash != letter.content_sha256:
        raise ValidationError(_("责任书内容校验失败,不能签字。请联系管理员。"))
    # Serialise the chain of this organisation.
    Organization.objects.select_for_update().filter(pk=letter.org_id).first()
    last = Signature.objects.filter(org_id=letter.org_id).order_by("-pk").first()
    prev = last.chain_sha256 if last else ""
    signed_at = signed_at or timezone.now()
    key_id = chain_keys().current
    signature = Signature.objects.create(
        letter=letter,
        org_id=letter.org_id,
        org_path=letter.org_path,
        role=role,
        signer_tenure=tenure,
        signer_user=user,
        signed_at=signed_at,
        ip=ip or None,
        content_sha256=current_hash,
        prev_sha256=prev,
        chain_sha256=chain_hash(prev, letter.pk, role, tenure.pk, signed_at, current_hash, key_id),
        key_id=key_id,
    )
    letter.status = LS.SENT if role == Signature.Role.ISSUER else LS.SIGNED
    letter.save()
    if letter.status == LS.SIGNED and letter.previous_version is not None:
        _supersede(letter.previous_version, _("已签订新版本"))
    return signature


def _supersede(letter: ResponsibilityLetter, reason: str) -> None:
    if letter.status in OPEN_LETTER_STATES:
        letter.status = LS.SUPERSEDED
        letter.superseded_at = timezone.now()
        set_change_reason(letter, reason)
        letter.save()


@write_service
def revise_letter(letter: ResponsibilityLetter, *, actor: Actor) -> ResponsibilityLetter:
    """A changed letter is a new version that must be signed again."""
    _require_enabled()
    lock_current(letter)  # a double submit must not make two new versions
    if letter.status == LS.DRAFTED:
        raise ValidationError(_("草稿尚未签字,可直接重新生成。"))
    if letter.status not in (LS.SENT, LS.SIGNED):
        raise ValidationError(_("该责任书已失效或已归档。"))
    new = generate_letter(
        signee=letter.signee_tenure,
        issuer=letter.issuer_tenure,
        year=letter.year,
        previous=letter,
        actor=actor,
    )
    if letter.status == LS.SENT:
        _supersede(letter, _("内容变更,已生成新版本"))
    return new


@write_service
def on_tenure_ended(tenure: Tenure, *, actor: Actor) -> int:
    """The signee's tenure ended: open letters are superseded (called from end_tenure).

    If the successor is already in post, they take over the items and get a new letter.
    """
    letters = list(
        ResponsibilityLetter.objects.filter(signee_tenure=tenure, status__in=OPEN_LETTER_STATES)
    )
    for letter in letters:
        _supersede(letter, _("承诺方离任"))
    successor = (
        Tenure.objects.current()
        .filter(body_id=tenure.body_id, role=tenure.role, start_date__gt=tenure.start_date)
        .exclude(pk=tenure.pk)
        .first()
    )
    if successor is not None:
        on_tenure_started(successor, actor=actor)
    return len(letters)


@write_service
def on_tenure_started(tenure: Tenure, *, actor: Actor) -> ResponsibilityLetter | None:
    """A successor takes the post (called from appoint).

    They take over the predecessor's items of the current year, and if the predecessor's
    letter was superseded they get a new draft letter from the same issuer.
    """
    predecessor = predecessor_of(tenure)
    if predecessor is None:
        return None
    hand_over_items(predecessor, tenure, actor=actor)
    if not letters_enabled():
        return None
    year = timezone.localdate().year
    old = (
        ResponsibilityLetter.objects.filter(
            signee_tenure=predecessor, year=year, status=LS.SUPERSEDED
        )
        .select_related("issuer_tenure")
        .order_by("-pk")
        .first()
    )
    if old is None or ResponsibilityLetter.objects.filter(signee_tenure=tenure, year=year).exists():
        return None
    issuer = old.issuer_tenure
    if not issuer.is_current:
        return None
    try:
        return generate_letter(signee=tenure, issuer=issuer, year=year, actor=actor)
    except ValidationError:
        return None  # the successor has no items yet; the secretary generates it later


@dataclass(frozen=True)
class ChainBreak:
    org_id: int
    signature_id: int
    letter_id: int
    problem: str


def verify_chains() -> tuple[int, list[ChainBreak]]:
    """Walk every organisation's chain; return (signatures checked, breaks).

    Keyed signatures are checked with their key. An unkeyed (older) signature is accepted
    only up to the organisation's last unkeyed signature recorded by the audit log's keyed
    `chain_rekey` entry (whose own MAC is checked): a database-only rewrite can only make
    unkeyed rows, and those anywhere else are breaks."""
    breaks: list[ChainBreak] = []
    checked = 0
    last_chain: dict[int, str] = {}
    legacy, marker_problem = _legacy_heads()
    signatures = Signature.objects.select_related("letter").order_by("org_id", "pk")
    for sig in signatures.iterator(chunk_size=1000):
        checked += 1

        def report(problem, sig=sig):
            breaks.append(ChainBreak(sig.org_id, sig.pk, sig.letter_id, problem))

        if sig.prev_sha256 != last_chain.get(sig.org_id, ""):
            report("previous-signature hash does not match the chain")
        for problem in _signature_problems(sig, legacy, marker_problem):
            report(problem)
        last_chain[sig.org_id] = sig.chain_sha256
    return checked, breaks


def _legacy_heads() -> tuple[dict[int, tuple[int, str]], str]:
    """Per organisation (last unkeyed signature id, its chain hash), from the keyed marker."""
    from security.services import rekey_marker

    marker = rekey_marker()
    if marker is None:
        return {}, "unkeyed signature but the chains were never re-keyed (forged)"
    try:
        intact = marker.compute_hash() == marker.hash
    except KeyError:
        intact = False
    if not intact:
        return {}, "the audit log's re-key entry is altered; unkeyed signatures unverifiable"
    heads = marker.details.get("letter_heads", {}) if isinstance(marker.details, dict) else {}
    return {int(org): (int(pk), str(chain)) for org, (pk, chain) in heads.items()}, ""


def _signature_problems(
    sig: Signature, legacy: dict[int, tuple[int, str]], marker_problem: str
) -> list[str]:
    problems = []
    letter = sig.letter
    if content_hash(letter.content) != sig.content_sha256:
        problems.append("letter content differs from what was signed")
    if letter.content_sha256 != sig.content_sha256:
        problems.append("stored letter hash differs from the signed hash")
    if not sig.key_id:
        head = legacy.get(sig.org_id)
        if head is None or sig.pk > head[0]:
            problems.append(marker_problem or "unkeyed signature after the chain was keyed")
        elif sig.pk == head[0] and sig.chain_sha256 != head[1]:
            problems.append("unkeyed chain differs from the head recorded when it was keyed")
    try:
        recomputed = chain_hash(
            sig.prev_sha256,
            sig.letter_id,
            sig.role,
            sig.signer_tenure_id,
            sig.signed_at,
            sig.content_sha256,
            sig.key_id,
        )
    except KeyError:
        return [*problems, f"signed with unknown key {sig.key_id!r}"]
    if recomputed != sig.chain_sha256:
        problems.append("signature row was altered (chain hash mismatch)")
    return problems


# --- .docx output (the official-document kit, liangge_zeren/documents.py) ------------------


def _signature_table(letter: ResponsibilityLetter, issuer: dict, signee: dict) -> documents.Block:
    signatures = {s.role: s for s in letter.signatures.select_related("signer_tenure__person")}
    columns = []
    for role, label, party in (
        (Signature.Role.ISSUER, _("交责方(签字)"), issuer),
        (Signature.Role.SIGNEE, _("承诺方(签字)"), signee),
    ):
        sig = signatures.get(role)
        columns.append(
            (
                label,
                _("%(name)s(已电子签名)") % {"name": party["name"]} if sig else party["name"],
                documents.date_text(timezone.localtime(sig.signed_at).date())
                if sig
                else documents.BLANK_DATE,
            )
        )
    return documents.table([], [list(row) for row in zip(*columns, strict=True)], borders=False)


def letter_docx(letter: ResponsibilityLetter) -> bytes:
    """The letter laid out as an official document, from the frozen snapshot only."""
    content = letter.content
    issuer, signee = content["issuer"], content["signee"]
    blocks = [
        documents.plain(_("交责方:%(org)s %(post)s %(name)s") % issuer),
        documents.plain(_("承诺方:%(org)s %(post)s %(name)s") % signee),
        documents.paragraph(
            _(
                "为深入推进全面从严治党,压紧压实管党治党政治责任,根据有关规定,"
                "结合工作实际,签订本责任书。承诺方对以下责任事项切实履职尽责:"
            )
        ),
        *(
            documents.paragraph(
                _("%(number)s. 【%(category)s】%(content)s(%(frequency)s,不少于%(min_count)s次)")
                % item
            )
            for item in content["items"]
        ),
        documents.paragraph(
            _("本责任书一式两份,双方各执一份,自签订之日起生效。任职变动时,由继任者重新签订。")
        ),
        documents.plain(""),
        _signature_table(letter, issuer, signee),
    ]
    closing = [
        documents.note(
            _("版本 %(version)s · 内容校验码 SHA-256:%(sha)s")
            % {"version": letter.version, "sha": letter.content_sha256}
        )
    ]
    return documents.render(
        documents.OfficialDocument(
            kind="responsibility_letter",
            title=content["title"],
            subtitle=_("(%(year)s年度)") % {"year": content["year"]},
            blocks=blocks,
            closing=closing,
        )
    )


# --- Annual duty reports (报告工作 / 述责述廉) --------------------------------------------------


def report_scope(org: Organization, year: int, tenure: Tenure | None):
    items: QuerySet[ResponsibilityItem] = ResponsibilityItem.objects.filter(
        org=org, list__year=year, is_active=True, list__is_template=False
    ).exclude(list__status=ResponsibilityList.Status.DRAFT)
    logs = DutyLog.objects.filter(org=org, occurred_on__year=year).exclude(
        status=DutyLog.Status.DRAFT
    )
    if tenure is not None:
        items = items_for_tenure(tenure).filter(list__year=year)
        logs = logs.filter(tenure=tenure)
    return items, logs


def prefill_report(org: Organization, year: int, tenure: Tenure | None) -> str:
    from responsibilities.progress import with_progress

    items, logs = report_scope(org, year, tenure)
    items = list(with_progress(items.select_related("list"), year).order_by("list_id", "number"))
    by_type = Counter(logs.values_list("action_type", flat=True))
    labels = dict(ActionType.choices)
    subject = tenure.person.name if tenure else org.name
    lines = [
        _("一、基本情况"),
        _("%(year)s年,%(subject)s共承担责任条目 %(n)s 项(规定动作 %(m)s 项、自选动作 %(x)s 项)。")
        % {
            "year": year,
            "subject": subject,
            "n": len(items),
            "m": sum(1 for i in items if i.is_mandatory),
            "x": sum(1 for i in items if not i.is_mandatory),
        },
        _("二、履责情况"),
        _("全年记录履责纪实 %(n)s 条:%(detail)s。")
        % {
            "n": sum(by_type.values()),
            "detail": "、".join(f"{labels[k]} {v} 次" for k, v in sorted(by_type.items()))
            or _("无"),
        },
    ]
    for n, item in enumerate(items, start=1):
        lines.append(
            _("%(n)s. %(content)s —— 本期已记录 %(count)s 次(要求 %(need)s 次)")
            % {"n": n, "content": item.content, "count": item.period_count, "need": item.min_count}
        )
    lines += [
        _("三、存在的问题"),
        _("(请结合实际填写)"),
        _("四、下一步打算"),
        _("(请结合实际填写)"),
    ]
    return "\n".join(lines)


@write_service
def draft_report(
    *, actor: Actor, org: Organization, year: int, tenure: Tenure | None = None
) -> DutyReport:
    """Get or create the year's report of a committee (tenure None) or a person."""
    existing = DutyReport.objects.filter(org=org, year=year, tenure=tenure).first()
    if existing:
        return existing
    if tenure is not None and tenure.org_id != org.pk:
        raise ValidationError(_("述责人必须是本单位的在任人员。"))
    subject = tenure.person.name if tenure else org.name
    title = (
        _("%(subject)s%(year)s年度履行全面从严治党责任情况报告")
        if tenure is None
        else _("%(subject)s%(year)s年度述责述廉报告")
    ) % {"subject": subject, "year": year}
    report = DutyReport(
        org=org,
        org_path=org.path,
        year=year,
        tenure=tenure,
        title=title,
        content=prefill_report(org, year, tenure),
    )
    report.full_clean()
    report.save()
    return report


@write_service
def update_report(
    report: DutyReport, *, actor: Actor, title: str, content: str, version: int | None = None
) -> DutyReport:
    """`version` is the version the editor loaded (EditConflict if someone saved since)."""
    stored = check_version(DutyReport, report.pk, version, ["title", "content"])
    REPORT_FLOW.check(report, "edit", actor, status=stored.status)
    report.title, report.content = title, content
    report.version = stored.version + 1
    report.full_clean()
    report.save()
    return report


@write_service
def submit_report(report: DutyReport, *, actor: Actor) -> DutyReport:
    lock_current(report)
    REPORT_FLOW.move(report, "submit", actor)
    report.submitted_at = timezone.now()
    report.save()
    return report


@write_service
def acknowledge_report(
    report: DutyReport, *, actor: Actor, by: Tenure, comment: str = ""
) -> DutyReport:
    """The superior reads the report; `by` is the actor's post."""
    lock_current(report)
    REPORT_FLOW.move(report, "acknowledge", actor)
    report.acknowledged_by = by
    report.acknowledged_at = timezone.now()
    report.comment = comment
    report.save()
    return report


def report_docx(report: DutyReport) -> bytes:
    """A committee's report is a 报告 to the superior's committee (red header, 发文字号); a
    person's 述责述廉 report carries their name and post under the title."""
    blocks = documents.blocks_from_text(report.content)
    if report.comment:
        blocks.append(documents.plain(_("上级意见:%(comment)s") % {"comment": report.comment}))
    submitted = timezone.localtime(report.submitted_at).date() if report.submitted_at else None
    if report.tenure is not None:
        tenure = report.tenure
        return documents.render(
            documents.OfficialDocument(
                kind="personal_report",
                title=report.title,
                author=" ".join(_party(tenure)[k] for k in ("org", "post", "name")),
                blocks=blocks,
                date=submitted,
            )
        )
    committee = report.org.committee_name()
    secretary = (
        Tenure.objects.current()
        .filter(org=report.org, role=Tenure.Role.SECRETARY)
        .select_related("person")
        .first()
    )
    return documents.render(
        documents.OfficialDocument(
            kind="committee_report",
            title=report.title,
            issuer_mark=committee,
            doc_number=documents.doc_number((submitted or timezone.localdate()).year),
            signer=secretary.person.name if secretary else "",
            recipient=report.org.parent.committee_name() if report.org.parent else "",
            signature=committee,
            date=submitted,
            blocks=blocks,
        )
    )

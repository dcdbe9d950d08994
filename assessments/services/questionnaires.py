"""Public questionnaires (群众参与) and third-party evaluation (第三方评议), issue 18.

- The organiser is the unit's superior (`authority.may_evaluate`): opens a questionnaire,
  edits its questions, issues one-time codes (only their hashes are kept), invites
  third-party evaluators and closes it.
- The public answers anonymously, by a code (one sheet per code) or through the open link
  (the anti-stuffing checks — rate limit, CAPTCHA, browser cookie — are the view's, before
  it calls `submit_response`). A sheet keeps no person, no address and the day only; the
  free-text comment is stored apart, as a lead for the unit's discipline side, who are told
  (title and link only) through the notification gate.
- An invited evaluator gets an account with no post, reached by a one-time invitation link,
  good for their one round until it closes (rules.InvitedEvaluatorClause).
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import questionnaires as qs_domain
from assessments.authority import may_evaluate
from assessments.models import (
    Questionnaire,
    QuestionnaireCode,
    QuestionnaireComment,
    QuestionnaireResponse,
    ThirdPartyEvaluator,
    ThirdPartyReport,
)
from assessments.workflows import QUESTIONNAIRE_FLOW
from liangge_zeren.actors import Actor, actor_user, system_actor, write_service
from liangge_zeren.concurrency import lock_current
from notifications.services import notify
from responsibilities.models import Body, Organization, Tenure
from security.business_audit import note_bulk
from security.tokens import hash_secret

PUBLIC = system_actor("public", "公众问卷答卷", anonymous=True)
# Printable codes: no 0/O, 1/I/L look-alikes; 10 characters ≈ 49 bits.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_CODES_PER_BATCH = 500
EVALUATOR_PREFIX = "tpe_"


def normalise_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def _require_organiser(actor: Actor, org: Organization) -> None:
    if not may_evaluate(actor, org):
        raise PermissionDenied(_("只有上级单位可以组织对该单位的问卷调查和第三方评议。"))


@write_service
def open_questionnaire(
    *,
    actor: Actor,
    org: Organization,
    year: int,
    quarter: int,
    title: str,
    closes_on: datetime.date,
    open_link: bool = True,
    questions: list[dict[str, Any]] | None = None,
) -> Questionnaire:
    _require_organiser(actor, org)
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": _("截止日期不能早于今天。")})
    questions = questions if questions is not None else qs_domain.default_questions()
    qs_domain.validate_questions(questions)
    row = Questionnaire(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        title=(title or "").strip(),
        questions=questions,
        closes_on=closes_on,
        open_key=secrets.token_urlsafe(12) if open_link else "",
        created_by=actor_user(actor),
    )
    row.full_clean()
    row.save()
    return row


@write_service
def edit_questions(
    questionnaire: Questionnaire, *, actor: Actor, texts: dict[str, str]
) -> Questionnaire:
    """New wording for the template's questions (keys and kinds stay)."""
    _require_organiser(actor, questionnaire.org)
    lock_current(questionnaire, "status")
    QUESTIONNAIRE_FLOW.check(questionnaire, "edit", actor)
    questions = [
        {**q, "text": (texts.get(q["key"], q["text"]) or "").strip()}
        for q in questionnaire.questions
    ]
    qs_domain.validate_questions(questions)
    questionnaire.questions = questions
    questionnaire.save(update_fields=["questions"])
    return questionnaire


@write_service
def issue_codes(questionnaire: Questionnaire, *, actor: Actor, count: int) -> list[str]:
    """A batch of one-time codes; returned once (only their hashes are stored)."""
    _require_organiser(actor, questionnaire.org)
    lock_current(questionnaire, "status")
    QUESTIONNAIRE_FLOW.check(questionnaire, "issue_codes", actor)
    if not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ValidationError(
            _("每批答题码数量应在 1 到 %(n)s 之间。") % {"n": MAX_CODES_PER_BATCH}
        )
    batch = max(questionnaire.codes.values_list("batch", flat=True), default=0) + 1
    codes = [
        "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)) for _ in range(count)
    ]
    QuestionnaireCode.objects.bulk_create(
        QuestionnaireCode(questionnaire=questionnaire, code_hash=hash_secret(c), batch=batch)
        for c in codes
    )
    note_bulk(
        QuestionnaireCode,
        None,
        {"batch": batch, "count": count},
        label=str(questionnaire),
        org_path=questionnaire.org_path,
        key=f"questionnaire:{questionnaire.pk}:batch:{batch}",
    )
    return codes


def find_code(code: str) -> QuestionnaireCode | None:
    """The code row (with its questionnaire) for a typed or scanned code, used or not."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return (
        QuestionnaireCode.objects.select_related("questionnaire__org")
        .filter(code_hash=hash_secret(code))
        .first()
    )


def discipline_recipients(org: Organization) -> list[Any]:
    """The users of the unit's own discipline side: its commission's officers and the team
    stationed in it (the gate decides again at sending)."""
    tenures = (
        Tenure.objects.current()
        .filter(role__in=Tenure.DISCIPLINE_ROLES, person__user__isnull=False)
        .filter(body__kind__in=Body.DISCIPLINE_KINDS)
    )
    own = tenures.filter(body__org=org) | tenures.filter(body__stationed_in=org)
    users = get_user_model().objects.filter(person__tenures__in=own, is_active=True)
    return list(users.distinct().order_by("pk"))


@write_service
def submit_response(
    questionnaire: Questionnaire,
    *,
    actor: Actor,
    answers: dict[str, Any],
    comment: str = "",
    code: str | None = None,
) -> QuestionnaireResponse:
    """One anonymous sheet. With a code: the code must belong to this questionnaire and be
    unused (locked, so two submissions with one code give one sheet)."""
    lock_current(questionnaire, "status")
    QUESTIONNAIRE_FLOW.check(questionnaire, "answer", actor)
    today = timezone.localdate()
    cleaned = qs_domain.clean_answers(questionnaire.questions, answers)
    comment = (comment or "").strip()
    if len(comment) > 2000:
        raise ValidationError(_("意见建议不能超过 2000 字。"))
    if code is not None:
        row = (
            QuestionnaireCode.objects.select_for_update()
            .filter(questionnaire=questionnaire, code_hash=hash_secret(normalise_code(code)))
            .first()
        )
        if row is None:
            raise ValidationError(_("答题码不正确。"))
        if row.used_on is not None:
            raise ValidationError(_("该答题码已使用过, 每个答题码只能答一次。"))
        row.used_on = today
        row.save(update_fields=["used_on"])
    elif not questionnaire.open_key:
        raise ValidationError(_("该问卷只接受答题码答卷。"))
    sheet = QuestionnaireResponse.objects.create(
        questionnaire=questionnaire,
        answers=cleaned,
        score=qs_domain.sheet_score(cleaned),
        submitted_on=today,
    )
    if comment:
        QuestionnaireComment.objects.create(
            questionnaire=questionnaire,
            org=questionnaire.org,
            org_path=questionnaire.org_path,
            text=comment,
            submitted_on=today,
        )
        _tell_discipline(questionnaire)
    return sheet


def _tell_discipline(questionnaire: Questionnaire) -> None:
    """Title and link only: the comment's text stays on the page the gate lets them open."""
    title = _("问卷“%(title)s”收到新的群众意见, 请查看处理") % {"title": questionnaire.title}
    link = reverse("assessments:comment_list") + f"?questionnaire={questionnaire.pk}"
    for user in discipline_recipients(questionnaire.org):
        notify(
            user,
            title,
            link=link,
            kind="questionnaire_comment",
            org_path=questionnaire.org_path,
            obj=questionnaire,
        )


@write_service
def handle_comment(
    comment: QuestionnaireComment, *, actor: Actor, status: str, note: str = ""
) -> QuestionnaireComment:
    """已处理 or 转为问题线索 (the latter only records the note: no case is opened)."""
    user = actor_user(actor)
    if user is None or not user.has_perm("assessments.change_questionnairecomment", comment):
        raise PermissionDenied
    if status not in (QuestionnaireComment.Status.HANDLED, QuestionnaireComment.Status.LEAD):
        raise ValidationError({"status": _("请选择处理方式。")})
    note = (note or "").strip()
    if status == QuestionnaireComment.Status.LEAD and not note:
        raise ValidationError({"note": _("转为问题线索时请填写说明(如线索编号或去向)。")})
    lock_current(comment, "status")
    comment.status = status
    comment.handling_note = note
    comment.handled_by = user
    comment.handled_on = timezone.localdate()
    comment.save(update_fields=["status", "handling_note", "handled_by", "handled_on"])
    return comment


@write_service
def close_questionnaire(questionnaire: Questionnaire, *, actor: Actor) -> Questionnaire:
    """End the answers; every invited evaluator's access ends with it."""
    _require_organiser(actor, questionnaire.org)
    lock_current(questionnaire, "status")
    QUESTIONNAIRE_FLOW.move(questionnaire, "close", actor)
    questionnaire.save(update_fields=["status"])
    return questionnaire


# --- Third-party evaluators ----------------------------------------------------------------


@write_service
def invite_evaluator(
    questionnaire: Questionnaire,
    *,
    actor: Actor,
    name: str,
    organisation: str,
    contact: str,
) -> tuple[ThirdPartyEvaluator, str]:
    """An account with no post for this round only; returns the invitation secret once
    (the organiser sends the link by e-mail or SMS)."""
    _require_organiser(actor, questionnaire.org)
    lock_current(questionnaire, "status")
    QUESTIONNAIRE_FLOW.check(questionnaire, "invite", actor)
    name, organisation, contact = (
        (name or "").strip(),
        (organisation or "").strip(),
        (contact or "").strip(),
    )
    if not (name and organisation and contact):
        raise ValidationError(_("请填写评议人姓名、所在机构和联系方式。"))
    user = get_user_model()(
        username=f"{EVALUATOR_PREFIX}{secrets.token_hex(6)}", first_name=name[:150]
    )
    user.set_unusable_password()
    user.save()
    secret = secrets.token_urlsafe(32)
    evaluator = ThirdPartyEvaluator(
        questionnaire=questionnaire,
        user=user,
        name=name,
        organisation=organisation,
        contact=contact,
        invite_hash=hash_secret(secret),
        invited_by=actor_user(actor),
    )
    evaluator.full_clean()
    evaluator.save()
    return evaluator, secret


def evaluator_for_invitation(secret: str) -> ThirdPartyEvaluator | None:
    """The evaluator an invitation link names, while their round is open (else None)."""
    evaluator = (
        ThirdPartyEvaluator.objects.select_related("questionnaire", "user")
        .filter(invite_hash=hash_secret(secret or ""))
        .first()
    )
    if evaluator is None or not evaluator.user.is_active:
        return None
    q = evaluator.questionnaire
    if q.status != Questionnaire.Status.OPEN or q.closes_on < timezone.localdate():
        return None
    return evaluator


def is_evaluator_account(user: Any) -> bool:
    """An invited evaluator's account (no post; reaches only its round's form)."""
    return bool(getattr(user, "username", "").startswith(EVALUATOR_PREFIX))


@write_service
def submit_third_party(
    questionnaire: Questionnaire, *, actor: Actor, score: Any, report: str
) -> ThirdPartyReport:
    user = actor_user(actor)
    if user is None or not user.has_perm("assessments.evaluate_questionnaire", questionnaire):
        raise PermissionDenied
    lock_current(questionnaire, "status")
    QUESTIONNAIRE_FLOW.check(questionnaire, "evaluate", actor)
    evaluator = ThirdPartyEvaluator.objects.get(user=user, questionnaire=questionnaire)
    try:
        value = Decimal(str(score))
    except (InvalidOperation, ValueError):
        raise ValidationError({"score": _("得分应为 0 到 100 之间的数字。")}) from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise ValidationError({"score": _("得分应为 0 到 100 之间的数字。")})
    if not (report or "").strip():
        raise ValidationError({"report": _("请填写评议报告。")})
    if ThirdPartyReport.objects.filter(evaluator=evaluator).exists():
        raise ValidationError(_("您已提交过本轮评议意见。"))
    with transaction.atomic():
        row = ThirdPartyReport.objects.create(
            evaluator=evaluator,
            questionnaire=questionnaire,
            score=value.quantize(Decimal("0.01")),
            report=report.strip(),
        )
    return row

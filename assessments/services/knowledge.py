"""Writes of 知责 (issue 18): bank questions, tests assigned by post, one attempt each.

Each service owns its transaction and audit row (`@write_service`); refusals are a
`ValidationError` with a Chinese message.
"""

from __future__ import annotations

import datetime
import random
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments import knowledge
from assessments.models import KnowledgeAssignment, KnowledgeQuestion, KnowledgeTest
from liangge_zeren.actors import Actor, actor_user, is_system, write_service
from notifications.services import notify
from responsibilities.models import Organization, Tenure
from responsibilities.scoped import Capability, covers
from security.business_audit import note_bulk

LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(LETTERS)
MAX_QUESTIONS = 50
TRUE_WORDS = {"对", "正确", "√", "✓", "t", "true", "是", "y"}
FALSE_WORDS = {"错", "错误", "×", "✗", "x", "f", "false", "否", "n"}
ANSWER_SEPARATORS = re.compile(r"[\s,,、;;/]+")


def _may_manage(actor: Actor, org: Organization) -> bool:
    user = actor_user(actor)
    return is_system(actor) or (user is not None and covers(user, Capability.MANAGE, org.path))


def parse_answer(kind: str, text: str, option_count: int) -> tuple[str, str | None]:
    """(normalised answer, Chinese problem or None): letters sorted ("AC") or T/F."""
    raw = (text or "").strip()
    if kind == KnowledgeQuestion.Kind.JUDGE:
        word = raw.casefold()
        if word in TRUE_WORDS:
            return "T", None
        if word in FALSE_WORDS:
            return "F", None
        return "", _("判断题的答案应填“对”或“错”。")
    letters = ANSWER_SEPARATORS.sub("", raw).upper()
    allowed = LETTERS[:option_count]
    if not letters or any(ch not in allowed for ch in letters):
        return "", _("答案应为选项字母 %(allowed)s 中的一个或几个。") % {
            "allowed": "、".join(allowed) or "—"
        }
    answer = "".join(sorted(set(letters)))
    if kind == KnowledgeQuestion.Kind.SINGLE and len(answer) != 1:
        return "", _("单选题只能有一个答案。")
    if kind == KnowledgeQuestion.Kind.MULTIPLE and len(answer) < 2:
        return "", _("多选题至少应有两个答案。")
    return answer, None


def question_problems(
    kind: str, stem: str, options: list[str], answer: str, source_article: str
) -> dict[str, str]:
    """What is wrong with a question, per field (empty when it is fine)."""
    problems: dict[str, str] = {}
    if not (stem or "").strip():
        problems["stem"] = _("请填写题干。")
    if kind == KnowledgeQuestion.Kind.JUDGE:
        if options:
            problems["options"] = _("判断题不填选项。")
    elif not 2 <= len(options) <= MAX_OPTIONS:
        problems["options"] = _("选择题应有 2 到 %(n)d 个选项。") % {"n": MAX_OPTIONS}
    elif any(not o.strip() for o in options):
        problems["options"] = _("选项不能为空。")
    if "options" not in problems:
        _parsed, problem = parse_answer(kind, answer, len(options))
        if problem:
            problems["answer"] = problem
    if not (source_article or "").strip():
        problems["source_article"] = _("请填写出处条款,如《中国共产党纪律处分条例》第三十九条。")
    return problems


@write_service
def save_question(
    *,
    actor: Actor,
    org: Organization,
    kind: str,
    stem: str,
    options: list[str],
    answer: str,
    source_article: str,
    source_kind: str,
    tags: list[str],
    question: KnowledgeQuestion | None = None,
) -> KnowledgeQuestion:
    """Add a question to `org`'s bank, or change one (history keeps the earlier text)."""
    if not _may_manage(actor, org):
        raise PermissionDenied
    problems = question_problems(kind, stem, options, answer, source_article)
    if problems:
        raise ValidationError(problems)
    parsed, _problem = parse_answer(kind, answer, len(options))
    target = question or KnowledgeQuestion(org=org, org_path=org.path)
    target.kind, target.stem = kind, stem.strip()
    target.stem_key = knowledge.normalise_stem(stem)
    target.options = [o.strip() for o in options]
    target.answer, target.source_article = parsed, source_article.strip()[:200]
    target.source_kind, target.tags = source_kind, sorted(set(tags))
    try:
        target.save()
    except IntegrityError as exc:
        raise ValidationError({"stem": _("本题库中已有相同题干的题目。")}) from exc
    return target


@write_service
def set_question_active(
    question: KnowledgeQuestion, active: bool, *, actor: Actor
) -> KnowledgeQuestion:
    if not _may_manage(actor, question.org):
        raise PermissionDenied
    question.is_active = active
    question.save(update_fields=["is_active"])
    return question


def _check_test(
    roles: list[str], question_count: int, opens_on: datetime.date, closes_on: datetime.date
) -> None:
    if not roles or set(roles) - set(Tenure.Role.values):
        raise ValidationError({"roles": _("请选择参加测试的职务。")})
    if not 1 <= question_count <= MAX_QUESTIONS:
        raise ValidationError(
            {"question_count": _("题目数量应为 1 到 %(n)d。") % {"n": MAX_QUESTIONS}}
        )
    if closes_on < opens_on:
        raise ValidationError({"closes_on": _("截止日期不能早于开始日期。")})


def _pool(org: Organization, tags: list[str], source_kinds: list[str], count: int) -> list[int]:
    pool = knowledge.matching(knowledge.bank_for(org), tags, source_kinds)
    if len(pool) < count:
        raise ValidationError(
            {
                "question_count": _("题库中符合条件的题目只有 %(n)d 道,不足 %(want)d 道。")
                % {"n": len(pool), "want": count}
            }
        )
    return pool


def post_holders(org: Organization, roles: list[str]) -> list[Tenure]:
    """One current post per person holding one of `roles` in `org`'s subtree (people with a
    login only: the test is taken in the browser), the first by unit path."""
    tenures = (
        Tenure.objects.current()
        .filter(
            org__path__startswith=org.path,
            org__is_active=True,
            role__in=roles,
            person__is_active=True,
            person__user__isnull=False,
        )
        .select_related("person__user", "org")
        .order_by("org__path", "person_id", "pk")
    )
    people: dict[int, Tenure] = {}
    for tenure in tenures:
        people.setdefault(tenure.person_id, tenure)
    if not people:
        raise ValidationError({"roles": _("所选单位及下级中没有担任所选职务且有登录账号的人员。")})
    return list(people.values())


@write_service
def assign_test(
    *,
    actor: Actor,
    org: Organization,
    title: str,
    year: int,
    quarter: int,
    roles: list[str],
    question_count: int,
    opens_on: datetime.date,
    closes_on: datetime.date,
    tags: list[str] | None = None,
    source_kinds: list[str] | None = None,
    seed: int | None = None,
) -> KnowledgeTest:
    """A test of the quarter for the holders of `roles` in `org`'s subtree: each person gets
    their own `question_count` questions drawn from the bank and a message with the link."""
    if not _may_manage(actor, org):
        raise PermissionDenied
    tags, source_kinds = sorted(set(tags or [])), sorted(set(source_kinds or []))
    _check_test(roles, question_count, opens_on, closes_on)
    pool = _pool(org, tags, source_kinds, question_count)
    holders = post_holders(org, roles)
    test = KnowledgeTest.objects.create(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        title=title.strip() or _("%(period)s 知责测试") % {"period": f"{year}Q{quarter}"},
        roles=sorted(set(roles)),
        tags=tags,
        source_kinds=source_kinds,
        question_count=question_count,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor_user(actor),
    )
    draw = random.Random(seed)
    sheets = KnowledgeAssignment.objects.bulk_create(
        KnowledgeAssignment(
            test=test,
            person=tenure.person,
            org=tenure.org,
            org_path=tenure.org.path,
            questions=draw.sample(pool, question_count),
        )
        for tenure in holders
    )
    note_bulk(
        KnowledgeAssignment,
        None,
        {"test": test.pk, "people": len(sheets)},
        label=test.title,
        org_path=org.path,
        key=f"test:{test.pk}",
    )
    _notify(test, sheets, holders)
    return test


def _notify(test: KnowledgeTest, sheets: list[KnowledgeAssignment], holders: list[Tenure]) -> None:
    for sheet, tenure in zip(sheets, holders, strict=True):
        notify(
            tenure.person.user,
            _("请参加知责测试:%(title)s(截止 %(day)s)")
            % {"title": test.title, "day": test.closes_on.isoformat()},
            link=reverse("assessments:knowledge_sheet", args=[sheet.pk]),
            kind="knowledge_test",
            org_path=sheet.org_path,
            obj=sheet,
        )


def score_of(questions: list[KnowledgeQuestion], answers: dict[str, str]) -> tuple[int, Decimal]:
    """(correct answers, score out of 100): an answer counts only when exactly right."""
    correct = sum(1 for q in questions if answers.get(str(q.pk), "") == q.answer)
    total = len(questions) or 1
    return correct, (Decimal(correct * 100) / Decimal(total)).quantize(Decimal("0.01"))


@write_service
def submit_sheet(
    sheet: KnowledgeAssignment, answers: dict[str, str], *, actor: Actor
) -> KnowledgeAssignment:
    """Hand in the person's answers, once, inside the test's window; scores at once."""
    user = actor_user(actor)
    if user is None or sheet.person.user_id != user.pk:
        raise PermissionDenied
    today = timezone.localdate()
    test = sheet.test
    if today < test.opens_on:
        raise ValidationError(_("测试尚未开始(%(day)s 开始)。") % {"day": test.opens_on})
    if today > test.closes_on:
        raise ValidationError(_("测试已于 %(day)s 截止。") % {"day": test.closes_on})
    questions = knowledge.sheet_questions(sheet)
    kept = {str(q.pk): _clean_choice(q, answers.get(str(q.pk), "")) for q in questions}
    correct, score = score_of(questions, kept)
    now = timezone.now()
    # One attempt: the conditional update wins once, whoever submits twice at the same time.
    updated = KnowledgeAssignment.objects.filter(pk=sheet.pk, submitted_at__isnull=True).update(
        answers=kept, correct=correct, score=score, submitted_at=now
    )
    if not updated:
        raise ValidationError(_("每份测试只能作答一次,您已提交过。"))
    note_bulk(KnowledgeAssignment, [sheet.pk], {"submitted_at": now}, org_path=sheet.org_path)
    sheet.answers, sheet.correct, sheet.score, sheet.submitted_at = kept, correct, score, now
    return sheet


def _clean_choice(question: KnowledgeQuestion, value: Any) -> str:
    """A posted answer as stored: sorted letters of the question's options, or T/F."""
    if isinstance(value, list | tuple):
        value = "".join(str(v) for v in value)
    text = str(value or "").upper()
    if question.kind == KnowledgeQuestion.Kind.JUDGE:
        return text if text in ("T", "F") else ""
    allowed = LETTERS[: len(question.options)]
    return "".join(sorted({ch for ch in text if ch in allowed}))

"""The questions of a public questionnaire as data, and what an answer sheet is worth.

A question is {"key", "area", "kind", "text"}: `area` one of 作风/廉洁/办事 (AREAS), `kind`
"likert" (answered 1–5, 非常不满意 … 非常满意) or "text" (the free-text comment, which goes
to the discipline side as a lead, never to the unit). A sheet scores the mean of its Likert
answers mapped onto 0–100; a unit's quarter figure is shown only from MIN_RESPONSES sheets
(anonymity), otherwise "—".
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MIN_RESPONSES = 5
LIKERT = "likert"
TEXT = "text"

AREAS = {
    "conduct": gettext_lazy("作风"),
    "integrity": gettext_lazy("廉洁"),
    "service": gettext_lazy("办事"),
}

SCALE = (
    (5, gettext_lazy("非常满意")),
    (4, gettext_lazy("满意")),
    (3, gettext_lazy("一般")),
    (2, gettext_lazy("不满意")),
    (1, gettext_lazy("非常不满意")),
)


def default_questions() -> list[dict[str, str]]:
    """The fixed default template: two Likert questions per area and one free-text question."""
    return [
        {"key": "q1", "area": "conduct", "kind": LIKERT, "text": _("工作人员服务态度")},
        {"key": "q2", "area": "conduct", "kind": LIKERT, "text": _("落实中央八项规定精神情况")},
        {"key": "q3", "area": "integrity", "kind": LIKERT, "text": _("工作人员廉洁自律情况")},
        {
            "key": "q4",
            "area": "integrity",
            "kind": LIKERT,
            "text": _("吃拿卡要、优亲厚友等问题的整治"),
        },
        {"key": "q5", "area": "service", "kind": LIKERT, "text": _("办事流程公开透明")},
        {"key": "q6", "area": "service", "kind": LIKERT, "text": _("办事效率")},
        {
            "key": "comment",
            "area": "",
            "kind": TEXT,
            "text": _("您对该单位作风、廉洁和办事还有什么意见建议?"),
        },
    ]


def likert_keys(questions: list[dict[str, Any]]) -> list[str]:
    return [q["key"] for q in questions if q.get("kind") == LIKERT]


def validate_questions(questions: Any) -> None:
    """The shape the public page and the scoring rely on; a clear error otherwise."""
    if not isinstance(questions, list) or not questions:
        raise ValidationError(_("问卷至少应有一道题目。"))
    keys = set()
    for q in questions:
        if not isinstance(q, dict) or q.get("kind") not in (LIKERT, TEXT):
            raise ValidationError(_("题目格式不正确。"))
        if not str(q.get("text", "")).strip():
            raise ValidationError(_("题目内容不能为空。"))
        if len(str(q["text"])) > 200:
            raise ValidationError(_("题目内容不能超过 200 字。"))
        if q.get("key") in keys:
            raise ValidationError(_("题目编号重复。"))
        keys.add(q.get("key"))
    if not likert_keys(questions):
        raise ValidationError(_("问卷至少应有一道评分题。"))


def clean_answers(questions: list[dict[str, Any]], answers: dict[str, Any]) -> dict[str, int]:
    """Every Likert question answered with 1–5 (a clear error otherwise)."""
    cleaned: dict[str, int] = {}
    for key in likert_keys(questions):
        value = answers.get(key)
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ValidationError(_("请回答所有评分题。")) from None
        if not 1 <= number <= 5:
            raise ValidationError(_("评分应在 1 到 5 之间。"))
        cleaned[key] = number
    return cleaned


def sheet_score(answers: dict[str, int]) -> Decimal:
    """Mean answer mapped 1 → 0 and 5 → 100."""
    mean = Decimal(sum(answers.values())) / Decimal(len(answers))
    return ((mean - 1) * 25).quantize(Decimal("0.01"))

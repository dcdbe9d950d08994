"""Import 知责 questions into a unit's bank from Excel.

One sheet (`SHEET`), one question a row: 题干, 选项 (one cell, one option a line or separated by
";", with or without "A." prefixes), 答案 (letters, or 对/错 for a 判断题), 出处条款, and
optionally 题型 (inferred from the answer when blank), 出处类别 (inferred from the article)
and 标签. Reading, cell parsing and error rows are the shared spreadsheet kit's: the whole file
is checked first, every problem reported as (row, column, Chinese message), and only a file
without problems is written, in one transaction, through `save_question`. A question is
recognised by its normalised stem (in this bank or a bank above it): importing the same file
twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import knowledge
from assessments.models import KnowledgeQuestion
from assessments.services import knowledge as services
from liangge_zeren.actors import Actor, write_service
from liangge_zeren.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Column,
    ErrorLog,
    Row,
    RowError,
    Sheet,
    TableReader,
    WorkbookWriter,
    column_help,
    split_list,
)
from responsibilities.models import Organization

__all__ = ["SHEET", "XLSX_CONTENT_TYPE", "QuestionImportResult", "build_template", "import_file"]

STEM, OPTIONS, ANSWER, SOURCE, KIND, SOURCE_KIND, TAGS = (
    "题干",
    "选项",
    "答案",
    "出处条款",
    "题型",
    "出处类别",
    "标签",
)
Kind = KnowledgeQuestion.Kind

SHEET = Sheet(
    "知责题库",
    (
        Column(STEM, "stem", required=True, help=gettext_lazy("题目正文。")),
        Column(
            OPTIONS,
            "options",
            help=gettext_lazy("每行一个选项,或用分号分隔;可带“A.”前缀。判断题留空。"),
        ),
        Column(
            ANSWER,
            "answer",
            required=True,
            help=gettext_lazy("选项字母,多选如“ABD”;判断题填“对”或“错”。"),
        ),
        Column(
            SOURCE,
            "source_article",
            required=True,
            help=gettext_lazy("如《中国共产党问责条例》第六条。"),
        ),
        Column(
            KIND,
            "kind",
            "choice",
            choices=Kind,
            help=gettext_lazy("留空:按答案判断(对/错为判断题,多个字母为多选题)。"),
        ),
        Column(
            SOURCE_KIND,
            "source_kind",
            "choice",
            choices=KnowledgeQuestion.SourceKind,
            help=gettext_lazy("留空:出处含“准则”为准则,含“条例”为条例,否则为地方规定。"),
        ),
        Column(TAGS, "tags", "list", help=gettext_lazy("多个标签用分号分隔。")),
    ),
    (
        "根据《中国共产党问责条例》,问责对象不包括:",
        "A. 党组织\nB. 党的领导干部\nC. 普通群众\nD. 党的工作部门",
        "C",
        "《中国共产党问责条例》第六条",
        "单选题",
        "条例",
        "问责",
    ),
)

_OPTION_PREFIX = re.compile(r"^\s*[((]?[A-Ha-hＡ-Ｈ][))]?\s*[.．、::)]\s*")
_OPTION_SPLIT = re.compile(r"[\r\n;；]+")


@dataclass
class QuestionImportResult:
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


@dataclass
class _Parsed:
    row: int
    values: dict


def split_options(text: str) -> list[str]:
    return [
        _OPTION_PREFIX.sub("", part).strip()
        for part in _OPTION_SPLIT.split(text or "")
        if part.strip()
    ]


def infer_source_kind(article: str) -> str:
    if "准则" in article:
        return KnowledgeQuestion.SourceKind.CODE
    if "条例" in article:
        return KnowledgeQuestion.SourceKind.REGULATION
    return KnowledgeQuestion.SourceKind.LOCAL


def _infer_kind(answer: str) -> str:
    letters = services.ANSWER_SEPARATORS.sub("", answer).upper()
    if answer.strip().casefold() in services.TRUE_WORDS | services.FALSE_WORDS:
        return Kind.JUDGE
    return Kind.MULTIPLE if len(set(letters)) > 1 else Kind.SINGLE


FIELD_COLUMNS = {"stem": STEM, "options": OPTIONS, "answer": ANSWER, "source_article": SOURCE}


def _parse(row: Row) -> dict | None:
    stem = row.text(STEM, required=True)
    options = split_options(row.text(OPTIONS))
    answer = row.text(ANSWER, required=True)
    article = row.text(SOURCE, required=True)
    kind = row.choice(KIND, Kind) or (_infer_kind(answer) if answer else None)
    source_kind = row.choice(SOURCE_KIND, KnowledgeQuestion.SourceKind) or infer_source_kind(
        article
    )
    tags = split_list(row.text(TAGS))
    if len(stem) > 2000:
        row.error(STEM, _("题干不能超过 2000 字。"))
    if len(article) > 200:
        row.error(SOURCE, _("出处条款不能超过 200 字。"))
    if kind is None or not stem or not answer or not article:
        return None
    for name, message in services.question_problems(kind, stem, options, answer, article).items():
        row.error(FIELD_COLUMNS[name], message)
    if row.bad:
        return None
    return {
        "kind": kind,
        "stem": stem,
        "options": options,
        "answer": answer,
        "source_article": article,
        "source_kind": source_kind,
        "tags": tags,
    }


def import_file(
    data: bytes, filename: str, *, org: Organization, actor: Actor
) -> QuestionImportResult:
    """Check the whole file; write it (all or nothing) only if there is no problem."""
    result = QuestionImportResult()
    log = ErrorLog()
    tables = TableReader(log, [SHEET], single=True).read(data, filename)
    parsed: list[_Parsed] = []
    seen: dict[str, int] = {}
    for table in tables:
        for number, values in table.rows:
            row = Row(log, table, number, values)
            found = _parse(row)
            if found is None:
                continue
            key = knowledge.normalise_stem(found["stem"])
            if key in seen:
                row.error(STEM, _("与第 %(row)d 行的题干相同。") % {"row": seen[key]})
                continue
            seen[key] = number
            parsed.append(_Parsed(number, found))
    if not log.errors and not parsed:
        log.error("", None, "", _("文件中没有可导入的题目。"))
    result.notices = log.notices
    result.errors = sorted(
        log.errors, key=lambda e: (e.row or 0, SHEET.position(e.column), e.message)
    )
    if result.errors:
        return result
    _apply(parsed, org, result, actor=actor)
    return result


def _same(question: KnowledgeQuestion, values: dict) -> bool:
    answer, _problem = services.parse_answer(
        values["kind"], values["answer"], len(values["options"])
    )
    return (
        question.kind == values["kind"]
        and question.stem == values["stem"].strip()
        and question.options == values["options"]
        and question.answer == answer
        and question.source_article == values["source_article"].strip()
        and question.source_kind == values["source_kind"]
        and sorted(question.tags or []) == sorted(set(values["tags"]))
    )


@write_service
def _apply(
    parsed: list[_Parsed], org: Organization, result: QuestionImportResult, *, actor: Actor
) -> None:
    keys = {knowledge.normalise_stem(p.values["stem"]) for p in parsed}
    stored = {q.stem_key: q for q in KnowledgeQuestion.objects.filter(org=org, stem_key__in=keys)}
    above = set(
        KnowledgeQuestion.objects.filter(
            org_path__in=Organization.path_prefixes(org.path), stem_key__in=keys
        )
        .exclude(org=org)
        .values_list("stem_key", flat=True)
    )
    for item in parsed:
        key = knowledge.normalise_stem(item.values["stem"])
        existing = stored.get(key)
        if existing is None and key in above:
            result.unchanged += 1
            result.notices.append(
                _("第 %(row)d 行的题目上级题库已有,未重复导入。") % {"row": item.row}
            )
            continue
        if existing is not None and _same(existing, item.values):
            result.unchanged += 1
            continue
        services.save_question(actor=actor, org=org, question=existing, **item.values)
        if existing is None:
            result.created += 1
        else:
            result.updated += 1


def build_template() -> bytes:
    book = WorkbookWriter()
    book.template_sheet(SHEET, [SHEET.example], widths={1: 50, 2: 40, 3: 8, 4: 36, 7: 16})
    notes = [
        _("1. 第一行是表头,请勿修改;每行一道题。"),
        _("2. 整个文件先检查,有问题就不写入任何数据,并列出每个问题所在的行和列。"),
        _("3. 题干相同的题目视为同一题(不计空格和标点):同一文件重复导入不会产生变化。"),
    ]
    help_sheet = book.help_sheet(_("知责题库导入说明"), notes)
    help_sheet.header([_("列"), _("必填"), _("说明")], fill=True)
    for column in SHEET.columns:
        help_sheet.append(
            [
                column.header,
                _("是") if column.required else "",
                column_help(column, blank_keeps=False),
            ]
        )
    help_sheet.widths({1: 14, 2: 6, 3: 80})
    return book.to_bytes()

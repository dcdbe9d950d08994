"""Import risk factors (信访件数, 审计问题, 资金规模, 案件数 …) per unit and year from Excel.

One sheet (`SHEET`), one row per unit and year, keyed by the unit's code. The units must lie
below the planning unit the import is made for (the ranking's parent); a code outside it is
reported exactly like an unknown code, so the import confirms nothing about other trees.
Reading, cell parsing and error rows are the shared spreadsheet kit's: the whole file is
checked first, every problem reported as (row, column, Chinese message), and only a file
without problems is written, in one transaction, through `risk_profiles.save_risk_profile`.
A blank cell keeps the stored value; a row equal to what is stored is not written again, so
importing the same file twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inspections.models import RiskProfile
from inspections.services import risk_profiles
from liangge_zeren.actors import Actor, write_service
from liangge_zeren.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Column,
    Row,
    RowError,
    Sheet,
    TableReader,
    WorkbookWriter,
    cell_text,
    column_help,
)
from responsibilities.models import Organization

__all__ = ["SHEET", "XLSX_CONTENT_TYPE", "RiskImportResult", "build_template", "import_file"]

CODE, NAME, YEAR = "单位编码", "单位名称", "年度"
# Column → (RiskProfile field, upper bound or None)
FACTOR_COLUMNS: dict[str, tuple[str, int | None]] = {
    "信访件数": ("petitions", None),
    "审计问题数": ("audit_issues", None),
    "资金规模": ("funds_density", 10),
    "案件数": ("case_incidence", None),
    "权力集中度": ("power_concentration", 10),
}
NOTES = "说明"
MAX_COUNT = 100_000

SHEET = Sheet(
    "风险因素",
    (
        Column(CODE, "org", "code", True, help=gettext_lazy("下级单位的编码。")),
        Column(NAME, "name", help=gettext_lazy("仅供核对,不导入。")),
        Column(YEAR, "year", required=True, help=gettext_lazy("年度,如 2026。")),
        Column("信访件数", "petitions", help=gettext_lazy("本年度信访举报件数(非负整数)。")),
        Column("审计问题数", "audit_issues", help=gettext_lazy("审计发现问题数(非负整数)。")),
        Column("资金规模", "funds_density", help=gettext_lazy("资金密集程度,0–10 分。")),
        Column("案件数", "case_incidence", help=gettext_lazy("案件发生数(非负整数)。")),
        Column("权力集中度", "power_concentration", help=gettext_lazy("0–10 分。")),
        Column(NOTES, "notes"),
    ),
    ("T-K1", "一号县", 2026, 3, 2, 6, 1, 5, ""),
)


@dataclass
class RiskImportResult:
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


class _Log:
    def __init__(self) -> None:
        self.notices: list[str] = []
        self.errors: list[RowError] = []

    def error(
        self, title: str, row: int | None, column: str, message: str, *, sheet_kind: str = ""
    ) -> None:
        self.errors.append(RowError(title, row, column, str(message)))


@dataclass
class _Parsed:
    row: int
    org: Organization
    year: int
    values: dict[str, object]


def _number(row: Row, column: str, upper: int | None) -> int | None:
    text = cell_text(row.values.get(column))
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    limit = upper if upper is not None else MAX_COUNT
    if value < 0 or value > limit:
        row.error(
            column,
            _("“%(value)s”应为 0 到 %(limit)d 的整数。") % {"value": text, "limit": limit},
        )
        return None
    return value


def import_file(
    data: bytes, filename: str, *, parent: Organization, actor: Actor
) -> RiskImportResult:
    """Check the whole file; write it (all or nothing) only if there is no problem."""
    result = RiskImportResult()
    log = _Log()
    tables = TableReader(log, [SHEET], single=True).read(data, filename)
    rows = [(table, number, values) for table in tables for number, values in table.rows]
    codes = {cell_text(values.get(CODE)) for _table, _number, values in rows}
    below = {
        org.code: org
        for org in Organization.objects.filter(
            code__in=codes, path__startswith=parent.path
        ).exclude(pk=parent.pk)
    }
    parsed: list[_Parsed] = []
    seen: dict[tuple[str, int], int] = {}
    for table, number, values in rows:
        row = Row(log, table, number, values)
        code = row.text(CODE, required=True)
        org = below.get(code)
        if code and org is None:
            row.error(
                CODE,
                _("找不到编码为“%(code)s”的下级单位(须在“%(parent)s”之下)。")
                % {"code": code, "parent": parent.name},
            )
        year_text = row.text(YEAR, required=True)
        year = int(year_text) if year_text.isdigit() else None
        if year_text and (year is None or not 2000 <= year <= 2100):
            row.error(YEAR, _("“%(value)s”不是有效的年度。") % {"value": year_text})
            year = None
        found: dict[str, object] = {}
        for column, (name, upper) in FACTOR_COLUMNS.items():
            value = _number(row, column, upper)
            if value is not None:
                found[name] = value
        notes = cell_text(values.get(NOTES))
        if notes:
            found["notes"] = notes[:200]
        if org is None or year is None:
            continue
        key = (org.code, year)
        if key in seen:
            row.error(CODE, _("该单位该年度在第 %(row)d 行已出现过。") % {"row": seen[key]})
            continue
        seen[key] = number
        parsed.append(_Parsed(number, org, year, found))
    if not log.errors and not parsed:
        log.error("", None, "", _("文件中没有可导入的数据行。"))
    result.notices = log.notices
    result.errors = sorted(
        log.errors, key=lambda e: (e.row or 0, SHEET.position(e.column), e.message)
    )
    if result.errors:
        return result
    _apply(parsed, result, actor=actor)
    return result


@write_service
def _apply(parsed: list[_Parsed], result: RiskImportResult, *, actor: Actor) -> None:
    stored = {
        (p.org_id, p.year): p
        for p in RiskProfile.objects.filter(
            org_id__in={r.org.pk for r in parsed}, year__in={r.year for r in parsed}
        )
    }
    for row in parsed:
        existing = stored.get((row.org.pk, row.year))
        if existing is not None and all(getattr(existing, k) == v for k, v in row.values.items()):
            result.unchanged += 1
            continue
        risk_profiles.save_risk_profile(actor=actor, org=row.org, year=row.year, **row.values)
        if existing is None:
            result.created += 1
        else:
            result.updated += 1


def build_template() -> bytes:
    book = WorkbookWriter()
    book.template_sheet(SHEET, [SHEET.example], widths={1: 14, 2: 16, 9: 30})
    notes = [
        _("1. 第一行是表头,请勿修改;每行一个单位一个年度。"),
        _("2. 只能导入所选上级单位的下级单位;整个文件先检查,有问题就不写入任何数据。"),
        _("3. 留空的单元格保留系统中已有的值;同一文件重复导入不会产生变化。"),
    ]
    help_sheet = book.help_sheet(_("风险因素导入说明"), notes)
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

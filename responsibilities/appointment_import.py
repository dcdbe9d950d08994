"""Import of appointments and removals from the cadre system's Excel (issue 16).

One sheet (任免), one row per post: 姓名, 人员编码, 单位编码, 机构编码 (optional: a post is held
in the unit's committee or, for discipline posts, its discipline body), 职务, 职务名称, 任职开始,
任职结束, 离任原因. People are keyed by 人员编码 (the system keeps no national ID number,
domain.md); a tenure by (person, body, role, start date).

- A row naming no stored tenure is an appointment (a new person is created from 姓名).
- A row naming a stored current tenure with a 任职结束 is its removal.
- A row matching a stored tenure as it is changes nothing: re-importing a file is a no-op.

Every row goes through the same services and checks as the browser forms
(responsibilities/appointments.py), each in its own savepoint, so every bad row is reported
with its row, column and a Chinese message; then the whole import is rolled back unless
every row passed and this is not a preview. Only units in the importer's appointment scope
(rules.APPOINT) are found; another unit reads as unknown.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren.actors import Actor, write_service
from liangge_zeren.spreadsheets import (
    HELP_SHEET as HELP_SHEET,
)
from liangge_zeren.spreadsheets import (
    XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE,
)
from liangge_zeren.spreadsheets import (
    Column,
    Row,
    RowError,
    Sheet,
    TableReader,
    WorkbookWriter,
    column_help,
)
from responsibilities import appointments
from responsibilities.appointment_forms import bodies_of
from responsibilities.models import Body, Organization, Person, Tenure
from responsibilities.rules import APPOINT

NAME, CODE, ORG, BODY, ROLE, TITLE, START, END, REASON, EXTERNAL = (
    "姓名",
    "人员编码",
    "单位编码",
    "机构编码",
    "职务",
    "职务名称",
    "任职开始",
    "任职结束",
    "离任原因",
    "统一身份标识",
)

SHEET = Sheet(
    "任免",
    (
        Column(NAME, "person_name", required=True, help=gettext_lazy("干部姓名。")),
        Column(
            CODE,
            "person_code",
            "code",
            True,
            help=gettext_lazy("干部系统中的人员编码(工号),据此识别同一人;系统不保存身份证号。"),
        ),
        Column(ORG, "org", "code", True, help=gettext_lazy("任职单位的编码(须在您的任免范围内)。")),
        Column(
            BODY,
            "body",
            "code",
            help=gettext_lazy("留空:纪检职务取该单位的纪检监察机构,其他职务取该单位的党委(党组)。"),
        ),
        Column(ROLE, "role", "choice", True, Tenure.Role),
        Column(TITLE, "title", help=gettext_lazy("如“县委书记”。")),
        Column(START, "start_date", "date", True, help=gettext_lazy("日期,如 2027-01-01。")),
        Column(
            END,
            "end_date",
            "date",
            help=gettext_lazy("免职时填写任职的最后一天;现任留空。"),
        ),
        Column(REASON, "end_reason", help=gettext_lazy("免职时可填,如“调任”“退休”。")),
        # Last, and optional: files made from the earlier template still import.
        Column(
            EXTERNAL,
            "external_id",
            help=gettext_lazy(
                "可选:统一身份认证平台或目录中的人员标识(如工号),单点登录据此匹配账号;"
                "已登记的标识不会被覆盖。"
            ),
        ),
    ),
    ("张三", "P-0001", "EX-001", "", "书记(第一责任人)", "县委书记", datetime.date(2027, 1, 1)),
)
FIELD_COLUMN = {
    "person": CODE,
    "person_code": CODE,
    "person_name": NAME,
    "role": ROLE,
    "title": TITLE,
    "start_date": START,
    "end_date": END,
    "end_reason": REASON,
    "body": BODY,
    "external_id": EXTERNAL,
}


@dataclass
class AppointmentImportResult:
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    created: int = 0
    ended: int = 0
    identified: int = 0  # people whose 统一身份标识 this import recorded
    unchanged: int = 0
    dry_run: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.created or self.ended or self.identified)


class _Log:
    def __init__(self, result: AppointmentImportResult):
        self.result = result
        self.notices = result.notices

    def error(self, title, row, column, message, *, sheet_kind: str = "") -> None:
        self.result.errors.append(RowError(title, row, column, str(message)))


@dataclass
class _Rec:
    row: Row
    name: str
    code: str
    org_code: str
    body_code: str
    role: str | None
    title: str
    start: datetime.date | None
    end: datetime.date | None
    reason: str
    external_id: str = ""
    org: Organization | None = None
    body: Body | None = None
    existing: Tenure | None = None


class _Rollback(Exception):
    """Undo the import's writes (a preview, or a row failed)."""


def _parse(row: Row) -> _Rec:
    return _Rec(
        row=row,
        name=row.text(NAME, required=True),
        code=row.text(CODE, required=True),
        org_code=row.text(ORG, required=True),
        body_code=row.text(BODY),
        role=row.choice(ROLE, Tenure.Role, required=True),
        title=row.text(TITLE),
        start=row.date(START, required=True),
        end=row.date(END),
        reason=row.text(REASON),
        external_id=row.text(EXTERNAL),
    )


def _resolve(recs: list[_Rec], actor: Any) -> None:
    """Units (in the importer's scope only), bodies, people and stored tenures."""
    codes = {r.org_code for r in recs if r.org_code}
    orgs = {
        o.code: o
        for o in Organization.objects.visible_to(actor, APPOINT).filter(
            code__in=sorted(codes), is_active=True
        )
    }
    people = {p.code: p for p in Person.objects.filter(code__in=sorted({r.code for r in recs}))}
    defaults: dict[tuple[int, str], Body | None] = {}
    seen: dict[tuple, int] = {}
    for rec in recs:
        row = rec.row
        if row.bad:
            continue
        rec.org = orgs.get(rec.org_code)
        if rec.org is None:
            row.error(
                ORG,
                _("找不到单位编码“%(code)s”,或该单位不在您的任免范围内。") % {"code": rec.org_code},
            )
            continue
        if rec.body_code:
            rec.body = bodies_of(rec.org).filter(code=rec.body_code).first()
            if rec.body is None:
                row.error(BODY, _("该单位没有编码为“%(code)s”的机构。") % {"code": rec.body_code})
                continue
        else:
            key = (rec.org.pk, str(rec.role))
            if key not in defaults:
                defaults[key] = appointments.default_body(rec.org, str(rec.role))
            rec.body = defaults[key]
            if rec.body is None:
                row.error(BODY, _("该单位没有(或有多个)适合此职务的机构,请填写机构编码。"))
                continue
        person = people.get(rec.code)
        if person is not None and person.name != rec.name:
            row.error(
                NAME, _("与系统中人员编码“%(code)s”的姓名不一致,请核对。") % {"code": rec.code}
            )
            continue
        key_of_row = (rec.code, rec.body.pk, rec.role, rec.start)
        if key_of_row in seen:
            row.error(
                START,
                _("与第 %(row)d 行是同一任职(人员、机构、职务、任职开始相同)。")
                % {"row": seen[key_of_row]},
            )
            continue
        seen[key_of_row] = row.number
        if person is not None and rec.start is not None:
            rec.existing = Tenure.objects.filter(
                person=person, body=rec.body, role=rec.role, start_date=rec.start
            ).first()


def _describe(rec: _Rec, what: str) -> str:
    assert rec.body is not None
    return _("第 %(row)d 行:%(name)s %(what)s %(body)s %(role)s") % {
        "row": rec.row.number,
        "name": rec.name,
        "what": what,
        "body": rec.body.name,
        "role": Tenure.Role(str(rec.role)).label,
    }


def _apply_row(rec: _Rec, result: AppointmentImportResult, *, actor: Actor) -> None:
    assert rec.org is not None and rec.body is not None and rec.start is not None
    existing = rec.existing
    if existing is not None:
        if rec.external_id and appointments.record_external_id(
            existing.person, rec.external_id, actor=actor
        ):
            result.identified += 1
            result.changes.append(
                _("第 %(row)d 行:%(name)s 登记统一身份标识 %(id)s")
                % {"row": rec.row.number, "name": rec.name, "id": rec.external_id}
            )
        if existing.end_date == rec.end:
            result.unchanged += 1
            return
        if existing.end_date is None and rec.end is not None:
            appointments.record_removal(
                existing, end_date=rec.end, reason=rec.reason or _("免职"), actor=actor
            )
            result.ended += 1
            result.changes.append(
                _describe(rec, _("免去")) + _(",任职至 %(day)s") % {"day": f"{rec.end:%Y-%m-%d}"}
            )
            return
        raise ValidationError(
            {
                "end_date": _(
                    "与系统中该任职的结束日期(%(stored)s)不一致;更正已结束的任职请在任职页面办理。"
                )
                % {"stored": f"{existing.end_date:%Y-%m-%d}" if existing.end_date else _("现任")}
            }
        )
    appointments.record_appointment(
        org=rec.org,
        body=rec.body,
        person_code=rec.code,
        person_name=rec.name,
        role=str(rec.role),
        title=rec.title,
        start_date=rec.start,
        end_date=rec.end,
        external_id=rec.external_id,
        actor=actor,
    )
    result.created += 1
    result.changes.append(
        _describe(rec, _("任")) + _(",自 %(day)s 起") % {"day": f"{rec.start:%Y-%m-%d}"}
    )


@write_service
def _write(recs: list[_Rec], result: AppointmentImportResult, *, actor: Actor) -> None:
    # Removals of stored tenures first, then appointments by date: a file may end the old
    # secretary's post and start the new one's.
    ordered = sorted(
        recs, key=lambda r: (r.existing is None, r.start or datetime.date.min, r.row.number)
    )
    for rec in ordered:
        try:
            with transaction.atomic():
                _apply_row(rec, result, actor=actor)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        rec.row.error(FIELD_COLUMN.get(name, ""), message)
            else:
                for message in exc.messages:
                    rec.row.error("", message)
    if result.errors or result.dry_run:
        raise _Rollback


def import_appointments(
    data: bytes, filename: str = "", *, actor: Actor, dry_run: bool = False
) -> AppointmentImportResult:
    """Check every row; write them all (one transaction) only if all pass and not `dry_run`."""
    result = AppointmentImportResult(dry_run=dry_run)
    log = _Log(result)
    tables = TableReader(log, [SHEET], single=True).read(data, filename)
    recs = [_parse(Row(log, t, n, v)) for t in tables for n, v in t.rows]
    if not result.errors and not recs:
        log.error("", None, "", _("文件中没有可导入的数据行。"))
    if not recs or any(e.row is None or not e.column for e in result.errors):
        return result  # nothing to check row by row, or the file itself is unreadable
    _resolve(recs, actor)
    try:
        # Rows that parsed and resolved still go through the services (then all is undone),
        # so a file's every problem is reported at once.
        _write([r for r in recs if not r.row.bad], result, actor=actor)
    except _Rollback:
        result.errors.sort(key=lambda e: (e.row or 0, SHEET.position(e.column)))
        if result.errors:
            result.created = result.ended = result.identified = result.unchanged = 0
            result.changes = []
        return result
    result.applied = True
    return result


def build_template() -> bytes:
    book = WorkbookWriter()
    book.template_sheet(SHEET, [SHEET.example], widths={n: 18 for n in range(1, 10)})
    notes = [
        _("1. 第一行是表头,请勿修改;每行一项任职或免职。"),
        _("2. 整个文件先检查,只要有一处问题就不写入任何数据,并列出每个问题所在的行和列。"),
        _(
            "3. 以“人员编码+机构+职务+任职开始”识别同一任职:已有的任职不重复导入;"
            "已有的现任任职填了任职结束即为免职。"
        ),
        _("4. 单位须在您的任免范围内;机构编码留空时按职务自动选取。"),
        _(
            "5. 同一机构的书记、纪委书记、派驻组组长同一时间只能一人担任;"
            "同一人不能在同一机构重叠任职。"
        ),
        _("6. 请先删除示例行再填写。"),
    ]
    help_sheet = book.help_sheet(_("任免导入说明"), notes)
    help_sheet.header([_("列"), _("必填"), _("说明")], fill=True)
    first = help_sheet.row_count + 1
    for column in SHEET.columns:
        help_sheet.append(
            [
                column.header,
                _("是") if column.required else "",
                column_help(column, blank_keeps=False),
            ]
        )
    help_sheet.widths({1: 14, 2: 6, 3: 90})
    help_sheet.wrap(min_row=first, columns=[3])
    return book.to_bytes()

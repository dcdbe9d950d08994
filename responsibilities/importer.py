"""Import organisations, bodies, people and tenures from an .xlsx workbook or a .csv file.

The format (the downloadable template from `build_template()` explains it in its 说明 sheet):

- An .xlsx workbook with up to four sheets, 组织, 机构, 人员 and 任职, each starting with a
  header row of the Chinese column names in `SHEETS`. A sheet with another name is read if its
  header row is recognised; other sheets (such as 说明) are ignored.
- A .csv file holds one of those sheets; its kind is recognised from the header row. UTF-8
  (with or without BOM) and GB18030/GBK are accepted.
- Choice columns take the value or the Chinese label of the model's TextChoices. Dates are
  Excel dates or YYYY-MM-DD text. Several codes or portfolios go in one cell, split by ; or ；.
- Rows are keyed by stable codes (organisation, body, person) and tenures by (person, body,
  role, start date). A blank optional cell never overwrites: a new row gets the default,
  an existing row keeps its stored value. Re-importing a file therefore changes nothing.

The whole file is validated first; every problem is reported as (sheet, row as seen in
Excel, column, Chinese message). Only a file without problems is written, in one
transaction, through `services`. Nothing is written on a dry run. Reading (bounded against
zip bombs), cell parsing and the template's writer are the shared kit's
(liangge_zeren/spreadsheets.py).
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from liangge_zeren.actors import Actor, write_service
from liangge_zeren.spreadsheets import HELP_SHEET as HELP_SHEET  # re-exported: the format
from liangge_zeren.spreadsheets import XLSX_CONTENT_TYPE as XLSX_CONTENT_TYPE
from liangge_zeren.spreadsheets import (
    Column,
    Row,
    RowError,
    Sheet,
    Table,
    TableReader,
    WorkbookWriter,
    column_help,
    source_label,
    write_failed,
)
from responsibilities import services
from responsibilities.models import Body, Organization, Person, Portfolio, Tenure

ORG, BODY, PERSON, TENURE = "组织", "机构", "人员", "任职"

CREATE, UPDATE, UNCHANGED = "create", "update", "unchanged"

CHUNK = 500  # codes per IN (...) query


# --- The format --------------------------------------------------------------------------


SHEETS: tuple[Sheet, ...] = (
    Sheet(
        ORG,
        (
            Column(
                "编码",
                "code",
                "code",
                True,
                help=gettext_lazy("组织的唯一编码。重复导入时据此识别同一组织,请勿更改。"),
            ),
            Column("名称", "name", required=True, help=gettext_lazy("组织全称。")),
            Column("类型", "kind", "choice", True, Organization.Kind),
            Column(
                "上级编码",
                "parent",
                "code",
                help=gettext_lazy(
                    "上级组织的编码,可以是本文件中的组织(顺序不限),也可以是系统中已有的组织。"
                    "留空:新组织为顶级组织,已有组织保持原上级。填写不同的上级会把该组织连同"
                    "下级整体移动。"
                ),
            ),
            Column("有效", "is_active", "bool", help=gettext_lazy("填“是”或“否”;新组织默认“是”。")),
        ),
        ("EX-001", "示例县", "县(市、区)", "", "是"),
    ),
    Sheet(
        BODY,
        (
            Column("编码", "code", "code", True, help=gettext_lazy("党组织或纪检机构的唯一编码。")),
            Column(
                "所在组织编码",
                "org",
                "code",
                True,
                help=gettext_lazy("机构所在组织的编码(本文件或系统中已有)。导入不能更改。"),
            ),
            Column(
                "机构类型",
                "kind",
                "choice",
                True,
                Body.Kind,
                help=gettext_lazy("已有机构的类型不能通过导入更改。"),
            ),
            Column("名称", "name", required=True, help=gettext_lazy("机构全称。")),
            Column(
                "派出机关编码",
                "sent_by",
                "code",
                help=gettext_lazy("只有派驻纪检监察组填写,必须是纪委监委的编码。"),
            ),
            Column(
                "派驻单位编码",
                "stationed_in",
                "codes",
                help=gettext_lazy("派驻纪检监察组所派驻组织的编码,多个用分号(; 或 ；)分隔。"),
            ),
        ),
        ("EX-001-PC", "EX-001", "党委", "中共示例县委员会", "", ""),
    ),
    Sheet(
        PERSON,
        (
            Column(
                "人员编码",
                "code",
                "code",
                True,
                help=gettext_lazy("人员的唯一编码(如工号)。不要填写身份证号。"),
            ),
            Column("姓名", "name", required=True),
            Column("性别", "gender", "choice", choices=Person.Gender),
            Column(
                "中共党员",
                "party_member",
                "bool",
                help=gettext_lazy("填“是”或“否”;新人员默认“是”。"),
            ),
        ),
        ("P-0001", "张三", "男", "是"),
    ),
    Sheet(
        TENURE,
        (
            Column(
                "人员编码",
                "person",
                "code",
                True,
                help=gettext_lazy("本文件或系统中已有的人员编码。"),
            ),
            Column(
                "机构编码",
                "body",
                "code",
                True,
                help=gettext_lazy("本文件或系统中已有的机构编码。"),
            ),
            Column(
                "角色",
                "role",
                "choice",
                True,
                Tenure.Role,
                help=gettext_lazy(
                    "角色须与机构类型相符:书记、副书记、班子成员只能在党委(党组)任职,"
                    "纪检角色只能在纪检监察机构任职。"
                ),
            ),
            Column("职务名称", "title", help=gettext_lazy("如“县委书记”。")),
            Column(
                "分管领域",
                "portfolios",
                "list",
                help=gettext_lazy("多个用分号(; 或 ；)分隔。"),
            ),
            Column(
                "任职开始",
                "start_date",
                "date",
                True,
                help=gettext_lazy(
                    "日期,如 2024-01-01。同一人员、机构、角色和任职开始日期视为同一任职。"
                ),
            ),
            Column("任职结束", "end_date", "date", help=gettext_lazy("日期;留空表示现任。")),
            Column("离任原因", "end_reason"),
        ),
        (
            "P-0001",
            "EX-001-PC",
            "书记(第一责任人)",
            "县委书记",
            "",
            datetime.date(2024, 1, 1),
            None,
            "",
        ),
    ),
)
SHEET_BY_NAME = {s.name: s for s in SHEETS}
SHEET_ORDER = {s.name: i for i, s in enumerate(SHEETS)}


# --- Results -------------------------------------------------------------------------------


@dataclass
class SheetCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, action: str) -> None:
        name = {CREATE: "created", UPDATE: "updated", UNCHANGED: "unchanged"}[action]
        setattr(self, name, getattr(self, name) + 1)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Move:
    code: str
    name: str
    old_parent: str  # codes; "" is the top level
    new_parent: str

    def __str__(self) -> str:
        top = _("(顶级)")
        return _("组织“%(name)s”(%(code)s)的上级由 %(old)s 改为 %(new)s,连同下级整体移动。") % {
            "name": self.name,
            "code": self.code,
            "old": self.old_parent or top,
            "new": self.new_parent or top,
        }


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, SheetCounts] = field(
        default_factory=lambda: {s.name: SheetCounts() for s in SHEETS}
    )
    moves: list[Move] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return any(c.created or c.updated for c in self.counts.values())

    def summary_lines(self) -> list[str]:
        lines = []
        if self.dry_run:
            lines.append(_("试运行:文件没有问题,以下为将要进行的变更,未写入任何数据。"))
        for sheet, c in self.counts.items():
            lines.append(
                _("%(sheet)s:新增 %(created)d,更新 %(updated)d,未变 %(unchanged)d")
                % {
                    "sheet": sheet,
                    "created": c.created,
                    "updated": c.updated,
                    "unchanged": c.unchanged,
                }
            )
        lines.extend(str(m) for m in self.moves)
        lines.extend(self.notices)
        return lines


def _keep(new, existing, attr: str, default):
    """A blank cell (None) keeps the stored value; a new row gets the default."""
    if new is not None:
        return new
    return getattr(existing, attr) if existing is not None else default


def _by_codes(queryset, codes: Iterable[str], lookup: str = "code") -> list:
    codes = sorted(set(codes))
    found = []
    for start in range(0, len(codes), CHUNK):
        found.extend(queryset.filter(**{f"{lookup}__in": codes[start : start + CHUNK]}))
    return found


# --- Parsed rows ---------------------------------------------------------------------------


@dataclass
class _OrgRow:
    at: Row
    code: str
    name: str
    kind: str | None
    parent_code: str | None
    is_active: bool | None
    existing: Organization | None = None
    inst: Organization | None = None
    action: str = ""

    @property
    def old_parent_code(self) -> str | None:
        if self.existing is None or self.existing.parent is None:
            return None
        return self.existing.parent.code

    @property
    def final_parent_code(self) -> str | None:
        if self.parent_code is not None:
            return self.parent_code
        return self.old_parent_code


@dataclass
class _BodyRow:
    at: Row
    code: str
    org_code: str
    kind: str | None
    name: str
    sent_by_code: str | None
    stationed_codes: list[str] | None
    existing: Body | None = None
    inst: Body | None = None
    action: str = ""

    @property
    def final_sent_by_code(self) -> str | None:
        if self.sent_by_code is not None:
            return self.sent_by_code
        if self.existing is not None and self.existing.sent_by is not None:
            return self.existing.sent_by.code
        return None


@dataclass
class _PersonRow:
    at: Row
    code: str
    name: str
    gender: str | None
    party_member: bool | None
    existing: Person | None = None
    inst: Person | None = None
    action: str = ""


@dataclass
class _TenureRow:
    at: Row
    person_code: str
    body_code: str
    role: str | None
    title: str | None
    portfolios: list[str] | None
    start: datetime.date | None
    end: datetime.date | None
    end_reason: str | None
    existing: Tenure | None = None
    inst: Tenure | None = None
    action: str = ""

    @property
    def key(self):
        return (self.person_code, self.body_code, self.role, self.start)


# --- The import ----------------------------------------------------------------------------


class _Importer:
    def __init__(self, result: ImportResult):
        self.result = result
        self.notices = result.notices
        self._errors: list[tuple[tuple, RowError]] = []
        self._fake_pk = itertools.count(-1, -1)
        # Every parsed row, and the first row of each code (or tenure key) for look-ups.
        self.org_rows: list[_OrgRow] = []
        self.body_rows: list[_BodyRow] = []
        self.person_rows: list[_PersonRow] = []
        self.tenure_rows: list[_TenureRow] = []
        self.orgs: dict[str, _OrgRow] = {}
        self.bodies: dict[str, _BodyRow] = {}
        self.persons: dict[str, _PersonRow] = {}
        self.tenures: dict[tuple, _TenureRow] = {}

    # Errors are reported in sheet order, then row, then column order.
    def error(self, title, row, column, message, *, sheet_kind: str) -> None:
        sheet = SHEET_BY_NAME.get(sheet_kind)
        key = (
            SHEET_ORDER.get(sheet_kind, -1),
            title,
            row or 0,
            sheet.position(column) if sheet else -1,
        )
        self._errors.append((key, RowError(title, row, column, str(message))))

    @property
    def has_errors(self) -> bool:
        return bool(self._errors)

    def sorted_errors(self) -> list[RowError]:
        return [e for _key, e in sorted(self._errors, key=lambda pair: pair[0])]

    def _model_check(self, row: Row, instance: models.Model, exclude: set[str], skip=()) -> None:
        """Run the model's own field and clean() rules on an unsaved instance.

        Rows reference each other before anything is saved, so in-file objects carry
        negative stand-in primary keys; related fields are excluded from the field checks
        (their codes are checked above) but clean() still sees the related objects.
        """
        bad_fields = {c.field for c in row.sheet.columns if c.header in row.bad}
        try:
            instance.full_clean(
                exclude=list(exclude | bad_fields),
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                if name in bad_fields or name in skip:
                    continue
                column = "" if name == NON_FIELD_ERRORS else row.sheet.column_of_field(name)
                for message in messages:
                    row.error(column, message)

    def _duplicate(self, row: Row, column: str, first: Row, what: str) -> None:
        if first.title != row.title:
            message = _("%(what)s在工作表“%(sheet)s”第 %(row)d 行已出现过。") % {
                "what": what,
                "sheet": first.title,
                "row": first.number,
            }
        else:
            message = _("%(what)s在第 %(row)d 行已出现过。") % {"what": what, "row": first.number}
        row.error(column, message)

    # 1. Parse every row -------------------------------------------------------------------

    def parse(self, tables: list[Table]) -> None:
        for table in tables:
            for number, values in table.rows:
                row = Row(self, table, number, values)
                {ORG: self._parse_org, BODY: self._parse_body, PERSON: self._parse_person}.get(
                    table.sheet.name, self._parse_tenure
                )(row)

    def _parse_org(self, r: Row) -> None:
        rec = _OrgRow(
            at=r,
            code=r.text("编码", required=True),
            name=r.text("名称", required=True),
            kind=r.choice("类型", Organization.Kind, required=True),
            parent_code=r.optional("上级编码"),
            is_active=r.boolean("有效"),
        )
        self.org_rows.append(rec)
        if rec.code in self.orgs:
            self._duplicate(r, "编码", self.orgs[rec.code].at, _("编码“%s”") % rec.code)
        elif rec.code:
            self.orgs[rec.code] = rec

    def _parse_body(self, r: Row) -> None:
        rec = _BodyRow(
            at=r,
            code=r.text("编码", required=True),
            org_code=r.text("所在组织编码", required=True),
            kind=r.choice("机构类型", Body.Kind, required=True),
            name=r.text("名称", required=True),
            sent_by_code=r.optional("派出机关编码"),
            stationed_codes=r.codes("派驻单位编码"),
        )
        self.body_rows.append(rec)
        if rec.code in self.bodies:
            self._duplicate(r, "编码", self.bodies[rec.code].at, _("编码“%s”") % rec.code)
        elif rec.code:
            self.bodies[rec.code] = rec

    def _parse_person(self, r: Row) -> None:
        rec = _PersonRow(
            at=r,
            code=r.text("人员编码", required=True),
            name=r.text("姓名", required=True),
            gender=r.choice("性别", Person.Gender),
            party_member=r.boolean("中共党员"),
        )
        self.person_rows.append(rec)
        if rec.code in self.persons:
            self._duplicate(r, "人员编码", self.persons[rec.code].at, _("人员编码“%s”") % rec.code)
        elif rec.code:
            self.persons[rec.code] = rec

    def _parse_tenure(self, r: Row) -> None:
        rec = _TenureRow(
            at=r,
            person_code=r.text("人员编码", required=True),
            body_code=r.text("机构编码", required=True),
            role=r.choice("角色", Tenure.Role, required=True),
            title=r.optional("职务名称"),
            portfolios=r.codes("分管领域"),
            start=r.date("任职开始", required=True),
            end=r.date("任职结束"),
            end_reason=r.optional("离任原因"),
        )
        self.tenure_rows.append(rec)
        for name in rec.portfolios or ():
            if len(name) > 100:
                r.error("分管领域", _("分管领域“%(name)s”超过 100 个字。") % {"name": name[:20]})
        if not all(rec.key):
            return
        if rec.key in self.tenures:
            self._duplicate(
                r, "人员编码", self.tenures[rec.key].at, _("同一人员、机构、角色和任职开始的任职")
            )
        else:
            self.tenures[rec.key] = rec

    # 2. Load what the rows reference from the database -----------------------------------

    def load(self) -> None:
        org_codes = set(self.orgs)
        org_codes.update(r.parent_code for r in self.org_rows if r.parent_code)
        for rec in self.body_rows:
            org_codes.update([rec.org_code, *(rec.stationed_codes or ())])
        self.db_orgs = {
            o.code: o for o in _by_codes(Organization.objects.select_related("parent"), org_codes)
        }
        # Parent codes of every loaded organisation and its ancestors, for the cycle check.
        self.db_parent = {
            code: (o.parent.code if o.parent else None) for code, o in self.db_orgs.items()
        }
        ancestor_paths = {p for o in self.db_orgs.values() for p in o.ancestor_paths()}
        ancestors = Organization.objects.select_related("parent").only("code", "parent__code")
        for o in _by_codes(ancestors, ancestor_paths, lookup="path"):
            self.db_parent.setdefault(o.code, o.parent.code if o.parent else None)

        body_codes = set(self.bodies)
        body_codes.update(r.sent_by_code for r in self.body_rows if r.sent_by_code)
        body_codes.update(r.body_code for r in self.tenure_rows)
        bodies = Body.objects.select_related("org", "sent_by").prefetch_related("stationed_in")
        self.db_bodies = {b.code: b for b in _by_codes(bodies, body_codes)}
        for loaded in list(self.db_bodies.values()):  # a blank sender cell keeps the stored one
            if loaded.sent_by is not None:
                self.db_bodies.setdefault(loaded.sent_by.code, loaded.sent_by)

        person_codes = set(self.persons) | {r.person_code for r in self.tenure_rows}
        self.db_persons = {p.code: p for p in _by_codes(Person.objects.all(), person_codes)}

        wanted = {
            (r.person_code, r.body_code)
            for r in self.tenure_rows
            if r.person_code in self.db_persons and r.body_code in self.db_bodies
        }
        tenures = Tenure.objects.select_related("person", "body").prefetch_related("portfolios")
        self.db_tenures = {
            (t.person.code, t.body.code, t.role, t.start_date): t
            for t in _by_codes(tenures, {p for p, _b in wanted}, lookup="person__code")
            if (t.person.code, t.body.code) in wanted
        }

    def _org_known(self, code: str) -> bool:
        return code in self.orgs or code in self.db_orgs

    def _body_known(self, code: str) -> bool:
        return code in self.bodies or code in self.db_bodies

    def _org_ref(self, code: str):
        rec = self.orgs.get(code)
        return rec.inst if rec is not None else self.db_orgs.get(code)

    def _body_ref(self, code: str):
        rec = self.bodies.get(code)
        return rec.inst if rec is not None else self.db_bodies.get(code)

    def _not_found_org(self, row: Row, column: str, code: str) -> None:
        row.error(
            column, _("找不到编码为“%(code)s”的组织(本文件和系统中都没有)。") % {"code": code}
        )

    # 3. Check references and the model rules; decide what each row will do ---------------

    def check(self) -> None:
        self._check_orgs()
        self._check_bodies()
        self._check_persons()
        self._check_tenures()

    def _final_parent(self, code: str) -> str | None:
        rec = self.orgs.get(code)
        return rec.final_parent_code if rec is not None else self.db_parent.get(code)

    def _check_orgs(self) -> None:
        for rec in self.org_rows:
            rec.existing = self.db_orgs.get(rec.code)
            r = rec.at
            if rec.parent_code and not self._org_known(rec.parent_code):
                self._not_found_org(r, "上级编码", rec.parent_code)
        for code, rec in self.orgs.items():
            if not rec.parent_code or "上级编码" in rec.at.bad:
                continue
            chain, seen, current = [code], {code}, rec.parent_code
            while current is not None and current not in seen:
                chain.append(current)
                seen.add(current)
                current = self._final_parent(current)
            if current == code:
                rec.at.error(
                    "上级编码",
                    _("上级关系形成循环:%(chain)s。") % {"chain": " → ".join([*chain, code])},
                )
        for rec in self.org_rows:
            existing = rec.existing
            inst = Organization(
                code=rec.code,
                name=rec.name,
                kind=rec.kind or "",
                is_active=_keep(rec.is_active, existing, "is_active", True),
            )
            inst.pk = existing.pk if existing else next(self._fake_pk)
            rec.inst = inst
            self._model_check(rec.at, inst, {"path", "depth", "parent", "supervising_body"})
            if existing is None:
                rec.action = CREATE
                continue
            moved = rec.final_parent_code != rec.old_parent_code
            if moved:
                self.result.moves.append(
                    Move(rec.code, rec.name, rec.old_parent_code or "", rec.final_parent_code or "")
                )
            differs = any(
                getattr(inst, f) != getattr(existing, f) for f in ("name", "kind", "is_active")
            )
            rec.action = UPDATE if differs or moved else UNCHANGED

    def _check_bodies(self) -> None:
        for rec in self.body_rows:
            existing = self.db_bodies.get(rec.code)
            rec.existing = existing
            inst = Body(code=rec.code, name=rec.name, kind=rec.kind or "")
            inst.pk = existing.pk if existing else next(self._fake_pk)
            rec.inst = inst
            self._check_body_org(rec, existing, inst)
            self._check_body_refs(rec, existing)
        for rec in self.body_rows:
            self._check_body_changes(rec)

    def _check_body_org(self, rec: _BodyRow, existing: Body | None, inst: Body) -> None:
        """The body's own organisation: known, and not changed by the import."""
        r = rec.at
        if not rec.org_code:
            pass  # reported as missing
        elif not self._org_known(rec.org_code):
            self._not_found_org(r, "所在组织编码", rec.org_code)
        elif existing is not None and existing.org.code != rec.org_code:
            r.error(
                "所在组织编码",
                _("机构“%(code)s”已属于组织“%(org)s”(%(org_code)s),导入不能更改所在组织。")
                % {"code": rec.code, "org": existing.org.name, "org_code": existing.org.code},
            )
        else:
            inst.org = self._org_ref(rec.org_code)

    def _check_body_refs(self, rec: _BodyRow, existing: Body | None) -> None:
        """Kind unchanged, the sender and the stationed-in units known."""
        r = rec.at
        if existing is not None and rec.kind and existing.kind != rec.kind:
            r.error(
                "机构类型",
                _("机构“%(code)s”已登记为“%(kind)s”,导入不能更改机构类型。")
                % {"code": rec.code, "kind": source_label(existing.get_kind_display())},
            )
        if rec.sent_by_code and not self._body_known(rec.sent_by_code):
            r.error(
                "派出机关编码",
                _("找不到编码为“%(code)s”的机构(本文件和系统中都没有)。")
                % {"code": rec.sent_by_code},
            )
        for code in rec.stationed_codes or ():
            if not self._org_known(code):
                self._not_found_org(r, "派驻单位编码", code)
        if rec.stationed_codes and rec.kind and rec.kind != Body.Kind.STATIONED_DISCIPLINE_TEAM:
            r.error("派驻单位编码", _("只有派驻纪检监察组才有派驻单位。"))

    def _check_body_changes(self, rec: _BodyRow) -> None:
        """Second pass (every body's row known): the sender, model validation, the action."""
        sent_by = rec.final_sent_by_code
        if sent_by and "派出机关编码" not in rec.at.bad:
            rec.inst.sent_by = self._body_ref(sent_by)
        self._model_check(rec.at, rec.inst, {"org", "org_path", "sent_by", "stationed_in"})
        existing = rec.existing
        if existing is None:
            rec.action = CREATE
            return
        old_sent_by = existing.sent_by.code if existing.sent_by else None
        old_stationed = {o.code for o in existing.stationed_in.all()}
        differs = (
            rec.name != existing.name
            or sent_by != old_sent_by
            or (rec.stationed_codes is not None and set(rec.stationed_codes) != old_stationed)
        )
        rec.action = UPDATE if differs else UNCHANGED

    def _check_persons(self) -> None:
        for rec in self.person_rows:
            existing = self.db_persons.get(rec.code)
            rec.existing = existing
            inst = Person(
                code=rec.code,
                name=rec.name,
                gender=_keep(rec.gender, existing, "gender", ""),
                party_member=_keep(rec.party_member, existing, "party_member", True),
            )
            inst.pk = existing.pk if existing else next(self._fake_pk)
            rec.inst = inst
            self._model_check(rec.at, inst, {"user"})
            if existing is None:
                rec.action = CREATE
            else:
                fields = ("name", "gender", "party_member")
                differs = any(getattr(inst, f) != getattr(existing, f) for f in fields)
                rec.action = UPDATE if differs else UNCHANGED

    def _check_tenures(self) -> None:
        for rec in self.tenure_rows:
            r = rec.at
            if (
                rec.person_code
                and rec.person_code not in self.persons
                and rec.person_code not in self.db_persons
            ):
                r.error(
                    "人员编码",
                    _("找不到人员编码为“%(code)s”的人员(本文件和系统中都没有)。")
                    % {"code": rec.person_code},
                )
            body = self._body_ref(rec.body_code) if rec.body_code else None
            if rec.body_code and body is None:
                r.error(
                    "机构编码",
                    _("找不到编码为“%(code)s”的机构(本文件和系统中都没有)。")
                    % {"code": rec.body_code},
                )
            existing = self.db_tenures.get(rec.key)
            rec.existing = existing
            inst = Tenure(
                role=rec.role or "",
                title=_keep(rec.title, existing, "title", ""),
                start_date=rec.start,
                end_date=_keep(rec.end, existing, "end_date", None),
                end_reason=_keep(rec.end_reason, existing, "end_reason", ""),
            )
            skip = set()
            if body is not None:
                inst.body = body
                inst.org_id = body.org_id
                body_rec = self.bodies.get(rec.body_code)
                if body_rec is not None and "机构类型" in body_rec.at.bad:
                    skip.add("role")  # the body's kind is unknown; its row says why
            rec.inst = inst
            self._model_check(r, inst, {"person", "org", "org_path", "body", "portfolios"}, skip)
            if existing is None:
                rec.action = CREATE
                continue
            fields = ("title", "end_date", "end_reason")
            differs = any(getattr(inst, f) != getattr(existing, f) for f in fields)
            old_portfolios = {p.name for p in existing.portfolios.all()}
            if rec.portfolios is not None and set(rec.portfolios) != old_portfolios:
                differs = True
            rec.action = UPDATE if differs else UNCHANGED

    def count(self) -> None:
        for sheet, records in (
            (ORG, self.orgs),
            (BODY, self.bodies),
            (PERSON, self.persons),
            (TENURE, self.tenures),
        ):
            for rec in records.values():
                self.result.counts[sheet].add(rec.action)

    # 4. Write (only when the whole file is clean) -----------------------------------------

    def _org_order(self) -> list[str]:
        """Parents before children (a parent may come after its child in the file)."""
        order: list[str] = []
        done: set[str] = set()
        for code in self.orgs:
            chain = []
            current = code
            while current in self.orgs and current not in done:
                chain.append(current)
                done.add(current)
                current = self.orgs[current].final_parent_code
            order.extend(reversed(chain))
        return order

    @write_service
    def apply(self, *, actor: Actor) -> None:
        """Write every sheet in one transaction; history names `actor` (the importing user)."""
        self._actor = actor
        # Look-up caches filled as the sheets are written, in dependency order.
        self._org_cache: dict[str, Organization] = {}
        self._body_cache: dict[str, Body] = {}
        self._person_cache: dict[str, Person] = {}
        self._apply_orgs()
        self._apply_bodies()
        self._apply_persons()
        self._apply_tenures()

    def _org(self, code: str) -> Organization:
        # Fetched fresh: a move earlier in this transaction may have changed paths.
        if code not in self._org_cache:
            self._org_cache[code] = Organization.objects.get(code=code)
        return self._org_cache[code]

    def _body(self, code: str) -> Body:
        if code not in self._body_cache:
            self._body_cache[code] = Body.objects.select_related("org").get(code=code)
        return self._body_cache[code]

    def _person(self, code: str) -> Person:
        if code not in self._person_cache:
            self._person_cache[code] = Person.objects.get(code=code)
        return self._person_cache[code]

    def _apply_orgs(self) -> None:
        for code in self._org_order():
            rec = self.orgs[code]
            if rec.action == UNCHANGED:
                continue
            parent_code = rec.final_parent_code
            parent = Organization.objects.get(code=parent_code) if parent_code else None
            if rec.action == CREATE:
                services.create_organization(
                    code=code,
                    name=rec.name,
                    kind=rec.kind,
                    parent=parent,
                    is_active=rec.inst.is_active,
                    actor=self._actor,
                )
                continue
            current = Organization.objects.get(pk=rec.existing.pk)
            fields = {
                f: getattr(rec.inst, f)
                for f in ("name", "kind", "is_active")
                if getattr(rec.inst, f) != getattr(current, f)
            }
            if fields:
                services.update_organization(current, actor=self._actor, **fields)
            if (parent.pk if parent else None) != current.parent_id:
                services.move_organization(current, parent, actor=self._actor)

    def _apply_bodies(self) -> None:
        # A stationed team's sender (a commission, which has no sender) goes first.
        ordered = sorted(
            self.bodies.values(), key=lambda rec: (rec.final_sent_by_code or "") in self.bodies
        )
        for rec in ordered:
            if rec.action == UNCHANGED:
                continue
            sent_by = self._body(rec.final_sent_by_code) if rec.final_sent_by_code else None
            stationed = (
                [self._org(c) for c in rec.stationed_codes]
                if rec.stationed_codes is not None
                else None
            )
            if rec.action == CREATE:
                self._body_cache[rec.code] = services.create_body(
                    code=rec.code,
                    org=self._org(rec.org_code),
                    kind=rec.kind,
                    name=rec.name,
                    sent_by=sent_by,
                    stationed_in=stationed or (),
                    actor=self._actor,
                )
                continue
            current = self._body(rec.code)
            fields = {}
            if current.name != rec.name:
                fields["name"] = rec.name
            if current.sent_by_id != (sent_by.pk if sent_by else None):
                fields["sent_by"] = sent_by
            services.update_body(current, stationed_in=stationed, actor=self._actor, **fields)

    def _apply_persons(self) -> None:
        for rec in self.persons.values():
            if rec.action == CREATE:
                self._person_cache[rec.code] = services.create_person(
                    code=rec.code,
                    name=rec.name,
                    gender=rec.inst.gender,
                    party_member=rec.inst.party_member,
                    actor=self._actor,
                )
            elif rec.action == UPDATE:
                current = Person.objects.get(pk=rec.existing.pk)
                fields = {
                    f: getattr(rec.inst, f)
                    for f in ("name", "gender", "party_member")
                    if getattr(rec.inst, f) != getattr(current, f)
                }
                services.update_person(current, actor=self._actor, **fields)

    def _apply_tenures(self) -> None:
        for rec in self.tenures.values():
            if rec.action == UNCHANGED:
                continue
            where = self._body(rec.body_code)
            portfolios = (
                [
                    services.get_or_create_portfolio(where.org, name, actor=self._actor)
                    for name in rec.portfolios
                ]
                if rec.portfolios is not None
                else None
            )
            if rec.action == CREATE:
                services.appoint(
                    person=self._person(rec.person_code),
                    body=where,
                    role=rec.role,
                    start_date=rec.start,
                    title=rec.inst.title,
                    portfolios=portfolios or (),
                    end_date=rec.inst.end_date,
                    end_reason=rec.inst.end_reason,
                    actor=self._actor,
                )
                continue
            self._update_tenure(rec, portfolios)

    def _update_tenure(self, rec: _TenureRow, portfolios: list[Portfolio] | None) -> None:
        # Fetched fresh: its org_path copy may have been re-synced by a move above.
        current = Tenure.objects.get(pk=rec.existing.pk)
        closing = current.end_date is None and rec.inst.end_date is not None
        fields = {
            f: getattr(rec.inst, f)
            for f in ("title", "end_date", "end_reason")
            if getattr(rec.inst, f) != getattr(current, f)
            and not (closing and f in ("end_date", "end_reason"))
        }
        services.update_tenure(current, portfolios=portfolios, actor=self._actor, **fields)
        if closing:
            services.end_tenure(current, rec.inst.end_date, rec.inst.end_reason, actor=self._actor)


def import_file(
    data: bytes, filename: str = "", *, actor: Actor, dry_run: bool = False
) -> ImportResult:
    """Validate the whole file; write it (all or nothing) only if there is no problem.

    `actor` is who imports (the user of the upload page, COMMAND for manage.py import_org);
    history rows of the write name them.
    """
    result = ImportResult(dry_run=dry_run)
    importer = _Importer(result)
    tables = TableReader(importer, SHEETS).read(data, filename)
    if not importer.has_errors and not any(t.rows for t in tables):
        importer.error("", None, "", _("文件中没有可导入的数据行。"), sheet_kind="")
    importer.parse(tables)
    importer.load()
    importer.check()
    result.errors = importer.sorted_errors()
    if result.errors:
        return result
    importer.count()
    if dry_run:
        return result
    try:
        importer.apply(actor=actor)
    except (ValidationError, DatabaseError) as exc:  # data changed since the check
        detail = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        result.errors = [write_failed(detail)]
        return result
    result.applied = True
    return result


# --- The template --------------------------------------------------------------------------


def build_template() -> bytes:
    """The import template: one sheet per kind with an example row, and a 说明 sheet."""
    book = WorkbookWriter()
    for sheet in SHEETS:
        widths = {n: 28 if c.kind == "list" else 20 for n, c in enumerate(sheet.columns, 1)}
        book.template_sheet(sheet, [sheet.example], widths=widths)
    notes = [
        _("1. 组织、机构、人员、任职四个工作表的第一行是表头,请勿修改;可以只保留需要的工作表。"),
        _("2. 整个文件先检查;只要有一处问题,就不会写入任何数据,并列出每个问题所在的行和列。"),
        _(
            "3. 以编码识别同一组织、机构和人员,以“人员+机构+角色+任职开始”识别同一任职;"
            "同一文件重复导入不会产生重复记录。"
        ),
        _("4. 选填列留空不会清除系统中已有的值。"),
        _("5. 行可以引用本文件中(顺序不限)或系统中已有的编码。"),
        _("6. 日期填 Excel 日期或 YYYY-MM-DD 文本;多个值用分号(; 或 ；)分隔。"),
        _("7. 也可以导入单个工作表另存的 CSV 文件(UTF-8 或 GBK 编码),系统按表头识别其类型。"),
        _("8. 请先删除各工作表中的示例行再填写。"),
    ]
    help_sheet = book.help_sheet(_("导入说明"), notes)
    help_sheet.header([_("工作表"), _("列"), _("必填"), _("说明")], fill=True)
    first = help_sheet.row_count + 1
    for sheet in SHEETS:
        for column in sheet.columns:
            required = _("是") if column.required else ""
            help_sheet.append([sheet.name, column.header, required, column_help(column)])
    help_sheet.widths({1: 10, 2: 14, 3: 6, 4: 90})
    help_sheet.wrap(min_row=first, columns=[4])
    return book.to_bytes()

"""Import an indicator set (指标体系) from an .xlsx workbook or a .csv file.

The file is one table, a header row of the Chinese column names in `SHEET` and one row per
indicator: 指标编码, 指标名称, 维度, 分值, 计分规则, 规则参数 (a JSON object), 数据来源, 排序. The
year and subject type (考核对象) are given with the upload (form fields / command options), not
in the file. The downloadable template (`build_template()`) holds the default set of
defaults.py as its example rows and a 说明 sheet.

Reading (bounded against zip bombs), cell parsing and error reporting are the shared kit's
(liangge_zeren/spreadsheets.py), as for the org-tree importer: the whole file is checked
first and every problem is reported as (sheet, row as seen in Excel, column, Chinese
message); only a file without problems is written, in one transaction. The file is the
whole set: indicators missing from it are dropped.

Versions (published results never change): importing the same content again changes nothing.
If the set in force for the year and subject type has not been used by any snapshot, it is
updated in place; once a snapshot (draft or published) used it, a new version is created and
the older versions are deactivated. Published snapshots keep pointing at the version they were
computed with; drafts are recomputed with the new version at the next roll-up.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments import scoring
from assessments.collect import empty_inputs, empty_person_inputs
from assessments.defaults import DEFAULT_INDICATORS, GRADES, LIGHTS
from assessments.models import (
    AssessmentSnapshot,
    Indicator,
    IndicatorSet,
    PersonAssessmentSnapshot,
    SubjectType,
)
from liangge_zeren.actors import Actor, actor_user, write_service
from liangge_zeren.spreadsheets import (
    XLSX_CONTENT_TYPE,
    Column,
    Row,
    RowError,
    Sheet,
    Table,
    TableReader,
    WorkbookWriter,
    cell_text,
    column_help,
    source_label,
    write_failed,
)

__all__ = ["SHEET", "XLSX_CONTENT_TYPE", "ImportResult", "build_template", "import_file"]

SHEET_NAME = "指标"
CODE, NAME, DIMENSION, MAX, RULE, PARAMS, EVIDENCE, ORDER = (
    "指标编码",
    "指标名称",
    "维度",
    "分值",
    "计分规则",
    "规则参数",
    "数据来源",
    "排序",
)
MAX_SCORE = Decimal("100")

SHEET = Sheet(
    SHEET_NAME,
    (
        Column(
            CODE,
            "code",
            "code",
            True,
            help=gettext_lazy("指标的唯一编码(如 L1)。重复导入时据此识别同一指标,请勿更改。"),
        ),
        Column(NAME, "name", required=True, help=gettext_lazy("指标内容。")),
        Column(DIMENSION, "dimension", "choice", True, Indicator.Dimension),
        Column(
            MAX,
            "max_score",
            required=True,
            help=gettext_lazy("该指标的满分,大于 0、不超过 100,最多两位小数。"),
        ),
        Column(RULE, "rule_type", "choice", True, Indicator.RuleType),
        Column(
            PARAMS,
            "params",
            help=gettext_lazy(
                'JSON 对象,如 {"input": "logs.study_session", "threshold": 3}。'
                "input 指明计分所用数据;各计分规则可用的参数见下表。人工评分可留空。"
            ),
        ),
        Column(EVIDENCE, "evidence_source", "choice", True, Indicator.EvidenceSource),
        Column(
            ORDER,
            "order",
            help=gettext_lazy("显示顺序(整数);留空时按文件中的行序。"),
        ),
    ),
    (),
)

# Parameters each rule type reads (scoring.py); anything else is a typo that would silently
# fall back to a default, so it is refused.
RULE_PARAMS: dict[str, dict[str, str]] = {
    Indicator.RuleType.PRESENCE: {"input": "input", "min": "number"},
    Indicator.RuleType.COUNT_THRESHOLD: {
        "input": "input",
        "threshold": "count",
        "all_or_nothing": "bool",
        "per_quarter": "bool",
    },
    Indicator.RuleType.PER_OCCURRENCE_BONUS: {
        "input": "input",
        "base": "number",
        "threshold": "count",
        "bonus": "number",
        "per": "number",
    },
    Indicator.RuleType.PER_MISS_DEDUCTION: {
        "input": "input",
        "per": "number",
        "weights": "weights",
    },
    Indicator.RuleType.RATIO_ON_TIME: {"input": "input", "when_none_due": ("full", "zero")},
    Indicator.RuleType.SURVEY_BAND: {
        "input": "input",
        "measure": ("score", "excellent_share"),
        "bands": "bands",
        "penalty": "penalty",
        "missing": ("full", "zero"),
    },
    Indicator.RuleType.KNOWLEDGE: {
        "input": "input",
        "participation": "number",
        "missing": ("full", "zero"),
    },
    Indicator.RuleType.MANUAL: {"default": "number"},
}

# Typographic quotes and full-width punctuation typed in Excel on a Chinese keyboard.
QUOTES = str.maketrans({"“": '"', "”": '"', "‘": '"', "’": '"', "「": '"', "」": '"'})


# --- Results -------------------------------------------------------------------------------

CREATED, NEW_VERSION, UPDATED, UNCHANGED = "created", "new_version", "updated", "unchanged"
ACTION_LINES = {
    CREATED: gettext_lazy("新建 %(year)d 年度“%(subject)s”指标体系 v%(version)s。"),
    NEW_VERSION: gettext_lazy(
        "%(year)d 年度“%(subject)s”指标体系已被考核结果使用,另建新版本 v%(version)s;"
        "已发布的考核结果不变。"
    ),
    UPDATED: gettext_lazy(
        "更新 %(year)d 年度“%(subject)s”指标体系 v%(version)s(尚未被考核结果使用)。"
    ),
    UNCHANGED: gettext_lazy(
        "%(year)d 年度“%(subject)s”指标体系 v%(version)s 与文件一致,未作更改。"
    ),
}


@dataclass
class ImportResult:
    year: int
    subject_type: str
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    dry_run: bool = False
    applied: bool = False
    action: str = ""  # CREATED | NEW_VERSION | UPDATED | UNCHANGED
    version: int | None = None
    indicator_set: IndicatorSet | None = None
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    )

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return self.action in (CREATED, NEW_VERSION, UPDATED)

    def summary_lines(self) -> list[str]:
        lines = []
        if self.dry_run:
            lines.append(_("试运行:文件没有问题,以下为将要进行的变更,未写入任何数据。"))
        subject = source_label(SubjectType(self.subject_type).label)
        where = {"year": self.year, "subject": subject, "version": self.version}
        lines.append(str(ACTION_LINES[self.action]) % where)
        lines.append(
            _("指标:新增 %(created)d,更新 %(updated)d,未变 %(unchanged)d,删除 %(removed)d")
            % self.counts
        )
        lines.extend(self.notices)
        return lines


# --- Checking ------------------------------------------------------------------------------


@dataclass
class _Spec:
    """One indicator as the file defines it."""

    number: int
    code: str
    name: str
    dimension: str
    max_score: Decimal
    rule_type: str
    params: dict
    evidence_source: str
    order: int

    def key(self) -> tuple:
        return (
            self.name,
            self.dimension,
            scoring.q(self.max_score),
            self.rule_type,
            _canonical(self.params),
            self.evidence_source,
            self.order,
        )


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _stored_key(ind: Indicator) -> tuple:
    return (
        ind.name,
        ind.dimension,
        scoring.q(ind.max_score),
        ind.rule_type,
        _canonical(ind.params or {}),
        ind.evidence_source,
        ind.order,
    )


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class _Importer:
    def __init__(self, result: ImportResult):
        self.result = result
        self.notices = result.notices
        self._errors: list[tuple[tuple, RowError]] = []
        self.specs: list[_Spec] = []

    def error(self, title, row, column, message, *, sheet_kind: str = "") -> None:
        key = (row or 0, SHEET.position(column) if column else -1)
        self._errors.append((key, RowError(title, row, column, str(message))))

    @property
    def has_errors(self) -> bool:
        return bool(self._errors)

    def sorted_errors(self) -> list[RowError]:
        return [e for _key, e in sorted(self._errors, key=lambda pair: pair[0])]

    # Rows ---------------------------------------------------------------------------------

    def parse(self, tables: list[Table]) -> None:
        seen: dict[str, int] = {}
        for table in tables:
            for position, (number, values) in enumerate(table.rows):
                r = Row(self, table, number, values)
                code = r.text(CODE, required=True)
                if len(code) > 20:
                    r.error(CODE, _("编码最多 20 个字符。"))
                elif code and _fold_code(code) in seen:
                    r.error(
                        CODE,
                        _("指标编码“%(code)s”在第 %(row)d 行已出现过。")
                        % {"code": code, "row": seen[_fold_code(code)]},
                    )
                elif code:
                    seen[_fold_code(code)] = number
                name = r.text(NAME, required=True)
                if len(name) > 200:
                    r.error(NAME, _("指标名称最多 200 个字符。"))
                dimension = r.choice(DIMENSION, Indicator.Dimension, required=True)
                max_score = self._max_score(r)
                rule = r.choice(RULE, Indicator.RuleType, required=True)
                params = self._params(r, rule, max_score)
                evidence = r.choice(EVIDENCE, Indicator.EvidenceSource, required=True)
                order = self._order(r, position)
                if r.bad:
                    continue
                self.specs.append(
                    _Spec(number, code, name, dimension, max_score, rule, params, evidence, order)
                )

    def _max_score(self, r: Row) -> Decimal | None:
        text = r.text(MAX, required=True)
        if not text:
            return None
        try:
            value = Decimal(unicodedata.normalize("NFKC", text))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            r.error(MAX, _("“%(value)s”不是数字。") % {"value": text})
            return None
        if not (0 < value <= MAX_SCORE) or value != value.quantize(Decimal("0.01")):
            r.error(MAX, _("分值应大于 0、不超过 100,最多两位小数。"))
            return None
        return value

    def _order(self, r: Row, position: int) -> int:
        text = r.text(ORDER)
        if not text:
            return position
        try:
            value = int(unicodedata.normalize("NFKC", text))
        except ValueError:
            value = -1
        if not 0 <= value <= 32767:
            r.error(ORDER, _("排序应为 0 到 32767 之间的整数。"))
            return position
        return value

    def _params(self, r: Row, rule: str | None, max_score: Decimal | None) -> dict:
        raw = cell_text(r.values.get(PARAMS))
        if not raw:
            params = {}
        else:
            text = unicodedata.normalize("NFKC", raw).translate(QUOTES)
            try:
                params = json.loads(text)
            except ValueError as exc:
                r.error(
                    PARAMS,
                    _("不是有效的 JSON(第 %(pos)d 个字符附近):%(value)s")
                    % {"pos": getattr(exc, "pos", 0) + 1, "value": raw[:80]},
                )
                return {}
            if not isinstance(params, dict):
                r.error(PARAMS, _('规则参数应为 JSON 对象,形如 {"input": "…"}。'))
                return {}
        if rule is None:
            return params
        problems = _param_problems(rule, params)
        for message in problems:
            r.error(PARAMS, message)
        if not problems and max_score is not None:
            # The rule must run on a quarter with no data at all (an empty unit).
            try:
                scoring.score(rule, max_score, params, empty_inputs())
            except Exception as exc:  # any failure means the parameters do not fit the rule
                r.error(
                    PARAMS,
                    _("规则参数与计分规则不匹配:%(error)s") % {"error": exc.__class__.__name__},
                )
        return params

    # Writing ------------------------------------------------------------------------------

    def plan(self) -> tuple[IndicatorSet | None, IndicatorSet | None]:
        """(the set in force, the set to write or None when unchanged); sets result.action."""
        result = self.result
        versions = IndicatorSet.objects.filter(year=result.year, subject_type=result.subject_type)
        current = versions.filter(is_active=True).order_by("-version").first()
        wanted = {s.code: s.key() for s in self.specs}
        if current is not None:
            stored = {i.code: _stored_key(i) for i in current.indicators.all()}
            if stored == wanted:
                result.action, result.version = UNCHANGED, current.version
                result.counts["unchanged"] = len(wanted)
                result.indicator_set = current
                return current, None
            if not in_use(current):
                result.action, result.version = UPDATED, current.version
                for code, key in wanted.items():
                    name = (
                        "created"
                        if code not in stored
                        else "unchanged"
                        if stored[code] == key
                        else "updated"
                    )
                    result.counts[name] += 1
                result.counts["removed"] = len(set(stored) - set(wanted))
                result.indicator_set = current
                return current, current
        latest = versions.order_by("-version").values_list("version", flat=True).first()
        result.action = CREATED if latest is None else NEW_VERSION
        result.version = (latest or 0) + 1
        result.counts["created"] = len(wanted)
        return current, None

    @transaction.atomic
    def apply(self, current: IndicatorSet | None, target: IndicatorSet | None, *, user, name):
        result = self.result
        if result.action == UNCHANGED:
            return
        if target is None:  # a new set (first version, or a new version of one in use)
            target = _create_version(
                result.year,
                result.subject_type,
                result.version,
                user=user,
                name=name or (current.name if current else _default_name(result)),
                like=current,
            )
        elif name and name != target.name:
            target.name = name
            target._history_user = user
            target.save(update_fields=["name"])
        stored = {i.code: i for i in target.indicators.all()}
        for spec in self.specs:
            ind = stored.pop(spec.code, None) or Indicator(indicator_set=target, code=spec.code)
            if ind.pk and _stored_key(ind) == spec.key():
                continue
            ind.name, ind.dimension, ind.max_score = spec.name, spec.dimension, spec.max_score
            ind.rule_type, ind.params = spec.rule_type, spec.params
            ind.evidence_source, ind.order = spec.evidence_source, spec.order
            ind.full_clean(exclude=["indicator_set"], validate_constraints=False)
            ind._history_user = user
            ind.save()
        for ind in stored.values():  # not in the file: the file is the whole set
            ind._history_user = user
            ind.delete()
        result.indicator_set = target


def in_use(indicator_set: IndicatorSet) -> bool:
    """Used by a snapshot (draft or published): change it only through a new version, so a
    result never points at indicators other than those it was computed with."""
    return (
        AssessmentSnapshot.objects.filter(indicator_set=indicator_set).exists()
        or PersonAssessmentSnapshot.objects.filter(indicator_set=indicator_set).exists()
    )


def _create_version(
    year: int, subject_type: str, version: int, *, user, name: str, like: IndicatorSet | None
) -> IndicatorSet:
    """A new version in force (thresholds and grades copied from `like`); older ones retire."""
    created = IndicatorSet(
        year=year,
        subject_type=subject_type,
        version=version,
        name=name,
        light_thresholds=like.light_thresholds if like else dict(LIGHTS),
        grade_bands=like.grade_bands if like else list(GRADES),
    )
    created._history_user = user
    created.save()
    for old in IndicatorSet.objects.filter(
        year=year, subject_type=subject_type, is_active=True
    ).exclude(pk=created.pk):
        old.is_active = False
        old._history_user = user
        old.save(update_fields=["is_active"])
    return created


@write_service
def copy_as_new_version(indicator_set: IndicatorSet, *, actor: Actor) -> IndicatorSet:
    """The admin's way to change a set in use: an editable copy as the next version."""
    user = actor_user(actor)
    versions = IndicatorSet.objects.select_for_update().filter(
        year=indicator_set.year, subject_type=indicator_set.subject_type
    )
    latest = max(versions.values_list("version", flat=True))
    copy = _create_version(
        indicator_set.year,
        indicator_set.subject_type,
        latest + 1,
        user=user,
        name=indicator_set.name,
        like=indicator_set,
    )
    for ind in indicator_set.indicators.order_by("order", "code"):
        clone = Indicator(
            indicator_set=copy,
            code=ind.code,
            name=ind.name,
            dimension=ind.dimension,
            max_score=ind.max_score,
            rule_type=ind.rule_type,
            params=ind.params,
            evidence_source=ind.evidence_source,
            order=ind.order,
        )
        clone._history_user = user
        clone.save()
    return copy


@write_service
def add_default_interview_indicator(year: int, *, actor: Actor) -> IndicatorSet | None:
    """Give a year's unit set made before issue 18 the 谈话了解 indicator (P4 of the defaults):
    a new version (copy_as_new_version), so results computed with the old one keep it; the
    default Z1 (10, manual) gives the new indicator its 5 points. None when the active set
    already scores interviews."""
    current = (
        IndicatorSet.objects.filter(
            year=year, subject_type=SubjectType.ORGANISATION, is_active=True
        )
        .order_by("-version")
        .first()
    )
    if (
        current is None
        or current.indicators.filter(evidence_source=Indicator.EvidenceSource.INTERVIEW).exists()
    ):
        return None
    copy = copy_as_new_version(current, actor=actor)
    code, name, dim, top, rule, params, evidence = next(
        row for row in DEFAULT_INDICATORS if row[6] == Indicator.EvidenceSource.INTERVIEW
    )
    user = actor_user(actor)
    z1 = copy.indicators.filter(code="Z1", rule_type=Indicator.RuleType.MANUAL).first()
    if z1 is not None and z1.max_score >= 10:
        z1.max_score -= Decimal(top)
        z1._history_user = user
        z1.save(update_fields=["max_score"])
    taken = set(copy.indicators.values_list("code", flat=True))
    added = Indicator(
        indicator_set=copy,
        code=code if code not in taken else f"{code}I",
        name=name,
        dimension=dim,
        max_score=top,
        rule_type=rule,
        params=params,
        evidence_source=evidence,
        order=len(taken),
    )
    added._history_user = user
    added.save()
    return copy


def _fold_code(code: str) -> str:
    return unicodedata.normalize("NFKC", code).strip().casefold()


def _default_name(result: ImportResult) -> str:
    subject = source_label(SubjectType(result.subject_type).label)
    return f"{result.year} 年度{subject}考核指标(导入)"


def _known_input(key: str) -> bool:
    """A key of a unit's inputs or of a person's (collect.py; one list for every subject)."""
    sentinel = object()
    return any(
        scoring.lookup(inputs, key, sentinel) is not sentinel
        for inputs in (empty_inputs(), empty_person_inputs(1))
    )


def _param_problems(rule: str, params: dict) -> list[str]:
    allowed = RULE_PARAMS[rule]
    label = source_label(Indicator.RuleType(rule).label)
    problems = []
    for key in params:
        if key not in allowed:
            problems.append(
                _("“%(rule)s”不使用参数“%(key)s”,可用参数:%(allowed)s。")
                % {"rule": label, "key": key, "allowed": "、".join(allowed) or "—"}
            )
    if "input" in allowed and "input" not in params:
        problems.append(_("缺少参数 input(计分所用数据,如 logs.study_session)。"))
    for key, kind in allowed.items():
        if key not in params:
            continue
        message = _param_value_problem(key, kind, params[key])
        if message:
            problems.append(message)
    return problems


def _param_value_problem(key: str, kind, value) -> str | None:
    """What is wrong with one parameter's value for its kind, or None."""
    if isinstance(kind, tuple):
        if value in kind:
            return None
        return _("参数 %(key)s 只能是 %(allowed)s。") % {"key": key, "allowed": "、".join(kind)}
    check = _PARAM_CHECKS.get(kind)
    return check(key, value) if check else None


def _input_problem(key: str, value) -> str | None:
    if isinstance(value, str) and _known_input(value):
        return None
    return _("input“%(value)s”不是可用的数据项,可用:%(known)s。") % {
        "value": value,
        "known": "、".join(_input_keys()),
    }


def _number_problem(key: str, value) -> str | None:
    return None if _is_number(value) else _("参数 %(key)s 应为数字。") % {"key": key}


def _count_problem(key: str, value) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return None
    return _("参数 %(key)s 应为非负整数。") % {"key": key}


def _bool_problem(key: str, value) -> str | None:
    return (
        None if isinstance(value, bool) else _("参数 %(key)s 应为 true 或 false。") % {"key": key}
    )


def _weights_problem(key: str, value) -> str | None:
    if isinstance(value, dict) and all(_is_number(v) for v in value.values()):
        return None
    return _('参数 weights 应为对象,各项为数字,如 {"self_found": 0}。')


def _bands_problem(key: str, value) -> str | None:
    if (
        isinstance(value, list)
        and value
        and all(
            isinstance(b, list) and len(b) == 2 and all(_is_number(x) for x in b) and 0 <= b[1] <= 1
            for b in value
        )
    ):
        return None
    return _("参数 bands 应为 [[下限, 得分比例], …],比例在 0 到 1 之间。")


def _penalty_problem(key: str, value) -> str | None:
    if (
        isinstance(value, dict)
        and set(value) == {"share", "fraction"}
        and all(_is_number(v) for v in value.values())
    ):
        return None
    return _('参数 penalty 应为 {"share": 比例, "fraction": 得分比例}。')


_PARAM_CHECKS = {
    "input": _input_problem,
    "number": _number_problem,
    "count": _count_problem,
    "bool": _bool_problem,
    "weights": _weights_problem,
    "bands": _bands_problem,
    "penalty": _penalty_problem,
}


def _input_keys() -> list[str]:
    keys: list[str] = []
    for inputs in (empty_inputs(), empty_person_inputs(1)):
        for top, value in inputs.items():
            keys.append(top)
            if isinstance(value, dict):
                keys.extend(f"{top}.{sub}" for sub in value)
    return list(dict.fromkeys(keys))


# --- Entry points --------------------------------------------------------------------------


@write_service
def import_file(
    data: bytes,
    filename: str = "",
    *,
    actor: Actor,
    year: int,
    subject_type: str = SubjectType.ORGANISATION,
    name: str = "",
    dry_run: bool = False,
) -> ImportResult:
    """Validate the whole file; write the set (all or nothing) only if there is no problem."""
    result = ImportResult(year=year, subject_type=subject_type, dry_run=dry_run)
    importer = _Importer(result)
    if subject_type not in SubjectType.values:
        importer.error("", None, "", _("考核对象不正确。"))
    if not 2000 <= year <= 2100:
        importer.error("", None, "", _("年度不正确。"))
    tables = TableReader(importer, [SHEET], single=True).read(data, filename)
    if not importer.has_errors and not any(t.rows for t in tables):
        importer.error("", None, "", _("文件中没有可导入的数据行。"))
    importer.parse(tables)
    result.errors = importer.sorted_errors()
    if result.errors:
        return result
    total = sum((s.max_score for s in importer.specs), Decimal(0))
    if total != MAX_SCORE:
        result.notices.append(_("各指标分值合计 %(total)s 分(通常为 100 分)。") % {"total": total})
    # Plan and write under one lock on the year's sets, so two imports cannot both take the
    # same version number or both edit one set.
    try:
        with transaction.atomic():
            list(
                IndicatorSet.objects.select_for_update()
                .filter(year=year, subject_type=subject_type)
                .values_list("pk", flat=True)
            )
            current, target = importer.plan()
            if dry_run:
                return result
            importer.apply(current, target, user=actor_user(actor), name=name.strip())
    except DatabaseError as exc:  # e.g. a concurrent import took the version number
        result.errors = [write_failed(exc)]
        result.action = ""
        return result
    result.applied = True
    return result


def _example_rows() -> list[list]:
    rows = []
    for order, (code, name, dim, top, rule, params, evidence) in enumerate(DEFAULT_INDICATORS):
        rows.append(
            [
                code,
                name,
                source_label(Indicator.Dimension(dim).label),
                top,
                source_label(Indicator.RuleType(rule).label),
                _canonical(params) if params else "",
                source_label(Indicator.EvidenceSource(evidence).label),
                order,
            ]
        )
    return rows


def build_template() -> bytes:
    """The template: the default set (defaults.py) as rows to edit, and a 说明 sheet."""
    book = WorkbookWriter()
    special = {CODE: 10, NAME: 44, PARAMS: 60}
    widths = {n: special.get(c.header, 16) for n, c in enumerate(SHEET.columns, 1)}
    book.template_sheet(SHEET, _example_rows(), widths=widths)
    notes = [
        _("1. 第一行是表头,请勿修改。模板中的行是系统默认指标体系,可直接修改、增删。"),
        _("2. 文件即完整的指标体系:文件中没有的指标将从该年度指标体系中删除。"),
        _("3. 年度和考核对象在导入页面(或命令参数)中选择。"),
        _("4. 整个文件先检查;只要有一处问题,就不会写入任何数据,并列出每个问题所在的行和列。"),
        _("5. 重复导入同一文件不会产生任何变更。"),
        _(
            "6. 指标体系已被考核结果使用时,导入会另建新版本,已发布的考核结果不受影响;"
            "草稿在下次计算时改用新版本。"
        ),
        _("7. 也可以导入另存的 CSV 文件(UTF-8 或 GBK 编码)。"),
    ]
    help_sheet = book.help_sheet(_("指标体系导入说明"), notes)
    help_sheet.header([_("列"), _("必填"), _("说明")], fill=True)
    first = help_sheet.row_count + 1
    for column in SHEET.columns:
        required = _("是") if column.required else ""
        help_sheet.append([column.header, required, column_help(column, blank_keeps=False)])
    help_sheet.append([])
    help_sheet.header([_("计分规则"), _("可用参数"), ""])
    for rule, params in RULE_PARAMS.items():
        label = source_label(Indicator.RuleType(rule).label)
        help_sheet.append([label, "、".join(params) or "—", ""])
    help_sheet.append([])
    help_sheet.append([_("input 可用的数据项"), "、".join(_input_keys()), ""])
    help_sheet.widths({1: 22, 2: 30, 3: 90})
    help_sheet.wrap(min_row=first, columns=[3])
    return book.to_bytes()

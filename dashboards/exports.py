"""What the cockpit shows, as tables: the page, the charts' JSON, `.xlsx` and `.docx`.

Every output is built from the same `Table` objects, so the charts, the tables beneath them,
the spreadsheet and the report cannot disagree.
"""

from __future__ import annotations

import functools
import html
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.models import TrafficLight
from dashboards.services import OWN, Cockpit
from liangge_zeren import documents
from liangge_zeren.figures import PARTIAL_TEXT, Figure, cell_value, chart_value
from liangge_zeren.spreadsheets import WorkbookWriter

LIGHT_LABELS = dict(TrafficLight.choices)


@dataclass
class Row:
    label: str
    pk: int | None  # drill-down target (a child unit), None for the unit's own row
    cells: list
    links: dict[int, str] = field(default_factory=dict)  # cell index -> list behind it
    light: str = ""

    url: str = ""  # the drill-down page of `pk`

    @property
    def linked_cells(self) -> list[tuple[object, str]]:
        """(value, url or "") per cell."""
        return [(value, self.links.get(i, "")) for i, value in enumerate(self.cells)]

    @property
    def cells_html(self) -> str:
        """The row's <td> cells, built here rather than by a template loop: a province page
        has about 1,500 cells, and rendering each through the template engine (variable
        lookup, localisation, escaping) cost more than all the cockpit's SQL. Same output:
        integers print as they are, other numbers are localised, text is escaped."""
        parts = []
        for i, value in enumerate(self.cells):
            text = _cell_text(value)
            url = self.links.get(i)
            if url:
                text = f'<a href="{html.escape(url)}">{text}</a>'
            parts.append(f'<td data-col="{i}">{text}</td>')
        return mark_safe("".join(parts))  # noqa: S308 - every part escaped above


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[Row]
    total: list | None = None
    chart: str = "bar"  # "bar" (stacked by column), "line" (trend), "" (no chart)
    chart_columns: list[int] | None = None  # which columns the chart plots (default: all)
    stacked: bool = False  # bars stack only when the columns are disjoint categories
    is_trend: bool = False  # shown folded beneath the figure it follows


def _list_url(base: str, org_pk: int, **params) -> str:
    """A list page filtered to one unit's subtree (and `params`): urlencode({"org": org_pk,
    **params}), with the params' part encoded once per page rather than once per cell."""
    rest = _encoded(tuple(params.items()))
    return f"{base}?org={org_pk}&{rest}" if rest else f"{base}?org={org_pk}"


@functools.lru_cache(maxsize=256)
def _encoded(items: tuple) -> str:
    return urlencode(items)


def _cell_text(value) -> str:
    """A cell's HTML. Escaped with the standard library's html.escape, which is what
    django.utils.html.escape returns, without its check of every argument for a lazy string
    (a province page has about 1,500 cells)."""
    if type(value) is int:
        return str(value)
    if isinstance(value, Figure):
        return value.html()
    if value is None or value == "":
        return ""
    return html.escape(str(localize(value)))


def _fmt(value):
    return "" if value is None else value


def _trend_table(widget) -> Table:
    """The widget's figures for the selected unit's whole subtree, one column per quarter
    (per year for the yearly lists), one row (and chart line) per figure."""
    labels = list(widget.trend)
    columns = widget.trend_columns or widget.columns
    rows = [
        Row(str(label), None, [_fmt(widget.trend[p].get(column)) for p in labels])
        for column, label in columns
    ]
    title = (
        _("%(title)s 近两年趋势") if widget.key == "lists" else _("%(title)s 近8个季度趋势")
    ) % {"title": widget.title}
    return Table(f"{widget.key}-trend", title, labels, rows, None, "line", is_trend=True)


def category(column: str) -> dict:
    """Ledger filter of a findings column (the total column: every category)."""
    return {} if column == "total" else {"category": column}


def page_tables(data: Cockpit) -> list[Table]:
    keys = data.row_keys()
    urls = _ListUrls(reverse("inspections:ledger"), reverse("accountability:disciplinary_list"))
    tables: list[Table] = [_overview_table(data, keys, urls)]
    for widget in data.widgets:
        tables.append(_widget_table(data, widget, keys, urls))
        tables.append(_trend_table(widget))
    tables.extend(_score_tables(data))
    drill: dict[int, str] = {}  # one reverse() per child, not one per row of every table
    for table in tables:
        for row in table.rows:
            # A figure the viewer may not see opens nothing (its rows are not theirs either).
            row.links = {
                i: url
                for i, url in row.links.items()
                if not (isinstance(row.cells[i], Figure) and row.cells[i].is_hidden)
            }
            if row.pk:
                if row.pk not in drill:
                    drill[row.pk] = reverse("dashboards:cockpit", args=[row.pk])
                row.url = drill[row.pk]
    return tables


@dataclass(frozen=True)
class _ListUrls:
    """The list pages a cell links to (reversed once per export)."""

    ledger: str
    disciplinary: str


def _overview_table(data: Cockpit, keys: list, urls: _ListUrls) -> Table:
    """One row per child with the headline figures (and the tile grid's colours)."""
    scope, scores = data.scope, data.scores
    widgets = {w.key: w for w in data.widgets}
    overview_rows = []
    for key in keys:
        latest = scores.latest.get(key, {}) if key != OWN else {}
        lists, logs = widgets["lists"], widgets["methods"]
        rect, find = widgets["rectification"], widgets["findings"]
        meas, dual = widgets["measures"], widgets["dual"]
        cells = [
            _fmt(latest.get("total")),
            str(LIGHT_LABELS.get(latest.get("traffic_light"), "")),
            f"{lists.value(key, 'in_force')}/{lists.value(key, 'lists')}",
            logs.value(key, "total"),
            rect.value(key, "open"),
            rect.value(key, "overdue"),
            find.value(key, "total"),
            meas.value(key, "total"),
            _ratio(dual.value(key, "covered"), dual.value(key, "qualifying")),
        ]
        pk = None if key == OWN else key
        links = {}
        if pk:
            links = {
                5: _list_url(urls.ledger, pk, light="red"),
                6: _list_url(urls.ledger, pk, year=scope.period.year),
                8: _list_url(urls.disciplinary, pk, year=scope.period.year, dual=1),
            }
        overview_rows.append(
            Row(data.row_label(key), pk, cells, links, latest.get("traffic_light", ""))
        )
    return Table(
        "overview",
        _("下级单位总览"),
        [
            _("最新季度得分"),
            _("红黄绿"),
            _("清单认领/总数"),
            _("本季履责纪实"),
            _("未销号整改"),
            _("逾期整改"),
            _("本年发现问题"),
            _("本年问责"),
            _("一案双查 已查/应查"),
        ],
        overview_rows,
        chart="",
    )


def _ratio(part, whole):
    """ "a/b", or the hidden Figure when the viewer may not see the figures."""
    text = f"{cell_value(part)}/{cell_value(whole)}"
    if isinstance(whole, Figure):
        return whole if whole.is_hidden else Figure(text, whole.visibility)
    return text


def _widget_links(widget, pk: int, year: int, urls: _ListUrls) -> dict:
    if widget.key == "rectification":
        return {
            1: _list_url(urls.ledger, pk, light="red"),
            2: _list_url(urls.ledger, pk, light="yellow"),
        }
    if widget.key == "findings":  # the year's findings of that category
        return {
            i: _list_url(urls.ledger, pk, year=year, **category(c))
            for i, (c, _label) in enumerate(widget.columns)
        }
    if widget.key == "dual":  # the year's cases that need both probes
        return {0: _list_url(urls.disciplinary, pk, year=year, dual=1)}
    return {}


def _widget_table(data: Cockpit, widget, keys: list, urls: _ListUrls) -> Table:
    """A widget's figures per child, with a total row and the bar chart's settings."""
    year = data.scope.period.year
    rows = []
    for key in keys:
        pk = None if key == OWN else key
        cells = [_fmt(widget.value(key, c)) for c, _label in widget.columns]
        links = _widget_links(widget, pk, year, urls) if pk else {}
        rows.append(Row(data.row_label(key), pk, cells, links))
    total = []
    for column, _label in widget.columns:
        if column == "share":
            q, c = widget.total("qualifying"), widget.total("covered")
            if isinstance(q, Figure):
                total.append(q if q.is_hidden else "")
            else:
                total.append(round(100 * c / q, 1) if q else "")
        else:
            total.append(widget.total(column))
    headers = [str(label) for _c, label in widget.columns]
    plotted = [i for i, (c, _l) in enumerate(widget.columns) if c not in ("total", "share")]
    stacked = widget.key in ("methods", "findings", "measures")
    return Table(widget.key, str(widget.title), headers, rows, total, "bar", plotted, stacked)


def _score_tables(data: Cockpit) -> list[Table]:
    """Each child's score over the last 8 quarters (snapshots), and the lights per quarter."""
    scope, scores = data.scope, data.scores
    labels = [str(p) for p in scores.periods]
    trend_rows = [
        Row(c.name, c.pk, [_fmt(scores.trend.get(c.pk, {}).get(p)) for p in labels])
        for c in scope.children
    ]
    own = [_fmt(scores.own.get(p, {}).get("subtree_average")) for p in labels]
    trend_rows.append(Row(_("全辖平均(快照)"), None, [float(v) if v != "" else "" for v in own]))
    light_rows = [
        Row(
            str(LIGHT_LABELS[light]), None, [scores.lights.get(p, {}).get(light, 0) for p in labels]
        )
        for light in ("red", "yellow", "green")
    ]
    return [
        Table("trend", _("近8个季度考核得分"), labels, trend_rows, None, "line"),
        Table("lights", _("近8个季度下级单位红黄绿"), labels, light_rows, None, "line"),
    ]


def chart_data(data: Cockpit, tables: list[Table] | None = None) -> dict:
    """The charts' JSON, from the same tables as the page (rendered with json_script)."""
    charts = []
    for table in tables if tables is not None else page_tables(data):
        if not table.chart:
            continue
        if table.chart == "bar":
            columns = (
                table.chart_columns
                if table.chart_columns is not None
                else range(len(table.headers))
            )
            charts.append(
                {
                    "id": f"chart-{table.key}",
                    "type": "bar",
                    "stacked": table.stacked,
                    "title": table.title,
                    "categories": [r.label for r in table.rows],
                    "series": [
                        {
                            "name": table.headers[i],
                            # A hidden figure is null (a gap), never a bar of 0.
                            "data": [
                                chart_value(c) if isinstance(c, Figure) else (c or 0)
                                for c in (r.cells[i] for r in table.rows)
                            ],
                        }
                        for i in columns
                    ],
                }
            )
        else:
            charts.append(
                {
                    "id": f"chart-{table.key}",
                    "type": "line",
                    "title": table.title,
                    "categories": table.headers,
                    "series": [
                        {
                            "name": r.label,
                            "data": [None if c == "" else chart_value(c) for c in r.cells],
                        }
                        for r in table.rows
                    ],
                }
            )
    return {"charts": charts}


def _title(data: Cockpit) -> str:
    return _("%(org)s 两个责任驾驶舱 %(period)s") % {
        "org": data.scope.org.name,
        "period": data.scope.period,
    }


def _has_partial(table: Table) -> bool:
    """Some figure of the table counts only what the viewer may see (say so under it)."""
    cells = [c for row in table.rows for c in row.cells] + list(table.total or [])
    return any(isinstance(c, Figure) and c.is_partial for c in cells)


def cockpit_xlsx(data: Cockpit) -> bytes:
    book = WorkbookWriter()
    for table in page_tables(data):
        sheet = book.sheet(table.title)
        sheet.append([_title(data)])
        sheet.header([_("单位"), *table.headers])
        for row in table.rows:
            sheet.append([row.label, *map(cell_value, row.cells)])
        if table.total is not None:
            sheet.append([_("合计"), *map(cell_value, table.total)])
        if _has_partial(table):
            sheet.append([str(PARTIAL_TEXT)])
        sheet.widths({1: 24})
    return book.to_bytes()


def quarterly_docx(data: Cockpit) -> bytes:
    """A quarterly report of the subtree: headline figures and every table of the page."""
    scope = data.scope
    widgets = {w.key: w for w in data.widgets}
    rect, logs = widgets["rectification"], widgets["methods"]
    dual = widgets["dual"]
    own = data.scores.own.get(str(scope.period.previous()), {})
    blocks = [
        documents.paragraph(
            _(
                "本报告覆盖%(org)s及其%(n)d个直属下级单位(含其全部下辖单位)。本季度记录履责纪实"
                "%(logs)d条;目前未销号整改任务%(open)d项,其中逾期%(overdue)d项;本年度应一案双查"
                "案件%(q)s件,已双查%(c)s件。上季度全辖平均得分:%(avg)s。"
            )
            % {
                "org": scope.org.name,
                "n": len(scope.children),
                "logs": logs.total("total"),
                "open": rect.total("open"),
                "overdue": rect.total("overdue"),
                "q": cell_value(dual.total("qualifying")),
                "c": cell_value(dual.total("covered")),
                "avg": own.get("subtree_average")
                if own.get("subtree_average") is not None
                else "—",
            }
        )
    ]
    for number, table in enumerate(page_tables(data), start=1):
        blocks.append(documents.heading1(f"{documents.numeral(number)}、{table.title}"))
        rows = [*table.rows] + (
            [Row(_("合计"), None, table.total)] if table.total is not None else []
        )
        blocks.append(
            documents.table([_("单位"), *table.headers], [[row.label, *row.cells] for row in rows])
        )
        if _has_partial(table):
            blocks.append(documents.note(str(PARTIAL_TEXT)))
    return documents.render(
        documents.OfficialDocument(
            kind="quarterly_report",
            title=_("%(org)s %(period)s 落实全面从严治党两个责任情况报告")
            % {"org": scope.org.name, "period": scope.period},
            blocks=blocks,
            date=timezone.localdate(),
        )
    )

"""班子考察 export: the team's and each member's results of a period as an official document
(kind `team_assessment`, liangge_zeren/documents.py). The caller passes the rows the reader
may see (selectors.team_results); a member without a visible result reads "—"."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import AssessmentSnapshot, period_label
from assessments.selectors import team_posts
from liangge_zeren import documents
from responsibilities.models import Organization

DASH = "—"


def _unit_line(org: Organization, year: int, period: int, user_rows: list[Any]) -> str:
    if period:
        unit = AssessmentSnapshot.objects.filter(org=org, year=year, quarter=period).first()
        if unit is not None and unit.is_published:
            return _("领导班子(单位)季度考核: 总分 %(total)s, 等次 %(grade)s。") % {
                "total": unit.total,
                "grade": unit.grade,
            }
    return _("领导班子(单位)考核结果见季度考核。")


def team_docx(org: Organization, year: int, period: int, rows: list[Any]) -> bytes:
    by_tenure = {row.tenure_id: row for row in rows}
    table_rows = []
    for tenure in team_posts(org):
        snap = by_tenure.get(tenure.pk)
        portfolios = "、".join(p.name for p in tenure.portfolios.all()) or DASH
        table_rows.append(
            [
                tenure.person.name,
                tenure.title or str(tenure.get_role_display()),
                portfolios,
                str(snap.total) if snap else DASH,
                snap.grade if snap else DASH,
                str(snap.get_status_display()) if snap else DASH,
            ]
        )
    blocks = [
        documents.heading1(_("一、领导班子")),
        documents.paragraph(_unit_line(org, year, period, rows)),
        documents.heading1(_("二、班子成员")),
        documents.table(
            [_("姓名"), _("职务"), _("分管领域"), _("总分"), _("等次"), _("状态")], table_rows
        ),
    ]
    for tenure in team_posts(org):
        snap = by_tenure.get(tenure.pk)
        if snap is None:
            continue
        blocks.append(documents.heading2(f"({tenure.person.name})"))
        blocks.append(
            documents.table(
                [_("指标"), _("得分"), _("满分")],
                [
                    [
                        f"{code} {entry.get('name', '')}",
                        entry.get("score", ""),
                        entry.get("max", ""),
                    ]
                    for code, entry in snap.scores.items()
                    if not code.startswith("_")
                ],
            )
        )
    return documents.render(
        documents.OfficialDocument(
            kind="team_assessment",
            title=_("%(org)s领导班子和领导干部考核结果") % {"org": org.name},
            subtitle=period_label(year, period),
            blocks=blocks,
            date=timezone.localdate(),
        )
    )

"""The 廉政档案 section of assessments: the person's published results (issue 18), registered
in AssessmentsConfig.ready (accountability/sections.py; accountability never imports us)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accountability.sections import RecordSection
from assessments.models import PersonAssessmentSnapshot


def published_results(person: Any, viewer: Any) -> RecordSection:
    """Published results the viewer may see (the scoping kit, one query); drafts never."""
    rows = (
        PersonAssessmentSnapshot.objects.visible_to(viewer)
        .filter(person=person, status=PersonAssessmentSnapshot.Status.PUBLISHED)
        .select_related("org")
        .order_by("-year", "-period", "pk")
    )
    return RecordSection(
        title=_("考核评价结果"),
        headers=[_("考核期"), _("单位"), _("总分"), _("等次")],
        rows=[[s.period_label, s.org.name, str(s.total), s.grade] for s in rows],
        empty=_("无已发布的考核结果"),
    )

"""`MeasureCount`: accountability measures in force per subtree, quarter of effect, kind and
what the case-visibility rule reads (issue 19).

A measure not revoked counts on every prefix of its org path, for the quarter of its
`effective_date`, its kind, and its case's handling path, deciding path and deciding body's
kind — the inputs of `accountability.rules.case_view_clauses("case__")`, which
dashboards/scope.py relocates onto these columns. Kept by triggers on the measure, case and
body tables (dashboards/countset.py): a case handed to another deciding body moves its
measures' counts.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from accountability.models import AccountabilityMeasure
from dashboards.countset import CountSet

MEASURE = "accountability_accountabilitymeasure"
CASE = "accountability_accountabilitycase"
BODY = "responsibilities_body"


def source(vendor: str) -> QuerySet:
    return (
        AccountabilityMeasure.objects.order_by()
        .exclude(status=AccountabilityMeasure.Status.REVOKED)
        .annotate(
            c_path=F("org_path"),
            c_day=F("effective_date"),
            d0=F("kind"),
            d1=F("case__handling_path"),
            d2=F("case__deciding_path"),
            d3=F("case__deciding_body__kind"),
            k_id=F("id"),
            k_case=F("case_id"),
            k_body=F("case__deciding_body_id"),
        )
        .values_list("c_path", "c_day", "d0", "d1", "d2", "d3", "k_id", "k_case", "k_body")
    )


COUNTS = CountSet(
    name="measure",
    table="dashboards_measurecount",
    dims=("kind", "handling_path", "deciding_path", "deciding_kind"),
    path_dims=("handling_path", "deciding_path"),
    source=source,
    watched={
        MEASURE: (("org_path", "effective_date", "kind", "status", "case_id"), "r.k_id = ROW.id"),
        CASE: (("handling_path", "deciding_path", "deciding_body_id"), "r.k_case = ROW.id"),
        BODY: (("kind",), "r.k_body = ROW.id"),
    },
)

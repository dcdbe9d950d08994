"""`CommitteeLogCount` (assessments): a committee's own counted duty logs per unit and year
to date, and how many are 听取汇报或审阅报告 — the 以纪代责 warning's "own logs" (issue 19).

The rows are `assessments.warnings.committee_own_logs()` (counted logs written on a committee
post); each counts on its own unit's path only (`spread=False`) and on its quarter and the
later ones of its year (`cumulative`), its report reviews in a column beside the total
(`tallies`): the warning flags units whose year to date holds mostly reviews, a condition on
one row that an index on the reviews' share answers without reading the rest of the subtree.
Kept by triggers on the duty-log table and on the tenure table (a post's role decides whether
its logs are the committee's) — dashboards/countset.py; the model lives in assessments,
which reads it and may not import this app.
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, F, QuerySet

from assessments import warnings
from dashboards.countset import CountSet

DUTYLOG = "responsibilities_dutylog"
TENURE = "responsibilities_tenure"


def source(vendor: str) -> QuerySet:
    return (
        warnings.committee_own_logs()
        .order_by()
        .annotate(
            c_path=F("org_path"),
            c_day=F("occurred_on"),
            t0=ExpressionWrapper(warnings.REPORT_REVIEW, output_field=BooleanField()),
            k_id=F("id"),
            k_tenure=F("tenure_id"),
        )
        .values_list("c_path", "c_day", "t0", "k_id", "k_tenure")
    )


COUNTS = CountSet(
    name="committeelog",
    table="assessments_committeelogcount",
    dims=(),
    tallies=("reviews",),
    source=source,
    spread=False,
    cumulative=True,
    path_column="org_path",
    watched={
        DUTYLOG: (
            ("org_path", "occurred_on", "status", "action_type", "tenure_id"),
            "r.k_id = ROW.id",
        ),
        TENURE: (("role",), "r.k_tenure = ROW.id"),
    },
)

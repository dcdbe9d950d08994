"""`FindingCount`: findings per subtree, quarter of registration and scope dimensions.

A finding counts on every prefix of its org path, for the local quarter of its `created_at`,
its category, and what `inspections.view_finding` reads of it: the inspecting body's path,
the side, and the two flags `secret` and `delivered` computed with the inspections
conditions themselves. dashboards/scope.py relocates FINDING_VIEW onto these columns (the
finding's `org_path` becomes the row's `prefix`). Kept by triggers on the finding and round
tables (dashboards/countset.py); a round's disclosure moves its findings' counts.
"""

from __future__ import annotations

from django.db.models import BooleanField, ExpressionWrapper, F, QuerySet
from django.db.models.expressions import RawSQL

from dashboards.countset import CountSet, local_day_sql
from inspections.models import Finding
from inspections.rules import delivered, secret

FINDING = "inspections_finding"
ROUND = "inspections_inspectionround"


def source(vendor: str) -> QuerySet:
    created = local_day_sql(vendor, f'"{FINDING}"."created_at"')
    return (
        Finding.objects.order_by()
        .annotate(
            c_path=F("org_path"),
            c_day=RawSQL(created, []),
            d0=F("category"),
            d1=F("inspecting_path"),
            d2=F("side"),
            d3=ExpressionWrapper(secret().q, output_field=BooleanField()),
            d4=ExpressionWrapper(delivered().q, output_field=BooleanField()),
            k_id=F("id"),
            k_round=F("round_id"),
        )
        .values_list("c_path", "c_day", "d0", "d1", "d2", "d3", "d4", "k_id", "k_round")
    )


COUNTS = CountSet(
    name="finding",
    table="dashboards_findingcount",
    dims=("category", "inspecting_path", "side", "secret", "delivered"),
    path_dims=("inspecting_path",),
    source=source,
    watched={
        FINDING: (
            (
                "org_path",
                "created_at",
                "category",
                "inspecting_path",
                "side",
                "upward_channel",
                "delivered_at",
                "round_id",
            ),
            "r.k_id = ROW.id",
        ),
        ROUND: (("kind", "disclosed_at"), "r.k_round = ROW.id"),
    },
)

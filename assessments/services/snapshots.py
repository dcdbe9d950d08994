"""Quarterly snapshots: computing, rolling up, adjusting and publishing them.

compute_quarter(year, quarter, actor=…) — every organisation's own score from its own records
    (one grouped query per source, collect.py), written as draft snapshots; published ones
    are left alone. Idempotent: the same data gives the same numbers and no new history rows.
rollup(year, quarter)  — subtree averages and light counts for every snapshot: one read of the
    quarter, sums per path prefix in Python, batched UPDATEs of the drafts (part of
    compute_quarter's write, which passes the rows it is about to write: they get theirs
    before they are written).
publish_snapshot(snapshot, actor=…) — a superior (MANAGE on the parent unit) locks it for good
    (SNAPSHOT_FLOW, assessments/workflows.py).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from assessments import scoring
from assessments.authority import may_publish
from assessments.collect import collect
from assessments.defaults import ensure_default_set
from assessments.models import (
    AssessmentSnapshot,
    Indicator,
    IndicatorSet,
    LockedResult,
    ManualAdjustment,
)
from assessments.selectors import assessed_orgs, quarter_snapshot
from assessments.workflows import SNAPSHOT_FLOW
from liangge_zeren import pgcopy
from liangge_zeren.actors import Actor, actor_user, bulk_history_kwargs, write_service
from liangge_zeren.lookups import ids_in
from liangge_zeren.rows import many_objects
from liangge_zeren.workflow import Workflow
from responsibilities.models import Organization
from security.business_audit import note_bulk

S = AssessmentSnapshot.Status
R = TypeVar("R", bound=LockedResult)


# --- Computing --------------------------------------------------------------------------------


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


# An indicator's score depends only on its rule, on the one input it names (params["input"]),
# on "quarters" (per-quarter thresholds) and on its adjustment: units with the same value share
# it. Key of a value: its type and value, nested dicts and lists as sorted tuples (no JSON per
# unit and indicator); a Decimal or float by its text (Decimal("1.0") prints unlike "1.00").
Memo = dict[tuple[Any, ...], tuple[Decimal, dict[str, Any]]]
_MISSING = object()


def _value_key(value: Any) -> Any:
    if value is _MISSING:
        return ("missing",)
    if isinstance(value, dict):
        return ("dict", *sorted((k, _value_key(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", *(_value_key(v) for v in value))
    if isinstance(value, Decimal | float):
        return (type(value), str(value))
    return (type(value), value)


def _indicator_score(
    ind: Indicator, inputs: dict[str, Any], adjustment: Any, memo: Memo | None
) -> tuple[Decimal, dict[str, Any]]:
    if memo is None:
        scored: tuple[Decimal, dict[str, Any]] = scoring.score(
            ind.rule_type, ind.max_score, ind.params, inputs, adjustment
        )
        return scored
    name = (ind.params or {}).get("input", "knowledge" if ind.rule_type == "knowledge" else "")
    key = (
        ind.pk,
        _value_key(scoring.lookup(inputs, name, _MISSING)) if name else None,
        _value_key(inputs.get("quarters", _MISSING)),
        _value_key(adjustment),
    )
    found = memo.get(key)
    if found is None:
        found = memo[key] = scoring.score(
            ind.rule_type, ind.max_score, ind.params, inputs, adjustment
        )
    return found


def score_org(
    indicators: list[Indicator],
    inputs: dict[str, Any],
    adjustments: dict[str, Decimal],
    indicator_set: IndicatorSet,
    memo: Memo | None = None,
) -> tuple[dict[str, Any], Decimal, str, str]:
    """The unit's scores; `memo` (one per computation of a set) shares each indicator's score
    between units with the same input value: one scoring per distinct value, not per unit."""
    scores: dict[str, Any] = {}
    total, top = Decimal(0), Decimal(0)
    for ind in indicators:
        value, detail = _indicator_score(ind, inputs, adjustments.get(ind.code, 0), memo)
        scores[ind.code] = {
            "name": ind.name,
            "dimension": ind.dimension,
            "max": str(scoring.q(ind.max_score)),
            "score": str(value),
            "detail": detail,
        }
        total += value
        top += Decimal(str(ind.max_score))
    general = adjustments.get("", Decimal(0))
    if general:
        scores["_adjustment"] = {"score": str(scoring.q(general))}
    total = scoring.clamp(total + general, top)
    light = scoring.light_for(total, indicator_set.light_thresholds or {})
    grade = scoring.grade_for(total, indicator_set.grade_bands)
    return scores, total, grade, light


@dataclass
class ComputeResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    locked: int = 0

    def as_dict(self) -> dict[str, int]:
        return self.__dict__.copy()


COMPUTED_FIELDS = [
    "indicator_set",
    "indicator_set_version",
    "rule_version",
    "inputs",
    "inputs_sha256",
    "scores",
    "total",
    "grade",
    "traffic_light",
    "org_path",
    "computed_at",
]
SUBTREE_FIELDS = ["subtree_units", "subtree_average", "subtree_lights"]


def _adjustments(org_ids: list[int], year: int, quarter: int) -> dict[int, dict[str, Decimal]]:
    """The manual adjustments of the quarter per unit and indicator ("" = the total)."""
    adjustments: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        ManualAdjustment.objects.filter(org_id__in=org_ids, year=year, quarter=quarter)
        .values("org_id", "indicator_code")
        .annotate(points=Sum("points"))
        .order_by()
    ):
        adjustments[row["org_id"]][row["indicator_code"]] = row["points"]
    return adjustments


@dataclass
class _Quarter:
    """What computing one quarter reads once: the indicators, the inputs and adjustments."""

    year: int
    quarter: int
    indicator_set: IndicatorSet
    indicators: list[Indicator]
    inputs: dict[int, dict[str, Any]]
    adjustments: dict[int, dict[str, Decimal]]
    memo: Memo = field(default_factory=dict)

    def values_for(self, org_id: int) -> dict[str, Any]:
        return result_values(
            self.indicator_set,
            self.indicators,
            self.inputs[org_id],
            self.adjustments.get(org_id, {}),
            memo=self.memo,
        )


def result_values(
    indicator_set: IndicatorSet,
    indicators: list[Indicator],
    inputs: dict[str, Any],
    adjustments: dict[str, Decimal],
    memo: Memo | None = None,
) -> dict[str, Any]:
    """The computed fields of a LockedResult (a unit's or a person's): scores, total, grade,
    light, the inputs with their sha256 and the set and rule versions."""
    scores, total, grade, light = score_org(indicators, inputs, adjustments, indicator_set, memo)
    return dict(
        indicator_set=indicator_set,
        indicator_set_version=indicator_set.version,
        rule_version=scoring.RULE_VERSION,
        inputs=inputs,
        inputs_sha256=hashlib.sha256(canonical(inputs).encode()).hexdigest(),
        scores=scores,
        total=total,
        grade=grade,
        traffic_light=light,
    )


def _diff(
    data: _Quarter, orgs: list[Organization], result: ComputeResult
) -> tuple[list[AssessmentSnapshot], list[AssessmentSnapshot]]:
    """New snapshots and changed drafts; published ones are counted and left alone."""
    # The inputs are compared by their sha256 (_same): their JSON is not read back.
    existing = {
        s.org_id: s
        for s in AssessmentSnapshot.objects.filter(
            ids_in("org_id", [o.pk for o in orgs]), year=data.year, quarter=data.quarter
        ).defer("inputs")
    }
    now = timezone.now()
    new, changed = [], []
    for org in orgs:
        values = data.values_for(org.pk)
        snap = existing.get(org.pk)
        if snap is None:
            new.append(
                AssessmentSnapshot(
                    org_id=org.pk,
                    org_path=org.path,
                    year=data.year,
                    quarter=data.quarter,
                    computed_at=now,
                    **values,
                )
            )
        elif snap.is_published:
            result.locked += 1
        elif _same(snap, values) and snap.org_path == org.path:
            result.unchanged += 1
        else:
            for name, value in values.items():
                setattr(snap, name, value)
            snap.org_path, snap.computed_at = org.path, now
            changed.append(snap)
    return new, changed


@write_service
def compute_quarter(
    year: int,
    quarter: int,
    orgs: QuerySet[Organization] | None = None,
    *,
    actor: Actor,
) -> ComputeResult:
    # A province's quarter holds ~1 million objects (inputs, scores, rows and their history)
    # at once: the cyclic collector walked them all at each threshold (liangge_zeren.rows).
    with many_objects():
        return _compute_quarter(year, quarter, orgs, actor)


def _compute_quarter(
    year: int, quarter: int, orgs: QuerySet[Organization] | None, actor: Actor
) -> ComputeResult:
    indicator_set = ensure_default_set(year)
    units = list((orgs if orgs is not None else assessed_orgs()).only("pk", "path"))
    org_ids = [o.pk for o in units]
    data = _Quarter(
        year=year,
        quarter=quarter,
        indicator_set=indicator_set,
        indicators=list(indicator_set.indicators.order_by("order", "code")),
        inputs=collect(org_ids, year, quarter),
        adjustments=_adjustments(org_ids, year, quarter),
    )
    result = ComputeResult()
    new, changed = _diff(data, units, result)
    # Their subtree figures first, so each row is written once, with them.
    rolled = rollup(year, quarter, pending=[*new, *changed])
    history = bulk_history_kwargs(actor)
    if new:
        pgcopy.bulk_create_with_history(new, AssessmentSnapshot, **history)
    if changed:
        bulk_update_with_history(
            changed, AssessmentSnapshot, COMPUTED_FIELDS + SUBTREE_FIELDS, batch_size=500, **history
        )
    result.created, result.updated = len(new), len(changed)
    if not (new or changed or rolled):
        return result
    # One entry for the computation of the quarter (its rows are one logical change).
    note_bulk(
        AssessmentSnapshot,
        None,
        {},
        key=f"{year}Q{quarter}",
        label=f"{year}年第{quarter}季度考核结果",
        created=result.created,
        updated=result.updated,
        subtrees=rolled,
    )
    return result


def _same(snap: LockedResult, values: dict[str, Any]) -> bool:
    return (
        snap.indicator_set_id == values["indicator_set"].pk
        and snap.rule_version == values["rule_version"]
        and snap.inputs_sha256 == values["inputs_sha256"]
        and canonical(snap.scores) == canonical(values["scores"])
        and scoring.q(snap.total) == values["total"]
        and snap.traffic_light == values["traffic_light"]
        and snap.grade == values["grade"]
    )


def rollup(year: int, quarter: int, pending: Sequence[AssessmentSnapshot] = ()) -> int:
    """Subtree aggregates of every snapshot of the quarter, written to the drafts.

    One read of the quarter's snapshots (path, total, light); each adds itself to the sums of
    its path prefixes (its subtree roots) in Python — O(rows × depth), no correlated
    subqueries, no query per organisation; then one UPDATE per 1,000 changed drafts. Sums are
    exact Decimals, so recomputing a quarter gives the same numbers.

    `pending`: snapshots about to be written (compute_quarter's new and changed ones). They
    count instead of their units' stored rows, and get their subtree figures as attributes
    (no UPDATE: a province's first roll-up wrote 20,000 rows and then updated each). Returns
    how many drafts got new subtree figures, pending ones included.
    """
    rows = _quarter_rows(year, quarter, pending)
    colours = ("red", "yellow", "green")
    sums: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0), 0, 0, 0])
    for _pk, path, total, light, *_rest in rows:
        for prefix in Organization.path_prefixes(path):
            acc = sums[prefix]
            acc[0] += 1
            acc[1] += total
            if light in colours:
                acc[2 + colours.index(light)] += 1
    changed, rolled = [], 0
    for pk, path, _total, _light, status, units, average, lights in rows:
        if status != S.DRAFT or path not in sums:
            continue
        n, total_sum, red, yellow, green = sums[path]
        new = (n, scoring.q(total_sum / n), {"red": red, "yellow": yellow, "green": green})
        if (units, average, lights) == new:
            continue
        rolled += 1
        if isinstance(pk, AssessmentSnapshot):
            pk.subtree_units, pk.subtree_average, pk.subtree_lights = new
        else:
            changed.append((pk, *new))
    for start in range(0, len(changed), 1000):
        _write_subtrees(changed[start : start + 1000])
    return rolled


def _quarter_rows(
    year: int, quarter: int, pending: Sequence[AssessmentSnapshot]
) -> list[tuple[Any, ...]]:
    """The quarter's rows for the roll-up: (stored pk, or the pending snapshot itself; path,
    total, light, status, subtree units, average, lights); a pending snapshot replaces its
    unit's stored row."""
    waiting = {snap.org_id: snap for snap in pending}
    stored = (
        AssessmentSnapshot.objects.filter(year=year, quarter=quarter)
        .order_by("pk")
        .values_list(
            "org_id",
            "pk",
            "org_path",
            "total",
            "traffic_light",
            "status",
            "subtree_units",
            "subtree_average",
            "subtree_lights",
        )
    )
    rows: list[tuple[Any, ...]] = [row[1:] for row in stored if row[0] not in waiting]
    rows += [
        (
            snap,
            snap.org_path,
            snap.total,
            snap.traffic_light,
            snap.status,
            snap.subtree_units,
            snap.subtree_average,
            snap.subtree_lights,
        )
        for snap in pending
    ]
    return rows


def _write_subtrees(rows: list[tuple[Any, ...]]) -> None:
    """UPDATE … FROM (VALUES …): one statement for many snapshots' subtree fields (the ORM's
    bulk_update builds a CASE per row and field, which took most of a province's roll-up)."""
    meta = AssessmentSnapshot._meta
    average = meta.get_field("subtree_average")
    lights = meta.get_field("subtree_lights")
    params: list[Any] = []
    for pk, units, avg, light_counts in rows:
        params += [
            pk,
            units,
            average.get_db_prep_save(avg, connection),
            lights.get_db_prep_save(light_counts, connection),
        ]
    values = ", ".join(["(%s, %s, %s, %s)"] * len(rows))
    table = connection.ops.quote_name(meta.db_table)
    if connection.vendor == "postgresql":
        sql = (
            f"UPDATE {table} AS s SET subtree_units = v.units, "
            "subtree_average = v.average::numeric, subtree_lights = v.lights::jsonb "
            f"FROM (VALUES {values}) AS v(id, units, average, lights) WHERE s.id = v.id"
        )
    else:  # SQLite ≥ 3.33 (UPDATE … FROM); VALUES columns are column1, column2, …
        sql = (
            f"UPDATE {table} SET subtree_units = v.column2, subtree_average = v.column3, "
            f"subtree_lights = v.column4 FROM (VALUES {values}) AS v "
            f"WHERE {table}.id = v.column1"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- Publishing, adjusting, recomputing --------------------------------------------------------


def _check_superior(actor: Actor, snapshot: AssessmentSnapshot) -> None:
    if not may_publish(actor, snapshot):
        raise PermissionDenied


@write_service
def publish_snapshot(snapshot: AssessmentSnapshot, *, actor: Actor) -> AssessmentSnapshot:
    _check_superior(actor, snapshot)
    return lock_result(AssessmentSnapshot, snapshot.pk, SNAPSHOT_FLOW, actor)


def lock_result(model: type[R], pk: int, flow: Workflow, actor: Actor) -> R:
    """Publish a LockedResult for good (inside the caller's write service, after its
    authority check): the stored row, locked — a draft recomputed since the page was loaded
    is published as it is now, never with the values the caller holds."""
    locked = model._default_manager.select_for_update().get(pk=pk)
    flow.move(locked, "publish", actor)
    locked.published_at, locked.published_by = timezone.now(), actor_user(actor)
    locked.save(update_fields=["status", "published_at", "published_by"])
    return locked


@write_service
def publish_quarter(
    year: int, quarter: int, *, actor: Actor, under: Organization | None = None
) -> int:
    """Publish every draft of the quarter below `under` (its subordinate units)."""
    qs = AssessmentSnapshot.objects.filter(year=year, quarter=quarter, status=S.DRAFT)
    if under is not None:
        qs = qs.filter(org_path__startswith=under.path).exclude(org_id=under.pk)
    count = 0
    for snap in qs.select_related("org__parent"):
        if may_publish(actor, snap):
            publish_snapshot(snap, actor=actor)
            count += 1
    return count


@write_service
def adjust(
    *,
    actor: Actor,
    org: Organization,
    year: int,
    quarter: int,
    points: Decimal,
    reason: str,
    indicator_code: str = "",
) -> ManualAdjustment:
    """A reviewer's adjustment, always with a reason; refused once the quarter is published."""
    if not (reason or "").strip():
        raise ValidationError({"reason": _("人工调整必须填写理由。")})
    snap = quarter_snapshot(org.pk, year, quarter)
    if snap is not None:
        SNAPSHOT_FLOW.check(snap, "adjust", actor)
    row = ManualAdjustment(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        points=points,
        reason=reason.strip(),
        entered_by=actor_user(actor),
        indicator_code=indicator_code,
    )
    row.full_clean()
    row.save()
    return row


@write_service
def recompute_snapshot(snapshot: AssessmentSnapshot, *, actor: Actor) -> ComputeResult:
    SNAPSHOT_FLOW.check(snapshot, "recompute", actor)
    return compute_quarter(
        snapshot.year,
        snapshot.quarter,
        Organization.objects.filter(pk=snapshot.org_id),
        actor=actor,
    )

"""Quarterly snapshots: computing, rolling up, adjusting and publishing them.

compute_quarter(year, quarter, actor=…) — every organisation's own score from its own records
    (one grouped query per source, collect.py), written as draft snapshots; published ones
    are left alone. Idempotent: the same data gives the same numbers and no new history rows.
    A draft whose stored figures carry the seal of its basis now (seal_sha256: the rules,
    the scoring code, its inputs and adjustments, with the figures) is not scored again.
rollup(year, quarter)  — subtree averages and light counts for every snapshot: one read of the
    quarter, sums per path prefix in Python, batched UPDATEs of the drafts (part of
    compute_quarter's write, which passes the rows it is about to write: they get theirs
    before they are written).
publish_snapshot(snapshot, actor=…) — a superior (MANAGE on the parent unit) locks it for good
    (SNAPSHOT_FLOW, assessments/workflows.py).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import secrets
import sys
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
    "seal_sha256",
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


@functools.cache
def _scoring_code() -> str:
    """sha256 of the code that turns inputs into figures (scoring.py and this module): a
    change to it unseals every stored figure, RULE_VERSION bumped or not."""
    digest = hashlib.sha256()
    try:
        for module in (scoring, sys.modules[__name__]):
            digest.update(inspect.getsource(module).encode())
    except OSError:  # installed without sources: seals of this process match no other's
        digest.update(secrets.token_bytes(32))
    return digest.hexdigest()


def rules_fingerprint(indicator_set: IndicatorSet, indicators: list[Indicator]) -> str:
    """Everything besides a unit's inputs and adjustments that its figures follow from: the
    set (thresholds, bands, version), its indicators' definitions (the scores carry their
    names and dimensions) and the scoring code."""
    return canonical(
        [
            scoring.RULE_VERSION,
            _scoring_code(),
            [indicator_set.pk, indicator_set.version],
            [indicator_set.light_thresholds, indicator_set.grade_bands],
            [
                [i.pk, i.code, i.name, i.dimension, i.rule_type, str(i.max_score), i.params]
                for i in indicators
            ],
        ]
    )


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
    fingerprint: str = ""

    def __post_init__(self) -> None:
        self.fingerprint = rules_fingerprint(self.indicator_set, self.indicators)

    def inputs_sha256(self, org_id: int) -> str:
        return hashlib.sha256(canonical(self.inputs[org_id]).encode()).hexdigest()

    def seal(
        self, org_id: int, inputs_sha256: str, scores: Any, total: Decimal, grade: str, light: str
    ) -> str:
        """AssessmentSnapshot.seal_sha256 of these figures scored for the unit now."""
        adjustments = self.adjustments.get(org_id)
        text = "|".join(
            [
                self.fingerprint,
                inputs_sha256,
                canonical(adjustments) if adjustments else "",
                canonical(scores),
                str(scoring.q(total)),
                grade,
                light,
            ]
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def sealed(self, snap: AssessmentSnapshot, inputs_sha256: str) -> bool:
        """The stored figures are what scoring the unit's inputs now would give."""
        return (
            snap.inputs_sha256 == inputs_sha256
            and snap.indicator_set_id == self.indicator_set.pk
            and snap.indicator_set_version == self.indicator_set.version
            and snap.rule_version == scoring.RULE_VERSION
            and snap.seal_sha256 != ""  # not sealed yet: no need to hash its scores
            and snap.seal_sha256
            == self.seal(
                snap.org_id, inputs_sha256, snap.scores, snap.total, snap.grade, snap.traffic_light
            )
        )

    def values_for(self, org_id: int, inputs_sha256: str) -> dict[str, Any]:
        values = result_values(
            self.indicator_set,
            self.indicators,
            self.inputs[org_id],
            self.adjustments.get(org_id, {}),
            memo=self.memo,
            inputs_sha256=inputs_sha256,
        )
        values["seal_sha256"] = self.seal(
            org_id,
            inputs_sha256,
            values["scores"],
            values["total"],
            values["grade"],
            values["traffic_light"],
        )
        return values


def result_values(
    indicator_set: IndicatorSet,
    indicators: list[Indicator],
    inputs: dict[str, Any],
    adjustments: dict[str, Decimal],
    memo: Memo | None = None,
    inputs_sha256: str | None = None,
) -> dict[str, Any]:
    """The computed fields of a LockedResult (a unit's or a person's): scores, total, grade,
    light, the inputs with their sha256 (given when the caller has it) and the set and rule
    versions."""
    scores, total, grade, light = score_org(indicators, inputs, adjustments, indicator_set, memo)
    if inputs_sha256 is None:
        inputs_sha256 = hashlib.sha256(canonical(inputs).encode()).hexdigest()
    return dict(
        indicator_set=indicator_set,
        indicator_set_version=indicator_set.version,
        rule_version=scoring.RULE_VERSION,
        inputs=inputs,
        inputs_sha256=inputs_sha256,
        scores=scores,
        total=total,
        grade=grade,
        traffic_light=light,
    )


def _diff(
    data: _Quarter, orgs: list[Organization], result: ComputeResult
) -> tuple[list[AssessmentSnapshot], list[AssessmentSnapshot]]:
    """New snapshots and changed drafts; published ones are counted and left alone.

    A draft whose figures are sealed with the unit's basis now (`_Quarter.sealed`) is
    unchanged without scoring it. A draft scored equal to what it stores but not sealed so
    (stored before seals were, or after a change that moved no figure) gets the new seal
    only (a technical check on the figures: no history row, computed_at kept)."""
    # The inputs are compared by their sha256: their JSON is not read back.
    existing = {
        s.org_id: s
        for s in AssessmentSnapshot.objects.filter(
            ids_in("org_id", [o.pk for o in orgs]), year=data.year, quarter=data.quarter
        ).defer("inputs")
    }
    now = timezone.now()
    new, changed, seals = [], [], []
    for org in orgs:
        snap = existing.get(org.pk)
        if snap is not None and snap.is_published:
            result.locked += 1
            continue
        inputs_sha256 = data.inputs_sha256(org.pk)
        if snap is not None and snap.org_path == org.path and data.sealed(snap, inputs_sha256):
            result.unchanged += 1
            continue
        values = data.values_for(org.pk, inputs_sha256)
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
        elif _same(snap, values) and snap.org_path == org.path:
            result.unchanged += 1
            seals.append((snap.pk, values["seal_sha256"]))
        else:
            for name, value in values.items():
                setattr(snap, name, value)
            snap.org_path, snap.computed_at = org.path, now
            changed.append(snap)
    _update_by_id([("seal_sha256", "")], seals)
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
    _write_subtrees(changed)
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
    """A statement per 1,000 snapshots' subtree fields (the ORM's bulk_update builds a CASE
    per row and field, which took most of a province's roll-up)."""
    meta = AssessmentSnapshot._meta
    average = meta.get_field("subtree_average")
    lights = meta.get_field("subtree_lights")
    _update_by_id(
        [("subtree_units", ""), ("subtree_average", "numeric"), ("subtree_lights", "jsonb")],
        [
            (
                pk,
                units,
                average.get_db_prep_save(avg, connection),
                lights.get_db_prep_save(light_counts, connection),
            )
            for pk, units, avg, light_counts in rows
        ],
    )


def _update_by_id(columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE … FROM (VALUES (id, value, …), …) of snapshots, a statement per 1,000 rows:
    `columns` are (name, PostgreSQL cast or ""), in the order of each row's values after its
    id."""
    for start in range(0, len(rows), 1000):
        _update_chunk(columns, rows[start : start + 1000])


def _update_chunk(columns: list[tuple[str, str]], rows: list[tuple[Any, ...]]) -> None:
    values = ", ".join(["(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"] * len(rows))
    table = connection.ops.quote_name(AssessmentSnapshot._meta.db_table)
    if connection.vendor == "postgresql":
        sets = ", ".join(
            f"{name} = v.{name}{'::' + cast if cast else ''}" for name, cast in columns
        )
        names = ", ".join(name for name, _cast in columns)
        sql = (
            f"UPDATE {table} AS s SET {sets} "
            f"FROM (VALUES {values}) AS v(id, {names}) WHERE s.id = v.id"
        )
    else:  # SQLite ≥ 3.33 (UPDATE … FROM); VALUES columns are column1, column2, …
        sets = ", ".join(f"{name} = v.column{n}" for n, (name, _cast) in enumerate(columns, 2))
        sql = f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS v WHERE {table}.id = v.column1"
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


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

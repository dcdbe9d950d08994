"""Computing, rolling up and publishing quarterly snapshots; ballots and adjustments.

compute_quarter(year, quarter)  — every organisation's own score from its own records (one
    grouped query per source, collect.py), written as draft snapshots; published ones are
    left alone. Idempotent: the same data gives the same numbers and no new history rows.
rollup(year, quarter)           — subtree averages and light counts for every snapshot: one read
    of the quarter, sums per path prefix in Python, batched UPDATEs of the drafts.
publish_snapshot(snapshot, user) — a superior (MANAGE on the parent unit) locks it for good.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from assessments import scoring
from assessments.collect import collect
from assessments.defaults import ensure_default_set
from assessments.models import (
    AssessmentSnapshot,
    Ballot,
    EvaluationInput,
    EvaluationRound,
    ManualAdjustment,
    VoterToken,
)
from responsibilities.models import PATH_SEGMENT_WIDTH, PATH_SEPARATOR, Body, Organization
from responsibilities.scoping import Capability, path_in_scope

S = AssessmentSnapshot.Status


# --- Periods ----------------------------------------------------------------------------------

PERIOD_RE = re.compile(r"^(\d{4})[-\s]?Q([1-4])$", re.IGNORECASE)


def parse_period(text: str) -> tuple[int, int]:
    match = PERIOD_RE.match(text.strip())
    if not match:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2))


def previous_quarter(day: datetime.date) -> tuple[int, int]:
    quarter = (day.month - 1) // 3 + 1
    return (day.year - 1, 4) if quarter == 1 else (day.year, quarter - 1)


# --- Computing --------------------------------------------------------------------------------


def canonical(data) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def assessed_orgs():
    """Active units with a Party committee or group of their own."""
    return Organization.objects.filter(
        is_active=True, bodies__kind__in=list(Body.COMMITTEE_KINDS), bodies__is_active=True
    ).distinct()


def score_org(indicators, inputs: dict, adjustments: dict[str, Decimal], indicator_set):
    scores, total, top = {}, Decimal(0), Decimal(0)
    for ind in indicators:
        value, detail = scoring.score(
            ind.rule_type, ind.max_score, ind.params, inputs, adjustments.get(ind.code, 0)
        )
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

    def as_dict(self):
        return self.__dict__.copy()


@transaction.atomic
def compute_quarter(year: int, quarter: int, orgs=None) -> ComputeResult:
    indicator_set = ensure_default_set(year)
    indicators = list(indicator_set.indicators.order_by("order", "code"))
    orgs = list((orgs if orgs is not None else assessed_orgs()).only("pk", "path"))
    org_ids = [o.pk for o in orgs]
    inputs = collect(org_ids, year, quarter)
    adjustments: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for row in (
        ManualAdjustment.objects.filter(org_id__in=org_ids, year=year, quarter=quarter)
        .values("org_id", "indicator_code")
        .annotate(points=Sum("points"))
        .order_by()
    ):
        adjustments[row["org_id"]][row["indicator_code"]] = row["points"]

    existing = {
        s.org_id: s
        for s in AssessmentSnapshot.objects.filter(org_id__in=org_ids, year=year, quarter=quarter)
    }
    now = timezone.now()
    result = ComputeResult()
    new, changed = [], []
    for org in orgs:
        org_inputs = inputs[org.pk]
        scores, total, grade, light = score_org(
            indicators, org_inputs, adjustments.get(org.pk, {}), indicator_set
        )
        values = dict(
            indicator_set=indicator_set,
            indicator_set_version=indicator_set.version,
            rule_version=scoring.RULE_VERSION,
            inputs=org_inputs,
            inputs_sha256=hashlib.sha256(canonical(org_inputs).encode()).hexdigest(),
            scores=scores,
            total=total,
            grade=grade,
            traffic_light=light,
        )
        snap = existing.get(org.pk)
        if snap is None:
            new.append(
                AssessmentSnapshot(
                    org_id=org.pk,
                    org_path=org.path,
                    year=year,
                    quarter=quarter,
                    computed_at=now,
                    **values,
                )
            )
            continue
        if snap.is_published:
            result.locked += 1
            continue
        if _same(snap, values) and snap.org_path == org.path:
            result.unchanged += 1
            continue
        for name, value in values.items():
            setattr(snap, name, value)
        snap.org_path, snap.computed_at = org.path, now
        changed.append(snap)
    if new:
        bulk_create_with_history(new, AssessmentSnapshot, batch_size=500)
    if changed:
        fields = [
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
        bulk_update_with_history(changed, AssessmentSnapshot, fields, batch_size=500)
    result.created, result.updated = len(new), len(changed)
    rollup(year, quarter)
    return result


def _same(snap: AssessmentSnapshot, values: dict) -> bool:
    return (
        snap.indicator_set_id == values["indicator_set"].pk
        and snap.rule_version == values["rule_version"]
        and snap.inputs_sha256 == values["inputs_sha256"]
        and canonical(snap.scores) == canonical(values["scores"])
        and scoring.q(snap.total) == values["total"]
        and snap.traffic_light == values["traffic_light"]
        and snap.grade == values["grade"]
    )


def rollup(year: int, quarter: int) -> int:
    """Subtree aggregates of every snapshot of the quarter, written to the drafts.

    One read of the quarter's snapshots (path, total, light); each adds itself to the sums of
    its path prefixes (its subtree roots) in Python — O(rows × depth), no correlated
    subqueries, no query per organisation; then one UPDATE per 1,000 changed drafts. Sums are
    exact Decimals, so recomputing a quarter gives the same numbers.
    """
    width = PATH_SEGMENT_WIDTH + len(PATH_SEPARATOR)
    rows = list(
        AssessmentSnapshot.objects.filter(year=year, quarter=quarter)
        .order_by("pk")
        .values_list(
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
    colours = ("red", "yellow", "green")
    sums: dict[str, list] = defaultdict(lambda: [0, Decimal(0), 0, 0, 0])
    for _pk, path, total, light, *_rest in rows:
        for depth in range(1, len(path) // width + 1):
            acc = sums[path[: depth * width]]
            acc[0] += 1
            acc[1] += total
            if light in colours:
                acc[2 + colours.index(light)] += 1
    changed = []
    for pk, path, _total, _light, status, units, average, lights in rows:
        if status != S.DRAFT or path not in sums:
            continue
        n, total_sum, red, yellow, green = sums[path]
        new = (n, scoring.q(total_sum / n), {"red": red, "yellow": yellow, "green": green})
        if (units, average, lights) != new:
            changed.append((pk, *new))
    for start in range(0, len(changed), 1000):
        _write_subtrees(changed[start : start + 1000])
    return len(changed)


def _write_subtrees(rows: list[tuple]) -> None:
    """UPDATE … FROM (VALUES …): one statement for many snapshots' subtree fields (the ORM's
    bulk_update builds a CASE per row and field, which took most of a province's roll-up)."""
    meta = AssessmentSnapshot._meta
    average = meta.get_field("subtree_average")
    lights = meta.get_field("subtree_lights")
    params: list = []
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


# --- Publishing -------------------------------------------------------------------------------


def may_publish(user, snapshot: AssessmentSnapshot) -> bool:
    """A superior publishes: MANAGE over the parent unit (the root: superusers only)."""
    return may_evaluate(user, snapshot.org)


def may_evaluate(user, org: Organization) -> bool:
    """The superior assesses a unit (MANAGE over its parent): publishes its results, enters
    its evaluation inputs, opens and closes its democratic evaluations — never the unit itself.
    """
    if user.is_superuser:
        return True
    parent_path = org.parent.path if org.parent_id else None
    return bool(parent_path) and path_in_scope(user, Capability.MANAGE, parent_path)


@transaction.atomic
def publish_snapshot(snapshot: AssessmentSnapshot, user) -> AssessmentSnapshot:
    if not may_publish(user, snapshot):
        raise PermissionDenied
    locked = (
        AssessmentSnapshot.objects.select_for_update()
        .filter(pk=snapshot.pk, status=S.DRAFT)
        .first()
    )
    if locked is None:
        raise ValidationError(_("该考核结果已发布, 不可重复发布或修改。"))
    locked.status, locked.published_at, locked.published_by = S.PUBLISHED, timezone.now(), user
    locked._history_user = user
    locked.save()
    return locked


@transaction.atomic
def publish_quarter(year: int, quarter: int, *, user, under: Organization | None = None) -> int:
    """Publish every draft of the quarter below `under` (its subordinate units)."""
    qs = AssessmentSnapshot.objects.filter(year=year, quarter=quarter, status=S.DRAFT)
    if under is not None:
        qs = qs.filter(org_path__startswith=under.path).exclude(org_id=under.pk)
    count = 0
    for snap in qs.select_related("org__parent"):
        if may_publish(user, snap):
            publish_snapshot(snap, user)
            count += 1
    return count


# --- Evaluation inputs ------------------------------------------------------------------------


def open_round(*, org: Organization, year: int, quarter: int, title: str, user) -> EvaluationRound:
    return EvaluationRound.objects.create(
        org=org, org_path=org.path, year=year, quarter=quarter, title=title, created_by=user
    )


@transaction.atomic
def close_round(round_: EvaluationRound, user) -> EvaluationRound:
    """End the voting; the ballots cast count from the next computation of the quarter."""
    locked = EvaluationRound.objects.select_for_update().get(pk=round_.pk)
    if locked.status != EvaluationRound.Status.OPEN:
        raise ValidationError(_("该民主测评已结束。"))
    locked.status = EvaluationRound.Status.CLOSED
    locked._history_user = user
    locked.save(update_fields=["status"])
    round_.status = locked.status
    return locked


def may_vote(user, round_: EvaluationRound) -> bool:
    """Tenure holders of the unit and its superiors (VIEW over the unit)."""
    return (
        round_.status == EvaluationRound.Status.OPEN
        and path_in_scope(user, Capability.VIEW, round_.org_path)
        and not user.is_superuser
    )


def has_voted(user, round_: EvaluationRound) -> bool:
    return VoterToken.objects.filter(round=round_, voter=user).exists()


@transaction.atomic
def cast_ballot(round_: EvaluationRound, user, grade: str) -> None:
    """One vote per voter: the token insert fails on a second vote and rolls the ballot back.

    The ballot carries no voter, no time, and a random key; the token only records that the
    user voted (and the day).
    """
    if not may_vote(user, round_):
        raise PermissionDenied
    try:
        with transaction.atomic():
            VoterToken.objects.create(round=round_, voter=user, voted_on=timezone.localdate())
    except IntegrityError as exc:
        raise ValidationError(_("您已参加过本次民主测评。")) from exc
    ballot = Ballot(round=round_, grade=grade)
    ballot.full_clean()
    ballot.save()


def record_input(*, org, year, quarter, kind, values: dict, user, note="") -> EvaluationInput:
    row = EvaluationInput(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        kind=kind,
        values=values,
        note=note,
        entered_by=user,
    )
    row.full_clean()
    row._history_user = user
    row.save()
    return row


def adjust(*, org, year, quarter, points, reason: str, user, indicator_code="") -> ManualAdjustment:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("人工调整必须填写理由。")})
    snap = AssessmentSnapshot.objects.filter(org=org, year=year, quarter=quarter).first()
    if snap is not None and snap.is_published:
        raise ValidationError(_("该季度考核结果已发布, 不能再调整。"))
    row = ManualAdjustment(
        org=org,
        org_path=org.path,
        year=year,
        quarter=quarter,
        points=points,
        reason=reason.strip(),
        entered_by=user,
        indicator_code=indicator_code,
    )
    row.full_clean()
    row._history_user = user
    row.save()
    return row


def recompute_snapshot(snapshot: AssessmentSnapshot) -> ComputeResult:
    if snapshot.is_published:
        raise ValidationError(_("已发布的考核结果不可重新计算。"))
    return compute_quarter(
        snapshot.year, snapshot.quarter, Organization.objects.filter(pk=snapshot.org_id)
    )


def ranking_allowed(user) -> bool:
    from django.conf import settings

    return bool(getattr(settings, "ASSESSMENT_RANKINGS_FOR_SUPERIORS", False))

"""The seeding steps of `manage.py seed_demo`, in the order they run, and their runners.

A demo step is `step(ctx: DemoContext)` and a scale step `step(ctx: ScaleContext)`; each sees
what the steps before it made (`ctx.tree`) and is idempotent (stable codes, creates only
what is missing). The order follows the data: the org tree and the accounts first, then
lists and logs, the administrators, inspections (whose findings name list items),
accountability (whose cases trace findings and logs), assessments (which count all of them),
and last today's reminders about everything above.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction

from demo import (
    accountability,
    admin_roles,
    assessments,
    duty_lists,
    inspections,
    knowledge,
    org_tree,
    reminders,
    scale,
    warnings,
)
from demo.org_tree import BATCH_SIZE, DemoContext, Log, ScaleContext, ScaleShape, ScaleTree
from liangge_zeren.actors import DEMO, acting
from responsibilities.models import Organization

DemoStep = Callable[[DemoContext], None]
ScaleStep = Callable[[ScaleContext], None]

DEMO_STEPS: tuple[DemoStep, ...] = (
    org_tree.step_org_tree,
    org_tree.step_accounts,
    duty_lists.step_duty_lists,
    duty_lists.step_duty_letters,
    duty_lists.step_duty_logs,
    duty_lists.step_duty_reports,
    admin_roles.seed_admin_roles,
    inspections.step_inspections,
    accountability.step_accountability,
    accountability.step_integrity_replies,
    warnings.step_warnings,
    # 知责 tests before the assessments: the unit and person results read them.
    knowledge.step_knowledge,
    assessments.step_assessments,
    assessments.step_person_assessments,
    reminders.step_reminders,
)

SCALE_STEPS: tuple[ScaleStep, ...] = (
    org_tree.scale_org_tree,
    org_tree.scale_bodies,
    org_tree.scale_people_and_tenures,
    org_tree.scale_supervising_bodies,
    scale.scale_accounts,
    scale.scale_duty_logs,
    scale.scale_findings,
    scale.scale_cases,
    scale.scale_snapshots,
)


@contextmanager
def _timed(log: Log, step: Callable[..., None]) -> Iterator[None]:
    doc = (step.__doc__ or step.__name__).strip().splitlines()[0]
    started = time.perf_counter()
    yield
    log(f"  {step.__module__}.{step.__name__} — {doc}: {time.perf_counter() - started:.1f} s")


def run_demo(ctx: DemoContext) -> DemoContext:
    """Run every demo step in one transaction, as the demo actor; print a line per step."""
    started = time.perf_counter()
    # The services' own transactions join this one (one durable write per seed, not per row).
    with transaction.atomic(), acting(DEMO):
        for step in DEMO_STEPS:
            with _timed(ctx.log, step):
                step(ctx)
    summary = ", ".join(f"{name} {count}" for name, count in ctx.created.items()) or "无 (none)"
    ctx.log(f"演示数据完成 ({time.perf_counter() - started:.1f} s). 新建: {summary}")
    return ctx


def _check_shape(tree: ScaleTree) -> None:
    """Codes have two-digit fan-out numbers and a root code of at most 16 characters."""
    shape = tree.shape
    fan_out = (
        shape.cities,
        shape.counties_per_city,
        shape.departments_per_county,
        shape.townships_per_county,
        shape.villages_per_township,
    )
    if len(tree.root_code) > 16 or max(fan_out) > 99:
        raise ValueError("scale label must be ≤ 10 characters and every fan-out ≤ 99")


def build_scale(
    label: str, shape: ScaleShape, *, log: Log = org_tree.quiet, batch_size: int = BATCH_SIZE
) -> ScaleContext | None:
    """Build the synthetic tree "SCALE-<label>" unless it exists; None when skipped."""
    tree = ScaleTree(label=label, shape=shape)
    _check_shape(tree)
    if Organization.objects.filter(code=tree.root_code).exists():
        log(f"规模数据 {tree.root_code} 已存在, 跳过。 (already exists, skipped)")
        return None
    ctx = ScaleContext(tree=tree, log=log, batch_size=batch_size)
    log(f"规模数据 {tree.root_code}: 约 {shape.org_count} 个组织")
    started = time.perf_counter()
    with transaction.atomic(), acting(DEMO):
        for step in SCALE_STEPS:
            with _timed(log, step):
                step(ctx)
    if connection.vendor == "postgresql":
        # COPY leaves tables without planner statistics until autovacuum comes by; a planner
        # that takes 100,000 tenures for 89 rows turns a 0.1 s query into 10 s (issue 19).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    summary = ", ".join(f"{name} {count}" for name, count in ctx.created.items())
    log(f"规模数据完成 ({time.perf_counter() - started:.1f} s). 新建: {summary}")
    return ctx

#!/usr/bin/env python3
"""Time and profile the two batch jobs of issue 19 on a seeded scale tree (PostgreSQL).

    DATABASE_URL=postgres://… .venv/bin/python scripts/profile_jobs.py rollup [--profile]
        [--fresh] [--dump FILE]
    DATABASE_URL=postgres://… .venv/bin/python scripts/profile_jobs.py reminders [--profile]

rollup: compute_quarter of the current quarter over the scale tree, as `manage.py bench`
    calls it, inside a transaction that is rolled back (the database is left as it was).
    --fresh deletes the quarter's snapshots first (inside the same transaction), so every
    snapshot is created; --dump writes the computed rows as JSON (sorted by org) for an
    old-code / new-code equality check (compare two dumps with `cmp`).
reminders: the rectification-task reminder job over every open task (due in 400 days), the
    keys of earlier runs deleted first, as the bench does; then a re-run over the same
    reminders must send nothing. Before the job it times its parts alone: generating the
    reminders, loading the recipients' grants, and the gate over all reminders.
--profile prints the cProfile top lines (cumulative and own time).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangge_zeren.settings")


class Rollback(Exception):
    pass


def profiled(enabled: bool, fn):
    if not enabled:
        started = time.perf_counter()
        value = fn()
        return value, time.perf_counter() - started, None
    profile = cProfile.Profile()
    started = time.perf_counter()
    value = profile.runcall(fn)
    elapsed = time.perf_counter() - started
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(20)
    return value, elapsed, out.getvalue()


SNAPSHOT_COLUMNS = (
    "org_id",
    "org_path",
    "indicator_set_id",
    "indicator_set_version",
    "rule_version",
    "inputs",
    "inputs_sha256",
    "scores",
    "total",
    "grade",
    "traffic_light",
    "subtree_units",
    "subtree_average",
    "subtree_lights",
    "status",
)


def rollup(args) -> None:
    from django.db import connection, transaction

    from assessments.models import AssessmentSnapshot
    from assessments.services.snapshots import compute_quarter
    from liangge_zeren.actors import COMMAND, acting
    from liangge_zeren.periods import Quarter
    from responsibilities.models import Organization

    root = Organization.objects.get(code=f"SCALE-{args.scale}")
    period = Quarter.of(datetime.date.today())
    orgs = Organization.objects.filter(path__startswith=root.path)
    try:
        with transaction.atomic(), acting(COMMAND):
            if args.fresh:
                AssessmentSnapshot.objects.filter(
                    year=period.year, quarter=period.quarter, org_path__startswith=root.path
                ).delete()
            result, elapsed, report = profiled(
                args.profile,
                lambda: compute_quarter(period.year, period.quarter, orgs=orgs, actor=COMMAND),
            )
            print(
                f"roll-up {period}: {result.as_dict()} in {elapsed:.1f} s "
                f"({orgs.count()} orgs, {len(connection.queries)} queries logged)"
            )
            if report:
                print(report)
            if args.dump:
                rows = list(
                    AssessmentSnapshot.objects.filter(
                        year=period.year, quarter=period.quarter, org_path__startswith=root.path
                    )
                    .order_by("org_id")
                    .values_list(*SNAPSHOT_COLUMNS)
                )
                with open(args.dump, "w") as f:
                    for row in rows:
                        f.write(
                            json.dumps(
                                dict(zip(SNAPSHOT_COLUMNS, row, strict=True)),
                                sort_keys=True,
                                ensure_ascii=False,
                                default=str,
                            )
                            + "\n"
                        )
                print(f"dumped {len(rows)} snapshots to {args.dump}")
            raise Rollback
    except Rollback:
        pass


def reminders(args) -> None:
    import itertools

    from django.utils import timezone

    from demo.scale import forget_reminders
    from inspections.reminders import task_reminders
    from liangge_zeren import request_cache
    from notifications.services import _admitted, deliver
    from responsibilities.scoping import preload_grants

    job = "inspections.tasks"
    forget_reminders(args.scale, job)
    day = timezone.localdate() + datetime.timedelta(days=400)
    started = time.perf_counter()
    generated = list(task_reminders(day))
    due = len(generated)
    print(f"generating {due} reminders alone: {time.perf_counter() - started:.1f} s")
    # The gate's share, each step in a fresh cache scope as a job run has it.
    recipients = list({r.recipient.pk: r.recipient for r in generated}.values())
    with request_cache.scope():
        started = time.perf_counter()
        preload_grants(recipients)
        print(f"grants of {len(recipients)} recipients: {time.perf_counter() - started:.2f} s")
    with request_cache.scope():
        started = time.perf_counter()
        kept, withheld = _admitted(generated)
        print(
            f"gate over {due} reminders (grants included): {len(kept)} admitted, "
            f"{withheld} withheld in {time.perf_counter() - started:.2f} s"
        )
    del generated, kept
    result, elapsed, report = profiled(
        args.profile, lambda: deliver(task_reminders(day), job=job, day=day)
    )
    print(f"reminders: {due} due; {result.as_dict()} in {elapsed:.1f} s")
    if report:
        print(report)
    again = deliver(itertools.islice(task_reminders(day), 2000), job=job, day=day)
    started = time.perf_counter()
    whole = deliver(task_reminders(day), job=job, day=day)
    print(
        f"re-run (2,000): {again.as_dict()}; re-run (all): {whole.as_dict()} in "
        f"{time.perf_counter() - started:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("job", choices=["rollup", "reminders"])
    parser.add_argument("--scale", default="province")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--dump")
    args = parser.parse_args()
    import django

    django.setup()
    {"rollup": rollup, "reminders": reminders}[args.job](args)


if __name__ == "__main__":
    main()

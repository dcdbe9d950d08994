#!/usr/bin/env python3
"""Profile the Python side of one cockpit page on a seeded scale tree (issue 19).

    DATABASE_URL=postgres://… .venv/bin/python scripts/profile_page.py [root|city|county]
        [--scale city|province] [--requests 20] [--lines 30] [--queries N] [--dump FILE]

The unit and its secretary are the ones `manage.py bench` measures (demo.scale.first_unit,
bench_logins). After two warm-up requests, the page is requested `--requests` times under
cProfile; printed: the median wall time, the time spent in SQL (from the queries Django
records) and so in Python, then the profile's top lines by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "liangge_zeren.settings")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("unit", nargs="?", default="county", choices=["root", "city", "county"])
    parser.add_argument("--scale", default="province", choices=["city", "province"])
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument(
        "--queries", type=int, default=0, help="also print the N slowest queries (median ms)"
    )
    parser.add_argument("--dump", help="also write the profile to FILE (pstats: read the callers)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from demo.scale import bench_logins, ensure_bench_login, first_unit
    from responsibilities.models import Organization

    root = Organization.objects.filter(code=f"SCALE-{args.scale}").first()
    if root is None:
        sys.exit(f"no {args.scale} scale tree: run `manage.py seed_demo --scale {args.scale}`")
    kinds = {"city": Organization.Kind.CITY, "county": Organization.Kind.COUNTY}
    org = root if args.unit == "root" else first_unit(root.path, kinds[args.unit])
    login = bench_logins(args.scale)[args.unit]
    if org is None or not ensure_bench_login(login, org):
        sys.exit(f"no {args.unit} unit with a current secretary under {root}")
    client = Client()
    client.force_login(get_user_model().objects.get(username=login))
    url = reverse("dashboards:cockpit", args=[org.pk])
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}

    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        for _ in range(2):
            assert client.get(url).status_code == 200
        walls, sql, per_query = [], [], []
        profile = cProfile.Profile()
        for _ in range(args.requests):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                profile.enable()
                response = client.get(url)
                profile.disable()
                walls.append(time.perf_counter() - started)
            assert response.status_code == 200
            sql.append(sum(float(q["time"]) for q in captured.captured_queries))
            per_query.append([(float(q["time"]), q["sql"]) for q in captured.captured_queries])
            queries = len(captured.captured_queries)

    wall, in_sql = statistics.median(walls) * 1000, statistics.median(sql) * 1000
    print(f"{org.name} ({args.unit}, {args.scale}): {args.requests} requests")
    print(
        f"median {wall:.1f} ms: SQL {in_sql:.1f} ms in {queries} queries, "
        f"Python {wall - in_sql:.1f} ms (profiler overhead included)"
    )
    _print_slowest(per_query, args.queries)
    if args.dump:
        profile.dump_stats(args.dump)
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profile, stream=out).strip_dirs().sort_stats(order).print_stats(args.lines)
        print(f"\n--- top {args.lines} by {order} ---")
        print(out.getvalue().split("\n", 6)[-1].rstrip())


def _print_slowest(per_query: list[list[tuple[float, str]]], n: int) -> None:
    """The `n` slowest of the page's queries, by their median over the requests."""
    if not n or len({len(q) for q in per_query}) != 1:
        return
    medians = [
        (statistics.median(run[i][0] for run in per_query) * 1000, per_query[0][i][1])
        for i in range(len(per_query[0]))
    ]
    print(f"\n--- {n} slowest queries (median ms) ---")
    for ms, sql in sorted(medians, reverse=True)[:n]:
        print(f"{ms:6.1f}  {sql[:160]}")


if __name__ == "__main__":
    main()

"""`manage.py bench`: the cockpit at province scale on PostgreSQL, side by side with the
hand-written SQL lower bound, the quarterly roll-up and the reminder job.

Seeds `seed_demo --scale <label>` when the scale tree is absent, then prints a table and, as
its last line, one JSON object (see issue 7). Needs DATABASE_URL pointing at PostgreSQL.
"""

from __future__ import annotations

import datetime
import json
import os
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.signals import request_started
from django.db import connection, reset_queries
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from demo.scale import bench_usernames
from inspections.models import due_soon_days
from liangge_zeren.actors import COMMAND, acting
from liangge_zeren.periods import Quarter
from responsibilities.models import DutyLog, Organization
from responsibilities.scoping import Capability, scope_paths, user_grants

BIG_TABLES = (
    "responsibilities_dutylog",
    "inspections_finding",
    "inspections_rectificationtask",
    "accountability_accountabilitycase",
    "accountability_accountabilitymeasure",
    "accountability_disciplinarycase",
    "accountability_dualinvestigation",
    "assessments_assessmentsnapshot",
    "responsibilities_organization",
    "dashboards_dutylogrollup",
    "dashboards_taskscope",
)


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


# The cockpit's aggregates written by hand for a viewer whose grants are VIEW + MANAGE over
# the selected unit (a committee secretary, no discipline jurisdiction): the same rows, the
# same tables the page reads (the duty-log subtree counts and the task-scope table) and the
# same secrecy rules, with the viewer's clauses folded into plain predicates:
#   tasks/findings: not secret AND (inspected inside the subtree [MANAGE]
#                   OR delivered AND principal side [VIEW over the target]
#                   OR delivered AND owned by one of the viewer's tenures [tasks]);
#   measures: decided by a committee (not a discipline body) inside the subtree.
# %(like)s = subtree path + '%', %(n)s = length of a child's path, %(prefixes)s = the unit's
# and its active children's paths.
RAW_SQL = {
    "units_snapshots_lists": """
        SELECT o.id, o.name, o.path, s.year, s.quarter, s.total, s.traffic_light,
               s.subtree_average
        FROM responsibilities_organization o
        LEFT JOIN assessments_assessmentsnapshot s
          ON s.org_id = o.id AND (s.year * 4 + s.quarter) BETWEEN %(q0)s AND %(q1)s
        WHERE o.id = %(pk)s OR (o.parent_id = %(pk)s AND o.is_active)
    """,
    "lists": """
        SELECT substr(org_path, 1, %(n)s), year, count(*),
               count(*) FILTER (WHERE status IN ('acknowledged', 'in_force', 'archived')),
               count(*) FILTER (WHERE copy_flagged)
        FROM responsibilities_responsibilitylist
        WHERE org_path LIKE %(like)s AND year IN (%(year)s - 1, %(year)s) AND NOT is_template
        GROUP BY 1, 2
    """,
    "methods": """
        SELECT prefix, year, quarter, action_type, n
        FROM dashboards_dutylogrollup
        WHERE (prefix = ANY(%(prefixes)s) AND year = %(year)s AND quarter = %(quarter)s)
           OR (prefix = %(path)s AND year * 4 + quarter BETWEEN %(t0)s AND %(t1)s)
    """,
    "rectification": """
        SELECT substr(org_path, 1, %(n)s),
               count(*) FILTER (WHERE status <> 'closed'),
               count(*) FILTER (WHERE status <> 'closed' AND due_date < %(today)s),
               count(*) FILTER (WHERE status <> 'closed' AND due_date >= %(today)s
                                AND due_date <= %(soon)s),
               count(*) FILTER (WHERE status = 'closed')
               {task_trend}
        FROM dashboards_taskscope
        WHERE org_path LIKE %(like)s AND NOT secret
          AND (inspecting_path LIKE %(like)s
               OR (delivered AND (side = 'principal' OR owner_tenure_id = ANY(%(tenures)s))))
        GROUP BY 1
    """,
    "findings": """
        SELECT substr(f.org_path, 1, %(n)s), f.category {finding_quarters}
        FROM inspections_finding f
        LEFT JOIN inspections_inspectionround r ON r.id = f.round_id
        WHERE f.org_path LIKE %(like)s AND f.created_at >= %(reach_start)s
          AND f.created_at < %(year_end)s AND NOT f.upward_channel
          AND (r.id IS NULL OR r.kind <> 'covert_visit' OR r.disclosed_at IS NOT NULL)
          AND (f.inspecting_path LIKE %(like)s
               OR (f.delivered_at IS NOT NULL AND f.side = 'principal'))
        GROUP BY 1, 2
    """,
    "measures": """
        SELECT substr(m.org_path, 1, %(n)s), m.kind {measure_quarters}
        FROM accountability_accountabilitymeasure m
        JOIN accountability_accountabilitycase c ON c.id = m.case_id
        JOIN responsibilities_body b ON b.id = c.deciding_body_id
        WHERE m.org_path LIKE %(like)s AND m.status <> 'revoked'
          AND m.effective_date >= %(reach_start)s::date AND m.effective_date < %(year_end)s::date
          AND c.deciding_path LIKE %(like)s
          AND b.kind NOT IN ('discipline_commission', 'discipline_work_committee',
                             'stationed_discipline_team')
        GROUP BY 1, 2
    """,
}


def raw_sql(params: dict, queries: dict | None = None) -> dict[str, str]:
    """The queries with their per-quarter columns written out (as the page's are): for each
    quarter a count over a plain date range, no per-row quarter computation."""
    tz = params["tz"]
    task_trend = "".join(
        f", count(*) FILTER (WHERE due_date BETWEEN '{first}' AND '{last}')"
        f", count(*) FILTER (WHERE due_date BETWEEN '{first}' AND '{last}' AND {ON_TIME})"
        f", count(*) FILTER (WHERE due_date BETWEEN '{first}' AND '{passed}' AND NOT {ON_TIME})"
        for first, last, passed in params["trend_windows"]
    )
    finding_quarters = "".join(
        f", count(*) FILTER (WHERE f.created_at >= '{first}'::timestamp AT TIME ZONE '{tz}'"
        f" AND f.created_at < '{after}'::timestamp AT TIME ZONE '{tz}')"
        for first, _last, after in params["quarter_windows"]
    )
    measure_quarters = "".join(
        f", count(*) FILTER (WHERE m.effective_date BETWEEN '{first}' AND '{last}')"
        for first, last, _after in params["quarter_windows"]
    )
    columns = {
        "task_trend": task_trend.replace("{tz}", tz),
        "finding_quarters": finding_quarters,
        "measure_quarters": measure_quarters,
    }
    return {
        name: sql.replace("{task_trend}", columns["task_trend"])
        .replace("{finding_quarters}", columns["finding_quarters"])
        .replace("{measure_quarters}", columns["measure_quarters"])
        .replace("{tz}", tz)
        for name, sql in (RAW_SQL if queries is None else queries).items()
    }


# On time: closed, on or before the due date in local time (COALESCE: an unclosed task is not).
ON_TIME = "COALESCE(status = 'closed' AND (closed_at AT TIME ZONE '{tz}')::date <= due_date, false)"

# For comparison only (not the lower bound): the two widgets the count tables replaced, as
# they were computed before from the base tables (5 million logs; tasks joined to findings).
BASE_TABLE_SQL = {
    "methods": """
        SELECT substr(org_path, 1, %(n)s), action_type, count(*)
        FROM responsibilities_dutylog
        WHERE org_path LIKE %(like)s AND occurred_on BETWEEN %(start)s AND %(end)s
          AND status IN ('submitted', 'resubmitted', 'accepted')
        GROUP BY 1, 2
    """,
    "rectification": """
        SELECT substr(t.org_path, 1, %(n)s),
               count(*) FILTER (WHERE t.status <> 'closed'),
               count(*) FILTER (WHERE t.status <> 'closed' AND t.due_date < %(today)s),
               count(*) FILTER (WHERE t.status <> 'closed' AND t.due_date >= %(today)s
                                AND t.due_date <= %(soon)s),
               count(*) FILTER (WHERE t.status = 'closed')
        FROM inspections_rectificationtask t
        JOIN inspections_finding f ON f.id = t.finding_id
        LEFT JOIN inspections_inspectionround r ON r.id = f.round_id
        WHERE t.org_path LIKE %(like)s AND NOT f.upward_channel
          AND (r.id IS NULL OR r.kind <> 'covert_visit' OR r.disclosed_at IS NOT NULL)
          AND (f.inspecting_path LIKE %(like)s
               OR (f.delivered_at IS NOT NULL
                   AND (f.side = 'principal' OR t.owner_tenure_id = ANY(%(tenures)s))))
        GROUP BY 1
    """,
}


class Command(BaseCommand):
    help = (
        "驾驶舱性能基准 (PostgreSQL): 省级根驾驶舱与县级驾驶舱的服务端耗时和查询数, 手写 SQL 下界, "
        "季度汇总, 10 万条提醒。 Cockpit benchmark on PostgreSQL; seeds the scale tree if absent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", default="province", choices=["city", "province"])
        parser.add_argument("--requests", type=int, default=20)
        parser.add_argument("--skip-rollup", action="store_true")
        parser.add_argument("--skip-reminders", action="store_true")
        parser.add_argument(
            "--rollup-timeout", type=int, default=300, help="statement timeout of the roll-up (s)"
        )
        parser.add_argument(
            "--reminders-budget",
            type=int,
            default=300,
            help="stop feeding reminders after this many seconds (reports the rate)",
        )
        parser.add_argument(
            "--explain", action="store_true", help="print EXPLAIN ANALYZE of the root queries"
        )

    # --- helpers ---------------------------------------------------------------------------

    def out(self, text: str = "") -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def _seed(self, label: str) -> Organization:
        root = Organization.objects.filter(code=f"SCALE-{label}").first()
        if root is None:
            self.out(f"规模数据 SCALE-{label} 不存在, 开始生成 (seeding) …")
            call_command("seed_demo", scale=label, force=True, stdout=self.stdout)
            root = Organization.objects.get(code=f"SCALE-{label}")
        return root

    def _vacuum(self) -> None:
        """VACUUM ANALYZE the big tables once after the load (index-only scans need it)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                "AND last_vacuum IS NULL AND last_autovacuum IS NULL",
                [list(BIG_TABLES)],
            )
            if not cursor.fetchone()[0]:
                return
            self.out("VACUUM ANALYZE …")
            for table in BIG_TABLES:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(table)}")

    def _time_view(self, client: Client, url: str, n: int) -> dict:
        for _ in range(2):  # warm-up: connection, grants, template cache
            response = client.get(url)
            if response.status_code != 200:
                raise CommandError(f"{url} → HTTP {response.status_code}")
        # request_started resets the query log; keep it while counting one request.
        request_started.disconnect(reset_queries)
        try:
            with CaptureQueriesContext(connection) as ctx:
                client.get(url)
        finally:
            request_started.connect(reset_queries)
        captured = list(ctx.captured_queries)  # a view of the live log: copy it now
        timings = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        reset_queries()
        return {
            "median_ms": _ms(statistics.median(timings)),
            "p95_ms": _ms(_p95(timings)),
            "queries": len(captured),
            "sql": captured,
        }

    def _raw_params(self, org: Organization, user, today: datetime.date) -> dict:
        """Parameters of the hand-written SQL; checks the viewer is what it assumes."""
        grants = user_grants(user)
        view = scope_paths(user, Capability.VIEW)
        manage = scope_paths(user, Capability.MANAGE)
        if view != [org.path] or manage != [org.path] or scope_paths(user, Capability.SUPERVISE):
            raise CommandError(
                f"raw SQL assumes VIEW + MANAGE over {org.path} only; {user} has {grants}"
            )
        period = Quarter.of(today)
        start, end = period.window()
        first = period.previous(8)
        last = period.previous()
        oldest = period.previous(7)  # the trend's first quarter
        reach = min(oldest.window()[0], datetime.date(period.year, 1, 1))
        local = timezone.get_current_timezone()
        quarters = sorted(set(period.last(8)) | set(Quarter.in_year(period.year)))
        quarter_windows = [
            (*p.window(), p.window()[1] + datetime.timedelta(days=1)) for p in quarters
        ]
        trend_windows = [
            (*p.window(), min(p.window()[1], today - datetime.timedelta(days=1)))
            for p in period.last(8)
        ]
        children = Organization.objects.filter(parent=org, is_active=True)
        return {
            "pk": org.pk,
            "path": org.path,
            "quarters": quarters,
            "quarter_windows": quarter_windows,
            "trend_windows": trend_windows,
            "tz": str(local),
            "t0": oldest.year * 4 + oldest.quarter,
            "t1": period.year * 4 + period.quarter,
            "reach_start": datetime.datetime.combine(reach, datetime.time.min, tzinfo=local),
            "n": org.child_path_length,
            "like": org.path + "%",
            "prefixes": [org.path, *children.values_list("path", flat=True)],
            "tenures": sorted({g.tenure_id for g in grants}),
            "year": period.year,
            "quarter": period.quarter,
            "start": start,
            "end": min(end, today),
            "today": today,
            "soon": today + datetime.timedelta(days=due_soon_days()),
            "year_end": datetime.datetime(period.year + 1, 1, 1, tzinfo=local),
            "q0": first.year * 4 + first.quarter,
            "q1": last.year * 4 + last.quarter,
        }

    def _time_raw(self, org: Organization, user, n: int, queries: dict | None = None) -> dict:
        params = self._raw_params(org, user, timezone.localdate())
        queries = raw_sql(params, queries)
        totals = []
        with connection.cursor() as cursor:
            for sql in queries.values():  # warm-up
                cursor.execute(sql, params)
                cursor.fetchall()
            for _ in range(n):
                started = time.perf_counter()
                for sql in queries.values():
                    cursor.execute(sql, params)
                    cursor.fetchall()
                totals.append(time.perf_counter() - started)
        return {"median_ms": _ms(statistics.median(totals)), "p95_ms": _ms(_p95(totals))}

    def _check_raw(self, org: Organization, user) -> str:
        """The hand-written SQL must count what the page shows: compare the totals."""
        from dashboards import services
        from dashboards.access import get_cockpit_org_for_user

        today = timezone.localdate()
        params = self._raw_params(org, user, today)
        raw = {}
        with connection.cursor() as cursor:
            for name in ("methods", "rectification", "findings", "measures"):
                cursor.execute(raw_sql(params)[name], params)
                raw[name] = cursor.fetchall()

        class Request:  # what the access helper reads
            pass

        request = Request()
        request.user = user
        period = Quarter.of(today)
        unit, children = get_cockpit_org_for_user(
            request, org.pk, services.org_annotations(user, period)
        )
        page = services.cockpit(user, unit, children, today=today, period=period)
        widgets = {w.key: w for w in page.widgets}
        year, current = period.year, (period.year, period.quarter)
        quarters = params["quarters"]
        this_year = [i for i, p in enumerate(quarters) if p.year == year]
        pairs = {
            "methods": (
                sum(r[4] for r in raw["methods"] if r[0] == org.path and r[1:3] == current),
                widgets["methods"].total("total"),
            ),
        }
        for key in ("findings", "measures"):
            pairs[key] = (
                sum(r[2 + i] for r in raw[key] for i in this_year),
                widgets[key].total("total"),
            )
        for i, column in enumerate(("open", "overdue", "due_soon", "closed"), start=1):
            pairs[f"tasks {column}"] = (
                sum(r[i] for r in raw["rectification"]),
                widgets["rectification"].total(column),
            )
        pairs.update(_trend_pairs(org, period, widgets, raw, quarters))
        wrong = {k: v for k, v in pairs.items() if v[0] != v[1]}
        if wrong:
            raise CommandError(f"raw SQL and the page disagree for {org}: {wrong} (raw, page)")
        shown = {k: v for k, v in pairs.items() if k[-2:-1] != "Q"}  # trends: checked only
        trend_checks = len(pairs) - len(shown)
        return (
            ", ".join(f"{k} {v[0]}" for k, v in shown.items())
            + f"; {trend_checks} trend figures equal"
        )

    def _explain(self, captured: list[dict]) -> None:
        with connection.cursor() as cursor:
            for query in captured:
                sql = query["sql"]
                if not any(
                    t in sql for t in ("SUBSTR", "assessments_assessmentsnapshot", "dashboards_")
                ):
                    continue
                self.out("\nEXPLAIN (ANALYZE, BUFFERS) " + sql[:300] + " …")
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                for (line,) in cursor.fetchall():
                    self.out("    " + line)

    def _rollup(self, root: Organization, timeout: int) -> float | None:
        try:
            from assessments.services.snapshots import compute_quarter
        except ImportError:
            self.out("roll-up: assessments compute_quarter missing — not measured")
            return None
        from django.db import OperationalError, transaction

        period = Quarter.of(timezone.localdate())
        started = time.perf_counter()
        try:
            # The bench's own transaction carries the statement timeout; acting as the command
            # makes the roll-up join it instead of opening its own (durable) one.
            with transaction.atomic(), acting(COMMAND):
                with connection.cursor() as cursor:
                    cursor.execute(f"SET LOCAL statement_timeout = '{int(timeout)}s'")
                result = compute_quarter(
                    period.year,
                    period.quarter,
                    orgs=Organization.objects.filter(path__startswith=root.path),
                    actor=COMMAND,
                )
        except OperationalError as error:
            elapsed = time.perf_counter() - started
            self.out(
                f"roll-up {period}: a statement hit the {timeout} s timeout after "
                f"{elapsed:.1f} s — not finished: {str(error).splitlines()[0]}"
            )
            return None
        elapsed = time.perf_counter() - started
        self.out(f"roll-up {period}: {result.as_dict()} in {elapsed:.1f} s")
        return round(elapsed, 1)

    def _reminders(self, label: str, budget: int) -> tuple[float | None, int | None, bool | None]:
        """The rectification-task reminder job (inspections) through notifications.deliver.

        Every open task of the scale tree is due on the bench day (about 100,000). Reminders
        are fed to `deliver` exactly as `tasks_job` does; feeding stops after `budget` seconds
        so a slow job reports its rate instead of running for hours."""
        try:
            from inspections.reminders import task_reminders
            from notifications.models import Delivery, Notification
            from notifications.services import deliver
        except ImportError:
            self.out("reminders: inspections.reminders / notifications missing — not measured")
            return None, None, None
        import itertools

        prefix = f"scale-{label}-".lower()
        users = get_user_model().objects.filter(
            Q(username__startswith=prefix) | Q(username__in=bench_usernames(label))
        )
        job = "inspections.tasks"
        # Fresh keys for this run (bench database only): earlier runs' deliveries go.
        Notification.objects.filter(delivery__job=job, recipient__in=users).delete()
        Delivery.objects.filter(job=job, recipient__in=users).delete()
        day = timezone.localdate() + datetime.timedelta(days=400)  # every open task is due
        due = sum(1 for _ in task_reminders(day))
        started = time.perf_counter()
        deadline = started + budget
        stopped = []

        def budgeted(reminders):
            for reminder in reminders:
                if time.perf_counter() > deadline:
                    stopped.append(True)
                    return
                yield reminder

        result = deliver(budgeted(task_reminders(day)), job=job, day=day)
        elapsed = time.perf_counter() - started
        rate = result.sent / elapsed if elapsed else 0
        note = ""
        if stopped and rate:
            note = f"; stopped at the {budget} s budget, all {due} would take ~{due / rate:.0f} s"
        # A reminder without a recipient or with a repeated key is not sent (deliver skips it).
        self.out(
            f"reminders: {due} due; sent {result.sent}, skipped {result.skipped} in "
            f"{elapsed:.1f} s ({rate:.0f}/s{note})"
        )
        # Exactly once: a second run over what was sent sends nothing, and no key repeats.
        again = deliver(
            itertools.islice(task_reminders(day), min(result.sent, 2000)), job=job, day=day
        )
        duplicates = _duplicate_keys(job)
        self.out(
            f"reminders re-run: sent {again.sent}, skipped {again.skipped}; "
            f"duplicate keys {duplicates}"
        )
        seconds = round(elapsed, 1) if not stopped else round(due / rate, 1) if rate else None
        return seconds, result.sent, again.sent == 0 and duplicates == 0

    # --- main ------------------------------------------------------------------------------

    def handle(self, *args, **options):
        # Plain static storage: the bench renders pages without collectstatic's manifest.
        plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
        with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
            self._handle(**options)

    def _handle(self, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bench 需要 PostgreSQL: 请设置 DATABASE_URL (needs PostgreSQL).")
        label, n = options["scale"], options["requests"]
        root = self._seed(label)
        self._vacuum()
        User = get_user_model()
        root_name, county_name = bench_usernames(label)
        root_user, county_user = (
            User.objects.get(username=root_name),
            User.objects.get(username=county_name),
        )
        county = (
            Organization.objects.filter(path__startswith=root.path, kind=Organization.Kind.COUNTY)
            .order_by("path")
            .first()
        )
        load = os.getloadavg()
        self.out(f"load average before: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")

        root_client, county_client = Client(), Client()
        root_client.force_login(root_user)
        county_client.force_login(county_user)
        root_stats = self._time_view(root_client, reverse("dashboards:cockpit", args=[root.pk]), n)
        county_stats = self._time_view(
            county_client, reverse("dashboards:cockpit", args=[county.pk]), n
        )
        for org, user in ((root, root_user), (county, county_user)):
            self.out(f"raw SQL = page ({org.name}): {self._check_raw(org, user)}")
        root_raw = self._time_raw(root, root_user, n)
        county_raw = self._time_raw(county, county_user, n)
        root_base = self._time_raw(root, root_user, n, BASE_TABLE_SQL)
        county_base = self._time_raw(county, county_user, n, BASE_TABLE_SQL)
        if options["explain"]:
            self._explain(root_stats["sql"])

        rollup_s = None if options["skip_rollup"] else self._rollup(root, options["rollup_timeout"])
        reminders_s = reminders_sent = once = None
        if not options["skip_reminders"]:
            reminders_s, reminders_sent, once = self._reminders(label, options["reminders_budget"])
        self._report(
            n,
            root,
            {
                "root": root_stats,
                "county": county_stats,
                "root_raw": root_raw,
                "county_raw": county_raw,
                "root_base": root_base,
                "county_base": county_base,
            },
            (rollup_s, reminders_s, reminders_sent, once),
        )

    def _report(self, n: int, root: Organization, timings: dict, jobs: tuple) -> None:
        """The table of medians and targets, the job timings, and one JSON line."""
        root_stats, county_stats = timings["root"], timings["county"]
        root_raw = timings["root_raw"]
        rollup_s, reminders_s, reminders_sent, once = jobs
        load_after = os.getloadavg()
        orgs = Organization.objects.filter(path__startswith=root.path).count()
        logs = DutyLog.objects.filter(org_path__startswith=root.path).count()

        rows = _summary_rows(timings)
        self.out("")
        self.out(f"{'measure':<28} {'median ms':>10} {'p95 ms':>10} {'queries':>8}  target")
        for name, median, p95, queries, target in rows:
            self.out(f"{name:<28} {median:>10} {p95:>10} {queries:>8}  {target}")
        ratio = root_stats["median_ms"] / root_raw["median_ms"] if root_raw["median_ms"] else 0
        self.out(f"{'root / raw ratio':<28} {ratio:>10.2f}")
        self.out(f"{'roll-up (s)':<28} {rollup_s!s:>10}  target < 60 s")
        self.out(
            f"{'reminders (s)':<28} {reminders_s!s:>10}  sent {reminders_sent}, "
            f"exactly once: {once}  target < 30 s"
        )
        self.out(f"organisations {orgs}, duty logs {logs}, requests per view {n}")
        self.out(
            f"load average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f} "
            f"(2 cores; other engineers share the machine)"
        )
        self.out(
            json.dumps(
                {
                    "root_ms": root_stats["median_ms"],
                    "root_p95_ms": root_stats["p95_ms"],
                    "root_queries": root_stats["queries"],
                    "root_raw_sql_ms": root_raw["median_ms"],
                    "county_ms": county_stats["median_ms"],
                    "county_queries": county_stats["queries"],
                    "rollup_s": rollup_s,
                    "reminders_s": reminders_s,
                    "reminders_sent": reminders_sent,
                    "orgs": orgs,
                    "duty_logs": logs,
                }
            )
        )


def _summary_rows(timings: dict) -> list[tuple]:
    """(measure, median ms, p95 ms, queries, target) of each timed view and query."""
    root_stats, county_stats = timings["root"], timings["county"]
    root_raw, county_raw = timings["root_raw"], timings["county_raw"]
    root_base, county_base = timings["root_base"], timings["county_base"]
    return [
        (
            "root cockpit (province)",
            root_stats["median_ms"],
            root_stats["p95_ms"],
            root_stats["queries"],
            "< 300 ms, ≤ 15 q, ≤ 1.5× raw",
        ),
        (
            "root raw SQL lower bound",
            root_raw["median_ms"],
            root_raw["p95_ms"],
            len(RAW_SQL),
            "",
        ),
        (
            "county cockpit",
            county_stats["median_ms"],
            county_stats["p95_ms"],
            county_stats["queries"],
            "< 100 ms",
        ),
        (
            "county raw SQL lower bound",
            county_raw["median_ms"],
            county_raw["p95_ms"],
            len(RAW_SQL),
            "",
        ),
        (
            "root: 2 widgets, base tables",
            root_base["median_ms"],
            root_base["p95_ms"],
            len(BASE_TABLE_SQL),
            "logs + task⋈finding, before the count tables",
        ),
        (
            "county: same, base tables",
            county_base["median_ms"],
            county_base["p95_ms"],
            len(BASE_TABLE_SQL),
            "",
        ),
    ]


def _trend_pairs(org: Organization, period: Quarter, widgets: dict, raw: dict, quarters) -> dict:
    """The trends: every quarter's subtree figure, (raw, page)."""
    pairs = {}
    for label, row in widgets["methods"].trend.items():
        y, q = (int(x) for x in label.split("Q"))
        n = sum(r[4] for r in raw["methods"] if r[0] == org.path and r[1:3] == (y, q))
        pairs[f"methods {label}"] = (n, row["total"])
    for key in ("findings", "measures"):
        for i, p in enumerate(quarters):
            if str(p) in widgets[key].trend:
                n = sum(r[2 + i] for r in raw[key])
                pairs[f"{key} {p}"] = (n, widgets[key].trend[str(p)]["total"])
    for i, p in enumerate(period.last(8)):
        row = widgets["rectification"].trend[str(p)]
        for j, column in enumerate(("due", "on_time", "late")):
            n = sum(r[5 + 3 * i + j] for r in raw["rectification"])
            pairs[f"{column} {p}"] = (n, row[column])
    return pairs


def _duplicate_keys(job: str) -> int:
    """Deliveries of the job whose idempotency key repeats (must be none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM notifications_delivery WHERE job = %s "
            "GROUP BY recipient_id, content_type_id, object_id, kind, threshold "
            "HAVING count(*) > 1) d",
            [job],
        )
        return cursor.fetchone()[0]

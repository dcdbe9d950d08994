"""Scale seeding for the dashboards: duty logs, findings with tasks, cases, snapshots.

The last steps of `demo.steps.SCALE_STEPS`, so `seed_demo --scale province` adds, under the
synthetic province built by the steps before these (demo/org_tree.py):

- an account for every current secretary (so reminders have recipients), plus three
  password logins for the bench: the root secretary `scale_<label>_secretary`, the first
  city's `scale_<label>_city` and the first county's `scale_<label>_county` (password
  DEMO_PASSWORD);
- 5,000,000 duty logs over the last 8 quarters and the current one;
- 200,000 findings, each with one rectification task (half closed, some overdue);
- 10,000 accountability cases (decided ones with a target and a measure) and 2,000
  disciplinary cases needing 一案双查 with their probes;
- 8 quarters of published assessment snapshots with subtree roll-ups.

On PostgreSQL rows go in with COPY (psycopg2 `copy_expert`), and the duty-log table's
secondary indexes and foreign keys are dropped before the load and rebuilt after it (one
sort per index instead of 5 million index insertions). Elsewhere (SQLite in the unit suite)
the same rows go in with `executemany`, so a tiny shape tests the same code. The cockpit's
count tables (dashboards.DutyLogRollup, dashboards.TaskScope) are rebuilt from the loaded rows
in one grouped pass, with their triggers off during the COPY (dashboards/counts.py).
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from accountability.models import (
    AccountabilityCase,
    AccountabilityMeasure,
    AccountabilityTarget,
    DisciplinaryCase,
    DualInvestigation,
    FailedArea,
    MeasureKind,
    ResponsibilityKind,
)
from assessments import scoring
from assessments.defaults import ensure_default_set
from assessments.models import AssessmentSnapshot
from dashboards import (
    committeelogcount,
    counts,
    findingcount,
    measurecount,
    rollup,
    taskcount,
    taskscope,
)
from demo.org_tree import SEGMENT, ScaleContext, ScaleOrg
from inspections.models import Finding, RectificationTask, Side
from liangge_zeren import pgcopy
from liangge_zeren.periods import Quarter
from notifications.models import Delivery, Notification
from responsibilities.models import ActionType, DutyLog, Organization, Person, Tenure


@dataclass(frozen=True)
class Volumes:
    duty_logs: int
    findings: int
    cases: int
    disciplinary_cases: int


VOLUMES = {
    "province": Volumes(5_000_000, 200_000, 10_000, 2_000),
    "city": Volumes(500_000, 20_000, 1_000, 200),
}


def volumes_for(ctx: ScaleContext) -> Volumes:
    if ctx.tree.label in VOLUMES:
        return VOLUMES[ctx.tree.label]
    n = len(ctx.tree.orgs)  # tiny shapes in tests: proportional to the tree
    return Volumes(n * 20, n * 2, max(4, n // 2), max(2, n // 8))


def bench_logins(label: str) -> dict[str, str]:
    """The password logins of a scale tree (secretaries): of the root, of the first city and
    of the first county (by path)."""
    return {
        "root": f"scale_{label}_secretary",
        "city": f"scale_{label}_city",
        "county": f"scale_{label}_county",
    }


def bench_usernames(label: str) -> tuple[str, str]:
    """The root secretary's and the first county secretary's logins."""
    logins = bench_logins(label)
    return logins["root"], logins["county"]


def forget_reminders(label: str, job: str) -> None:
    """Delete the deliveries of `job` to the scale tree's people and bench logins, with their
    inbox rows, so that the next run of the job claims every key again (bench database only).

    Then, on PostgreSQL, vacuum the two tables: where autovacuum is off (as on the CI
    machines), each run left ~100,000 dead rows in each, read through by the next run's key
    lookups and by every page's unread count — after 25 runs the load test fell from 26.9 to
    10.7 requests a second (issue 19)."""
    users = get_user_model().objects.filter(
        Q(username__startswith=f"scale-{label}-".lower())
        | Q(username__in=bench_logins(label).values())
    )
    Notification.objects.filter(delivery__job=job, recipient__in=users).delete()
    Delivery.objects.filter(job=job, recipient__in=users).delete()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        tables = (Notification._meta.db_table, Delivery._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(tables)}")


def first_unit(root_path: str, kind: str) -> Organization | None:
    """The first unit of a kind (by path) under a scale root: the bench's city and county."""
    under = Organization.objects.filter(path__startswith=root_path, kind=kind)
    return under.order_by("path").first()


def ensure_bench_login(username: str, org: Organization) -> bool:
    """Make `username` the password login of the unit's current secretary (its first current
    secretary tenure). Idempotent: an existing login is kept, so the bench can add a login
    that an older seeding did not create. False when the unit has no current secretary."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        return True
    tenure = (
        Tenure.objects.filter(org=org, role=Tenure.Role.SECRETARY, end_date__isnull=True)
        .select_related("person__user")
        .order_by("pk")
        .first()
    )
    if tenure is None:
        return False
    person = tenure.person
    user = person.user or User(is_active=True)
    user.username = username
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    if person.user_id != user.pk:
        person.user = user
        person.save(update_fields=["user"])
    return True


# --- Bulk loading ----------------------------------------------------------------------------


class Loader:
    """Writes rows of `model`: `columns` per row, every other concrete field its default."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = set(columns) - set(fields)
        if unknown:
            raise ValueError(f"{model.__name__}: unknown columns {sorted(unknown)}")
        self.columns = list(columns)
        self.constants: dict[str, object] = {}
        for name, f in fields.items():
            if name in columns or f.primary_key:
                continue
            value = f.get_default()
            if value is None and not f.null:
                raise ValueError(f"{model.__name__}.{name} needs a value")
            self.constants[name] = value
        self.all_columns = self.columns + list(self.constants)
        self.suffix = "".join("\t" + pgcopy.text_value(v) for v in self.constants.values())

    def load(self, rows: Iterable[Sequence]) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in self.all_columns)
        count = 0
        if connection.vendor == "postgresql":

            def lines() -> Iterator[str]:
                nonlocal count
                suffix = self.suffix
                for row in rows:
                    count += 1
                    yield "\t".join([pgcopy.text_value(v) for v in row]) + suffix + "\n"

            with connection.cursor() as cursor:
                pgcopy.copy_lines(cursor, table, [names], lines())
            return count
        constants = [
            json.dumps(v) if isinstance(v, dict | list) else v for v in self.constants.values()
        ]
        marks = ", ".join(["%s"] * len(self.all_columns))
        sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"
        batch: list[list] = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(
                    [json.dumps(v) if isinstance(v, dict | list) else v for v in row] + constants
                )
                if len(batch) >= 5000:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
        return count


def reserve_ids(model: type[models.Model], count: int) -> int:
    """First of `count` fresh primary keys (the sequence is moved past them on PostgreSQL)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {connection.ops.quote_name(table)} IN EXCLUSIVE MODE")
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                "GREATEST((SELECT COALESCE(MAX(id), 0) FROM "
                + connection.ops.quote_name(table)
                + "), nextval(pg_get_serial_sequence(%s, 'id'))) + %s, true) - %s + 1",
                [table, table, count, count],
            )
            return cursor.fetchone()[0]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0] + 1


@contextmanager
def deferred_indexes(model: type[models.Model]) -> Iterator[None]:
    """On PostgreSQL: drop secondary indexes and foreign keys, load, rebuild, ANALYZE."""
    if connection.vendor != "postgresql":
        yield
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
            "AND NOT x.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        )
        foreign_keys = cursor.fetchall()
        quoted = connection.ops.quote_name(table)
        # Pending deferred FK checks of earlier steps block ALTER TABLE: run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _ in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {quoted} DROP CONSTRAINT {connection.ops.quote_name(name)}"
            )
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(
                f"ALTER TABLE {quoted} ADD CONSTRAINT {connection.ops.quote_name(name)} "
                f"{definition}"
            )
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def analyze(*model_classes: type[models.Model]) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in model_classes:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


# --- Shared lookups --------------------------------------------------------------------------


class _Tree:
    """Light lookups over the scale tree built by the earlier steps."""

    def __init__(self, ctx: ScaleContext):
        tree = ctx.tree
        self.orgs = tree.orgs
        self.by_id: dict[int, ScaleOrg] = {o.id: o for o in tree.orgs}
        self.current = [t for t in tree.tenures if t.end_date is None]
        self.secretary: dict[int, int] = {}
        self.secretary_person: dict[int, int] = {}
        for t in self.current:
            if t.role == Tenure.Role.SECRETARY and t.org_id not in self.secretary:
                self.secretary[t.org_id] = t.id
                self.secretary_person[t.org_id] = t.person_id
        self.committee = {org_id: b["committee"] for org_id, b in tree.bodies.items()}
        # The discipline commission supervising each org: its own, else the nearest above.
        self.commission: dict[int, int] = {}
        for org in tree.orgs:  # parents come before children in tree.orgs
            own = tree.bodies.get(org.id, {}).get("discipline")
            self.commission[org.id] = own or self.commission.get(org.parent_id, 0)
        self.commission_path = {
            body_id: self.by_id[org_id].path
            for org_id, slots in tree.bodies.items()
            for slot, body_id in slots.items()
            if slot == "discipline"
        }
        self.non_root = [o for o in tree.orgs if o.parent_id is not None]


def _tree(ctx: ScaleContext) -> _Tree:
    cached = getattr(ctx, "_dashboards_tree", None)
    if cached is None:
        cached = _Tree(ctx)
        ctx._dashboards_tree = cached
    return cached


def _today() -> datetime.date:
    return timezone.localdate()


def _aware(day: datetime.date, hour: int = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC)


# --- Steps -----------------------------------------------------------------------------------


def scale_accounts(ctx: ScaleContext) -> None:
    """Accounts: one per current secretary (reminder recipients), two password logins."""
    t = _tree(ctx)
    User = get_user_model()
    persons = Person.objects.filter(pk__in=list(t.secretary_person.values()), user__isnull=True)
    codes = list(persons.values_list("pk", "code"))
    now = timezone.now()
    loader = Loader(User, ["username", "password", "is_active", "date_joined"])
    loader.load((code.lower(), "!scale-no-login", True, now) for _, code in codes)
    users = dict(
        User.objects.filter(username__in=[c.lower() for _, c in codes]).values_list(
            "username", "pk"
        )
    )
    person_user = [(pk, users[code.lower()]) for pk, code in codes]
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {Person._meta.db_table} SET user_id = %s WHERE id = %s",
            [(user_id, pk) for pk, user_id in person_user],
        )
    root = Organization.objects.get(pk=ctx.tree.orgs[0].id)
    logins = bench_logins(ctx.tree.label)
    units = {
        "root": root,
        "city": first_unit(root.path, Organization.Kind.CITY),
        "county": first_unit(root.path, Organization.Kind.COUNTY),
    }
    for key, org in units.items():
        if org is not None:
            ensure_bench_login(logins[key], org)
    ctx.created["accounts"] += len(codes)
    ctx.log(f"    {len(codes)} 个账号 (logins: {', '.join(logins.values())})")


ACTION_WEIGHTS = {
    ActionType.COMMITTEE_MEETING: 18,
    ActionType.DOCUMENT_RELAY: 14,
    ActionType.STUDY_SESSION: 14,
    ActionType.TALK: 16,
    ActionType.SUPERVISION_VISIT: 10,
    ActionType.REPORT_REVIEW: 9,
    ActionType.LECTURE: 4,
    ActionType.PETITION: 5,
    ActionType.MAJOR_DECISION: 6,
    ActionType.OTHER: 4,
}
ACTION_TITLES = {a: f"{a.label}纪实" for a in ActionType}


def scale_duty_logs(ctx: ScaleContext) -> None:
    """Duty logs over the last 8 quarters and this one (COPY; indexes rebuilt after)."""
    t, rng, total = _tree(ctx), ctx.rng, volumes_for(ctx).duty_logs
    first = Quarter.of(_today()).previous(8).start
    days = [first + datetime.timedelta(days=d) for d in range((_today() - first).days + 1)]
    tenures = [(x.org_id, x.org_path, x.id) for x in t.current]
    actions = list(ACTION_WEIGHTS)
    weights = list(ACTION_WEIGHTS.values())
    statuses = (
        [DutyLog.Status.ACCEPTED] * 6 + [DutyLog.Status.SUBMITTED] * 3 + [DutyLog.Status.DRAFT]
    )
    loader = Loader(
        DutyLog,
        [
            "org_id",
            "org_path",
            "tenure_id",
            "action_type",
            "occurred_on",
            "title",
            "summary",
            "entered_at",
            "status",
            "submitted_at",
        ],
    )
    chunk = 250_000

    def rows() -> Iterator[tuple]:
        done = 0
        while done < total:
            n = min(chunk, total - done)
            who = rng.choices(tenures, k=n)
            what = rng.choices(actions, weights=weights, k=n)
            when = rng.choices(days, k=n)
            state = rng.choices(statuses, k=n)
            for (org_id, path, tenure_id), action, day, status in zip(
                who, what, when, state, strict=True
            ):
                entered = f"{day} 18:00:00+00"
                yield (
                    org_id,
                    path,
                    tenure_id,
                    action,
                    day,
                    ACTION_TITLES[action],
                    "",
                    entered,
                    status,
                    None if status == "draft" else entered,
                )
            done += n
            ctx.log(f"    履责纪实 {done:,}/{total:,}")

    with counts.bulk_load(rollup, committeelogcount.COUNTS), deferred_indexes(DutyLog):
        made = loader.load(rows())
        ctx.log("    重建索引 (rebuilding indexes) …")
    analyze(DutyLog)
    ctx.log("    履责纪实汇总计数已重建 (duty-log subtree counts rebuilt)")
    ctx.created["duty logs"] += made


FINDING_SOURCES = [
    (Finding.Source.FROM_ABOVE, "above_inspection"),
    (Finding.Source.THIS_LEVEL, "level_supervision"),
    (Finding.Source.SELF_IDENTIFIED, "self_duty_performance"),
]


def scale_findings(ctx: ScaleContext) -> None:
    """Findings, each with one rectification task (half closed, the rest partly overdue)."""
    t, rng, total = _tree(ctx), ctx.rng, volumes_for(ctx).findings
    today = _today()
    first = Quarter.of(today).previous(8).start
    span = (today - first).days
    categories = list(Finding.Category.values)
    severities = list(Finding.Severity.values)
    label = ctx.tree.label
    first_id = reserve_ids(Finding, total)
    findings, tasks = [], []
    for i in range(total):
        org = rng.choice(t.non_root)
        body = t.commission[org.parent_id] if rng.random() < 0.7 else t.commission[org.id]
        created = first + datetime.timedelta(days=rng.randrange(span + 1))
        closed = rng.random() < 0.5
        source, sub_source = rng.choice(FINDING_SOURCES)
        findings.append(
            (
                first_id + i,
                f"SF-{label}-{i + 1:07d}",
                body,
                t.commission_path[body],
                source,
                sub_source,
                rng.choice(categories),
                "规模测试问题",
                "",
                rng.choice(severities),
                org.id,
                org.path,
                Side.SUPERVISORY if rng.random() < 0.1 else Side.PRINCIPAL,
                rng.random() < 0.02,
                _aware(created),
                "closed" if closed else "rectifying",
                _aware(created),
            )
        )
        due = created + datetime.timedelta(days=rng.randint(30, 240))
        tasks.append(
            (
                first_id + i,
                "整改措施",
                t.secretary[org.id],
                org.id,
                org.path,
                created,
                due,
                due,
                RectificationTask.Status.CLOSED if closed else RectificationTask.Status.IN_PROGRESS,
                _aware(min(due, today)) if closed else None,
                _aware(created),
            )
        )
    with counts.bulk_load(taskscope, taskcount.COUNTS, findingcount.COUNTS):
        made = _load_findings_and_tasks(findings, tasks)
    analyze(Finding, RectificationTask)
    ctx.created["findings"] += made
    ctx.created["rectification tasks"] += made
    ctx.log(f"    {made:,} 个问题及整改任务")


def _load_findings_and_tasks(findings: list[tuple], tasks: list[tuple]) -> int:
    made = Loader(
        Finding,
        [
            "id",
            "number",
            "inspecting_body_id",
            "inspecting_path",
            "source",
            "sub_source",
            "category",
            "title",
            "description",
            "severity",
            "org_id",
            "org_path",
            "side",
            "upward_channel",
            "delivered_at",
            "status",
            "created_at",
        ],
    ).load(findings)
    Loader(
        RectificationTask,
        [
            "finding_id",
            "measure",
            "owner_tenure_id",
            "org_id",
            "org_path",
            "start_date",
            "due_date",
            "original_due_date",
            "status",
            "closed_at",
            "created_at",
        ],
    ).load(tasks)
    return made


PERSON_MEASURE_KINDS = [
    MeasureKind.CIRCULATED_CRITICISM,
    MeasureKind.ADMONITION,
    MeasureKind.ORGANIZATIONAL_HANDLING,
    MeasureKind.PARTY_SANCTION,
]
ORG_MEASURE_KINDS = [MeasureKind.ORG_SELF_CRITICISM, MeasureKind.CIRCULATED_CRITICISM]
CHANNEL = {
    MeasureKind.PARTY_SANCTION: "party_discipline",
    MeasureKind.PUBLIC_OFFICE_SANCTION: "public_office_sanction",
}
OPEN_CASE = ["lead_received", "preliminary_review", "investigating", "hearing"]
DONE_CASE = ["decided", "executing", "archived"]


_CASE_COLUMNS = (
    "id",
    "number",
    "title",
    "org_id",
    "org_path",
    "event_date",
    "area",
    "source",
    "handling_body_id",
    "handling_path",
    "deciding_body_id",
    "deciding_path",
    "status",
    "status_since",
    "lead_received_on",
    "decided_on",
    "created_at",
)
_TARGET_COLUMNS = (
    "id",
    "case_id",
    "org_id",
    "org_path",
    "target_type",
    "target_body_id",
    "tenure_id",
    "person_id",
    "name_snapshot",
    "unit_snapshot",
    "responsibility_kind",
    "added_at",
)
_MEASURE_COLUMNS = (
    "case_id",
    "target_id",
    "org_id",
    "org_path",
    "kind",
    "channel",
    "effective_date",
    "decision_no",
    "deciding_body_id",
    "status",
    "recorded_at",
)
_DISCIPLINARY_COLUMNS = (
    "id",
    "case_no",
    "org_id",
    "org_path",
    "handling_body_id",
    "handling_path",
    "subject_person_id",
    "violation_type",
    "summary",
    "registered_on",
    "status",
    "dual_required",
    "dual_reasons",
    "created_at",
)
_PROBE_COLUMNS = (
    "disciplinary_case_id",
    "kind",
    "org_id",
    "org_path",
    "opened_reason",
    "opened_at",
    "status",
    "conclusion",
)


@dataclass(frozen=True)
class _CaseWindow:
    """The eight quarters the scale cases' dates fall in."""

    today: datetime.date
    first: datetime.date
    span: int

    def random_day(self, rng) -> datetime.date:
        return self.first + datetime.timedelta(days=rng.randrange(self.span + 1))


def scale_cases(ctx: ScaleContext) -> None:
    """Accountability cases (decided ones with a target and a measure); 一案双查 cases."""
    t = _tree(ctx)
    today = _today()
    first = Quarter.of(today).previous(8).start
    window = _CaseWindow(today, first, (today - first).days)
    cases, decided = _accountability_case_rows(ctx, t, window)
    Loader(AccountabilityCase, _CASE_COLUMNS).load(cases)
    measures = _load_targets_and_measures(ctx, t, decided)
    dcases = _load_disciplinary_cases(ctx, t, window)
    analyze(
        AccountabilityCase,
        AccountabilityTarget,
        AccountabilityMeasure,
        DisciplinaryCase,
        DualInvestigation,
    )
    ctx.created["accountability cases"] += len(cases)
    ctx.created["accountability measures"] += measures
    ctx.created["disciplinary cases"] += dcases
    ctx.log(f"    {len(cases):,} 个问责案件, {measures:,} 项问责, {dcases:,} 个一案双查案件")


def _accountability_case_rows(ctx: ScaleContext, t: _Tree, window: _CaseWindow):
    """The case rows, and (case id, organisation, decision date) of the decided ones."""
    rng, count, label = ctx.rng, volumes_for(ctx).cases, ctx.tree.label
    case_first = reserve_ids(AccountabilityCase, count)
    cases, decided = [], []
    for i in range(count):
        org = rng.choice(t.non_root)
        parent = t.by_id[org.parent_id]
        handling = t.commission[org.id]
        received = window.random_day(rng)
        done = rng.random() < 0.6
        status = rng.choice(DONE_CASE if done else OPEN_CASE)
        decided_on = min(window.today, received + datetime.timedelta(days=rng.randint(20, 120)))
        cases.append(
            (
                case_first + i,
                f"SA-{label}-{i + 1:06d}",
                "规模测试问责案件",
                org.id,
                org.path,
                received,
                rng.choice(FailedArea.values),
                "inspection_finding",
                handling,
                t.commission_path[handling],
                t.committee[parent.id],
                parent.path,
                status,
                _aware(decided_on if done else received),
                received,
                decided_on if done else None,
                _aware(received),
            )
        )
        if done:
            decided.append((case_first + i, org, decided_on))
    return cases, decided


def _load_targets_and_measures(ctx: ScaleContext, t: _Tree, decided: list) -> int:
    """One target and one measure per decided case; returns the number of measures."""
    rng = ctx.rng
    target_first = reserve_ids(AccountabilityTarget, len(decided))
    targets, measures = [], []
    for j, (case_id, org, decided_on) in enumerate(decided):
        person = rng.random() < 0.6 and org.id in t.secretary
        kind = rng.choice(PERSON_MEASURE_KINDS if person else ORG_MEASURE_KINDS)
        targets.append(
            (
                target_first + j,
                case_id,
                org.id,
                org.path,
                "person" if person else "org",
                None if person else t.committee[org.id],
                t.secretary[org.id] if person else None,
                t.secretary_person[org.id] if person else None,
                org.name,
                org.name,
                ResponsibilityKind.PRIMARY if person else ResponsibilityKind.OVERALL,
                _aware(decided_on),
            )
        )
        measures.append(
            (
                case_id,
                target_first + j,
                org.id,
                org.path,
                kind,
                CHANNEL.get(kind, "party_accountability"),
                decided_on,
                f"决定〔{j + 1}〕号",
                t.committee[t.by_id[org.parent_id].id],
                "in_force",
                _aware(decided_on),
            )
        )
    Loader(AccountabilityTarget, _TARGET_COLUMNS).load(targets)
    with counts.bulk_load(measurecount.COUNTS):
        Loader(AccountabilityMeasure, _MEASURE_COLUMNS).load(measures)
    return len(measures)


def _load_disciplinary_cases(ctx: ScaleContext, t: _Tree, window: _CaseWindow) -> int:
    """一案双查 cases with their principal/supervisory probes; returns the number of cases."""
    rng, count, label = ctx.rng, volumes_for(ctx).disciplinary_cases, ctx.tree.label
    dc_first = reserve_ids(DisciplinaryCase, count)
    dcases, probes = [], []
    persons = list(t.secretary_person.items())
    for i in range(count):
        org_id, person_id = rng.choice(persons[1:] or persons)
        org = t.by_id[org_id]
        handling = t.commission[org.parent_id or org.id]
        registered = window.random_day(rng)
        dcases.append(
            (
                dc_first + i,
                f"SD-{label}-{i + 1:06d}",
                org.id,
                org.path,
                handling,
                t.commission_path[handling],
                person_id,
                "integrity",
                "规模测试",
                registered,
                "decided",
                True,
                ["scale"],
                _aware(registered),
            )
        )
        probes.extend(_probe_rows(rng, dc_first + i, org, registered))
    Loader(DisciplinaryCase, _DISCIPLINARY_COLUMNS).load(dcases)
    Loader(DualInvestigation, _PROBE_COLUMNS).load(probes)
    return len(dcases)


def _probe_rows(rng, case_id: int, org, registered: datetime.date) -> list[tuple]:
    rows = []
    coverage = rng.random()
    for kind, threshold in (("principal", 0.85), ("supervisory", 0.6)):
        if coverage < threshold:
            concluded = rng.random() < 0.8
            rows.append(
                (
                    case_id,
                    kind,
                    org.id,
                    org.path,
                    "规模测试",
                    _aware(registered),
                    "concluded" if concluded else "open",
                    "responsible" if concluded else "",
                )
            )
    return rows


_SNAPSHOT_COLUMNS = (
    "org_id",
    "org_path",
    "year",
    "quarter",
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
    "computed_at",
    "published_at",
)


def scale_snapshots(ctx: ScaleContext) -> None:
    """8 quarters of published snapshots per organisation, with subtree roll-ups."""
    rng, tree = ctx.rng, ctx.tree
    quarters = Quarter.of(_today()).previous().last(8)  # the 8 complete ones before today
    sets = {q.year: ensure_default_set(q.year) for q in quarters}
    base = {o.id: rng.gauss(82, 7) for o in tree.orgs}
    now = timezone.now()
    rows = []
    for year, quarter in map(astuple, quarters):
        indicator_set = sets[year]
        totals = {
            o.id: round(max(30.0, min(100.0, base[o.id] + rng.gauss(0, 4))), 2) for o in tree.orgs
        }
        rows.extend(_quarter_snapshot_rows(tree, year, quarter, indicator_set, totals, now))
    made = Loader(AssessmentSnapshot, _SNAPSHOT_COLUMNS).load(rows)
    analyze(AssessmentSnapshot)
    ctx.created["snapshots"] += made
    ctx.log(f"    {made:,} 条季度考核结果 ({quarters[0]}–{quarters[-1]})")


def _quarter_snapshot_rows(tree, year, quarter, indicator_set, totals, now) -> list[tuple]:
    """One quarter's snapshot rows: each organisation's total, light and subtree roll-up."""
    lights = {
        pk: scoring.light_for(scoring.q(v), indicator_set.light_thresholds)
        for pk, v in totals.items()
    }
    sums: dict[str, list] = defaultdict(lambda: [0, 0.0, 0, 0, 0])
    for o in tree.orgs:
        for depth in range(1, len(o.path) // SEGMENT + 1):
            acc = sums[o.path[: depth * SEGMENT]]
            acc[0] += 1
            acc[1] += totals[o.id]
            acc[2 + ("red", "yellow", "green").index(lights[o.id])] += 1
    rows: list[tuple] = []
    for o in tree.orgs:
        n, s, red, yellow, green = sums[o.path]
        total = scoring.q(totals[o.id])
        rows.append(
            (
                o.id,
                o.path,
                year,
                quarter,
                indicator_set.pk,
                indicator_set.version,
                scoring.RULE_VERSION,
                {},
                "0" * 64,
                {},
                total,
                scoring.grade_for(total, indicator_set.grade_bands),
                lights[o.id],
                n,
                scoring.q(s / n),
                {"red": red, "yellow": yellow, "green": green},
                AssessmentSnapshot.Status.PUBLISHED,
                now,
                now,
            )
        )
    return rows

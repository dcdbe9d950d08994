"""`manage.py rebuild_cockpit_counts`: recompute the cockpit's count tables from their sources.

The tables are kept by triggers in every writing transaction; this is for after a bulk load
with the triggers off, or to check them (`--check` reports differences and changes nothing).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from dashboards import counts


def _snapshot(table: str) -> set[tuple]:
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        wanted = [c for c in columns if c != "id"]
        quoted = ", ".join(connection.ops.quote_name(c) for c in wanted)
        cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
        rows = set(cursor.fetchall())
    if "n" in wanted:  # the duty-log roll-up: rows counting nothing are not a difference
        index = wanted.index("n")
        rows = {r for r in rows if r[index]}
    return rows


class Command(BaseCommand):
    help = (
        "重建驾驶舱计数表 (履责纪实、整改任务、发现问题、问责措施、责任清单、班子纪实)。 "
        "Rebuild the cockpit's count tables (every table of dashboards.counts.SETS: "
        "DutyLogRollup, TaskScope, FindingCount, MeasureCount, ListCount, CommitteeLogCount) "
        "from their sources."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--check",
            action="store_true",
            help="只比较不修改 (compare with a recount; change nothing, fail on a difference)",
        )

    def handle(self, *args, **options):
        if not options["check"]:
            for table, rows in counts.rebuild_all().items():
                self.stdout.write(f"{table}: {rows} rows")
            return
        differences = {}
        with transaction.atomic():
            before = {m.TABLE: _snapshot(m.TABLE) for m in counts.SETS}
            counts.rebuild_all()
            for module in counts.SETS:
                after = _snapshot(module.TABLE)
                differences[module.TABLE] = len(before[module.TABLE] ^ after)
            transaction.set_rollback(True)  # a check leaves the tables as they were
        for table, n in differences.items():
            self.stdout.write(f"{table}: {n} differing rows")
        if any(differences.values()):
            raise CommandError("count tables differ from their sources")

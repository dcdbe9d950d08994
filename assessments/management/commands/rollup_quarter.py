"""`manage.py rollup_quarter 2026Q3 [--publish]`: compute (or recompute) a quarter's snapshots."""

import json
import time
from dataclasses import astuple

from django.core.management.base import BaseCommand, CommandError

from assessments.services import snapshots
from liangge_zeren.actors import COMMAND
from liangge_zeren.periods import Quarter


class Command(BaseCommand):
    help = (
        "计算季度考核结果并逐级汇总 (compute and roll up a quarter's snapshots), 例如 2026Q3。"
        "已发布的结果不会改变 (published snapshots never change)."
    )

    def add_arguments(self, parser):
        parser.add_argument("period", help="YYYYQn, e.g. 2026Q3")

    def handle(self, *args, period, **options):
        try:
            year, quarter = astuple(Quarter.parse(period))
        except ValueError as exc:
            raise CommandError(f"季度格式应为 2026Q3 / bad period: {period}") from exc
        started = time.perf_counter()
        result = snapshots.compute_quarter(year, quarter, actor=COMMAND)
        elapsed = time.perf_counter() - started
        self.stdout.write(json.dumps({"period": f"{year}Q{quarter}", **result.as_dict()}))
        self.stdout.write(f"rollup_quarter {year}Q{quarter}: {elapsed:.2f} s")

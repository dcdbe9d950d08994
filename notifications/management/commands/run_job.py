"""`manage.py run_job NAME [--date YYYY-MM-DD]`: run a scheduled job by hand."""

import datetime
import json
import time

from django.core.management.base import BaseCommand, CommandError

from notifications import jobs


class Command(BaseCommand):
    help = (
        "手动运行定时任务 (run a scheduled job by hand). NAME 为任务名, 'reminders' 运行全部"
        "提醒任务, 'list' 列出任务 (NAME is a job name; 'reminders' runs every reminder job; "
        "'list' lists them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--date", help="YYYY-MM-DD (默认今天 / default today)")
        parser.add_argument(
            "--under",
            help="组织路径, 只处理该组织及下级 (an org path: only that subtree, e.g. 0001.)",
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="可分片的任务分多个进程同时运行 (a shardable job's shards in N processes)",
        )

    def handle(self, *args, name, date=None, under=None, processes=1, **options):
        registry = jobs.discover()
        if name == "list":
            for entry in registry.values():
                self.stdout.write(f"{entry.name}\t{entry.description}")
            return
        try:
            day = datetime.date.fromisoformat(date) if date else None
        except ValueError as exc:
            raise CommandError(f"日期格式应为 YYYY-MM-DD / bad date: {date}") from exc
        if name != "reminders" and name not in registry:
            raise CommandError(f"未知任务 / unknown job: {name} (known: {', '.join(registry)})")
        if processes > 1 and under:
            raise CommandError("--processes 与 --under 不能同时使用 / not with --under")
        started = time.perf_counter()
        if processes > 1:
            try:
                result = jobs.run_sharded(name, day, processes=processes)
            except ValueError as exc:  # not a shardable job (notifications.jobs decides)
                raise CommandError(f"任务不能分片运行 / {exc}") from exc
        else:
            result = jobs.run(name, day, under=under)
        elapsed = time.perf_counter() - started
        self.stdout.write(json.dumps(result, ensure_ascii=False, default=str))
        self.stdout.write(f"{name}: {elapsed:.2f} s")

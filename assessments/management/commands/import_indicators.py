"""`manage.py import_indicators FILE --year 2026 [--subject-type organisation] [--dry-run]`."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments import importer
from assessments.models import SubjectType
from liangge_zeren.actors import COMMAND


class Command(BaseCommand):
    help = (
        "从 .xlsx 或 .csv 文件导入某年度的考核指标体系(整个文件无误才写入;"
        "已被考核结果使用的指标体系另建新版本)。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件")
        parser.add_argument("--year", type=int, required=True, help="年度, 如 2026")
        parser.add_argument(
            "--subject-type",
            default=SubjectType.ORGANISATION,
            choices=SubjectType.values,
            help="考核对象 (默认 organisation)",
        )
        parser.add_argument("--name", default="", help="指标体系名称 (留空: 沿用现有名称)")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出变更,不写入。")

    def handle(self, *args, file, year, subject_type, name, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件:%(error)s") % {"error": exc}) from exc
        result = importer.import_file(
            data,
            path.name,
            actor=COMMAND,
            year=year,
            subject_type=subject_type,
            name=name,
            dry_run=dry_run,
        )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("发现 %(count)d 个问题,没有写入任何数据。") % {"count": len(result.errors)}
            )
        for line in result.summary_lines():
            self.stdout.write(line)

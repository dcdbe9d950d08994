"""python manage.py import_org FILE [--dry-run]: import the org tree, people and tenures."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from liangge_zeren.actors import COMMAND
from responsibilities import importer


class Command(BaseCommand):
    help = "从 .xlsx 或 .csv 文件导入组织、机构、人员和任职(整个文件无误才写入)。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="要导入的 .xlsx 或 .csv 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出变更,不写入。")

    def handle(self, *args, file, dry_run, **options):
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(_("无法读取文件:%(error)s") % {"error": exc}) from exc
        result = importer.import_file(data, path.name, dry_run=dry_run, actor=COMMAND)
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("发现 %(count)d 个问题,没有写入任何数据。") % {"count": len(result.errors)}
            )
        for line in result.summary_lines():
            self.stdout.write(line)

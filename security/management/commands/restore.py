from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from security.backup import BackupError, restore_backup, verify_backup
from security.services import Action, audit


class Command(BaseCommand):
    help = (
        "Restore a backup folder made by `backup`: verifies every checksum first, then replaces "
        "the database and copies the uploaded files back. Stop the web server and worker first."
    )

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument(
            "--verify-only", action="store_true", help="check the checksums and stop"
        )
        parser.add_argument(
            "--yes", action="store_true", help="confirm that the current data is replaced"
        )

    def handle(self, *args, folder, verify_only=False, yes=False, **options):
        folder = Path(folder)
        try:
            problems = verify_backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if problems:
            for problem in problems:
                self.stderr.write(problem)
            raise CommandError("backup failed verification; nothing was restored")
        self.stdout.write("backup verified: every checksum matches")
        if verify_only:
            return
        if not yes:
            raise CommandError("this replaces the current database and files: add --yes")
        try:
            manifest = restore_backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        audit(
            None,
            Action.RESTORE,
            object_repr=folder.name,
            folder=str(folder),
            backup_created_at=manifest["created_at"],
        )
        self.stdout.write(f"restored from {folder}")

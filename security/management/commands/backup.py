from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from security.backup import BackupError, create_backup
from security.services import Action, audit


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite online copy or pg_dump) and uploaded files into a folder "
        "with a manifest of SHA-256 checksums (default: BACKUP_DIR/<timestamp>)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="folder to create (must not exist)")

    def handle(self, *args, output=None, **options):
        try:
            folder = create_backup(Path(output) if output else None)
        except (BackupError, FileExistsError) as exc:
            raise CommandError(str(exc)) from exc
        audit(None, Action.BACKUP, object_repr=folder.name, folder=str(folder))
        self.stdout.write(f"backup written to {folder}")

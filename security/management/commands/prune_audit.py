from django.core.management.base import BaseCommand, CommandError

from security.services import prune_audit, retention_days


class Command(BaseCommand):
    help = "Delete audit entries older than AUDIT_RETENTION_DAYS (at least 180). Audited itself."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="retention in days (>= 180)")

    def handle(self, *args, days=None, **options):
        days = retention_days() if days is None else days
        try:
            deleted = prune_audit(None, days=days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"pruned {deleted} audit entries older than {days} days")

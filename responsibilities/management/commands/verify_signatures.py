"""Walk every organisation's signature chain and report breaks (exit status 1 if any)."""

from django.core.management.base import BaseCommand, CommandError

from responsibilities.letters import verify_chains
from responsibilities.models import Organization


class Command(BaseCommand):
    help = "Verify the keyed chains of responsibility-letter signatures."

    def handle(self, *args, **options):
        checked, breaks = verify_chains()
        if not breaks:
            self.stdout.write(self.style.SUCCESS(f"OK: {checked} signatures, no breaks."))
            return
        names = dict(
            Organization.objects.filter(pk__in={b.org_id for b in breaks}).values_list("pk", "name")
        )
        for b in breaks:
            self.stdout.write(
                f"BREAK org={b.org_id} ({names.get(b.org_id, '?')}) signature={b.signature_id} "
                f"letter={b.letter_id}: {b.problem}"
            )
        first = breaks[0]
        self.stdout.write(
            f"FIRST BROKEN LINK org={first.org_id} signature={first.signature_id}: {first.problem}"
        )
        raise CommandError(f"{len(breaks)} break(s) in {checked} signatures.")

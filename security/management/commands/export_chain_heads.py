"""Write the evidence chains' heads to a dated file that an operator keeps elsewhere."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from security.chains import export_chain_heads


class Command(BaseCommand):
    help = (
        "Write the audit chain's last entry and each organisation's last letter signature "
        "to DIR/chain-heads-<date>.json (keep the file outside this system)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", default="", help="folder (default: CHAIN_HEADS_DIR)")

    def handle(self, *args, **options):
        folder = options["out"] or getattr(settings, "CHAIN_HEADS_DIR", "")
        if not folder:
            raise CommandError("give --out DIR (or set CHAIN_HEADS_DIR)")
        path = export_chain_heads(folder)
        self.stdout.write(f"chain heads written to {path}")

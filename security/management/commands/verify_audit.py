from django.core.management.base import BaseCommand, CommandError

from security.services import verify_chain


class Command(BaseCommand):
    help = "Recompute the audit log's keyed chain and report any break (exit status 1 if broken)."

    def handle(self, *args, **options):
        checked, problems = verify_chain()
        for problem in problems:
            self.stderr.write(f"BROKEN {problem}")
        if problems:
            self.stderr.write(f"FIRST BROKEN LINK {problems[0]}")
            raise CommandError(
                f"audit chain broken: {len(problems)} problem(s) in {checked} entries"
            )
        self.stdout.write(f"audit chain intact: {checked} entries verified")

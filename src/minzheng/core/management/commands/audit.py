from django.core.management.base import BaseCommand, CommandError

from minzheng.core.audit import verify_chain


class Command(BaseCommand):
    help = "Audit trail: `audit verify` checks the hash chain and names the first tampered event."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, action, **opts):
        report = verify_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {report.checked} events verified"))
            return
        raise CommandError(f"audit chain broken at event #{report.first_bad_seq}: {report.reason} ({report.checked} events before it verified)")

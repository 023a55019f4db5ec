"""Rebuild every agency's dashboard figures (after a bulk load, or to repair)."""

from django.core.management.base import BaseCommand

from lms.reports.services import summaries_refresh


class Command(BaseCommand):
    help = "Rebuild the per-agency summary tables of the dashboards, in batches of agencies."

    def handle(self, *args, **options):
        def progress(done, total):
            if options["verbosity"] > 1:
                self.stdout.write(f"{done}/{total}")

        rows = summaries_refresh(progress=progress)
        self.stdout.write(self.style.SUCCESS(f"{rows} summary rows written."))

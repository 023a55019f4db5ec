"""Recount the officials of every agency into the summary table the agency pages read."""

import time

from django.core.management.base import BaseCommand

from lms.agencies.counts import agency_counts_refresh


class Command(BaseCommand):
    help = "Recount officials per agency (the agency pages read the result while it is fresh)."

    def handle(self, *args, **options):
        started = time.monotonic()
        count = agency_counts_refresh()
        self.stdout.write(f"{count} agencies counted ({time.monotonic() - started:.1f} s)")

"""Load the official provinces and communes (from 01/07/2025) from the vietnam-provinces package."""

import time

from django.core.management.base import BaseCommand

from lms.agencies.services import units_load
from lms.agencies.units import data_source


class Command(BaseCommand):
    help = "Load or refresh the 34 provinces and 3,321 communes (idempotent; matched by code)."

    def handle(self, *args, **options):
        started = time.monotonic()
        source = data_source()
        counts = units_load(source=source)
        self.stdout.write(
            f"{source}: {counts.provinces} provinces, {counts.communes} communes; "
            f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged "
            f"({time.monotonic() - started:.1f} s)"
        )

"""Load the official provinces and communes (from 01/07/2025) from the vietnam-provinces package,
or, with ``--successions FILE``, the official old→new mapping of units."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.agencies.services import successions_load, units_load
from lms.agencies.units import data_source
from lms.core.tabular import TableError


class Command(BaseCommand):
    help = (
        "Load or refresh the 34 provinces and 3,321 communes (idempotent; matched by code). "
        "With --successions FILE, record instead the mergers and splits listed in a CSV or XLSX "
        "file (columns predecessor, successor, date, note): all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--successions",
            metavar="FILE",
            help="CSV or XLSX mapping of former units to their successors",
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        if options["successions"]:
            path = Path(options["successions"])
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: {exc.strerror}") from exc
            try:
                counts = successions_load(name=path.name, content=content)
            except TableError as exc:
                raise CommandError("\n".join(exc.errors)) from exc
            self.stdout.write(
                f"{path.name}: {counts.rows} successions; {counts.created} recorded, "
                f"{counts.unchanged} already known ({time.monotonic() - started:.1f} s)"
            )
            return
        source = data_source()
        counts = units_load(source=source)
        self.stdout.write(
            f"{source}: {counts.provinces} provinces, {counts.communes} communes; "
            f"{counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged "
            f"({time.monotonic() - started:.1f} s)"
        )

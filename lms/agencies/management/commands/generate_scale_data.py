"""Build a national data set for measuring the platform at scale (lms/agencies/scale.py)."""

import time

from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from lms.agencies.models import Official
from lms.agencies.scale import scale_data_generate


class Command(BaseCommand):
    help = (
        "Generate N officials over the 34 provinces and 3,321 communes with posts, enrolments, "
        "quiz attempts, training sessions with attendance, certificates and competency records. "
        "Refuses a database that already has officials unless --force (then adds to them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--officials", type=int, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument(
            "--force", action="store_true", help="add to a database that already has officials"
        )

    def handle(self, *args, officials, seed, force, **options):
        if officials < 1:
            raise CommandError("--officials must be at least 1")
        if Official.objects.exists() and not force:
            raise CommandError(
                "The database already has officials: generate_scale_data is meant for an empty "
                "database (use --force to add to it)."
            )
        started = time.monotonic()
        verbose = options.get("verbosity", 1) > 1
        counts = scale_data_generate(
            officials=officials,
            seed=seed,
            log=(lambda line: self.stdout.write(line)) if verbose else (lambda line: None),
        )
        self.stdout.write(
            f"{counts.provinces} provinces, {counts.communes} communes, {counts.departments} "
            f"departments added; {counts.officials} officials, {counts.enrolments} enrolments "
            f"({counts.completed} completed, {counts.lesson_progress} lesson progress rows), "
            f"{counts.sittings} quiz attempts, {counts.sessions} "
            f"sessions, {counts.registrations} registrations, {counts.attendances} attendance "
            f"marks, {counts.certificates} certificates, {counts.competency_records} competency "
            f"records ({time.monotonic() - started:.0f} s)"
        )
        if verbose:
            for step, seconds in counts.seconds.items():
                self.stdout.write(f"  {step}: {seconds:.1f} s")
        for name in ("refresh_agency_counts", "refresh_report_summaries"):
            if name in get_commands():
                step = time.monotonic()
                call_command(name, stdout=self.stdout)
                self.stdout.write(f"{name}: {time.monotonic() - step:.0f} s")

"""``python manage.py recompute_competency_records [--official ID ...]``."""

from django.core.management.base import BaseCommand

from lms.competencies.services import records_recompute


class Command(BaseCommand):
    help = (
        "Recompute competency records from certificates (everyone, or the given officials); "
        "run it after changing which courses grant a competency."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--official", type=int, action="append", dest="officials", help="an official's id"
        )

    def handle(self, *args, officials=None, **options):
        result = records_recompute(official_ids=officials)
        self.stdout.write(
            f"competency records: {result.officials} officials, {result.created} created, "
            f"{result.updated} updated"
        )

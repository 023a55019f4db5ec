"""Import a roster of officials from CSV or XLSX: every row is checked before anything is saved."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.agencies.models import Agency
from lms.agencies.roster import read_roster
from lms.agencies.services import officials_import
from lms.core.tabular import TableError


class Command(BaseCommand):
    help = (
        "Import officials from a CSV (UTF-8) or XLSX file. Columns: staff_code, full_name, email, "
        "phone, agency, position_kind, position_title, start_date (English or Vietnamese headers)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to a .csv or .xlsx file")
        parser.add_argument(
            "--within",
            metavar="CODE",
            help="only accept rows whose agency lies under the current unit with this code",
        )
        parser.add_argument(
            "--create-accounts",
            action="store_true",
            help="give each imported official with an email and no login an account, and queue "
            "its activation email",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        within = None
        if options.get("within"):
            within = Agency.objects.filter(code=options["within"], valid_to__isnull=True).first()
            if within is None:
                raise CommandError(f"--within {options['within']}: no current unit with this code")
        try:
            rows = read_roster(path.read_bytes(), str(path))
        except TableError as exc:
            raise CommandError(str(exc)) from exc
        result = officials_import(
            rows=rows, within_agency=within, create_accounts=options["create_accounts"]
        )
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"{path}: {error}")
            raise CommandError(f"{path}: {len(result.errors)} problem(s); nothing was imported")
        self.stdout.write(
            f"{path}: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged; posts {result.assignments_created} opened, "
            f"{result.assignments_closed} closed; accounts {result.accounts_created} created, "
            f"{result.activation_mails} activation emails queued"
        )

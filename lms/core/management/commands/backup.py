"""manage.py backup [--output FILE]: the database and uploaded files in one tar archive."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.core.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one tar archive (see README)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            type=Path,
            help="archive to write (default: var/backups/lms-YYYYMMDD-HHMMSS.tar)",
        )

    def handle(self, *args, output=None, **options):
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        output = output or Path(settings.BASE_DIR) / "var" / "backups" / f"lms-{stamp}.tar"
        try:
            manifest = backup_create(output=output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        files = len(manifest["files"]) - 1
        self.stdout.write(
            f"{output}: {manifest['database']['vendor']} database, "
            f"{len(manifest['tables'])} tables, {rows} rows, {files} files."
        )

"""manage.py restore FILE [--force]: put a backup archive back, checked before and after."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lms.core.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive (manage.py backup) into an empty database and media folder; "
        "checks the manifest and checksums first and the rows of every table afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database and media folder that already hold records and files",
        )

    def handle(self, *args, archive, force=False, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file.")
        try:
            manifest = backup_restore(archive_path=archive, force=force)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        rows = sum(manifest["tables"].values())
        self.stdout.write(
            f"Restored {archive.name} (made {manifest['created_at']}): "
            f"{len(manifest['tables'])} tables, {rows} rows, every count checked. "
            "Run `manage.py migrate` if this release is newer than the backup's."
        )

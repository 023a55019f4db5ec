"""content/ → CMS: validate every source, plan, then apply all of them in one transaction."""

from __future__ import annotations

import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.core.content import ContentError

# Sources that other parts of the project are still building: skipped with a warning only
# while their module does not exist at all.
OPTIONAL_MODULES = {"lms.quizzes.sync"}
CHANGING = {"create", "update", "move", "unpublish"}


def load_sources(entries=None, *, warn=lambda message: None) -> list:
    """Instantiate the ContentSource classes named in settings.LMS_CONTENT_SOURCES."""
    sources = []
    for dotted, folder in entries if entries is not None else settings.LMS_CONTENT_SOURCES:
        module_name, _dot, class_name = dotted.rpartition(".")
        if module_name in OPTIONAL_MODULES and importlib.util.find_spec(module_name) is None:
            warn(f"{dotted} is not available yet: skipped")
            continue
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise CommandError(f"cannot load content source {dotted}: {exc}") from exc
        sources.append(cls(folder))
    return sources


class Command(BaseCommand):
    help = "Synchronise content files (content/quizzes, content/courses) into the CMS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Print the plan; change nothing."
        )
        parser.add_argument(
            "--check", action="store_true", help="Exit with status 1 if anything would change."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Overwrite pages edited in the admin since the last sync.",
        )

    def handle(self, *args, dry_run=False, check=False, force=False, **options):
        sources = load_sources(warn=lambda m: self.stderr.write(self.style.WARNING(m)))
        try:
            for source in sources:
                source.validate()
            if dry_run or check:
                self._report_plan(sources, force=force, check=check)
                return
            with transaction.atomic():
                applied = []
                for source in sources:
                    applied.extend((source.name, change) for change in source.apply(force=force))
        except ContentError as exc:
            self.stderr.write(str(exc))
            raise CommandError(f"content not synchronised: {exc}", returncode=1) from exc
        self._print(applied)
        changed = sum(1 for _name, change in applied if change.action in CHANGING)
        if changed:
            self.stdout.write(self.style.SUCCESS(f"{changed} change(s) applied."))
        else:
            self.stdout.write("No change: the CMS matches the content files.")

    def _report_plan(self, sources, *, force: bool, check: bool):
        # plan() reads quizzes from the database, so a course may name a quiz that only the quiz
        # source's plan would create; validate() already checked those names against the files.
        planned = [
            (source.name, change) for source in sources for change in source.plan(force=force)
        ]
        self._print(planned)
        pending = sum(1 for _name, change in planned if change.action in CHANGING)
        if not pending:
            self.stdout.write("No change: the CMS matches the content files.")
            return
        self.stdout.write(f"{pending} change(s) pending.")
        if check:
            raise CommandError(
                f"{pending} change(s) pending: run manage.py sync_content", returncode=1
            )

    def _print(self, changes):
        for name, change in changes:
            style = self.style.WARNING if change.action == "skip" else (lambda s: s)
            self.stdout.write(style(f"[{name}] {change}"))

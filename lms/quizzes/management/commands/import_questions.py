"""Import a question file (YAML, GIFT or Moodle XML) into the question bank, all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from lms.quizzes.formats import gift, moodlexml
from lms.quizzes.formats.base import FormatError, ParsedQuestion, UnsupportedQuestion

FORMATS = ("yaml", "gift", "moodlexml")
SUFFIXES = {".yaml": "yaml", ".yml": "yaml", ".gift": "gift", ".txt": "gift", ".xml": "moodlexml"}


class _DryRun(Exception):
    """Rolls the dry run's transaction back."""


def parse_file(
    path: Path,
    fmt: str,
    unsupported: list[UnsupportedQuestion],
    notes: list[str] | None = None,
    data: bytes | None = None,
) -> list[ParsedQuestion]:
    """Parse ``path`` in ``fmt``; unsupported questions are collected, malformed input raises.

    ``notes`` receives what was skipped or renamed (descriptions, titles used twice); a file
    with nothing to import at all is an error."""
    notes = [] if notes is None else notes
    if data is None:
        try:
            data = path.read_bytes()
        except OSError as error:
            raise FormatError(str(path), None, f"cannot read the file ({error.strerror})") from None
    if fmt == "gift":
        questions = gift.parse(data, path=str(path), unsupported=unsupported, notes=notes)
    elif fmt == "moodlexml":
        questions = moodlexml.parse(data, path=str(path), unsupported=unsupported, notes=notes)
    else:
        from lms.quizzes.formats.yaml_format import parse_questions

        questions = parse_questions(path, text=gift.decode_utf8(data, str(path)))
    if not questions and not unsupported:
        raise FormatError(str(path), None, "the file has no questions")
    from lms.quizzes.services import question_validate

    for question in questions:  # before any query uses their values (PostgreSQL refuses NUL)
        question_validate(question, str(path))
    return questions


class Command(BaseCommand):
    help = (
        "Import questions from a YAML, GIFT or Moodle XML file into the question bank. "
        "Everything is checked first; on any error nothing is imported."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the question file")
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="file format (default: from the extension: .yaml/.yml, .gift/.txt, .xml)",
        )
        parser.add_argument(
            "--category",
            default="",
            help='category path ("ISO-NT/01") for questions whose file names none',
        )
        parser.add_argument(
            "--skip-unsupported",
            action="store_true",
            help="import the other questions when some have an unsupported type (matching, ...)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="check and count, then roll back: nothing is saved",
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        fmt = options["format"] or SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            raise CommandError(
                f"{path}: cannot tell the format from the extension; "
                f"give --format {'|'.join(FORMATS)}"
            )
        try:
            summary = run_import(
                path,
                fmt,
                category=options["category"],
                skip_unsupported=options["skip_unsupported"],
                dry_run=options["dry_run"],
                problems=self.stderr.write,
            )
        except ImportRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(summary)


class ImportRefused(Exception):
    """The file is refused as a whole: the message names the file (and line); nothing written."""


def run_import(
    path: Path,
    fmt: str,
    *,
    category: str = "",
    skip_unsupported: bool = False,
    dry_run: bool = False,
    data: bytes | None = None,
    problems=None,
) -> str:
    """Parse, check and import ``path`` (or ``data`` under that name) all or nothing; return
    the summary. The command and the admin's import page both go through here, so they say
    the same. ``problems`` receives each unsupported question's message as it is found."""
    unsupported: list[UnsupportedQuestion] = []
    notes: list[str] = []
    try:
        questions = parse_file(path, fmt, unsupported, notes, data=data)
    except FormatError as error:
        raise ImportRefused(f"{error}; nothing imported") from None

    for problem in unsupported:
        if problems is not None:
            problems(str(problem))
    if unsupported and not skip_unsupported:
        details = "".join(f"\n{problem}" for problem in unsupported) if problems is None else ""
        raise ImportRefused(
            f"{len(unsupported)} unsupported question(s); nothing imported "
            "(use --skip-unsupported to import the others)" + details
        )

    from lms.quizzes.models import Question
    from lms.quizzes.services import questions_import

    keys = [question.key for question in questions if question.key]
    existing = set(Question.objects.filter(key__in=keys).values_list("key", flat=True))
    warnings: list[str] = []
    try:
        with transaction.atomic():
            counts = questions_import(
                questions=questions,
                default_category=category,
                source=str(path),
                warnings=warnings,
                store_images=not dry_run,
            )
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except FormatError as error:
        raise ImportRefused(f"{error}; nothing imported") from None

    options = {"file": str(path), "category": category, "dry_run": dry_run}
    return summary_text(questions, existing, counts, unsupported, options, warnings, notes)


def summary_text(questions, existing, counts, unsupported, options, warnings=(), notes=()) -> str:
    """Totals from the service, then per category: new, already in the bank, skipped."""
    rows: dict[str, list[int]] = {}
    default = options["category"] or "(no category)"
    for question in questions:
        row = rows.setdefault(question.category or default, [0, 0, 0])
        row[1 if question.key in existing else 0] += 1
    for problem in unsupported:
        rows.setdefault(getattr(problem, "category", "") or default, [0, 0, 0])[2] += 1
    totals = ", ".join(f"{key} {value}" for key, value in counts.items())
    verb = "Would import" if options["dry_run"] else "Imported"
    lines = [
        f"{verb} {len(questions)} question(s) from {options['file']} "
        f"({totals}; skipped {len(unsupported)})"
    ]
    for category, (new, old, skipped) in sorted(rows.items()):
        lines.append(f"  {category}: {new} new, {old} already in the bank, {skipped} skipped")
    lines += [f"  note: {options['file']}: {note}" for note in notes]
    lines += [f"  warning: {options['file']}: {warning}" for warning in warnings]
    if options["dry_run"]:
        lines.append("Dry run: nothing was saved.")
    return "\n".join(lines)

"""Export questions of the bank as a GIFT or Moodle XML file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from lms.quizzes.formats.export import to_gift, to_moodlexml


class Command(BaseCommand):
    help = (
        "Export questions of the bank (all, or one category and its subcategories) as GIFT or "
        "Moodle XML (with the images embedded)."
    )

    def add_arguments(self, parser):
        parser.add_argument("outfile", help='the file to write (UTF-8), or "-" for standard output')
        parser.add_argument(
            "--format",
            choices=("gift", "moodlexml"),
            default="gift",
            help="output format (gift, or moodlexml: keeps points, shuffling and images)",
        )
        parser.add_argument(
            "--category",
            default="",
            help='only this category path ("ISO-NT/01") and the ones below it',
        )

    def handle(self, *args, **options):
        from lms.quizzes.models import Question

        questions = Question.objects.select_related("category").prefetch_related(
            "choices", "tags", "clauses"
        )
        category = "/".join(part.strip() for part in options["category"].split("/") if part.strip())
        if category:
            questions = questions.filter(
                Q(category__path=category) | Q(category__path__startswith=category + "/")
            )
            if not questions.exists():
                raise CommandError(f"no questions in category {category!r}")
        questions = questions.order_by("category__path", "key", "pk")
        if options["format"] == "moodlexml":
            text = to_moodlexml(questions)
        else:
            text = to_gift(questions)
            lost = [q for q in questions if q.points != 1 or not q.shuffle_choices]
            if lost:
                names = ", ".join(repr(str(q)) for q in lost[:5]) + (
                    " ..." if len(lost) > 5 else ""
                )
                self.stderr.write(
                    f'warning: GIFT cannot carry points or "do not shuffle"; {len(lost)} '
                    f"question(s) set them ({names}). Re-importing this file keeps the bank's "
                    "values."
                )
        if options["outfile"] == "-":
            self.stdout.write(text, ending="")
            return
        path = Path(options["outfile"])
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{path}: cannot write ({error.strerror})") from None
        self.stdout.write(f"Exported {len(questions)} question(s) to {path}")

"""Fill Response.shown for attempts made before it existed, from the questions as they are now.

The bank rows were last changed by re-imports that overwrote them in place, so the current text
is the best record left; from now on each attempt keeps its own copy.
"""

from django.db import migrations

CHUNK = 1000


def forwards(apps, schema_editor):
    from lms.quizzes.models import question_snapshot

    Response = apps.get_model("quizzes", "Response")
    Choice = apps.get_model("quizzes", "Choice")
    pending = Response.objects.select_related("question").order_by("pk")
    last = 0
    while True:
        chunk = list(pending.filter(pk__gt=last)[:CHUNK])
        if not chunk:
            return
        choices: dict[int, list] = {}
        for choice in Choice.objects.filter(
            question_id__in={r.question_id for r in chunk}
        ).order_by("order", "pk"):
            choices.setdefault(choice.question_id, []).append(choice)
        for response in chunk:
            # Choice questions showed the choices in choice_order; short answers accept the
            # question's active choices.
            shown = [
                c
                for c in choices.get(response.question_id, [])
                if c.pk in response.choice_order or (not response.choice_order and c.active)
            ]
            response.shown = question_snapshot(response.question, shown)
        Response.objects.bulk_update(chunk, ["shown"])
        last = chunk[-1].pk


class Migration(migrations.Migration):
    dependencies = [("quizzes", "0003_response_shown_question")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

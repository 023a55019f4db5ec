# Merges two branches of migrations made side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('quizzes', '0003_sitting_remark_history'),
        ('quizzes', '0004_response_shown_from_questions'),
    ]

    operations = [
    ]

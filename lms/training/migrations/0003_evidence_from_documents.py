"""Move sign-in sheet scans kept as public Wagtail documents into the private evidence store."""

from django.db import migrations


def forwards(apps, schema_editor):
    from lms.training.evidence import evidence_from_documents

    evidence_from_documents(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("training", "0002_attendance_evidence"),
        ("wagtaildocs", "0014_alter_document_file_size"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

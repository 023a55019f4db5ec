# Merges two branches of migrations made side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('training', '0002_history_and_protected_records'),
        ('training', '0003_evidence_from_documents'),
    ]

    operations = [
    ]

# Merges two branches of migrations made side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0004_import_job_create_accounts'),
        ('agencies', '0004_official_history_agency_change_request'),
    ]

    operations = [
    ]

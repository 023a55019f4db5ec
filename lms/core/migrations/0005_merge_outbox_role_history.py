# Merges two branches of migrations made side by side.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_outbox_message'),
        ('core', '0004_role_history'),
    ]

    operations = [
    ]

"""Signals other apps listen to (certificates issue on ``session_completed``)."""

from django.dispatch import Signal

# Sent once per registration that met the completion rule, when its session is closed,
# inside the closing transaction:
# ``session_completed.send(sender=TrainingSession, registration=reg)``.
session_completed = Signal()

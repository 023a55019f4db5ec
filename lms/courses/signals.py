"""Signals other apps listen to."""

from django.dispatch import Signal

# course_completed(enrolment=...): sent once, when an enrolment first meets its completion rule.
course_completed = Signal()

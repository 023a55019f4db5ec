"""The training tests' clock.

Attendance may be taken for a day only once it has come, and a session may be closed only from
its last day on (lms/training/attendance.py ``today``). The factories schedule their days from
01/12/2026: these tests run as if on a date after all of them, unless a test sets another one
with the ``training_today`` fixture.
"""

from __future__ import annotations

import datetime

import pytest

LATER = datetime.date(2030, 1, 1)


@pytest.fixture(autouse=True)
def training_today(monkeypatch):
    """Set the training clock: ``training_today(date)``; after every factory day by default."""
    current = {"date": LATER}
    monkeypatch.setattr("lms.training.attendance.today", lambda: current["date"])

    def set_today(date: datetime.date) -> None:
        current["date"] = date

    return set_today

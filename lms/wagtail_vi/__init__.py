"""Correct Vietnamese for the strings editors see in Wagtail's admin and moderation emails.

Wagtail's own Vietnamese catalogue covers a small part of the admin and has mistakes ("Trang"
for Sites, "%(label)svà Xuất bản"). This app holds only a catalogue (locale/vi) of overrides: it
sits in INSTALLED_APPS after the project's apps and before Wagtail's, so its translations win
over Wagtail's and the project's own catalogues still win over it. The msgids are Wagtail's
English strings, copied exactly (tests/core/test_wagtail_vi.py checks they still exist in the
installed Wagtail). `make messages` leaves it alone: edit locale/vi/LC_MESSAGES/django.po by hand.
"""

"""Attendance and check-in URLs, included by lms/training/urls.py (same "training" namespace)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []

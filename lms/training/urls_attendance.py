"""Attendance and check-in URLs, included by lms/training/urls.py (same "training" namespace)."""

from django.urls import path

from . import views_attendance as views

day = "<int:pk>/days/<int:day_pk>/"

urlpatterns: list = [
    path(f"{day}attendance/", views.attendance_take, name="attendance_take"),
    path(f"{day}attendance/mark/", views.attendance_mark, name="attendance_mark"),
    path(f"{day}checkin/display/", views.checkin_display, name="checkin_display"),
    path(f"{day}checkin/qr/", views.checkin_qr, name="checkin_qr"),
    path(f"{day}checkin/<str:token>/", views.checkin_view, name="checkin"),
    path(f"{day}scan/", views.card_scan, name="card_scan"),
    path(f"{day}sign-in-sheet.pdf", views.signin_sheet_pdf, name="signin_sheet_pdf"),
    path(f"{day}sign-in-sheet/upload/", views.sheet_upload, name="sheet_upload"),
    path(f"{day}sign-in-sheet/template.xlsx", views.sheet_template, name="sheet_template"),
    path(f"{day}walk-ins/add/", views.walkin_add, name="walkin_add"),
    path(f"{day}roster/add/", views.roster_add, name="roster_add"),
    path(
        "<int:pk>/evidence/<int:evidence_pk>/",
        views.attendance_evidence,
        name="attendance_evidence",
    ),
    path("<int:pk>/walk-ins/<int:walkin_pk>/match/", views.walkin_match, name="walkin_match"),
    path("<int:pk>/cards.pdf", views.roster_cards_pdf, name="roster_cards_pdf"),
]

from django.urls import path

from . import views
from .urls_attendance import urlpatterns as attendance_urlpatterns

app_name = "training"

urlpatterns: list = [
    path("", views.session_list, name="session_list"),
    path("new/", views.session_create, name="session_create"),
    path("agencies.json", views.agency_search, name="agency_search"),
    path("<int:pk>/", views.session_detail, name="session_detail"),
    path("<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("<int:pk>/copy/", views.session_copy, name="session_copy"),
    path("<int:pk>/invite/", views.session_invite, name="session_invite"),
    path("<int:pk>/roster/", views.roster_upload, name="roster_upload"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/decline/", views.decline, name="decline"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/secretary-register/", views.secretary_register, name="secretary_register"),
    path("<int:pk>/close/", views.session_close, name="session_close"),
    path(
        "<int:pk>/registrations/<int:registration_pk>/remove/",
        views.registration_remove,
        name="registration_remove",
    ),
    path("<int:pk>/report/", views.session_report, name="session_report"),
    path("<int:pk>/report.xlsx", views.session_report_xlsx, name="session_report_xlsx"),
    path("<int:pk>/report.pdf", views.session_report_pdf, name="session_report_pdf"),
]
urlpatterns += attendance_urlpatterns

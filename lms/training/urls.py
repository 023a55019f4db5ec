from django.urls import path  # noqa: F401

from .urls_attendance import urlpatterns as attendance_urlpatterns

app_name = "training"

urlpatterns: list = []
urlpatterns += attendance_urlpatterns

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("country/dashboard.pdf", views.country_pdf, name="country_pdf"),
    path("country/<slug:slug>/", views.country_report, name="country_report"),
    path("<int:pk>/", views.dashboard, name="dashboard"),
    path("<int:pk>/dashboard.pdf", views.dashboard_pdf, name="dashboard_pdf"),
    path("<int:pk>/export/", views.export_start, name="export_start"),
    path("<int:pk>/untrained/assign/", views.untrained_assign, name="untrained_assign"),
    path("<int:pk>/untrained/invite/", views.untrained_invite, name="untrained_invite"),
    path("<int:pk>/<slug:slug>/", views.report, name="report"),
    path("exports/<int:pk>/", views.export_job, name="export_job"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]

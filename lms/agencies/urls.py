from django.urls import path

from . import views

app_name = "agencies"
urlpatterns = [
    path("", views.agency_list, name="agency_list"),
    path("<int:pk>/", views.agency_detail, name="agency_detail"),
    path("<int:pk>/accounts/", views.create_accounts, name="create_accounts"),
    path("import/", views.import_officials, name="import_officials"),
    path("import/<int:pk>/", views.import_job, name="import_job"),
    path("change-requests/", views.change_request_list, name="change_request_list"),
    path("change-requests/<int:pk>/", views.change_request_detail, name="change_request_detail"),
]

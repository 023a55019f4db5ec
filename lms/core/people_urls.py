from django.urls import path

from . import people_views

app_name = "people"

urlpatterns = [
    path("", people_views.person_list, name="person_list"),
    path("<int:pk>/", people_views.person_detail, name="person_detail"),
    path("<int:pk>/login/", people_views.login_create, name="login_create"),
    path("<int:pk>/activation/", people_views.activation_resend, name="activation_resend"),
    path("<int:pk>/grant/", people_views.role_grant, name="role_grant"),
    path("<int:pk>/roles/<int:grant_pk>/revoke/", people_views.role_revoke, name="role_revoke"),
]

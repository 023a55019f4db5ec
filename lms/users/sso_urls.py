"""Single sign-on (lms/users/oidc.py): both answer 404 while OIDC_RP_CLIENT_ID is unset."""

from django.urls import path

from . import oidc

app_name = "sso"
urlpatterns = [
    path("start/", oidc.SSOStartView.as_view(), name="start"),
    path("callback/", oidc.SSOCallbackView.as_view(), name="callback"),
]

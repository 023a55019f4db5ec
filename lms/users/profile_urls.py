"""The account page and what hangs off it: profile, agency correction request, two-factor."""

from django.urls import path

from . import otp, profile

urlpatterns = [
    path("", profile.account, name="account"),
    path("agency-request/", profile.agency_request, name="agency_request"),
    path("two-factor/", otp.otp_setup, name="otp_setup"),
    path("two-factor/verify/", otp.otp_verify, name="otp_verify"),
]

"""Certificates (the holder's, the managers') and the public verification page.

Mounted at the site root (lms/urls.py) so that ``/verify/<code>/`` keeps the address printed on
every certificate.
"""

from django.urls import path, re_path

from . import views
from .codes import URL_REGEX

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.my_certificates, name="mine"),
    path("certificates/manage/", views.manage_list, name="manage"),
    re_path(rf"^certificates/(?P<code>{URL_REGEX})/$", views.detail, name="detail"),
    re_path(rf"^certificates/(?P<code>{URL_REGEX})/pdf/$", views.download, name="download"),
    re_path(rf"^certificates/(?P<code>{URL_REGEX})/revoke/$", views.revoke, name="revoke"),
    re_path(rf"^certificates/(?P<code>{URL_REGEX})/reissue/$", views.reissue, name="reissue"),
    path(
        "certificates/sessions/<int:pk>/progress/",
        views.session_progress,
        name="session_progress",
    ),
    re_path(rf"^verify/(?P<code>{URL_REGEX})/$", views.verify, name="verify"),
    # The Open Badges 3.0 credential goes here, beside the page:
    # re_path(rf"^verify/(?P<code>{URL_REGEX})\.json$", ..., name="verify_json"),
]

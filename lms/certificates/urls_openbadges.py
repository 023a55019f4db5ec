"""Open Badges 3.0 URLs, included at the site root next to the certificates' own URLs.

The HTML verify page is ``certificates:verify`` at /verify/<code>/; its machine-readable forms are
here. Codes outside the code alphabet or longer than the field match nothing (→ 404, never 500).
"""

from django.urls import path, re_path

from . import views_openbadges as views

app_name = "openbadges"

CODE = r"(?P<code>[A-Za-z0-9_-]{1,40})"

urlpatterns = [
    re_path(rf"^verify/{CODE}\.json$", views.credential_json, name="credential_json"),
    re_path(rf"^verify/{CODE}\.jwt$", views.credential_jwt, name="credential_jwt"),
    path("openbadges/issuer.json", views.issuer, name="issuer"),
    path("openbadges/jwks.json", views.jwks, name="jwks"),
    re_path(r"^openbadges/keys/(?P<kid>[A-Za-z0-9_-]{1,64})\.json$", views.key, name="key"),
    path("openbadges/status/revocation.jwt", views.status_list, name="status_list"),
    path("openbadges/status/revocation.json", views.status_list_json, name="status_list_json"),
]

"""Public Open Badges 3.0 URLs: a certificate's credential (JSON, VC-JWT), the issuer's profile,
its keys and the revocation status list. No login; certificate lookups are counted per client."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from . import keys, lookups, openbadges, statuslist
from .models import SigningKey

JSON = "application/json; charset=utf-8"
JWT = "application/jwt"


def _response(body, content_type: str, *, max_age: int = 300, **headers) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    # Verifiers in other sites' pages read these with fetch().
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = f"public, max-age={max_age}"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def _too_many() -> HttpResponse:
    body = json.dumps({"error": "Too many certificate lookups; try again in a minute."})
    response = HttpResponse(body, content_type=JSON, status=429)
    response["Retry-After"] = "60"
    return response


def _rendered(request, code: str):
    rendered = openbadges.credential_rendered(code)
    if rendered is None:
        raise Http404("No certificate with this code.")
    return rendered


@require_safe
def credential_json(request, code: str):
    """The OpenBadgeCredential as JSON; its proof is the VC-JWT at the ``.jwt`` URL."""
    if lookups.limited(request):
        return _too_many()
    body, _token = _rendered(request, code)
    jwt_url = request.path[: -len(".json")] + ".jwt"
    return _response(body, JSON, Link=f'<{jwt_url}>; rel="alternate"; type="{JWT}"')


@require_safe
def credential_jwt(request, code: str):
    """The OpenBadgeCredential secured as a VC-JWT (OB 3.0 §8.2 Compact JWS)."""
    if lookups.limited(request):
        return _too_many()
    _body, token = _rendered(request, code)
    return _response(token, JWT)


@require_safe
def issuer(request):
    return _response(openbadges.json_bytes(openbadges.issuer_profile()), JSON, max_age=3600)


@require_safe
def jwks(request):
    """Every signing key, retired ones included: old credentials keep verifying."""
    return _response(openbadges.json_bytes(keys.public_jwks()), JSON, max_age=600)


@require_safe
def key(request, kid: str):
    """One key's JWK: what a credential's JOSE header ``kid`` dereferences to."""
    signing_key = SigningKey.objects.filter(kid=kid).first()
    if signing_key is None:
        raise Http404("No key with this id.")
    return _response(openbadges.json_bytes(keys.public_jwk(signing_key)), JSON, max_age=3600)


@require_safe
def status_list(request):
    """The revocation BitstringStatusListCredential, as a VC-JWT."""
    _body, token = statuslist.status_list_rendered()
    return _response(token, JWT, max_age=statuslist.CACHE_SECONDS)


@require_safe
def status_list_json(request):
    """The same status list credential as JSON, for reading (its proof is the VC-JWT)."""
    body, _token = statuslist.status_list_rendered()
    return _response(body, JSON, max_age=statuslist.CACHE_SECONDS)

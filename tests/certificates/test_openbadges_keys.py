"""Signing keys: `manage.py rotate_signing_key` keeps old credentials verifiable."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse
from joserfc import jwt
from joserfc.jwk import KeySet

from lms.certificates import keys, openbadges
from lms.certificates.models import SigningKey
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import build_course


def _jwks(client):
    return client.get(reverse("openbadges:jwks")).json()


def _token(client, code):
    response = client.get(reverse("openbadges:credential_jwt", kwargs={"code": code}))
    assert response.status_code == 200
    return response.content.decode()


def test_rotation_keeps_old_credentials_verifiable(client, db):
    course = build_course(lessons=1)
    old_cert = CertificateFactory(course=course)
    old_token = _token(client, old_cert.code)
    old_kid = jwt.decode(old_token, KeySet.import_key_set(_jwks(client))).header["kid"]

    out = io.StringIO()
    call_command("rotate_signing_key", stdout=out)
    assert "New signing key" in out.getvalue() and "Retired key" in out.getvalue()

    old_key, new_key = SigningKey.objects.order_by("created_at", "pk")
    assert (old_key.active, new_key.active) == (False, True)
    assert old_key.retired_at is not None and new_key.algorithm == "RS256"

    jwks = _jwks(client)
    assert [k["kid"] for k in jwks["keys"]] == [
        keys.key_url(old_key.kid),
        keys.key_url(new_key.kid),
    ]
    assert all("d" not in k and "p" not in k for k in jwks["keys"])
    # The credential signed before the rotation still verifies with the published keys.
    assert openbadges.credential_verify(old_token, jwks).status == "valid"
    # Its key's own URL still answers.
    assert client.get(old_kid.removeprefix("http://127.0.0.1:8000")).status_code == 200

    new_cert = CertificateFactory(course=course)
    new_token = _token(client, new_cert.code)
    header = jwt.decode(new_token, KeySet.import_key_set(jwks)).header
    assert header["kid"] == keys.key_url(new_key.kid)
    assert openbadges.credential_verify(new_token, jwks).status == "valid"
    # Without the retired key, the old credential would no longer verify: it must stay published.
    only_new = {"keys": [k for k in jwks["keys"] if k["kid"] == header["kid"]]}
    assert openbadges.credential_verify(old_token, only_new).status == "invalid"


def test_first_use_makes_one_active_key_and_the_database_allows_no_second(db):
    first = keys.signing_key_active()
    assert keys.signing_key_active().pk == first.pk
    assert SigningKey.objects.count() == 1
    assert set(first.public_jwk) == {"kty", "n", "e"}
    assert "PRIVATE KEY" in first.private_pem
    with pytest.raises(IntegrityError):
        SigningKey.objects.create(kid="second", private_pem="x", public_jwk={}, active=True)


def test_jwks_cache_is_refreshed_by_a_rotation(client, db):
    keys.signing_key_active()
    assert len(_jwks(client)["keys"]) == 1
    assert cache.get("openbadges:jwks") is not None
    call_command("rotate_signing_key", stdout=io.StringIO())
    assert len(_jwks(client)["keys"]) == 2

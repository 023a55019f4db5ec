"""Open Badges 3.0: /verify/<code>.json and .jwt, checked as a third party would check them.

The credential is validated against the OB 3.0 JSON Schema kept in shared/standards (offline);
its VC-JWT proof is verified with joserfc's verifier and the keys published at the JWKS URL; a
tampered copy fails; a revoked certificate is revoked in the published Bitstring Status List.
"""

import base64
import datetime
import json
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from lms.certificates import lookups, openbadges, statuslist
from lms.certificates.models import Certificate, CertificateSettings, CertificateStatus
from lms.certificates.signals import certificate_expired, certificate_revoked
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import build_course

STANDARDS = Path(settings.BASE_DIR).parent / "shared" / "standards"


@pytest.fixture(scope="module")
def schema():
    return json.loads((STANDARDS / "ob3p0-achievementcredential.schema.json").read_text())


@pytest.fixture
def course(db):
    return build_course(lessons=1, title="Nhận thức chung về TCVN ISO 9001:2015")


@pytest.fixture
def certificate(course):
    return CertificateFactory(
        course=course,
        holder_name="Nguyễn Thị Hồng Nhung",
        agency_name="UBND xã Đồng Tâm",
        score="86.50",
        valid_until=datetime.date(2099, 11, 1),
    )


def _get(client, name, **kwargs):
    return client.get(reverse(f"openbadges:{name}", kwargs=kwargs))


def _published_keys(client) -> dict:
    response = _get(client, "jwks")
    assert response.status_code == 200
    return response.json()


def _revoke(certificate, reason="Sai họ tên"):
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.REVOKED, revoked_at=timezone.now(), revoked_reason=reason
    )
    certificate.refresh_from_db()
    certificate_revoked.send(sender=Certificate, certificate=certificate)


def _tamper(token: str, change) -> str:
    """The same JWS with its payload changed (the signature kept)."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    change(claims)
    raw = json.dumps(claims, ensure_ascii=False).encode()
    return ".".join([header, base64.urlsafe_b64encode(raw).rstrip(b"=").decode(), signature])


def test_credential_json_validates_against_the_ob3_schema(client, certificate, schema):
    response = _get(client, "credential_json", code=certificate.code)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    credential = response.json()
    jsonschema.Draft201909Validator(
        schema, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    ).validate(credential)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][1] == "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
    assert credential["credentialSchema"][0]["id"] == schema["$id"]
    assert credential["id"].endswith(f"/verify/{certificate.code}.json")
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Nguyễn Thị Hồng Nhung"
    assert subject["achievement"]["name"] == "Nhận thức chung về TCVN ISO 9001:2015"
    assert subject["result"][0]["value"] == "86.50"
    assert credential["validFrom"] == "2026-11-02T00:00:00+07:00"
    assert credential["validUntil"] == "2099-11-01T23:59:59+07:00"
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    assert status["statusListCredential"].endswith("/openbadges/status/revocation.jwt")
    # The JSON names its proof: the VC-JWT of the same credential.
    assert (
        response["Link"]
        == f'</verify/{certificate.code}.jwt>; rel="alternate"; type="application/jwt"'
    )
    # Nothing personal beyond the verify page: no official id, user name, email or staff code.
    text = response.content.decode()
    assert certificate.official.email not in text
    assert f'"{certificate.official_id}"' not in text


def test_credential_without_expiry_or_evidence_still_validates(client, course, schema):
    bare = CertificateFactory(course=course, agency_name="", valid_until=None)
    credential = _get(client, "credential_json", code=bare.code).json()
    jsonschema.Draft201909Validator(schema).validate(credential)
    assert "validUntil" not in credential
    assert "result" not in credential["credentialSubject"]


def test_jwt_proof_verifies_with_the_published_key(client, certificate):
    token = _get(client, "credential_jwt", code=certificate.code).content.decode()
    key_set = KeySet.import_key_set(_published_keys(client))
    decoded = jwt.decode(token, key_set, algorithms=["RS256"])  # the library's verifier
    assert decoded.header == {
        "alg": "RS256",
        "kid": decoded.header["kid"],
        "typ": "JWT",
    }
    # The kid is the URL of the JWK (OB 3.0 §8.2.2): it dereferences to the public key only.
    kid_path = decoded.header["kid"].removeprefix(settings.OPENBADGES_BASE_URL)
    jwk = client.get(kid_path).json()
    assert jwk["kid"] == decoded.header["kid"] and jwk["kty"] == "RSA" and "d" not in jwk
    claims = decoded.claims
    credential = _get(client, "credential_json", code=certificate.code).json()
    assert {k: v for k, v in claims.items() if k not in ("iss", "jti", "sub", "nbf", "exp")} == (
        credential
    )
    assert claims["iss"] == credential["issuer"]["id"]
    assert claims["jti"] == credential["id"]
    assert claims["sub"] == credential["credentialSubject"]["id"]
    assert claims["nbf"] == int(
        datetime.datetime.fromisoformat(credential["validFrom"]).timestamp()
    )
    assert claims["exp"] == int(
        datetime.datetime.fromisoformat(credential["validUntil"]).timestamp()
    )
    status_list = _get(client, "status_list").content.decode()
    result = openbadges.credential_verify(token, _published_keys(client), status_list)
    assert (result.valid, result.status) == (True, "valid")


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c["credentialSubject"]["identifier"][0].update(identityHash="Trần Văn Giả"),
        lambda c: c["credentialSubject"]["achievement"].update(name="Chuyên gia đánh giá"),
        lambda c: c.update(validUntil="2199-01-01T00:00:00+07:00"),
        lambda c: c["credentialStatus"].update(statusListIndex="99999"),
    ],
    ids=["holder", "course", "validity", "status-index"],
)
def test_a_tampered_credential_fails_verification(client, certificate, change):
    token = _get(client, "credential_jwt", code=certificate.code).content.decode()
    forged = _tamper(token, change)
    jwks = _published_keys(client)
    with pytest.raises(BadSignatureError):
        jwt.decode(forged, KeySet.import_key_set(jwks), algorithms=["RS256"])
    result = openbadges.credential_verify(forged, jwks)
    assert (result.valid, result.status) == (False, "invalid")
    assert "signature" in result.errors[0]


def test_a_token_signed_by_another_key_fails(client, certificate):
    from joserfc.jwk import RSAKey

    token = _get(client, "credential_jwt", code=certificate.code).content.decode()
    claims = jwt.decode(token, KeySet.import_key_set(_published_keys(client))).claims
    header = jwt.decode(token, KeySet.import_key_set(_published_keys(client))).header
    forged = jwt.encode(header, claims, RSAKey.generate_key(2048), ["RS256"])
    result = openbadges.credential_verify(forged, _published_keys(client))
    assert (result.valid, result.status) == (False, "invalid")


def test_revoked_certificate_is_revoked_in_the_published_status_list(client, certificate, course):
    other = CertificateFactory(course=course)
    token = _get(client, "credential_jwt", code=certificate.code).content.decode()
    other_token = _get(client, "credential_jwt", code=other.code).content.decode()
    before = _get(client, "status_list").content.decode()  # cached now
    _revoke(certificate)

    status_list = _get(client, "status_list").content.decode()
    assert status_list != before, "the revocation must not wait for the cache"
    jwks = _published_keys(client)
    result = openbadges.credential_verify(token, jwks, status_list)
    assert (result.valid, result.status) == (False, "revoked")
    assert openbadges.credential_verify(other_token, jwks, status_list).status == "valid"
    # Still served, so that a verifier can see it revoked.
    assert _get(client, "credential_json", code=certificate.code).status_code == 200

    listed = jwt.decode(status_list, KeySet.import_key_set(jwks), algorithms=["RS256"]).claims
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    subject = listed["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    bits = statuslist.decode(subject["encodedList"])
    assert len(bits) * 8 >= 131072  # the specification's minimum size
    certificate.refresh_from_db()
    other.refresh_from_db()
    assert statuslist.bit_is_set(bits, certificate.status_index)
    assert not statuslist.bit_is_set(bits, other.status_index)
    assert sum(bin(b).count("1") for b in bits) == 1
    plain = _get(client, "status_list_json").json()
    assert plain["credentialSubject"]["encodedList"] == subject["encodedList"]


def test_bitstring_order_and_size():
    bits = statuslist.bitstring([0, 9, 131072])
    assert len(bits) == 2 * 131072 // 8  # grows in 16 KiB steps
    assert bits[0] == 0x80 and bits[1] == 0x40
    assert statuslist.decode(statuslist.encode(bits)) == bits
    with pytest.raises(ValueError, match="outside the list"):
        statuslist.bit_is_set(bits, len(bits) * 8)


def test_expired_certificate_fails_as_expired(client, course):
    expired = CertificateFactory(
        course=course, issued_on=datetime.date(2020, 1, 1), valid_until=datetime.date(2021, 1, 1)
    )
    token = _get(client, "credential_jwt", code=expired.code).content.decode()
    result = openbadges.credential_verify(token, _published_keys(client))
    assert (result.valid, result.status) == (False, "expired")


def test_status_index_is_given_once_and_never_shared(course):
    first, second = CertificateFactory(course=course), CertificateFactory(course=course)
    assert first.status_index is None
    a = statuslist.status_index_ensure(first)
    b = statuslist.status_index_ensure(second)
    assert a != b
    assert statuslist.status_index_ensure(first) == a
    first.refresh_from_db()
    assert first.status_index == a
    kept = CertificateFactory(course=course, status_index=777)
    assert statuslist.status_index_ensure(kept) == 777
    assert statuslist.status_index_ensure(CertificateFactory(course=course)) == 778


def test_the_rendered_credential_is_cached_until_revoked_or_expired(
    client, certificate, django_assert_num_queries
):
    url = reverse("openbadges:credential_json", kwargs={"code": certificate.code})
    first = client.get(url)
    with django_assert_num_queries(0):
        again = client.get(url)
        client.get(reverse("openbadges:credential_jwt", kwargs={"code": certificate.code}))
    assert again.content == first.content
    key = "openbadges:credential:" + certificate.code
    assert cache.get(key) is not None
    certificate_expired.send(sender=Certificate, certificate=certificate)
    assert cache.get(key) is None
    client.get(url)
    assert cache.get(key) is not None
    _revoke(certificate)
    assert cache.get(key) is None


@pytest.mark.parametrize(
    "path",
    [
        "/verify/NOSUCHCODE0000000000.json",
        "/verify/NOSUCHCODE0000000000.jwt",
        "/verify/bad!code.json",
        "/verify/m%C3%A3.json",
        "/verify/a.b.json",
        "/verify/%00.json",
        "/verify/.json",
        "/verify/" + "A" * 41 + ".json",
        "/verify/" + "A" * 5000 + ".jwt",
        "/openbadges/keys/nope.json",
        "/openbadges/keys/" + "k" * 65 + ".json",
    ],
)
def test_unknown_malformed_or_overlong_codes_are_404(client, db, path):
    assert client.get(path).status_code == 404


def test_lookups_are_rate_limited_per_client(client, certificate, settings, monkeypatch):
    settings.CERTIFICATE_VERIFY_RATE = "3/m"
    # The limit counts per fixed window of a minute: hold the clock still, or a minute boundary
    # falling between the 3rd and 4th lookup starts a new count and the 4th passes.
    monkeypatch.setattr(lookups, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    url = reverse("openbadges:credential_json", kwargs={"code": certificate.code})
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(url)
    assert refused.status_code == 429 and "Too many" in refused.json()["error"]
    # Misses count too (no enumeration), and another client has its own count.
    assert client.get("/verify/UNKNOWN.jwt").status_code == 429
    other = client.get(url, REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 200


def test_issuer_profile_is_published(client, db, schema):
    profile = _get(client, "issuer").json()
    sub_schema = {"$ref": "#/$defs/Profile", "$defs": schema["$defs"]}
    jsonschema.Draft201909Validator(sub_schema).validate(profile)
    assert profile["id"] == openbadges.issuer_id()
    # One issuing body for the PDF and the credential: the editable certificate settings.
    assert profile["name"] == CertificateSettings.load().issuer_name


def test_verify_urls_refuse_writes(client, certificate):
    url = reverse("openbadges:credential_json", kwargs={"code": certificate.code})
    assert client.post(url).status_code == 405

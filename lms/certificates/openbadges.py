"""A certificate as an Open Badges 3.0 ``OpenBadgeCredential`` secured as a VC-JWT (OB 3.0 §8.2).

- ``credential_build(certificate)``: the credential (JSON-LD object of the OB 3.0 data model).
- ``credential_sign(credential)``: the Compact JWS of OB 3.0 §8.2: JOSE header ``alg`` RS256,
  ``kid`` the URL of the signing key's JWK, ``typ`` JWT; the payload is the credential itself with
  the claims ``iss`` (issuer.id), ``jti`` (id), ``sub`` (credentialSubject.id), ``nbf``
  (validFrom) and ``exp`` (validUntil, when the certificate expires).
- ``credential_rendered(code)``: (JSON, JWT) of a certificate, cached until it is revoked or
  expires (the verify URLs answer from the cache without touching the database).
- ``credential_verify(token, jwks, status_list_jwt)``: what a verifier does (§8.2.4 and the status
  list check), with joserfc's verifier for the signature.

JOSE work is done by joserfc (README "Open Badges 3.0" says why).
"""

from __future__ import annotations

import datetime
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from . import keys, statuslist
from .models import Certificate

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SCHEMA_ID = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential-jsonschema1.json"
)
_CACHE_PREFIX = "openbadges:credential:"
CACHE_SECONDS = 24 * 3600


def absolute_url(path: str) -> str:
    return settings.OPENBADGES_BASE_URL + path


def issuer_id() -> str:
    return absolute_url(reverse("openbadges:issuer"))


def issuer_name() -> str:
    """The issuing body, the same one the PDF prints (Settings → Certificate settings)."""
    from .models import CertificateSettings

    return CertificateSettings.load().issuer_name


def issuer_profile() -> dict:
    """The issuer's Profile, published at ``issuer_id()``."""
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_id(),
        "type": ["Profile"],
        "name": issuer_name(),
        "url": settings.OPENBADGES_BASE_URL + "/",
    }


def credential_id(code: str) -> str:
    return absolute_url(reverse("openbadges:credential_json", kwargs={"code": code}))


def _urn(name: str) -> str:
    """A stable URN for something that has no page of its own (the platform's URL keeps it ours)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, settings.OPENBADGES_BASE_URL + name).urn


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _day_end(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(23, 59, 59), tzinfo=ZoneInfo(settings.TIME_ZONE)
    )


def _percent(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)


def credential_build(certificate: Certificate) -> dict:
    """The certificate as an OpenBadgeCredential (gives it a status list index if it has none).

    Nothing personal beyond what the public verify page shows: the holder's name (as an
    IdentityObject, OB 3.0's way to name a recipient), the agency's name, the course, the dates and
    the evidence (final score, attendance). The subject's ``id`` is an opaque URN, stable per
    official, so a holder's credentials can be told to be one person's without naming an account.
    """
    index = statuslist.status_index_ensure(certificate)
    achievement_id = _urn(f"/openbadges/achievements/{certificate.course_id}")
    list_url = statuslist.status_list_url()
    results, descriptions = [], []
    for key, name, value in (
        ("score", "Điểm bài kiểm tra cuối khóa (%)", certificate.score),
        ("attendance", "Tỷ lệ tham dự lớp tập huấn (%)", certificate.attendance_percent),
    ):
        if value is None:
            continue
        description_id = f"{achievement_id}#{key}"
        descriptions.append(
            {
                "id": description_id,
                "type": ["ResultDescription"],
                "name": name,
                "resultType": "Percent",
            }
        )
        results.append(
            {"type": ["Result"], "resultDescription": description_id, "value": _percent(value)}
        )
    if certificate.session_id:
        narrative = (
            "Tham dự lớp tập huấn của khóa học, đạt tỷ lệ tham dự theo quy định và được ghi nhận "
            "hoàn thành khi lớp kết thúc."
        )
    else:
        narrative = "Hoàn thành tất cả bài học của khóa học và đạt bài kiểm tra cuối khóa."
    achievement = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": certificate.course_title,
        "description": f"Giấy chứng nhận hoàn thành khóa học «{certificate.course_title}».",
        "criteria": {"narrative": narrative},
        "inLanguage": "vi",
    }
    if descriptions:
        achievement["resultDescription"] = descriptions
    holder = certificate.holder_name
    if certificate.agency_name:
        holder = f"{holder} ({certificate.agency_name})"
    subject = {
        "id": _urn(f"/openbadges/holders/{certificate.official_id}"),
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": certificate.holder_name,
                "identityType": "name",
                "hashed": False,
            }
        ],
        "achievement": achievement,
    }
    if results:
        subject["result"] = results
    valid_from = _day_start(certificate.issued_on)
    credential = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": credential_id(certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.course_title,
        "description": f"Giấy chứng nhận cấp cho {holder}.",
        "issuer": {"id": issuer_id(), "type": ["Profile"], "name": issuer_name()},
        "validFrom": iso(valid_from),
        "awardedDate": iso(valid_from),
        "credentialSubject": subject,
        "credentialSchema": [{"id": SCHEMA_ID, "type": "1EdTechJsonSchemaValidator2019"}],
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": statuslist.PURPOSE,
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
    }
    if certificate.valid_until is not None:
        credential["validUntil"] = iso(_day_end(certificate.valid_until))
    return credential


def _claims(credential: dict) -> dict:
    """The JWT payload of OB 3.0 §8.2.3: the credential plus the registered claims it implies."""
    issuer = credential["issuer"]
    claims = {
        **credential,
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "sub": credential["credentialSubject"]["id"],
        "nbf": int(datetime.datetime.fromisoformat(credential["validFrom"]).timestamp()),
    }
    if "validUntil" in credential:
        claims["exp"] = int(datetime.datetime.fromisoformat(credential["validUntil"]).timestamp())
    return claims


def credential_sign(credential: dict) -> str:
    """The credential as a Compact JWS signed with the active key (VC-JWT, OB 3.0 §8.2)."""
    signing_key = keys.signing_key_active()
    header = {"alg": signing_key.algorithm, "kid": keys.key_url(signing_key.kid), "typ": "JWT"}
    return jwt.encode(header, _claims(credential), keys.private_key(signing_key), [keys.ALGORITHM])


def json_bytes(data: dict) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2).encode()


def _cache_key(code: str) -> str:
    return _CACHE_PREFIX + code


def credential_rendered(code: str) -> tuple[bytes, str] | None:
    """(JSON, VC-JWT) of the certificate with this code, or None when there is none; cached."""
    key = _cache_key(code)
    rendered = cache.get(key)
    if rendered is None:
        certificate = Certificate.objects.filter(code=code).first()
        if certificate is None:
            return None
        credential = credential_build(certificate)
        rendered = (json_bytes(credential), credential_sign(credential))
        cache.set(key, rendered, CACHE_SECONDS)
    return rendered


def credential_changed(certificate: Certificate) -> None:
    """Forget the rendered credential (and, for a revocation, the published status list)."""
    cache.delete(_cache_key(certificate.code))
    statuslist.status_list_changed()


@dataclass
class Verification:
    valid: bool
    status: str  # "valid", "revoked", "expired", "not yet valid" or "invalid"
    errors: list[str] = field(default_factory=list)
    credential: dict | None = None


def _jwt_claims(token: str, key_set: KeySet) -> tuple[dict, dict]:
    decoded = jwt.decode(token, key_set, algorithms=[keys.ALGORITHM])
    return decoded.header, decoded.claims


def credential_verify(
    token: str, jwks: dict, status_list_jwt: str | None = None, *, now=None
) -> Verification:
    """Verify a VC-JWT as OB 3.0 §8.2.4 says, then its revocation bit.

    ``jwks``: the issuer's published JWK Set; ``status_list_jwt``: the status list credential
    fetched from ``credentialStatus.statusListCredential`` (verified with the same keys).
    """
    now = now or datetime.datetime.now(datetime.UTC)
    key_set = KeySet.import_key_set(jwks)
    try:
        header, claims = _jwt_claims(token, key_set)
    except (JoseError, ValueError) as exc:
        return Verification(False, "invalid", [f"signature: {exc.__class__.__name__} {exc}"])
    errors = []
    if set(header) - {"alg", "kid", "jwk", "typ"}:
        errors.append(f"JOSE header has extra members: {sorted(set(header))}")
    credential = {k: v for k, v in claims.items() if k not in ("iss", "jti", "sub", "nbf", "exp")}
    issuer = credential.get("issuer")
    issuer_ref = issuer.get("id") if isinstance(issuer, dict) else issuer
    if claims.get("iss") != issuer_ref:
        errors.append("iss does not match issuer.id")
    if claims.get("jti") != credential.get("id"):
        errors.append("jti does not match id")
    if claims.get("sub") != (credential.get("credentialSubject") or {}).get("id"):
        errors.append("sub does not match credentialSubject.id")
    try:
        valid_from = datetime.datetime.fromisoformat(credential["validFrom"])
        if claims.get("nbf") != int(valid_from.timestamp()):
            errors.append("nbf does not match validFrom")
    except (KeyError, TypeError, ValueError):
        errors.append("validFrom is missing or not a date-time")
        valid_from = None
    if errors:
        return Verification(False, "invalid", errors, credential)
    if valid_from and valid_from > now:
        return Verification(False, "not yet valid", [], credential)
    if "exp" in claims and datetime.datetime.fromtimestamp(claims["exp"], datetime.UTC) < now:
        return Verification(False, "expired", [], credential)
    status = credential.get("credentialStatus")
    if status and status_list_jwt is not None:
        try:
            _h, list_claims = _jwt_claims(status_list_jwt, key_set)
            if list_claims.get("id") != status["statusListCredential"]:
                raise ValueError("the status list is not the one the credential names")
            bits = statuslist.decode(list_claims["credentialSubject"]["encodedList"])
            revoked = statuslist.bit_is_set(bits, int(status["statusListIndex"]))
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            return Verification(False, "invalid", [f"status list: {exc}"], credential)
        if revoked:
            return Verification(False, "revoked", [], credential)
    return Verification(True, "valid", [], credential)

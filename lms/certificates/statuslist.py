"""Revocation published as a W3C Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/).

Each certificate owns one bit (``Certificate.status_index``, given the first time its credential
is built); the bit is 1 once the certificate is revoked. The list is published as a
``BitstringStatusListCredential`` signed like the certificates (VC-JWT), so a verifier that reads
a credential's ``credentialStatus`` sees a revoked certificate as revoked. Expiry is not in the
list: it is the credential's ``validUntil`` (the JWT's ``exp``).
"""

from __future__ import annotations

import base64
import gzip

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from .models import Certificate, CertificateStatus

# The specification's minimum: 16 KiB of bits (131,072 entries), for group privacy.
MIN_BITS = 16 * 1024 * 8
PURPOSE = "revocation"
_CACHE_KEY = "openbadges:status-list:revocation"
# Revocations invalidate the cached list at once (signals); this bounds staleness for a row
# changed some other way (a database restore, the Django admin).
CACHE_SECONDS = 300


def status_list_url() -> str:
    from .openbadges import absolute_url

    return absolute_url(reverse("openbadges:status_list"))


def status_index_ensure(certificate: Certificate) -> int:
    """The certificate's bit in the list, given now (the next free one) if it has none.

    Atomic: the index is set only where it is still empty, and two certificates that take the same
    number at once hit the unique constraint and the loser takes the next one.
    """
    if certificate.status_index is not None:
        return certificate.status_index
    for _attempt in range(100):
        try:
            with transaction.atomic():
                top = Certificate.objects.aggregate(top=Max("status_index"))["top"]
                Certificate.objects.filter(pk=certificate.pk, status_index__isnull=True).update(
                    status_index=0 if top is None else top + 1
                )
        except IntegrityError:
            continue
        certificate.refresh_from_db(fields=["status_index"])
        if certificate.status_index is not None:
            return certificate.status_index
    raise RuntimeError(f"no status list index for certificate {certificate.pk}")


def bitstring(indices, size: int | None = None) -> bytes:
    """The list's bits: bit ``i`` is the ``i % 8``-th most significant bit of byte ``i // 8``."""
    indices = list(indices)
    needed = (max(indices) + 1) if indices else 0
    bits = size or max(MIN_BITS, -(-needed // MIN_BITS) * MIN_BITS)
    data = bytearray(bits // 8)
    for i in indices:
        data[i // 8] |= 0x80 >> (i % 8)
    return bytes(data)


def encode(bits: bytes) -> str:
    """Multibase base64url (prefix ``u``, no padding) of the GZIP-compressed bitstring."""
    packed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("encodedList is not multibase base64url (prefix 'u')")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit_is_set(bits: bytes, index: int) -> bool:
    if index < 0 or index // 8 >= len(bits):
        raise ValueError(f"statusListIndex {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def revoked_indices() -> list[int]:
    return list(
        Certificate.objects.filter(
            status=CertificateStatus.REVOKED, status_index__isnull=False
        ).values_list("status_index", flat=True)
    )


def status_list_credential() -> dict:
    """The unsigned BitstringStatusListCredential of every revoked certificate, as of now."""
    from .openbadges import VC_CONTEXT, iso, issuer_id

    url = status_list_url()
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id(),
        "validFrom": iso(timezone.now().replace(microsecond=0)),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encode(bitstring(revoked_indices())),
        },
    }


def status_list_rendered() -> tuple[bytes, str]:
    """(JSON, VC-JWT) of the status list credential, cached until the next revocation."""
    rendered = cache.get(_CACHE_KEY)
    if rendered is None:
        from .openbadges import credential_sign, json_bytes

        data = status_list_credential()
        rendered = (json_bytes(data), credential_sign(data))
        cache.set(_CACHE_KEY, rendered, CACHE_SECONDS)
    return rendered


def status_list_changed() -> None:
    cache.delete(_CACHE_KEY)

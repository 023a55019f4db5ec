"""Reads: a holder's certificates, the ones an ISO secretary manages, the verify page's data."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from lms.core.access import scope_q

from .models import Certificate, IssueBatch
from .rules import MANAGERS
from .services import VERIFY_CACHE

VERIFY_TTL = 24 * 3600  # an entry also goes on revocation and expiry (services._forget)


def certificates_of(official) -> QuerySet[Certificate]:
    if official is None:
        return Certificate.objects.none()
    return Certificate.objects.filter(official=official).select_related("session")


def certificates_managed(user, *, query: str = "") -> QuerySet[Certificate]:
    """Certificates whose holder's agency at issue is in the user's scope, newest first."""
    rows = Certificate.objects.filter(scope_q(user, *MANAGERS)).select_related("agency")
    query = " ".join(query.split())
    if query:
        rows = rows.filter(holder_name__icontains=query) | rows.filter(code__iexact=query)
    return rows


def verify_data(code: str) -> dict | None:
    """What the public verification page shows, cached by code (None: no such certificate)."""
    key = VERIFY_CACHE.format(code=code)
    data = cache.get(key)
    if data is None:
        certificate = (
            Certificate.objects.filter(code=code)
            .only(
                "code",
                "holder_name",
                "agency_name",
                "course_title",
                "issued_on",
                "valid_until",
                "status",
                "revoked_at",
                "revoked_reason",
            )
            .first()
        )
        if certificate is None:
            return None
        data = {
            "code": certificate.code,
            "holder_name": certificate.holder_name,
            "agency_name": certificate.agency_name,
            "course_title": certificate.course_title,
            "issued_on": certificate.issued_on,
            "valid_until": certificate.valid_until,
            "status": certificate.status,
            "revoked_at": certificate.revoked_at,
            "revoked_reason": certificate.revoked_reason,
        }
        cache.set(key, data, VERIFY_TTL)
    return data


def latest_batch(session) -> IssueBatch | None:
    return IssueBatch.objects.filter(session=session).order_by("-created_at", "-pk").first()

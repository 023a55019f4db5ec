"""The keys that sign Open Badges credentials (VC-JWT, RS256) and their publication.

One key is active and signs new credentials; rotating retires it and makes a new one. Retired keys
stay published (JWKS and each key's own URL) so every credential they signed still verifies.
OB 3.0 §8.2 asks for RS256 ("MUST be RS256 as a minimum"): keys are RSA 2048 bits (1EdTech
Security Framework §6.1).
"""

from __future__ import annotations

import functools
import secrets

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from joserfc.jwk import RSAKey

from .models import SigningKey

ALGORITHM = "RS256"
KEY_SIZE = 2048
_JWKS_CACHE_KEY = "openbadges:jwks"
_ACTIVE_CACHE_KEY = "openbadges:active-kid"


def key_url(kid: str) -> str:
    """The key's public address: the JOSE header's ``kid`` (OB 3.0 §8.2: a URI that dereferences
    to the JWK)."""
    from .openbadges import absolute_url

    return absolute_url(reverse("openbadges:key", kwargs={"kid": kid}))


def _new_key() -> SigningKey:
    key = RSAKey.generate_key(KEY_SIZE, private=True)
    kid = f"{timezone.now():%Y%m%d}-{secrets.token_hex(4)}"
    public = key.as_dict(private=False)
    public.pop("kid", None)
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        private_pem=key.as_pem(private=True).decode(),
        public_jwk=public,
        active=True,
    )


def signing_key_active() -> SigningKey:
    """The key that signs new credentials; made on first use."""
    key = SigningKey.objects.filter(active=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            key = _new_key()
            key.save()
    except IntegrityError:  # another process made it first (one_active_signing_key)
        key = SigningKey.objects.get(active=True)
    _published_changed()
    return key


def signing_key_rotate() -> tuple[SigningKey, SigningKey | None]:
    """Retire the active key (it stays published) and make a new active one: (new, retired)."""
    with transaction.atomic():
        old = SigningKey.objects.select_for_update().filter(active=True).first()
        if old is not None:
            old.active = False
            old.retired_at = timezone.now()
            old.save(update_fields=["active", "retired_at"])
        new = _new_key()
        new.save()
    _published_changed()
    return new, old


def _published_changed() -> None:
    cache.delete_many([_JWKS_CACHE_KEY, _ACTIVE_CACHE_KEY])


@functools.lru_cache(maxsize=8)
def _private_key(kid: str, pem: str) -> RSAKey:
    return RSAKey.import_key(pem)


def private_key(signing_key: SigningKey) -> RSAKey:
    """The parsed private key (parsed once per process and key)."""
    return _private_key(signing_key.kid, signing_key.private_pem)


def public_jwk(signing_key: SigningKey) -> dict:
    """The published JWK: public members only (never ``d``), with its URL as ``kid``."""
    jwk = {k: v for k, v in signing_key.public_jwk.items() if k in ("kty", "n", "e")}
    return {**jwk, "kid": key_url(signing_key.kid), "alg": signing_key.algorithm, "use": "sig"}


def public_jwks() -> dict:
    """Every key ever used, retired ones included, as a JWK Set (cached until a rotation)."""
    jwks = cache.get(_JWKS_CACHE_KEY)
    if jwks is None:
        jwks = {"keys": [public_jwk(k) for k in SigningKey.objects.order_by("created_at", "pk")]}
        cache.set(_JWKS_CACHE_KEY, jwks, 3600)
    return jwks

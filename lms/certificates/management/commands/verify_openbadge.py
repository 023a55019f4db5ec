"""Verify an Open Badges 3.0 VC-JWT as a third party would: signature, claims, revocation."""

import json
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError
from joserfc import jws

from lms.certificates.openbadges import credential_verify


def _read(source: str) -> str:
    """A URL's body or a file's text."""
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=15) as response:  # noqa: S310 - http(s) only
            return response.read().decode()
    try:
        return Path(source).read_text()
    except OSError as exc:
        raise CommandError(f"cannot read {source}: {exc}") from exc


def _origin(url: str) -> tuple:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


class Command(BaseCommand):
    help = (
        "Verify an Open Badges 3.0 credential in VC-JWT form (a /verify/<code>.jwt URL or a file): "
        "the signature with the issuer's published key, the JWT claims, the expiry and the "
        "revocation bit in its Bitstring Status List. Exits non-zero unless it is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("credential", help="URL or file of the VC-JWT")
        parser.add_argument(
            "--jwks", help="URL or file of the issuer's JWK Set (default: the header's kid URL)"
        )
        parser.add_argument(
            "--status-list",
            help="URL or file of the status list VC-JWT (default: the credential's "
            "credentialStatus.statusListCredential)",
        )

    def handle(self, *args, credential, jwks=None, status_list=None, **options):
        token = _read(credential).strip()
        try:
            compact = jws.extract_compact(token.encode())
            header, claims = compact.protected, json.loads(compact.payload)
        except Exception as exc:  # noqa: BLE001 - any parse failure is "not a JWS"
            raise CommandError(f"not a Compact JWS: {exc}") from exc
        if jwks:
            key_set = json.loads(_read(jwks))
        elif header.get("kid"):
            # A key is trusted for the issuer it is published by: same scheme, host and port.
            if _origin(header["kid"]) != _origin(str(claims.get("iss", ""))):
                raise CommandError("the key's URL is not on the issuer's site: give --jwks")
            key_set = {"keys": [json.loads(_read(header["kid"]))]}
        else:
            raise CommandError("the JOSE header has no kid: give --jwks")
        status_jwt = _read(status_list).strip() if status_list else None
        result = credential_verify(token, key_set)
        if result.valid and status_jwt is None and result.credential:
            entry = result.credential.get("credentialStatus") or {}
            if entry.get("statusListCredential"):
                status_jwt = _read(entry["statusListCredential"]).strip()
        if status_jwt is not None:
            result = credential_verify(token, key_set, status_jwt)
        subject = (result.credential or {}).get("credentialSubject", {})
        name = (subject.get("identifier") or [{}])[0].get("identityHash", "")
        course = subject.get("achievement", {}).get("name", "")
        self.stdout.write(f"{result.status}: {name} – {course}".rstrip(" –"))
        for error in result.errors:
            self.stdout.write(f"  {error}")
        if not result.valid:
            raise CommandError(f"credential is {result.status}")

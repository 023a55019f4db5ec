"""`manage.py verify_openbadge`: a third party's check, from files (offline)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from lms.certificates.models import Certificate, CertificateStatus
from lms.certificates.signals import certificate_revoked
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import build_course


@pytest.fixture
def published(client, db, tmp_path):
    """Fetch a credential, the JWKS and the status list into files, as a verifier would."""
    certificate = CertificateFactory(
        course=build_course(lessons=1, title="Đánh giá nội bộ"), holder_name="Lê Văn Tám"
    )

    def save(certificate):
        files = {}
        for name, url in (
            ("credential", reverse("openbadges:credential_jwt", kwargs={"code": certificate.code})),
            ("jwks", reverse("openbadges:jwks")),
            ("status", reverse("openbadges:status_list")),
        ):
            path = tmp_path / name
            path.write_bytes(client.get(url).content)
            files[name] = str(path)
        return files

    return certificate, save


def _verify(files, **extra):
    out = io.StringIO()
    call_command(
        "verify_openbadge",
        files["credential"],
        jwks=files["jwks"],
        status_list=files["status"],
        stdout=out,
        **extra,
    )
    return out.getvalue()


def test_valid_credential_passes(published):
    certificate, save = published
    assert _verify(save(certificate)).strip() == "valid: Lê Văn Tám – Đánh giá nội bộ"


def test_revoked_credential_fails(published):
    certificate, save = published
    Certificate.objects.filter(pk=certificate.pk).update(
        status=CertificateStatus.REVOKED, revoked_at=timezone.now(), revoked_reason="Cấp nhầm"
    )
    certificate_revoked.send(sender=Certificate, certificate=certificate)
    with pytest.raises(CommandError, match="credential is revoked"):
        _verify(save(certificate))


def test_tampered_credential_fails(published, tmp_path):
    certificate, save = published
    files = save(certificate)
    header, payload, signature = open(files["credential"]).read().split(".")
    import base64

    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Lê Văn Tám Giả"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    (tmp_path / "credential").write_text(f"{header}.{forged}.{signature}")
    with pytest.raises(CommandError, match="credential is invalid"):
        _verify(files)


def test_a_key_from_another_site_is_not_trusted(published, tmp_path):
    from joserfc import jwt
    from joserfc.jwk import KeySet, RSAKey

    certificate, save = published
    files = save(certificate)
    jwks = KeySet.import_key_set(json.loads(open(files["jwks"]).read()))
    claims = jwt.decode(open(files["credential"]).read(), jwks).claims
    header = {"alg": "RS256", "kid": "https://keys.example.net/k.json", "typ": "JWT"}
    (tmp_path / "credential").write_text(jwt.encode(header, claims, RSAKey.generate_key(2048)))
    with pytest.raises(CommandError, match="not on the issuer's site"):
        call_command("verify_openbadge", files["credential"], stdout=io.StringIO())


def test_not_a_token_is_refused(published, tmp_path):
    certificate, save = published
    files = save(certificate)
    (tmp_path / "credential").write_text("not a token")
    with pytest.raises(CommandError, match="not a Compact JWS"):
        call_command("verify_openbadge", files["credential"], stdout=io.StringIO())

"""Forget a certificate's rendered Open Badges credential when it is revoked or expires."""

from django.dispatch import receiver

from .openbadges import credential_changed
from .signals import certificate_expired, certificate_revoked


@receiver(certificate_revoked, dispatch_uid="openbadges-revoked")
@receiver(certificate_expired, dispatch_uid="openbadges-expired")
def forget_rendered_credential(sender, certificate, **kwargs):
    credential_changed(certificate)

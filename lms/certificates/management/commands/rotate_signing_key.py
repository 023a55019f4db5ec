"""Make a new Open Badges signing key and retire the active one (it stays published)."""

from django.core.management.base import BaseCommand

from lms.certificates.keys import key_url, signing_key_rotate


class Command(BaseCommand):
    help = (
        "Rotate the key that signs Open Badges credentials. The old key is retired but stays in "
        "the published JWKS and at its own URL, so credentials it signed still verify."
    )

    def handle(self, *args, **options):
        new, old = signing_key_rotate()
        if old is not None:
            self.stdout.write(f"Retired key {old.kid} (still published at {key_url(old.kid)}).")
        self.stdout.write(self.style.SUCCESS(f"New signing key {new.kid}: {key_url(new.kid)}"))

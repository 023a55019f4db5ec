"""Remove a user's two-factor devices (a lost phone): they set up a new one at their next login."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lms.users.otp import otp_devices_reset


class Command(BaseCommand):
    help = "Remove the two-factor devices and backup codes of USERNAME."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"No user named {username!r}.") from exc
        removed = otp_devices_reset(user=user)
        self.stdout.write(f"{username}: {removed} two-factor device(s) removed.")

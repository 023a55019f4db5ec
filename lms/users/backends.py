"""Log in with a staff code, an email address or a username."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from lms.core.auth import CachedModelBackend

from .models import User


class StaffCodeOrEmailBackend(CachedModelBackend):
    """Finds the login by username, staff code or email (both case-insensitive); an identifier
    that names two different logins is refused outright, not guessed."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get(User.USERNAME_FIELD) or "").strip()
        if not identifier or password is None:
            return None
        matches = Q(username=identifier) | Q(official__staff_code__iexact=identifier)
        if "@" in identifier:
            matches |= Q(email__iexact=identifier) | Q(official__email__iexact=identifier)
        ids = set(User.objects.filter(matches).values_list("pk", flat=True)[:3])
        if not ids:
            return None
        if len(ids) > 1:
            User().set_password(password)  # same time as a real check: no hint by timing
            raise PermissionDenied  # stops the other backends too
        user = User.objects.get(pk=ids.pop())
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

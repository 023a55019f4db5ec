"""The user behind a session, from the cache.

Django's ModelBackend loads the user with a query on every request, and on a page served from
the cache that query is most of the cost. ``CachedModelBackend`` keeps the loaded user in the
shared cache (Redis, or the file cache of the embedded default) for a few minutes, with the roles
the menu shows (``access.menu_roles``), and forgets it whenever the user row or one of the user's
role assignments is saved or deleted. So a password change (which also ends the user's other
sessions, through the session hash), a deactivation, a new name or a new role takes effect on the
next request. What no signal sees (a bulk ``update()``, a change made outside Django, a change
made while Redis was unreachable, when the forgetting fails quietly) shows within
``USER_CACHE_SECONDS``. A grant with an end date is cached no later than the end of its last day.
Agency scopes are not cached: permission checks load them per request.
"""

from __future__ import annotations

import datetime
import time

from django.apps import apps
from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from . import compiled
from .access import menu_roles, roles_change_after, roles_of
from .models import Role
from .sessions import take_prefetched_user

USER_CACHE_SECONDS = 300


def user_cache_key(user_id) -> str:
    return f"auth:user:{user_id}"


class CachedModelBackend(ModelBackend):
    """ModelBackend whose ``get_user`` (called once per request by the session) uses the cache."""

    def get_user(self, user_id):
        key = user_cache_key(user_id)
        # Read with the session when this process has seen the session before (sessions.py).
        user = take_prefetched_user(user_id)
        if user is None:
            user = cache.get(key)
        if user is None:
            user = _load_user(user_id)
            if user is None:
                return None
            menu_roles(user)  # kept on the user object, so cached with it
            seconds = cache_seconds(roles_change_after(user))
            # The agency scopes it was worked out from are not: an agency moved in the tree must
            # not leave a stale scope behind. This request may still use them.
            scopes = user.__dict__.pop("_lms_role_scopes", None)
            until = user.__dict__.pop("_lms_roles_until", None)
            cache.set(key, user, seconds)
            if scopes is not None:
                user._lms_role_scopes = scopes
                user._lms_roles_until = until
        return user if self.user_can_authenticate(user) else None


def _load_user(user_id):
    """ModelBackend.get_user's query, its statement compiled once per connection: it runs for
    every user not in the cache (the first request of each of the 300 officials scanning the QR
    code of a session, each taking its own), where compiling the ORM's query cost more than the
    database took to answer it."""
    from django.contrib.auth import get_user_model

    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except ValidationError:
        return None
    found = compiled.fetch(
        "core.session_user", lambda pk: model._default_manager.filter(pk=pk), [pk]
    )
    return found[0] if found else None


def cache_seconds(roles_until, now=None) -> int:
    """How long a user may stay cached: USER_CACHE_SECONDS, or until a grant's last day ends."""
    if roles_until is None:
        return USER_CACHE_SECONDS
    now = now or timezone.localtime()
    ends = timezone.make_aware(
        datetime.datetime.combine(roles_until + datetime.timedelta(days=1), datetime.time.min)
    )
    return max(1, min(USER_CACHE_SECONDS, int((ends - now).total_seconds())))


def forget_cached_user(user_id) -> None:
    """Drop the user now, and again once the change is committed (a request that read the old
    rows meanwhile may have cached them)."""
    key = user_cache_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))


def forget_user(sender, instance, **kwargs) -> None:
    """Receiver for the user model's post_save and post_delete."""
    forget_cached_user(instance.pk)


def forget_role_holder(sender, instance, **kwargs) -> None:
    """Receiver for RoleAssignment's post_save and post_delete."""
    forget_cached_user(instance.user_id)


def forget_earlier_database(sender, plan=None, **kwargs) -> None:
    """post_migrate: a database created afresh (its user table made by this run) may sit where an
    earlier one was, under the same cache prefix; users cached from that one (same ids, other
    passwords) must not answer for the new one. This store's keys go, nothing else's."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    created = {(m.app_label, m.name) for m, backwards in plan or () if not backwards}
    if (user_model._meta.app_label, "0001_initial") not in created:
        return
    if hasattr(cache, "delete_pattern"):  # Redis: only keys under this KEY_PREFIX
        cache.delete_pattern("*")
    else:
        cache.clear()


def client_ip(request) -> str:
    """The client's address for login throttling: settings.CLIENT_IP_HEADER, which a reverse
    proxy overwrites on every request (so a client cannot choose it), else the connection's."""
    return (
        request.META.get(settings.CLIENT_IP_HEADER) or request.META.get("REMOTE_ADDR") or ""
    ).strip()


def _client_failures_over(request, *, increment: bool) -> bool:
    """True once this client has failed settings.LOGIN_CLIENT_FAILURE_RATE logins (e.g. 100/h)."""
    from django_ratelimit.core import get_usage

    usage = get_usage(
        request,
        group="login-client-failures",
        key=lambda group, request: client_ip(request),
        rate=settings.LOGIN_CLIENT_FAILURE_RATE,
        increment=increment,
    )
    return usage is not None and usage["count"] >= usage["limit"]


class ClientThrottleBackend:
    """Refuses every login from a client address with too many failed logins.

    django-axes locks an account after a few wrong passwords. A client address gets a limit of its
    own, far higher: the officials of a commune office, or a training room, reach the site from
    one address, and a few typing mistakes each must not lock the whole room out. The refusal
    shows axes' lockout page (the flag below is what its middleware looks for). No get_user:
    sessions never name this backend.
    """

    def authenticate(self, request, **credentials):
        if request is not None and _client_failures_over(request, increment=False):
            request.axes_locked_out = True
            raise PermissionDenied
        return None


def count_client_failure(sender, credentials, request=None, **kwargs):
    """user_login_failed receiver: one more failure for the client's address."""
    if request is not None:
        _client_failures_over(request, increment=True)


STAFF_UNTIL_KEY = "lms_staff_until"


def is_staff_member(user) -> bool:
    """Anyone who holds more than the learner role, or may use an admin."""
    return bool(user.is_staff or user.is_superuser or roles_of(user) - {Role.LEARNER})


def set_session_lifetime(sender, request, user, **kwargs) -> None:
    """Receiver for user_logged_in: staff sessions end when the browser closes and, at the
    latest, STAFF_SESSION_SECONDS after the login; learners stay logged in for
    LEARNER_SESSION_SECONDS (a shared office computer matters less for a learner's lessons)."""
    if is_staff_member(user):
        request.session.set_expiry(0)
        request.session[STAFF_UNTIL_KEY] = int(time.time()) + settings.STAFF_SESSION_SECONDS
    else:
        request.session.set_expiry(settings.LEARNER_SESSION_SECONDS)


class StaffSessionMiddleware:
    """Logs a staff member out once the working day their login opened is over."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        until = request.session.get(STAFF_UNTIL_KEY)
        if until is not None and time.time() >= until:
            logout(request)
        return self.get_response(request)

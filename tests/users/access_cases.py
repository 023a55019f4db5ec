"""Role × scope cases for the account pages: activation, self-service and two-factor (see
tests/core/test_access_matrix.py)."""

from urllib.parse import urlsplit

from django.urls import reverse

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
PUBLIC = {"anonymous", *EVERYONE}
TWO_FACTOR = {"iso_secretary", "steering", "admin"}


def _activation_path(world):
    """A valid link for a fresh account in province A: anyone holding it may open it."""
    from lms.agencies.models import Official
    from lms.users.activation import activation_link
    from lms.users.services import accounts_create

    official = Official.objects.create(full_name="Lê Văn Mới", email="moi@example.org")
    official.assignments.create(agency=world["commune_a1"])
    accounts_create(officials=[official])
    official.refresh_from_db()
    return urlsplit(activation_link(official.user)).path


def _leaver(world):
    """A deactivated login whose last post was in commune A1."""
    from lms.agencies.models import Official
    from lms.users.models import User

    user = User.objects.create(username="m_leaver", is_active=False)
    official = Official.objects.create(full_name="Đỗ Thị Nghỉ", user=user)
    official.assignments.create(
        agency=world["commune_a1"],
        start_date="2024-01-01",
        end_date="2025-06-30",
    )
    return user


def _sso_settings() -> dict:
    from tests.users.oidc_stub import StubProvider

    return StubProvider().settings()


CASES = [
    {"name": "agency_request", "allowed": EVERYONE},
    {"name": "otp_setup", "allowed": TWO_FACTOR},
    # Without a device yet, the verify page sends those offered two-factor to the setup page.
    {"name": "otp_verify", "allowed": TWO_FACTOR},
    {"id": "accounts:activate-link", "path": _activation_path, "allowed": PUBLIC},
    {
        "name": "accounts:activate",
        "kwargs": lambda world: {"uidb64": "MQ", "token": "forged-token"},
        "allowed": PUBLIC,  # answers with the "link cannot be used" page
    },
    {"name": "accounts:activated", "allowed": PUBLIC},
    {"name": "accounts:activate_code", "allowed": PUBLIC},
    {
        "name": "accounts:reactivate",
        "kwargs": lambda world: {"pk": _leaver(world).pk},
        "allowed": {"iso_secretary", "admin"},
        "scoped": True,
    },
    # Single sign-on: off by default, so both answer 404 to everyone ...
    {"name": "sso:start", "allowed": set()},
    {"name": "sso:callback", "allowed": set()},
    # ... and once configured, anyone may start a sign-in at the provider; the callback lets
    # nobody in without a code and state from a sign-in this browser started (back to login).
    {
        "id": "sso:start-configured",
        "path": lambda world: reverse("sso:start"),
        "settings": _sso_settings(),
        "allowed": PUBLIC,
    },
    {
        "id": "sso:callback-configured",
        "path": lambda world: reverse("sso:callback") + "?code=forged&state=forged",
        "settings": _sso_settings(),
        "allowed": set(),
    },
]

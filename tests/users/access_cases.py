"""Role × scope cases for the self-service account pages (see tests/core/test_access_matrix.py)."""

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
TWO_FACTOR = {"iso_secretary", "steering", "admin"}

CASES = [
    {"name": "agency_request", "allowed": EVERYONE},
    {"name": "otp_setup", "allowed": TWO_FACTOR},
    # Without a device yet, the verify page sends those offered two-factor to the setup page.
    {"name": "otp_verify", "allowed": TWO_FACTOR},
]

"""Role × scope cases for the certificates' URLs (Open Badges URLs: access_cases_openbadges)."""

CASES = []

try:  # the Open Badges helper's cases for its URLs, in the same app folder
    from .access_cases_openbadges import CASES as _OPENBADGES_CASES
except ImportError:
    _OPENBADGES_CASES = []
CASES += _OPENBADGES_CASES

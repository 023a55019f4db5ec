"""Role × scope cases for the Open Badges 3.0 URLs: all public, for everyone and anonymous."""

EVERYONE = {"learner", "trainer", "iso_secretary", "steering", "editor", "admin"}
PUBLIC = EVERYONE | {"anonymous"}


def _code(world):
    from tests.factories.certificates import CertificateFactory
    from tests.factories.courses import build_course

    official = world["learner"].official
    certificate = CertificateFactory(course=build_course(lessons=1), official=official)
    return {"code": certificate.code}


def _kid(world):
    from lms.certificates.keys import signing_key_active

    return {"kid": signing_key_active().kid}


CASES = [
    {"name": "openbadges:credential_json", "kwargs": _code, "allowed": PUBLIC},
    {"name": "openbadges:credential_jwt", "kwargs": _code, "allowed": PUBLIC},
    {"name": "openbadges:issuer", "allowed": PUBLIC},
    {"name": "openbadges:jwks", "allowed": PUBLIC},
    {"name": "openbadges:key", "kwargs": _kid, "allowed": PUBLIC},
    {"name": "openbadges:status_list", "allowed": PUBLIC},
    {"name": "openbadges:status_list_json", "allowed": PUBLIC},
]

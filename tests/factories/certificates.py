"""Certificates made directly (without the issuing service), for tests of what reads them."""

import datetime
import secrets

import factory

from lms.certificates.models import Certificate
from tests.factories.agencies import OfficialFactory


def certificate_code() -> str:
    """A code like the issued ones: random, unguessable (100 bits, base32, no padding)."""
    import base64

    return base64.b32encode(secrets.token_bytes(15)).decode().rstrip("=")


class CertificateFactory(factory.django.DjangoModelFactory):
    """Pass ``course=`` (tests.factories.courses.build_course()); the rest has defaults."""

    class Meta:
        model = Certificate

    code = factory.LazyFunction(certificate_code)
    source_key = factory.Sequence(lambda n: f"test:{n}")
    official = factory.SubFactory(OfficialFactory)
    holder_name = factory.LazyAttribute(lambda o: o.official.full_name)
    agency_name = "UBND xã Đồng Tâm"
    course_title = factory.LazyAttribute(lambda o: o.course.title)
    issued_on = datetime.date(2026, 11, 2)
    valid_until = None
    score = None
    attendance_percent = None

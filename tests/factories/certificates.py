"""Certificates for tests: rows made directly (pass ``course=``); issuing is the certificates
app's business, these only stand for its result."""

import datetime
import secrets

import factory

from lms.certificates.models import Certificate
from tests.factories.agencies import OfficialFactory


class CertificateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certificate

    code = factory.LazyFunction(lambda: secrets.token_hex(10).upper())
    source_key = factory.Sequence(lambda n: f"test:{n}")
    official = factory.SubFactory(OfficialFactory)
    holder_name = factory.LazyAttribute(lambda o: o.official.full_name)
    course_title = factory.LazyAttribute(lambda o: o.course.title)
    issued_on = datetime.date(2026, 1, 5)

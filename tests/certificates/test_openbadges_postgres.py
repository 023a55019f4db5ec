"""Status list indexes given by many requests at once: each certificate one, none shared
(PostgreSQL: real concurrent transactions)."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from lms.certificates.models import Certificate
from lms.certificates.statuslist import status_index_ensure
from tests.factories.certificates import CertificateFactory
from tests.factories.courses import build_course

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions"),
]

CERTIFICATES = 40


@pytest.mark.django_db(transaction=True)
def test_concurrent_builds_give_each_certificate_one_index():
    course = build_course(lessons=1)
    pks = [c.pk for c in CertificateFactory.create_batch(CERTIFICATES, course=course)]

    def ensure(pk: int) -> tuple[int, int]:
        try:
            return pk, status_index_ensure(Certificate.objects.get(pk=pk))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        given = list(pool.map(ensure, pks * 3))

    stored = dict(Certificate.objects.filter(pk__in=pks).values_list("pk", "status_index"))
    assert all(index == stored[pk] for pk, index in given), "an index changed once given"
    assert len(set(stored.values())) == CERTIFICATES
    assert sorted(stored.values()) == list(range(CERTIFICATES))

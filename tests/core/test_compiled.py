"""Querysets compiled once per connection give what the ORM gives, each call with its values."""

import pytest
from django.db import connections
from django.db.models import TextField
from django.db.models.functions import Cast

from lms.core import compiled
from lms.quizzes import services
from lms.quizzes.models import Response, Sitting
from tests.factories.quizzes import make_quiz


def _fields(obj) -> dict:
    return {k: v for k, v in obj.__dict__.items() if k != "_state"}


@pytest.fixture
def sittings(learner):
    return [services.sitting_start(quiz=make_quiz(3), user=learner) for _ in range(2)]


@pytest.mark.django_db
def test_instances_equal_the_orms_with_related_rows_deferred_fields_and_annotations(sittings):
    def by_pk(pk):
        return Sitting.objects.select_related("quiz", "official", "agency").filter(pk=pk)

    def responses(pk):
        return (
            Response.objects.filter(sitting_id=pk)
            .defer("shown")
            .annotate(shown_json=Cast("shown", TextField()))
            .order_by("order", "pk")
        )

    for sitting in sittings:
        for _ in range(2):  # compiled, then kept
            [got] = compiled.fetch("test.sitting", by_pk, [sitting.pk])
            [want] = by_pk(sitting.pk)
            assert _fields(got) == _fields(want)
            for name in ("quiz", "official", "agency"):
                assert _fields(getattr(got, name)) == _fields(getattr(want, name))
            got_r = compiled.fetch("test.responses", responses, [sitting.pk])
            want_r = list(responses(sitting.pk))
            assert [_fields(r) for r in got_r] == [_fields(r) for r in want_r]
            assert got_r and all(r.get_deferred_fields() == {"shown"} for r in got_r)
            assert got_r[0].shown == want_r[0].shown  # a deferred field still loads
    assert compiled.fetch("test.sitting", by_pk, [10**9]) == []
    assert compiled.fetch("test.sitting", by_pk, [None]) == []  # IS NULL, through the ORM
    assert connections["default"].__dict__[compiled._ATTR]["test.sitting"]


@pytest.mark.django_db
def test_a_statement_whose_values_are_not_its_parameters_runs_through_the_orm(sittings):
    # The value is folded into a second parameter (the statement differs by value): not kept.
    def odd(pk):
        return Sitting.objects.filter(pk=pk, attempt__gte=1)

    first, second = sittings
    assert [s.pk for s in compiled.fetch("test.odd", odd, [second.pk])] == [second.pk]
    assert connections["default"].__dict__[compiled._ATTR]["test.odd"] is False
    assert [s.pk for s in compiled.fetch("test.odd", odd, [first.pk])] == [first.pk]

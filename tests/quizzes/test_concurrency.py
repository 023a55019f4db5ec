"""Two tabs submitting one attempt at the same moment get one result (PostgreSQL row locks)."""

import threading

import pytest
from django.db import connection, connections

from lms.quizzes import services
from lms.quizzes.models import Sitting, SittingState
from lms.quizzes.signals import sitting_finished
from tests.factories.quizzes import make_quiz


@pytest.mark.postgres
def test_two_threads_submitting_one_sitting_give_one_result(transactional_db, learner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks (select_for_update)")
    quiz = make_quiz(3)
    sitting = services.sitting_start(quiz=quiz, user=learner)
    right = {
        r.pk: [str(r.question.choices.get(fraction=1).pk)]
        for r in sitting.responses.select_related("question")
    }
    finished = []
    lock = threading.Lock()

    def on_finish(sender, sitting, **kwargs):
        with lock:
            finished.append(sitting.pk)

    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit(answers):
        try:
            barrier.wait(timeout=10)
            results.append(
                services.sitting_submit(sitting=Sitting.objects.get(pk=sitting.pk), answers=answers)
            )
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    sitting_finished.connect(on_finish)
    try:
        threads = [threading.Thread(target=submit, args=(a,)) for a in (right, {})]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        sitting_finished.disconnect(on_finish)
    assert not errors, errors
    assert finished == [sitting.pk]
    sitting.refresh_from_db()
    assert sitting.state == SittingState.FINISHED
    assert {r.submitted_at for r in results} == {sitting.submitted_at}
    assert {r.score for r in results} == {sitting.score}


@pytest.mark.postgres
def test_two_threads_starting_an_attempt_share_one_sitting(transactional_db, learner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    quiz = make_quiz(2)
    barrier = threading.Barrier(2)
    started, errors = [], []

    def start():
        try:
            barrier.wait(timeout=10)
            started.append(services.sitting_start(quiz=quiz, user=learner).pk)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    assert len(set(started)) == 1 and Sitting.objects.count() == 1

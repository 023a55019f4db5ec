"""Background work of the quiz engine.

Beat: ``lms.quizzes.tasks.close_expired_sittings`` every few minutes submits timed attempts whose
learners never came back, so results and course completion do not wait for a page view.
"""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def close_expired_sittings() -> int:
    """Idempotent: a sitting already closed is skipped by the submit's state check."""
    from .services import sittings_close_expired

    return sittings_close_expired()

"""Background work: thin wrappers over services, safe to run twice (ids in, services do it)."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError,), max_retries=3)
def issue_for_enrolment(enrolment_id: int) -> int | None:
    from .services import issue_for_enrolment as issue

    certificate = issue(enrolment_id=enrolment_id)
    return certificate.pk if certificate else None


@shared_task(acks_late=True)
def renew_for_sitting(sitting_id: int) -> int | None:
    from .services import renew_for_sitting as renew

    certificate = renew(sitting_id=sitting_id)
    return certificate.pk if certificate else None


@shared_task(acks_late=True, time_limit=1800)
def run_batch(batch_id: int) -> int:
    from .services import batch_run

    return batch_run(batch_id=batch_id).issued


@shared_task(acks_late=True)
def send_expiry_reminders() -> int:
    from .services import reminders_send

    return reminders_send()


@shared_task(acks_late=True)
def process_expired() -> int:
    from .services import expiry_process

    return expiry_process()

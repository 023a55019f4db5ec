"""Emails sent from a transactional outbox: nothing a committed change owes is ever lost.

Invariants (each with its test in tests/core/test_outbox.py, and the services fault test
tests/core/test_fault_outbox.py for a worker killed with -9 mid-send):

- A service writes its emails as ``OutboxMessage`` rows in its own transaction
  (``outbox_enqueue``): a rollback leaves none, a commit leaves all. Queueing the send task
  afterwards is only a nudge (``outbox_kick``): with the broker down the request still answers,
  and the beat task ``lms.core.tasks.outbox_send`` (every minute) sends what is pending.
- ``key`` is unique: the same notice (say, the invitation of one registration) is queued once.
- Each message is sent in its own short transaction that locks its row (SKIP LOCKED on
  PostgreSQL, so two workers never take the same one) and marks it sent before committing. A
  worker killed before the commit leaves it pending; the next run sends it. Only a kill between
  the SMTP server's acceptance and the commit can repeat one email (at most one per worker
  process); each carries a Message-ID made from its row, so mail clients show it once.
- A failed send is recorded on the row (attempts, last error) and retried with backoff, up to
  ``MAX_ATTEMPTS``; the rest of the queue goes on meanwhile.
- What to write is decided at send time by the renderer registered for the kind (``register``),
  which may answer None when the notice no longer applies (an invitation cancelled meanwhile).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CHUNK = 500  # messages per task run; a full chunk queues the next run


@dataclass(frozen=True)
class Mail:
    subject: str
    body: str


Renderer = Callable[[OutboxMessage], Mail | None]
RENDERERS: dict[str, Renderer] = {}


def register(*kinds: str) -> Callable[[Renderer], Renderer]:
    """Decorator: the function renders messages of these kinds (None: no longer to be sent)."""

    def decorate(renderer: Renderer) -> Renderer:
        for kind in kinds:
            RENDERERS[kind] = renderer
        return renderer

    return decorate


def outbox_enqueue(*, messages: Iterable[OutboxMessage]) -> int:
    """Write messages in the caller's transaction, skipping keys already queued; returns how
    many are new. Sending is nudged once the transaction commits."""
    messages = list(messages)
    if not messages:
        return 0
    keys = [m.key for m in messages]
    known: set[str] = set()
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        known.update(OutboxMessage.objects.filter(key__in=chunk).values_list("key", flat=True))
    new = [m for m in messages if m.key not in known]
    OutboxMessage.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    if new:
        transaction.on_commit(outbox_kick)
    return len(new)


def outbox_kick() -> None:
    """Queue the send task now; best effort, as the beat task sends whatever a lost nudge left."""
    from .tasks import outbox_send

    try:
        outbox_send.delay()
    except Exception:  # noqa: BLE001 - a broker that is down must not fail a committed request
        logger.warning(
            "Outbox: could not queue the send task; the beat task will send.", exc_info=True
        )


def _backoff(attempts: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=min(2**attempts, 120))


def _attempt(message: OutboxMessage) -> None:
    """Render and send one message, recording the outcome on its row (caller holds the lock)."""
    now = timezone.now()
    message.attempts += 1
    try:
        with transaction.atomic():  # a database error while rendering spoils only this savepoint
            mail = RENDERERS[message.kind](message)
            if mail is not None:
                EmailMessage(
                    mail.subject,
                    mail.body,
                    None,
                    [message.recipient],
                    headers={"Message-ID": f"<outbox-{message.pk}@{DNS_NAME}>"},
                ).send()
    except Exception as exc:  # noqa: BLE001 - SMTP, template or data: recorded, retried later
        logger.warning("Outbox: sending %s failed (attempt %d)", message.key, message.attempts)
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        message.next_attempt_at = now + _backoff(message.attempts)
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
    else:
        message.status = OutboxStatus.SENT if mail is not None else OutboxStatus.SKIPPED
        message.sent_at = now
    message.save(update_fields=["status", "sent_at", "attempts", "last_error", "next_attempt_at"])


def outbox_send_due(*, limit: int = CHUNK) -> int:
    """Send up to ``limit`` due messages, each in its own transaction; returns how many were
    handled (sent, skipped or failed)."""
    handled = 0
    while handled < limit:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxStatus.PENDING, next_attempt_at__lte=timezone.now())
                .order_by("next_attempt_at", "pk")
                .first()
            )
            if message is None:
                break
            _attempt(message)
        handled += 1
    return handled

"""Writes on logins: accounts for officials, deactivation of those who left, reactivation."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from lms.agencies.models import Official
from lms.core.auth import forget_cached_user
from lms.core.models import OutboxMessage
from lms.core.outbox import outbox_enqueue

from .activation import ACTIVATION, activation_message, activation_resend_message
from .models import User
from .selectors import leavers

BATCH = 1000
# A new activation email for the same login no sooner than this after the last one.
RESEND_PAUSE = datetime.timedelta(minutes=10)


@dataclass
class AccountsResult:
    created: int = 0
    mailed: int = 0
    without_email: int = 0
    existing: int = 0


def _username(official: Official, taken: set[str]) -> str:
    """The staff code when free, else a name made from the official's id."""
    for candidate in (official.staff_code or "", f"official-{official.pk}"):
        if candidate and candidate.lower() not in taken:
            taken.add(candidate.lower())
            return candidate
    raise ValueError(f"no free username for official {official.pk}")


@transaction.atomic
def accounts_create(
    *,
    officials: Iterable[Official],
    by: User | None = None,
    only_with_email: bool = False,
    mail: bool = True,
    reason: str | None = None,
    on_batch: Callable[[AccountsResult], None] | None = None,
) -> AccountsResult:
    """Give each official without a login a new account (no usable password) and queue its
    activation email (unless ``mail`` is off); ``only_with_email`` skips officials without an
    address. Runs in batches, so 20,000 officials cost a few dozen queries, not tens of
    thousands; ``on_batch(result)`` follows each batch of BATCH accounts (their emails are queued
    in the outbox with them)."""
    result = AccountsResult()
    pending: list[Official] = []
    for official in officials:
        if official.user_id is not None:
            result.existing += 1
        elif only_with_email and not official.email:
            continue
        else:
            pending.append(official)
    for start in range(0, len(pending), BATCH):
        _create_batch(pending[start : start + BATCH], result, by, mail=mail, reason=reason)
        if on_batch is not None:
            on_batch(result)
    return result


def _create_batch(
    officials: list[Official], result: AccountsResult, by, *, mail: bool, reason: str | None
) -> None:
    wanted = {o.staff_code.lower() for o in officials if o.staff_code}
    wanted |= {f"official-{o.pk}" for o in officials}
    # Compared case-insensitively, as staff codes are at login.
    taken = set(
        User.objects.annotate(lower=Lower("username"))
        .filter(lower__in=wanted)
        .values_list("lower", flat=True)
    )
    users = []
    for official in officials:
        user = User(
            username=_username(official, taken),
            email=official.email,
            full_name=official.full_name,
        )
        user.set_unusable_password()
        users.append(user)
    bulk_create_with_history(
        users,
        User,
        batch_size=BATCH,
        default_user=by,
        default_change_reason=reason or _("account created"),
    )
    for official, user in zip(officials, users, strict=True):
        official.user = user
    Official.objects.bulk_update(officials, ["user"])
    result.created += len(users)
    messages = [activation_message(u, u.email) for u in users if u.email and mail]
    result.mailed += outbox_enqueue(messages=messages)
    result.without_email += sum(1 for u in users if not u.email)


@transaction.atomic
def account_for_sso(*, official: Official) -> User:
    """The login of an official who signed in through the province's provider: the one linked,
    else a new one made as ``accounts_create`` makes them (staff code as username, no usable
    password), without an activation email: the provider vouched for the person. The official's
    row is locked, so two sign-ins at once create one login."""
    # Only the official's row is locked (PostgreSQL locks no row of an outer join's null side).
    official = (
        Official.objects.select_for_update(of=("self",)).select_related("user").get(pk=official.pk)
    )
    if official.user is None:
        accounts_create(
            officials=[official], mail=False, reason=_("account created by single sign-on")
        )
    return official.user


@transaction.atomic
def accounts_deactivate_leavers(*, today: datetime.date | None = None) -> int:
    """Deactivate the logins of officials who left (no current post); returns how many."""
    user_ids = list(leavers(today=today).values_list("user_id", flat=True))
    users = list(User.objects.select_for_update().filter(pk__in=user_ids, is_active=True))
    for user in users:
        user.is_active = False
        user._change_reason = _("deactivated: no current post")
        user.save(update_fields=["is_active"])
    return len(users)


@transaction.atomic
def account_reactivate(
    *, user: User, by: User, reason: str, today: datetime.date | None = None
) -> User:
    """Reactivate a login on purpose; the reason and the person are kept in its history."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("A reason is required.")})
    user.is_active = True
    user.reactivated_on = today or datetime.date.today()
    user._change_reason = reason
    user._history_user = by
    user.full_clean(exclude=["password"])  # accounts never activated have none
    user.save(update_fields=["is_active", "reactivated_on"])
    forget_cached_user(user.pk)
    return user


@transaction.atomic
def activation_resend(*, user: User, now=None) -> OutboxMessage:
    """Queue one new activation email for a login that was never activated (the link expired
    or the email was lost); refused while the last one is less than RESEND_PAUSE old. Links
    already sent keep working until a password is set; a used link stays used."""
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=user.pk).first()  # one click at a time
    if not user.is_active:
        raise ValidationError(_("This login is inactive: reactivate it first."))
    if user.has_usable_password():
        raise ValidationError(_("This login is already activated: nothing to send."))
    email = user.email or getattr(getattr(user, "official", None), "email", "")
    if not email:
        raise ValidationError(
            _("This person has no email address: print an activation code sheet instead.")
        )
    recent = OutboxMessage.objects.filter(
        kind=ACTIVATION, payload__user=user.pk, created_at__gt=now - RESEND_PAUSE
    ).exists()
    if recent:
        raise ValidationError(
            _(
                "An activation email was queued for this person less than %(minutes)s minutes "
                "ago; wait a little before sending another."
            )
            % {"minutes": int(RESEND_PAUSE.total_seconds() // 60)}
        )
    message = activation_resend_message(user, email, at=now)
    message.created_at = now
    message.next_attempt_at = now
    outbox_enqueue(messages=[message])
    return message

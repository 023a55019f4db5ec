"""Printed one-time activation codes for officials without an email address.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 59 bits:
guessing is hopeless even before the per-client rate limit. Only an HMAC of it (keyed by
SECRET_KEY) is stored, so a database dump does not reveal codes; a fast keyed hash rather than a
password hasher, because a sheet for a whole province is thousands of codes.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from lms.agencies.models import Official

from .models import ActivationCode, User

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12


def _hash(code: str) -> str:
    normalised = code.replace(" ", "").replace("-", "").upper()
    return salted_hmac("lms.users.codes", normalised, algorithm="sha256").hexdigest()


def _new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))  # XXXX-XXXX-XXXX, easy to type


@dataclass(frozen=True)
class Slip:
    full_name: str
    staff_code: str
    code: str
    expires: datetime.date


@transaction.atomic
def activation_codes_issue(*, officials: Sequence[Official]) -> list[Slip]:
    """New codes (replacing earlier ones) for the officials whose login is not activated yet;
    officials without a staff code are left out, as the code page asks for it."""
    expires = timezone.now() + datetime.timedelta(days=settings.ACTIVATION_CODE_DAYS)
    chosen = [o for o in officials if o.staff_code and o.user and not o.user.has_usable_password()]
    ActivationCode.objects.filter(user__in=[o.user for o in chosen]).delete()
    slips, rows = [], []
    for official in chosen:
        code = _new_code()
        rows.append(ActivationCode(user=official.user, code_hash=_hash(code), expires_at=expires))
        slips.append(
            Slip(official.full_name, official.staff_code, code, timezone.localdate(expires))
        )
    ActivationCode.objects.bulk_create(rows, batch_size=1000)
    return slips


def activation_code_user(*, staff_code: str, code: str) -> User | None:
    """The not-yet-activated login that ``code`` was issued to, if valid and unexpired."""
    official = (
        Official.objects.select_related("user__activation_code")
        .filter(staff_code__iexact=staff_code.strip(), user__is_active=True)
        .first()
    )
    stored = getattr(official.user, "activation_code", None) if official else None
    if stored is None or stored.expires_at < timezone.now():
        return None
    if not constant_time_compare(stored.code_hash, _hash(code)):
        return None
    return official.user


def code_sheet_pdf(*, slips: Sequence[Slip]) -> bytes:
    """A4 sheet of cut-out slips, one per official: name, staff code, site, code, expiry."""
    from lms.training.pdf import FONT, _new_pdf  # the shared A4 set-up with the DejaVu fonts

    from .activation import site_url

    pdf = _new_pdf("P")
    pdf.set_title(_("Activation codes"))
    pdf.add_page()
    page_url = site_url() + "/accounts/activate-code/"
    for slip in slips:
        if pdf.get_y() > 240:
            pdf.add_page()
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 7, slip.full_name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        pdf.cell(
            0,
            6,
            _("Staff code: %(code)s") % {"code": slip.staff_code},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.cell(0, 6, _("Open: %(url)s") % {"url": page_url}, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "B", 14)
        pdf.cell(
            0,
            8,
            _("Activation code: %(code)s") % {"code": slip.code},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_font(FONT, "", 9)
        pdf.cell(
            0,
            6,
            _("Use it once, before %(day)s, to choose your password.")
            % {"day": slip.expires.strftime("%d/%m/%Y")},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_dash_pattern(dash=2, gap=2)  # the cutting line between slips
        pdf.line(pdf.l_margin, pdf.get_y() + 3, pdf.w - pdf.r_margin, pdf.get_y() + 3)
        pdf.set_dash_pattern()
        pdf.ln(7)
    return bytes(pdf.output())

"""Receivers: a certificate issued, revoked or expired changes its holder's competency records."""

from __future__ import annotations


def on_certificate_changed(sender, certificate, **kwargs) -> None:
    """Recompute the holder's records now (a handful of queries; the signals fire after commit)."""
    from .services import records_recompute_for_certificate

    records_recompute_for_certificate(certificate=certificate)

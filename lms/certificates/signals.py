"""Signals other apps listen to (competency records are recomputed on each of them).

``certificate_issued.send(sender=Certificate, certificate=cert)``: after the row is committed.
``certificate_revoked.send(sender=Certificate, certificate=cert)``: after the revocation commits.
``certificate_expired.send(sender=Certificate, certificate=cert)``: by the daily expiry task, once
per certificate whose ``valid_until`` has passed.
"""

from django.dispatch import Signal

certificate_issued = Signal()
certificate_revoked = Signal()
certificate_expired = Signal()

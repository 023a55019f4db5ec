"""Signals other apps listen to (courses progress, certificates).

``sitting_finished`` is sent with ``sitting=`` whenever a sitting gets (or changes) its final
result: submitted with everything marked automatically, last essay marked, or a remark. It is
sent inside the transaction that wrote the result; receivers that queue work should use
``transaction.on_commit``.
"""

from django.dispatch import Signal

sitting_finished = Signal()

"""Queueing the opinion-group recomputation after a transaction that changed votes."""

from __future__ import annotations

from django.db import connection, transaction

from ..models import Consultation


class _Recompute:
    """The on-commit callback that queues one recomputation; one per consultation per transaction."""

    def __init__(self, consultation_id: int) -> None:
        self.consultation_id = consultation_id
        self.ran = False

    def __call__(self) -> None:
        from ..tasks import recompute_analysis

        self.ran = True
        recompute_analysis.delay(self.consultation_id)


def queue_analysis(consultation: Consultation) -> None:
    """Recompute the opinion groups after this transaction commits (in-process without a broker),
    once however many votes the transaction changed."""
    for pending in connection.run_on_commit:
        func = pending[1]
        if isinstance(func, _Recompute) and func.consultation_id == consultation.pk and not func.ran:
            return
    transaction.on_commit(_Recompute(consultation.pk))

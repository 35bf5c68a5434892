"""Background work: recompute a consultation's opinion groups after its votes changed.

Queued with `lianxin.core.tasks.enqueue_on_commit`; without a broker (embedded mode) it runs
in-process right after the commit."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="lianxin.consultations.tasks.recompute_analysis")
def recompute_analysis(consultation_id: int) -> int:
    from .analysis import compute
    from .models import Consultation

    consultation = Consultation.objects.filter(pk=consultation_id).first()
    if consultation is None:
        return 0
    return compute(consultation).vote_count


@shared_task(name="lianxin.consultations.tasks.tell_appellants")
def tell_appellants(consultation_id: int, step: str) -> int:
    """Invite / tell of the decision the residents whose appeals led to the consultation."""
    from .services.appellants import tell_appellants as tell

    told = tell(consultation_id=consultation_id, step=step)
    return told.accounts + told.texts

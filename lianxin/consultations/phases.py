"""Phase types and the features each allows (a4-style registry), and which phase is current."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import Consultation, Phase, PhaseType


class Feature:
    """What a phase may allow residents to do."""

    COMMENT = "comment"
    SUPPORT = "support"  # support / oppose a paragraph
    SURVEY = "survey"
    STATEMENTS = "statements"  # write statements and vote on others'
    PROPOSALS = "proposals"  # submit and support 金点子
    BUDGET = "budget"  # vote projects into the participatory budget
    # What a phase allows the organiser:
    FEEDBACK = "feedback"
    DECISION = "decision"


RESIDENT_FEATURES = frozenset(
    {Feature.COMMENT, Feature.SUPPORT, Feature.SURVEY, Feature.STATEMENTS, Feature.PROPOSALS, Feature.BUDGET}
)

_REGISTRY: dict[str, frozenset[str]] = {}


def register_phase_type(phase_type: str, features: frozenset[str] | set[str]) -> None:
    """Register (or replace) what a phase type allows; an app may add its own phase types."""
    _REGISTRY[phase_type] = frozenset(features)


def features_of(phase_type: str) -> frozenset[str]:
    return _REGISTRY.get(phase_type, frozenset())


register_phase_type(PhaseType.INFORMATION, set())
register_phase_type(PhaseType.COLLECTING, RESIDENT_FEATURES)
register_phase_type(PhaseType.REVIEW, {Feature.FEEDBACK, Feature.DECISION})
register_phase_type(PhaseType.DECISION, {Feature.FEEDBACK, Feature.DECISION})
register_phase_type(PhaseType.FEEDBACK, {Feature.FEEDBACK})


def current_phase(consultation: Consultation, now: dt.datetime | None = None) -> Phase | None:
    """The phase running at `now` (the latest-starting one if phases overlap), or None."""
    now = now or timezone.now()
    phases = [p for p in consultation.phases.all() if p.starts_at <= now < p.ends_at]
    return max(phases, key=lambda p: (p.starts_at, p.pk)) if phases else None


def allowed_now(consultation: Consultation, feature: str, now: dt.datetime | None = None) -> bool:
    phase = current_phase(consultation, now)
    return phase is not None and feature in features_of(phase.type)

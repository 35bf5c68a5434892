"""Assessment schemes: which weights are in force for a month."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from lianxin.core.memo import ProcessMemo

from ..models import AssessmentScheme, SchemeIndicatorWeight


def _active_schemes() -> list[AssessmentScheme]:
    return list(
        AssessmentScheme.objects.filter(active=True)
        .order_by("-valid_from", "-pk")
        .prefetch_related("indicator_weights")
    )


# The active schemes, newest first, kept in the process (reloaded when a scheme is saved or deleted;
# connected in SupervisionConfig.ready): rankings and the dashboard's stamp look them up per month.
active_schemes = ProcessMemo("supervision-schemes", _active_schemes)


def scheme_for(month: dt.date, *, fresh: bool = False) -> AssessmentScheme:
    """The active scheme in force for that month, or the built-in default (30/35/35).

    `fresh`: read the table now rather than the process's copy (which may lag a change made with
    `QuerySet.update` by up to five minutes)."""
    schemes = _active_schemes() if fresh else active_schemes.get()
    scheme = next((s for s in schemes if s.valid_from <= month), None)
    return scheme or AssessmentScheme(name=_("默认方案"), valid_from=dt.date(2000, 1, 1))


def indicator_weights_of(scheme: AssessmentScheme) -> list[SchemeIndicatorWeight]:
    """The registered indicators a scheme weighs in (none for the built-in default)."""
    return list(scheme.indicator_weights.all()) if scheme.pk is not None else []

"""The drill-down's filters on the events' JSON are typed (`selectors.drilldown.EventFigure`): the
event types come from the payload classes and each filtered key is checked against their fields."""

from __future__ import annotations

import pytest

from lianxin.appeals import events as ev
from lianxin.supervision.selectors.drilldown import DRILLDOWN, FIGURE_LABELS, EventFigure


def test_a_filter_on_a_field_the_payload_lacks_is_refused_when_the_table_is_built():
    with pytest.raises(TypeError, match="Accepted has no field 'lat'"):
        EventFigure((ev.Accepted,), {"lat": True})
    with pytest.raises(TypeError, match="Closed has no field 'satisfaction'"):
        EventFigure((ev.Rated, ev.Closed), {"satisfaction__in": ["satisfied"]})


def test_the_filter_reads_the_payloads_own_keys():
    figure = EventFigure((ev.Rated,), {"satisfaction__in": ["satisfied", "basic"]})
    assert figure.types == ("rated",)
    assert dict(figure.q().children) == {  # type: ignore[arg-type]  # Q children are (lookup, value) pairs here
        "type__in": ("rated",),
        "data__satisfaction__in": ["satisfied", "basic"],
    }


def test_every_figure_has_a_label():
    assert set(DRILLDOWN) <= set(FIGURE_LABELS)

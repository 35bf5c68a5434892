"""`lianxin serve` runs what the apps registered in `lianxin.core.startup`, in INSTALLED_APPS order."""

from __future__ import annotations

import io
import time

import pytest

from lianxin.activities.apps import _sweep_activities
from lianxin.appeals.apps import _sweep_deadlines, _warm_up_triage
from lianxin.core import startup
from lianxin.core.management.commands import serve
from lianxin.demo.apps import _print_demo_logins
from lianxin.integrations.apps import _sweep_deliveries
from lianxin.mediation.apps import _sweep_mediation
from lianxin.outreach.apps import _sweep_coverage
from lianxin.proactive.apps import _propose
from lianxin.supervision.apps import _periodic_refresh


def test_the_apps_register_their_serve_work_once_and_in_order():
    jobs = startup.periodic_jobs()
    assert jobs[0] == _sweep_deadlines  # the deadline sweep first, as before
    expected = (
        _sweep_deadlines,
        _periodic_refresh,
        _sweep_coverage,
        _sweep_activities,
        _sweep_mediation,
        _propose,
        _sweep_deliveries,
    )
    assert sorted(jobs, key=id) == sorted(expected, key=id)
    assert startup.warm_ups() == (_warm_up_triage,)
    assert startup.banners() == (_print_demo_logins,)


def test_registering_again_keeps_one_entry():
    before = startup.periodic_jobs()
    startup.register_periodic(_sweep_deadlines)
    assert startup.periodic_jobs() == before


def test_the_scheduler_loop_runs_every_registered_job(monkeypatch):
    ran: list[str] = []

    class Stop(BaseException):
        pass

    def stop(_seconds: float) -> None:
        raise Stop

    monkeypatch.setattr(startup, "_periodic", [lambda: ran.append("a"), lambda: ran.append("b")])
    monkeypatch.setattr(time, "sleep", stop)  # the module serve sleeps through
    with pytest.raises(Stop):
        serve._scheduler_loop(1)
    assert ran == ["a", "b"]


def test_the_demo_banner_is_silent_on_a_database_not_seeded(db):
    out = io.StringIO()
    for banner in startup.banners():
        banner(out)
    assert out.getvalue() == ""

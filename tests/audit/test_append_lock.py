"""The chain's lock is taken once per transaction, and every append still links to the last entry."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from lianxin.audit.models import AuditEntry
from lianxin.audit.services import AuditAction, audit_append, audit_verify

pytestmark = pytest.mark.django_db


def _append(n: int) -> None:
    audit_append(action=AuditAction.STATE_CHANGE, object_type="appeal", object_id=f"LX-{n}", data={"n": n})


def test_several_appends_in_one_transaction_ask_for_the_lock_once_and_chain():
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for n in range(3):
            _append(n)
    locks = [q for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
    assert len(locks) == (1 if connection.vendor == "postgresql" else 0)
    # no savepoint per append (the one counted is this test's own atomic block inside the test's transaction)
    assert sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries) == 1
    entries = list(AuditEntry.objects.order_by("seq"))
    assert [e.seq for e in entries] == [1, 2, 3]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))
    assert audit_verify().ok


def test_an_append_after_a_rolled_back_savepoint_takes_the_lock_again_and_links_correctly():
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        try:
            with transaction.atomic():
                _append(1)  # the first append of this transaction, inside a savepoint...
                raise RuntimeError("the caller's step failed")
        except RuntimeError:
            pass  # ...rolled back: its entry, its checkpoint and (on PostgreSQL) its lock are gone
        _append(2)
        _append(3)
    locks = [q for q in queries.captured_queries if "pg_advisory_xact_lock" in q["sql"]]
    assert len(locks) == (2 if connection.vendor == "postgresql" else 0)
    assert list(AuditEntry.objects.order_by("seq").values_list("object_id", flat=True)) == ["LX-2", "LX-3"]
    assert audit_verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_transactions_still_form_one_unbroken_chain():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers itself; the advisory lock is PostgreSQL's")
    errors: list[BaseException] = []

    def worker(base: int) -> None:
        try:
            for i in range(5):
                with transaction.atomic():
                    _append(base + 2 * i)
                    _append(base + 2 * i + 1)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(100 * t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert AuditEntry.objects.count() == 40
    report = audit_verify()
    assert report.ok
    assert report.checked == 40

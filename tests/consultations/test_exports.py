"""Exports: pseudonyms only, every export audited, only the organiser."""

from __future__ import annotations

import io

from django.test import Client
from openpyxl import load_workbook

from lianxin.audit.models import AuditEntry
from lianxin.consultations import services

from .factories import consultation


def test_exports(people):
    c = consultation(organiser=people.organiser, unit=people.d.unit_city)
    services.comment_add(actor=people.resident, consultation=c, text="收费太高", paragraph_number=2)
    services.survey_answer(actor=people.resident, consultation=c, answers={1: 1, 3: 4})
    client = Client()
    client.force_login(people.organiser)
    r = client.get(f"/consultations/staff/{c.slug}/export/csv-opinions/")
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    assert "收费太高" in text
    assert "参与者" in text
    assert people.resident.username not in text
    r = client.get(f"/consultations/staff/{c.slug}/export/xlsx/")
    book = load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == ["opinions", "proposals", "survey", "votes"]
    assert [row[4] for row in book["survey"].iter_rows(min_row=2, values_only=True)] == ["一辆", 4]
    assert AuditEntry.objects.filter(object_type="consultation_export").count() == 2
    assert client.get(f"/consultations/staff/{c.slug}/export/pdf/").status_code == 400
    other = Client()
    other.force_login(people.other_staff)
    assert other.get(f"/consultations/staff/{c.slug}/export/xlsx/").status_code == 403

"""The learning certificate (学习证书) as a one-page PDF: who passed which course, the hours, the
date, and the verification code with the address where anyone can check it."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from lianxin.core.pdf import html_to_pdf

from .models import Enrolment


def certificate_html(*, enrolment: Enrolment, verify_url: str) -> str:
    return render_to_string(
        "learning/certificate_pdf.html",
        {
            "name": enrolment.user.display_name or enrolment.user.username,
            "course": enrolment.course,
            "enrolment": enrolment,
            "verify_url": verify_url,
            "issued": timezone.localdate(),
        },
    )


def certificate_pdf(*, enrolment: Enrolment, verify_url: str) -> bytes:
    return html_to_pdf(certificate_html(enrolment=enrolment, verify_url=verify_url))

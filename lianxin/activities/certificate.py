"""The volunteer service certificate (志愿服务证明): a one-page PDF with the confirmed entries, each
with its verification code, and the address where anyone can check them."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from lianxin.core.pdf import html_to_pdf
from lianxin.org.models import User

from .hours import ledger_for


def certificate_html(*, user: User, verify_url: str) -> str:
    ledger = ledger_for(user)
    return render_to_string(
        "activities/certificate.html",
        {
            "name": user.display_name or user.username,
            "ledger": ledger,
            "entries": [e for e in ledger.entries if e.status == "confirmed"],
            "verify_url": verify_url,
            "issued": timezone.localdate(),
        },
    )


def certificate_pdf(*, user: User, verify_url: str) -> bytes:
    """Render now (one page; WeasyPrint takes about a second once loaded)."""
    return html_to_pdf(certificate_html(user=user, verify_url=verify_url))

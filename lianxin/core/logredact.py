"""Keep residents' phones and proofs out of log lines (issue 10, defect 6).

Access logs (runserver's `django.server`, gunicorn's `gunicorn.access`) write request lines with
their query strings: the hotline's caller lookup (`?contact_phone=…`), a tracking proof
(`?proof=…`), a search. This filter rewrites every record before a handler sees it: the values of
sensitive query parameters become `***`, and any mobile number left in the text is masked.
"""

from __future__ import annotations

import logging
import re

SENSITIVE_PARAMS = (
    "contact_phone",
    "phone",
    "proof",
    "secret",
    "access_code",
    "q",
    "api_key",
    "key",
    "token",
    "contact_name",
    "first_name",
    "last_name",
    "email",
)
_PARAM = re.compile(r"([?&](?:" + "|".join(SENSITIVE_PARAMS) + r")=)[^&\s\"']*", re.IGNORECASE)
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def redact(text: str) -> str:
    text = _PARAM.sub(r"\1***", text)
    return _MOBILE.sub(r"\1****\3", text)


class RedactFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not fit its format: leave it to the handler
            return True
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True

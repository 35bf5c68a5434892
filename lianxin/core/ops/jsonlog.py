"""One JSON object per log line (`LIANXIN_LOG_FORMAT=json`, the production default)."""

from __future__ import annotations

import datetime as dt
import json
import logging

from lianxin.core.logredact import redact

_SKIP = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", "-"),
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _SKIP and not key.startswith("_"):
                if isinstance(value, int | float | bool | type(None)):
                    entry[key] = value
                else:  # extras such as the request object print their URL: redacted like the message
                    entry[key] = redact(str(value))
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)

"""One logging setup for every service: text lines for people, or JSON lines for a log pipeline.

LOG_FORMAT=json (core.settings) makes each record one JSON object: ts, service, level, logger,
message, then the fields the service binds (the crawler's job and shard, the API's request id)
and, for an exception, its traceback as one string.
"""

import json
import logging
import sys
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Literal, TextIO

from core.settings import get_settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HANDLER_NAME = "core.logs"
# Loggers that uvicorn gives handlers of its own (and no propagation) before the app is imported.
UVICORN_LOGGERS = ("uvicorn", "uvicorn.access")

_bound: ContextVar[Mapping[str, str] | None] = ContextVar("log_fields", default=None)


def bind(**fields: str) -> None:
    """Add `fields` to every JSON record logged from the current context (e.g. one request)."""
    _bound.set({**(_bound.get() or {}), **fields})


def bound() -> Mapping[str, str]:
    """The fields bound in the current context."""
    return _bound.get() or {}


class JsonFormatter(logging.Formatter):
    """One JSON object per record; `extra={"fields": {...}}` adds keys to it."""

    def __init__(self, service: str, fields: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self.service = service
        self.fields = dict(fields or {})

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "service": self.service,
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **self.fields,
            **bound(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging(
    service: str,
    *,
    log_format: Literal["json", "text"] | None = None,
    level: int | str = logging.INFO,
    stream: TextIO | None = None,
    fields: Mapping[str, str] | None = None,
) -> None:
    """Send every log record of this process to `stream` (stderr) as LOG_FORMAT says.

    Calling it again replaces the handler it installed. `fields` go into every JSON record.
    """
    log_format = log_format or get_settings().log_format
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(HANDLER_NAME)
    handler.setLevel(level)
    if log_format == "json":
        handler.setFormatter(JsonFormatter(service, fields))
        for name in UVICORN_LOGGERS:
            uvicorn = logging.getLogger(name)
            # Left alone when it has none: --no-access-log empties uvicorn.access on purpose.
            if uvicorn.handlers:
                uvicorn.handlers.clear()
                uvicorn.propagate = True
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)

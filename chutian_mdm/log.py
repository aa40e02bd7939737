"""Event logging for unattended runs: human lines, or one JSON object per line for log shippers.

``configure("json")`` makes every event a JSON line on stderr
(``{"ts": "...", "level": "info", "event": "file_ingested", "domain": "population", …}``);
``configure("text")`` prints warnings and errors as readable lines. Database URLs in messages
are always redacted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
from typing import Any

LOGGER_NAME = "chutian_mdm"
FORMATS = ("text", "json")
_URL = re.compile(r"postgres(?:ql)?(?:\+\w+)?://\S+")


def _redacted(text: str) -> str:
    from .db.engine import redact

    return _URL.sub(lambda m: redact(m.group(0)), text)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": getattr(record, "event", "message"),
            "message": _redacted(record.getMessage()),
        }
        entry.update(getattr(record, "fields", {}))
        return json.dumps(entry, ensure_ascii=False, default=str)


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"chutian-mdm: {record.levelname.lower()}: {_redacted(record.getMessage())}"


def configure(log_format: str = "text", verbose: bool = False) -> logging.Logger:
    """(Re)configure the product's logger; returns it."""
    if log_format not in FORMATS:
        from .errors import ConfigError

        raise ConfigError(f"unknown log format {log_format!r} (choose {' or '.join(FORMATS)})")
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if log_format == "json" else _TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if log_format == "json" or verbose else logging.WARNING)
    logger.propagate = False
    return logger


def event(level: int, name: str, message: str, **fields: Any) -> None:
    """Log one event with structured fields."""
    logging.getLogger(LOGGER_NAME).log(level, message, extra={"event": name, "fields": fields})

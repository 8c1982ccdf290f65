"""Log lines as text for people or, with COURSEVAULT_LOG_FORMAT=json, one JSON object per
line for log shippers: the same setup for `serve` (granian's workers too), `worker` and
every other command."""

from __future__ import annotations

import json
import logging
import logging.config
from datetime import UTC, datetime
from typing import Any

from coursevault.config import LogFormat, Settings

TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def dictconfig(settings: Settings) -> dict[str, Any]:
    """The logging configuration of SETTINGS (also handed to granian for its own loggers)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter} if settings.log_format is LogFormat.json else {"format": TEXT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "main",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["console"], "level": settings.log_level},
        "loggers": {
            name: {"handlers": ["console"], "level": settings.log_level, "propagate": False}
            for name in ("_granian", "granian.access")
        },
    }


def configure(settings: Settings) -> None:
    logging.config.dictConfig(dictconfig(settings))

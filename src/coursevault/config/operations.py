"""Operating a node: the database it talks to, its connection limits, who may read its
metrics, and how its log lines look."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network

from pydantic import Field, IPvAnyNetwork

from coursevault.config.base import SettingsBase


class LogFormat(StrEnum):
    text = "text"
    json = "json"  # one JSON object per line, for log shippers


def _loopback() -> list[IPv4Network | IPv6Network]:
    return [IPv4Network("127.0.0.0/8"), IPv6Network("::1/128")]


class OperationsSettings(SettingsBase):
    mongodb_uri: str | None = None
    mongodb_database: str = "coursevault"
    # Every database call gives up after this long (pymongo's timeoutMS): a frozen
    # database turns into 503 database_unavailable instead of requests that hang.
    db_timeout_seconds: float = Field(default=5.0, gt=0, le=300)

    # Connection limits of `coursevault serve` (granian): every viewer holds a keep-alive
    # connection, and granian's defaults (1,024 queued, backpressure = backlog / workers)
    # stalled new connections past about a thousand viewers (bench/viewers.py).
    backlog: int = Field(default=8192, ge=128)
    backpressure: int = Field(default=8192, ge=1)

    # Who may read GET /metrics (everyone else gets 404), and how log lines look.
    metrics_allow: list[IPvAnyNetwork] = Field(default_factory=_loopback)
    log_format: LogFormat = LogFormat.text
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")

    @property
    def uses_embedded_database(self) -> bool:
        return not self.mongodb_uri

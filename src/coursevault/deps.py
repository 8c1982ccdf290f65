"""Dependencies every feature's routes use: the database and the settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coursevault.config import Settings
from coursevault.db import Database


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_db(request: Request) -> Database:
    db: Database = request.app.state.connection.db
    return db


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


AppSettings = Annotated[Settings, Depends(get_settings)]
Db = Annotated[Database, Depends(get_db)]
ClientIp = Annotated[str, Depends(client_ip)]

"""Dependencies every feature's routes use: the database and the settings.

They are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool,
a hop every segment request would pay for nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from coursevault.config import Settings
from coursevault.database.db import Database


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.connection.db
    return db


async def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


AppSettings = Annotated[Settings, Depends(get_settings)]
Db = Annotated[Database, Depends(get_db)]
ClientIp = Annotated[str, Depends(client_ip)]

"""Chained dependencies: an order the caller placed (or, for admins, any order)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from coursevault.auth.deps import CurrentUser
from coursevault.database.db import Document
from coursevault.http.deps import Db
from coursevault.payments import orders


async def owned_order(order_id: str, user: CurrentUser, db: Db) -> Document:
    return await orders.order_for(db=db, order_id=order_id, user=user)


OwnedOrder = Annotated[Document, Depends(owned_order)]

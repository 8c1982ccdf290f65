"""Order kinds: what an order buys, and what its kind does when the order changes state.

Payments takes the money and keeps the facts of every order (P3, P4). A course or a
bundle order gives its buyer access, here, through versioned grants. A gift's and a
team's seats belong to the features above payments (`gifts/`, `teams/`), which payments
cannot import: the wiring floor hands their effects over (`routers.ORDER_EFFECTS`), as
it hands media the ready hooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from coursevault.config import Settings
from coursevault.database.db import Database, Document
from coursevault.enrollments.models import GrantSource
from coursevault.payments.models import OrderKind, OrderState


class OrderEffect(Protocol):
    """What a feature above payments does each time an order of its kind is applied: with
    every snapshot (paid, refunded, disputed, restored), so it must be idempotent and
    settle on the latest snapshot (the order's `version` only grows)."""

    async def __call__(
        self, *, db: Database, settings: Settings, order: Document, state: OrderState
    ) -> None: ...


# Kinds whose effect lives above payments: an order of one of them is never applied
# without its effect (a missing one fails loudly, so a webhook is retried).
NEEDS_EFFECT = frozenset({OrderKind.gift, OrderKind.seats})

_effects: dict[OrderKind, OrderEffect] = {}


def on_change(effects: Mapping[OrderKind, OrderEffect]) -> None:
    """Sets what runs when an order of each kind changes state (the wiring floor)."""
    _effects.clear()
    _effects.update(effects)


def kind_of(order: Document) -> OrderKind:
    """The order's kind; orders stored before kinds existed are course orders."""
    return OrderKind(order.get("kind") or OrderKind.course)


def buyer_courses(order: Document) -> tuple[GrantSource, list[str]]:
    """The courses ORDER opens to its own buyer, and the grant source they come from."""
    kind = kind_of(order)
    if kind is OrderKind.course:
        return GrantSource.order, [order["course_id"]]
    if kind is OrderKind.bundle:
        return GrantSource.bundle, list(order.get("course_ids") or [])
    return GrantSource.order, []  # gifts and seats give the buyer nothing to watch


async def run_effect(
    *, db: Database, settings: Settings, order: Document, state: OrderState
) -> None:
    """Runs the effect of ORDER's kind, if it has one."""
    kind = kind_of(order)
    if kind not in NEEDS_EFFECT:
        return
    effect = _effects.get(kind)
    if effect is None:
        raise RuntimeError(f"no effect is installed for {kind} orders (routers.ORDER_EFFECTS)")
    await effect(db=db, settings=settings, order=order, state=state)

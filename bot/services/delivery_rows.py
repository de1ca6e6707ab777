"""The delivery fields every row that is sent like a reminder carries (``Reminder``,
``OutboxNote``), read into and written back from ``bot.domain.delivery.Delivery``."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.domain import delivery as dv


class DeliveryRow(Protocol):
    kind: str
    status: str
    send_after: datetime
    useful_until: datetime
    attempts: int
    ambiguous: int
    reason: str | None
    lease_until: datetime | None
    updated_at: datetime


def delivery_of(row: DeliveryRow) -> dv.Delivery:
    return dv.Delivery(
        kind=row.kind,
        status=dv.State(row.status),
        send_after=row.send_after,
        useful_until=row.useful_until,
        attempts=row.attempts,
        ambiguous=row.ambiguous,
        reason=row.reason,
    )


def apply_delivery(row: DeliveryRow, d: dv.Delivery, at: datetime) -> None:
    row.status = d.status.value
    row.send_after = d.send_after
    row.attempts = d.attempts
    row.ambiguous = d.ambiguous
    row.reason = d.reason
    row.updated_at = at
    if d.status != dv.State.CLAIMED:
        row.lease_until = None

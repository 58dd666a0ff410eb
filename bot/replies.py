"""What the bot answers: a card, a line of text, or both. Shared by commands and card actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.models import Event


@dataclass(frozen=True)
class Reply:
    text: str | None = None
    card: dict[str, Any] | None = None
    events: tuple[Event, ...] = field(default_factory=tuple)  # what changed, for notifications
    outcome: str = "ok"  # for the one log line per activity

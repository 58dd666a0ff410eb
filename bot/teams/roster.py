"""Roster lookups (botbuilder's `TeamsInfo.get_member`): the member API answers only in conversations the bot
is part of ("A bot can access additional context data about a team or chat where it's installed":
https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/get-teams-context), and a message
extension is used from chats without the bot, where every invoke (each keystroke of a search) must be answered
within five seconds (https://learn.microsoft.com/en-us/microsoftteams/platform/messaging-extensions/how-to/action-commands/respond-to-task-module-submit).
So a lookup is bounded by `ROSTER_TIMEOUT`, and a conversation where one failed is not asked again for
`ROSTER_RETRY_SECONDS` (per process: a second replica learns it once more)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from bot.domain.clock import SYSTEM, Clock

log = logging.getLogger(__name__)

ROSTER_TIMEOUT = 1.5  # seconds a lookup may take: well inside an extension invoke's 5 seconds
ROSTER_RETRY_SECONDS = 600.0  # a conversation where a lookup failed is left alone this long
MAX_REMEMBERED = 10_000  # conversations remembered at once; past it the expired ones are dropped


class Roster:
    def __init__(self, clock: Clock = SYSTEM, timeout: float = ROSTER_TIMEOUT) -> None:
        self.clock = clock
        self.timeout = timeout
        self._failed: dict[tuple[str, str], float] = {}  # (tenant, conversation) -> when to try again (monotonic)

    async def member(self, turn_context: TurnContext, tenant_id: str, member_id: str) -> Any | None:
        """The member's TeamsChannelAccount in this turn's conversation, or None (failed now or lately)."""
        conversation = turn_context.activity.conversation.id if turn_context.activity.conversation else ""
        key = (tenant_id, conversation or "")
        now = self.clock.monotonic()
        if self._failed.get(key, 0.0) > now:
            return None
        try:
            member = await asyncio.wait_for(TeamsInfo.get_member(turn_context, member_id), self.timeout)
        except Exception as exc:  # refused (the bot is not in this chat), not found, or too slow
            self._remember(key, now)
            log.info("tenant=%s roster lookup failed (%s): not tried here again for a while", tenant_id,
                     type(exc).__name__)  # fmt: skip
            return None
        self._failed.pop(key, None)
        return member

    def _remember(self, key: tuple[str, str], now: float) -> None:
        if len(self._failed) >= MAX_REMEMBERED:
            self._failed = {k: until for k, until in self._failed.items() if until > now}
            while len(self._failed) >= MAX_REMEMBERED:  # all still fresh: the oldest go first
                self._failed.pop(next(iter(self._failed)))
        self._failed[key] = now + ROSTER_RETRY_SECONDS

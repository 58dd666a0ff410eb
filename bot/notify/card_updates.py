"""Keeps posted record cards showing the truth: after a change, the latest few places where the
record's card was posted are updated in place, in the background, through the same rate limiter as
the notifications (Teams' limits count every call the bot makes to a conversation and a tenant).
Best effort: a card that misses an update is refreshed anyway when a listed viewer looks at it (the
card's refresh) or clicks it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.domain.delivery import CardPost
from bot.domain.models import RecordView
from bot.handlers.replies import refresh_user_ids
from bot.notify.rate_limits import RateLimiter, in_conversation, in_tenant
from bot.services import CrmService
from cards.common import Card
from cards.records import record_card

log = logging.getLogger(__name__)

Send = Callable[[CardPost, Card], Awaitable[None]]

POSTS_PER_CHANGE = 5  # the newest posts of a record; older ones have scrolled out of sight
DEBOUNCE_SECONDS = 0.5  # a burst of changes gives one update per card, with the final state


class CardUpdater:
    def __init__(
        self, services: CrmService, send: Send, limiter: RateLimiter, debounce: float = DEBOUNCE_SECONDS
    ) -> None:
        self.services = services
        self.send = send
        self.limiter = limiter
        self.debounce = debounce
        self._pending: dict[tuple[str, int], set[str]] = {}  # record -> activity ids not to touch
        self._views: dict[tuple[str, int], RecordView] = {}  # record -> its view after the latest change
        self._tasks: set[asyncio.Task[None]] = set()

    def record_changed(
        self, tenant_id: str, record_id: int, answered_activity_id: str | None = None, view: RecordView | None = None
    ) -> None:
        """Schedule an update of the record's posted cards (the clicked one was already answered); `view` is
        the record after the change, reused when nothing changed it since. With several replicas, the one
        that sends for the tenant makes the calls (Teams' limits)."""
        if not self.services.deliveries.owns(tenant_id):
            self._start(self._hand_over(tenant_id, record_id, answered_activity_id))
            return
        key = (tenant_id, record_id)
        if view is not None:
            self._views[key] = view
        else:
            self._views.pop(key, None)
        if key in self._pending:
            # Only the latest change's answer is up to date: a message answered for an earlier one is not.
            self._pending[key] = {answered_activity_id} if answered_activity_id else set()
            return
        self._pending[key] = {answered_activity_id} if answered_activity_id else set()
        self._start(self._update(key))

    def _start(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _hand_over(self, tenant_id: str, record_id: int, answered_activity_id: str | None) -> None:
        """Take the tenant's sending if nobody has it, else ask its sender (LISTEN/NOTIFY) to update."""
        owned, _ = await self.services.deliveries.own(tenant_id)
        if owned:
            self.record_changed(tenant_id, record_id, answered_activity_id)
            return
        note = f"card {tenant_id} {record_id} {answered_activity_id or ''}"
        await self.services.run(self.services.repo.notify, note)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _update(self, key: tuple[str, int]) -> None:
        await asyncio.sleep(self.debounce)
        skip = self._pending.pop(key, set())
        known = self._views.pop(key, None)
        tenant_id, record_id = key
        for post, card in await self.services.run(self._cards, tenant_id, record_id, skip, known):
            permit = await self.limiter.acquire(
                [in_conversation(tenant_id, post.conversation_id)], in_tenant(tenant_id)
            )
            try:
                await self.send(post, card)
            except Exception as exc:  # a deleted message or a removed bot must not stop the others
                status = getattr(getattr(exc, "response", None), "status_code", None)  # the connector's answer
                log.warning("tenant=%s record=%s card update failed: status=%s %r", tenant_id, record_id, status, exc)
            finally:
                permit.finished()

    def _cards(
        self, tenant_id: str, record_id: int, skip: set[str], known: RecordView | None
    ) -> list[tuple[CardPost, Card]]:
        """The posted cards to replace, each with its new content (storage work: off the event loop)."""
        posts, version = self.services.card_posts(tenant_id, record_id, POSTS_PER_CHANGE)
        posts = [post for post in posts if post.activity_id not in skip]
        if not posts:
            return []
        view = known if known is not None and known.record.version == version else None
        if view is None:
            record = self.services.record_by_id(tenant_id, record_id)
            if record is None:
                return []
            view = self.services.view_of(record)
        cards = []
        for post in posts:
            # A 1:1 chat has one viewer; a shared card shows Follow to all, and each listed viewer's own view.
            viewer = None if post.shared or not post.viewer_id else self.services.user_by_id(tenant_id, post.viewer_id)
            ids = refresh_user_ids(view, viewer, shared=viewer is None)
            cards.append((post, record_card(view, viewer.id if viewer else None, refresh_user_ids=ids)))
        return cards

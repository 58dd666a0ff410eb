"""Keeps posted record cards showing the truth: after a change, the latest few places where the
record's card was posted are updated in place, in the background, through the same rate limiter as
the notifications (Teams' limits count every call the bot makes to a conversation and a tenant).
Best effort: a card that misses an update is refreshed anyway when a listed viewer looks at it (the
card's refresh) or clicks it. A post whose update fails for good (404: the message was deleted; 403: the
bot was removed from the conversation, or the message is not the bot's; 400: Teams will not take it) is
forgotten after one try; after a transient failure (429, 5xx, a
timeout) the post is left alone for a growing while, then tried again, and forgotten after
`MAX_TRANSIENT` failures in a row.

One task waits out the debounce for every changed record: when the soonest is due, the posts of every record
due within the next half of it are read in one storage step (one query a tenant), and only records with
posts get a sending task. A busy bot pays for a few reads a second, not one read and one task a change."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from bot.domain.clock import SYSTEM, Clock
from bot.domain.delivery import CardPost
from bot.domain.language import speaking
from bot.domain.models import RecordView
from bot.handlers.replies import refresh_user_ids
from bot.notify import takeover
from bot.notify.rate_limits import RateLimiter, in_conversation, in_tenant
from bot.services import CrmService
from cards.common import Card
from cards.records import record_card
from cards.visibility import restricted_card

log = logging.getLogger(__name__)

Send = Callable[[CardPost, Card], Awaitable[None]]

POSTS_PER_CHANGE = 5  # the newest posts of a record; older ones have scrolled out of sight
DEBOUNCE_SECONDS = 0.5  # a burst of changes gives one update per card, with the final state
PERMANENT = frozenset({400, 403, 404})  # refused (not the bot's message), the bot removed, the message deleted
RETRY_BASE_SECONDS = 2.0  # after a transient failure; doubles each time
RETRY_CAP_SECONDS = 300.0
MAX_TRANSIENT = 6  # failures in a row before a post is given up

PostKey = tuple[str, str, str]  # tenant, conversation, message
RecordKey = tuple[str, int]  # tenant, record
Due = tuple[RecordKey, set[str], RecordView | None]  # a record, the messages not to touch, its latest view


def _status(exc: Exception) -> int | None:
    """The connector's HTTP answer (botbuilder's ErrorResponseException carries the response)."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


def _key(post: CardPost) -> PostKey:
    return post.tenant_id, post.conversation_id, post.activity_id


class CardUpdater:
    def __init__(
        self,
        services: CrmService,
        send: Send,
        limiter: RateLimiter,
        debounce: float = DEBOUNCE_SECONDS,
        clock: Clock = SYSTEM,
    ) -> None:
        self.services = services
        self.clock = clock  # the debounce and the retries wait on it (tests move a fake one)
        self.send = send
        self.limiter = limiter
        self.debounce = debounce
        self._pending: dict[RecordKey, set[str]] = {}  # record -> activity ids not to touch
        self._views: dict[RecordKey, RecordView] = {}  # record -> its view after the latest change
        self._due: deque[tuple[float, RecordKey]] = deque()  # when each waiting record's update goes, in order
        self._waiter: asyncio.Task[None] | None = None  # waits out the debounce for every record in `_due`
        self._tasks: set[asyncio.Task[None]] = set()
        self._backoff: dict[PostKey, tuple[int, float]] = {}  # failures in a row, not before (monotonic)
        self.retry_base = RETRY_BASE_SECONDS

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
        self._due.append((self.clock.monotonic() + self.debounce, key))  # the same wait for all: in time order
        if self._waiter is None:
            self._waiter = self._start(self._wait_and_update())

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _wait_and_update(self) -> None:
        """Until no record is waiting: wait for the soonest, then update it and every record due soon after."""
        try:
            while self._due:
                wait = self._due[0][0] - self.clock.monotonic()
                if wait > 0:
                    await self.clock.sleep(wait)
                # Those due soon go too (their wait a little shorter, half of it at least): one read for many.
                until = self.clock.monotonic() + self.debounce / 2
                due: list[Due] = []
                while self._due and self._due[0][0] <= until:
                    _, key = self._due.popleft()
                    due.append((key, self._pending.pop(key, set()), self._views.pop(key, None)))
                try:
                    updates = await self.services.run(self._due_cards, due)
                except Exception:  # best effort: the cards are refreshed when next looked at or clicked
                    log.exception("reading the posted cards of %d changed records failed", len(due))
                    continue
                for key, cards in updates.items():
                    self._start(self._send_cards(key, cards))
        finally:
            self._waiter = None

    async def _hand_over(self, tenant_id: str, record_id: int, answered_activity_id: str | None) -> None:
        """Take the tenant's sending if nobody has it, else ask its sender (LISTEN/NOTIFY) to update."""
        if await takeover.own(self.services.deliveries, self.limiter, tenant_id, at_once=True):
            self.record_changed(tenant_id, record_id, answered_activity_id)
            return
        note = f"card {tenant_id} {record_id} {answered_activity_id or ''}"
        await self.services.run(self.services.repo.notify, note)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _send_cards(self, key: RecordKey, cards: list[tuple[CardPost, Card]]) -> None:
        tenant_id, _ = key
        for post, card in cards:
            permit = await self.limiter.acquire(
                [in_conversation(tenant_id, post.conversation_id)], in_tenant(tenant_id)
            )
            try:
                await self.send(post, card)
                self._backoff.pop(_key(post), None)
            except Exception as exc:  # a deleted message or a removed bot must not stop the others
                await self._failed(post, exc)
            finally:
                permit.finished()

    async def _failed(self, post: CardPost, exc: Exception) -> None:
        status = _status(exc)
        failures = self._backoff.get(_key(post), (0, 0.0))[0] + 1
        log.warning("tenant=%s record=%s card update failed: status=%s %r", post.tenant_id, post.record_id, status, exc)
        if status in PERMANENT or failures >= MAX_TRANSIENT:
            self._backoff.pop(_key(post), None)
            await self.services.run(self.services.people.forget_card_post, post)
            log.info("tenant=%s record=%s posted card forgotten (status=%s)", post.tenant_id, post.record_id, status)
            return
        delay = min(RETRY_CAP_SECONDS, self.retry_base * 2 ** (failures - 1))
        self._backoff[_key(post)] = (failures, self.clock.monotonic() + delay)
        self._start(self._retry(post, delay))

    async def _retry(self, post: CardPost, delay: float) -> None:
        await self.clock.sleep(delay)
        if not self.services.deliveries.owns(post.tenant_id):  # handed back meanwhile: its new sender decides
            self._backoff.pop(_key(post), None)
            return
        key = (post.tenant_id, post.record_id)
        await self._send_cards(key, await self.services.run(self._retry_cards, key, _key(post)))

    def _due_cards(self, due: list[Due]) -> dict[RecordKey, list[tuple[CardPost, Card]]]:
        """The due records' posted cards to replace, each with its new content (storage work: off the event
        loop); records with none are left out. A post backing off is left alone: its own retry is scheduled."""
        now = self.clock.monotonic()
        found: dict[RecordKey, list[tuple[CardPost, Card]]] = {}
        tenants: dict[str, list[Due]] = {}
        for entry in due:
            tenants.setdefault(entry[0][0], []).append(entry)
        for tenant_id, entries in tenants.items():
            posted = self.services.people.card_posts_of(tenant_id, [key[1] for key, _, _ in entries], POSTS_PER_CHANGE)
            for key, skip, known in entries:
                if key[1] not in posted:
                    continue
                posts, version = posted[key[1]]
                posts = [
                    p for p in posts if p.activity_id not in skip and self._backoff.get(_key(p), (0, 0.0))[1] <= now
                ]
                try:
                    cards = self._cards(key, posts, version, known)
                except Exception:  # one record's trouble must not keep the others' cards stale
                    log.exception("tenant=%s record=%s: building its posted cards failed", *key)
                    continue
                if cards:
                    found[key] = cards
        return found

    def _retry_cards(self, key: RecordKey, only: PostKey) -> list[tuple[CardPost, Card]]:
        tenant_id, record_id = key
        posts, version = self.services.people.card_posts_of(tenant_id, [record_id], POSTS_PER_CHANGE).get(
            record_id, ([], 0)
        )
        return self._cards(key, [post for post in posts if _key(post) == only], version, None)

    def _cards(
        self, key: RecordKey, posts: list[CardPost], version: int, known: RecordView | None
    ) -> list[tuple[CardPost, Card]]:
        """Each post with the record's card as its viewer sees it, from the change's view while it is current."""
        if not posts:
            return []
        tenant_id, record_id = key
        view = known if known is not None and known.record.version == version else None
        if view is None:
            record = self.services.records.record_by_id(tenant_id, record_id)
            if record is None:
                return []
            view = self.services.records.view_of(record)
        cards = []
        restricted = view.record.restricted
        readers = self.services.visibility.readers(view) if restricted else []
        for post in posts:
            # A 1:1 chat has one viewer; a shared card shows Follow to all, and each listed viewer's own view.
            viewer = (
                None
                if post.shared or not post.viewer_id
                else self.services.people.user_by_id(tenant_id, post.viewer_id)
            )
            ids = refresh_user_ids(view, viewer, viewer is None, readers)
            with speaking(post.locale):  # each listed viewer's refresh then asks for their own language
                if restricted and viewer is None:  # everyone in the chat: the reference and title only
                    cards.append((post, restricted_card(view.record, ids)))
                elif restricted and viewer is not None and not self.services.records.may_see(viewer, view.record):
                    cards.append((post, restricted_card(view.record, [])))  # its viewer lost access
                else:
                    cards.append((post, record_card(view, viewer.id if viewer else None, refresh_user_ids=ids)))
        return cards

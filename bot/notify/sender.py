"""The outbox sender's loop, free of Bot Framework types: it reads due rows, runs their deliveries
within Teams' rate limits, records each outcome and decides on retries; a `Transport`
(bot/teams/transport.py) does the sending to people, a `ChannelPoster` the posts to team channels.

Every row of the outbox goes this one way, whatever its purpose and target (a person's chat or feed, a
team channel's post: see the glossary in bot/notify/__init__.py). Delivery semantics. A row is marked
'sending' (committed) just before its HTTP call and 'sent' right after the connector's answer. A restart
resumes every 'pending' row. A row still 'sending' after a stop or a kill -9 may or may not have reached
Teams (the connector has no idempotency key), so it is never resent on its own: it becomes 'failed' with
that reason, shown by the `notifications` command where the record's owner (a channel's post: the person
who set the weekly post up) can send it again. A post to a team channel still in its call when the bot
stops is cut short at once and marked failed, never posted twice (a whole team would see the duplicate).
So a restart never sends a notification twice, and one that cannot be vouched for is visible instead of
silently lost. The one way to a duplicate is a
timeout: as Teams advises, it is retried, so a message Teams took but did not confirm within
`DeliveryPolicy.send_timeout` would arrive twice.

Every send goes through the rate limiter of bot/notify/rate_limits.py (Teams' per-conversation and per-tenant
limits; an activity-feed notification, bot/teams/feed.py, Graph's per-person and per-tenant ones instead).
429 answers are retried after Retry-After; 412, 502, 503, 504 and timeouts with exponential backoff and jitter;
all bounded by `DeliveryPolicy.max_attempts`. A short wait is spent in the delivery's own task (the row is
pending in the database meanwhile, so a restart still resumes it), so a throttled message to a person goes
out the moment its conversation may have it, ahead of the queue; a channel's post (one a week, no fan-out
to keep ahead of) waits for its stored time like a long wait.

Fairness (bot/notify/fair_queue.py): due rows are started one lane at a time, the lane with the
fewest under way first, at most `DeliveryPolicy.per_tenant` of a lane's under way, so one tenant's
fan-out never delays another's next notification by more than a free place. A lane is a tenant's
rows of one budget (`Deliveries.lanes`): where the activity feed is offered, its chat rows (team channel
posts among them) and its feed rows are read and capped apart, so feed notifications waiting for Graph's
slower budget never take the places of chat messages Teams' budget would let through (and the reverse). A
delivery waiting for its tenant's or conversation's budget holds no connector call slot
(`DeliveryPolicy.concurrency` bounds the calls themselves), and a tenant's rows are read again only when its
read-ahead runs low, not on every request."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol, cast

from bot.domain.clock import SYSTEM, Clock
from bot.domain.delivery import ChannelPostView, Notification, NotificationView, Target
from bot.domain.language import speaking
from bot.notify import takeover
from bot.notify.fair_queue import FairQueue
from bot.notify.rate_limits import DeliveryPolicy, Keyed, Permit, RateLimiter, in_conversation, in_tenant
from bot.services.outbox import INTERRUPTED, Deliveries
from cards.common import Card
from cards.notifications import channel_post_card, channel_post_summary

log = logging.getLogger(__name__)

RETRY_LEEWAY = 0.1
TAKEOVER_POLL_SECONDS = 1.0  # how soon a replica notices that a tenant's sender stopped  # seconds: the stored retry time and the limiter's clock differ by a little
DAILY_SWEEP_SECONDS = 60.0  # how often the sender looks for working days begun and deals gone quiet


class DeliveryError(Exception):
    def __init__(
        self,
        reason: str,
        retryable: bool,
        retry_after: float | None = None,
        status: int | None = None,
        key: Hashable | None = None,  # the rate-limit key a 429 pauses (default: the conversation's)
    ):
        super().__init__(reason)
        self.key = key
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class Outgoing(Protocol):
    """One message, addressed and built, not yet sent."""

    @property
    def conversation_id(self) -> str: ...

    async def send(self) -> tuple[str | None, float]:
        """Its message id, and when the connector's answer was in (the limiter's clock)."""
        ...


class ChannelPoster(Protocol):
    """Posts a card to a team channel (Teams; bot/teams/transport.py). Failures raise DeliveryError."""

    async def post_card(
        self, tenant_id: str, conversation_id: str, service_url: str, card: Card, summary: str
    ) -> tuple[str | None, float]: ...


class Transport(Protocol):
    """What the sender sends a person's rows through (Teams; bot/teams/transport.py). Failures raise
    DeliveryError."""

    async def prepare(self, view: NotificationView) -> Outgoing: ...


@dataclass(frozen=True)
class _Post:
    """A row's card addressed to a team channel (an `Outgoing`), posted through the poster."""

    poster: ChannelPoster
    view: ChannelPostView

    @property
    def conversation_id(self) -> str:
        return self.view.conversation_id

    async def send(self) -> tuple[str | None, float]:
        view = self.view
        with speaking(view.locale):  # the language of the person who set the post up
            card, summary = channel_post_card(view), channel_post_summary(view)
        return await self.poster.post_card(
            view.notification.tenant_id, view.conversation_id, view.service_url, card, summary
        )


class Sender:
    """Started and stopped with the app (aiohttp cleanup_ctx); `wake()` after a change is committed."""

    def __init__(
        self,
        deliveries: Deliveries,
        transport: Transport,
        policy: DeliveryPolicy | None = None,
        limiter: RateLimiter | None = None,
        poster: ChannelPoster | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        self.deliveries = deliveries
        self.transport = transport
        self.poster = poster  # the rows to team channels go through it (and only a sender with one opens weeks)
        self.policy = policy or DeliveryPolicy()
        self.clock = clock  # the timer, the sweeps and the retries' waits (tests move a fake one)
        self.limiter = limiter or RateLimiter(self.policy.slack, timer=clock)
        self._wake = asyncio.Event()
        self._reload = True  # look for tenants with due rows (a change came in, or a timer went off)
        self.queue = FairQueue(self.policy.per_tenant, self.policy.under_way)  # due rows read ahead
        self._calls = asyncio.Semaphore(self.policy.concurrency)  # connector calls at once
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._calling: dict[int, Target] = {}  # deliveries inside their HTTP call, and where to
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._others_only = False  # every due row belongs to tenants another replica sends for

    def wake(self) -> None:
        self._reload = True
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        self._runner = asyncio.create_task(self._run(), name="notifier")

    async def stop(self) -> None:
        """Send nothing new; let calls under way finish (bounded); what is left stays pending."""
        self._stopping = True
        if self._runner:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        waiting = [t for i, t in self._in_flight.items() if self._calling.get(i) is not Target.PERSON]
        for task in waiting:  # not yet sending (a rate-limit or retry wait): the row stays pending;
            task.cancel()  # a channel's post in its call is cut short: marked failed, never posted twice
        tasks = list(self._in_flight.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.policy.send_timeout + 1)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _run(self) -> None:
        swept = -math.inf
        looked = -math.inf  # the day's cards and the quiet deals, looked for once a minute
        run = self.deliveries.run
        while not self._stopping:
            wait: float | None = None
            try:
                if self.clock.monotonic() - swept >= self.policy.poll_seconds:
                    await run(self.deliveries.fail_interrupted, self.policy.send_timeout * 2 + 5)
                    await run(self.deliveries.end_lapsed_follows)
                    swept = self.clock.monotonic()
                await self._open_weeks()
                if self.clock.monotonic() - looked >= DAILY_SWEEP_SECONDS:
                    looked = self.clock.monotonic()
                    await self._open_days()
                await self._dispatch_due()
                await self._hand_back_idle()
                wait = self._sooner(await run(self.deliveries.seconds_until_next), await self._weekly_wait())
            except Exception:  # the sender must outlive a bad row or a busy database
                log.exception("notifier pass failed")
            wait = self._idle_wait(wait)
            if self._others_only:  # not ours to send: look again soon, in case their sender stopped
                wait = min(self.policy.poll_seconds, TAKEOVER_POLL_SECONDS)
            woken = await self.clock.wait(self._wake, wait)
            self._wake.clear()
            if not woken:
                self._reload = True  # a timer: rows coming due, other instances' leftovers

    @staticmethod
    def _sooner(a: float | None, b: float | None) -> float | None:
        return b if a is None else a if b is None else min(a, b)

    # --- the weekly pipeline posts (bot/services/weekly.py) open their rows --------------------

    async def _weekly_wait(self) -> float | None:
        if self.poster is None:
            return None
        return await self.deliveries.run(self.deliveries.weekly.seconds_until_opening)

    async def _open_weeks(self) -> None:
        """Each channel whose Monday morning has come gets the week's row, sent from there like every row."""
        if self.poster is None:
            return
        opened = await self.deliveries.run(self.deliveries.weekly.open_due_weeks)
        if opened:
            self._reload = True

    async def _open_days(self) -> None:
        """Each person whose working day began with tasks due gets the day's card; each deal gone quiet, its
        owner's notice (bot/services/reminders.py): rows sent from there like every row."""
        run = self.deliveries.run
        if await run(self.deliveries.my_day.open_due_days) + await run(self.deliveries.quiet.open_quiet_spells):
            self._reload = True

    def _idle_wait(self, until_next: float | None) -> float:
        if until_next is None:
            return self.policy.poll_seconds
        if until_next <= 0 and self.queue.running():  # busy: a finished delivery wakes the loop
            return self.policy.poll_seconds
        return min(max(until_next, 0.01), self.policy.poll_seconds)

    async def _dispatch_due(self) -> None:
        """Read ahead for the tenants that need it (after a wake or a timer: every tenant with due rows
        this replica sends for; else those whose read-ahead ran low), then start what the fair queue
        hands out."""
        run = self.deliveries.run
        lanes = self.queue.hungry()
        if self._reload:
            self._reload = False
            due = await run(self.deliveries.due_tenants)
            owned = [t for t in due if await self._owns(t)]  # one replica sends for a tenant: Teams' limits hold
            self._others_only = bool(due) and not owned
            lanes.update((t, lane) for t in owned for lane in self.deliveries.lanes(t))
        for key in sorted(lanes, key=repr):
            tenant_id, lane = cast(tuple[str, str | None], key)  # the sender's lanes
            limit = self.queue.read_ahead(key)
            if limit:
                self.queue.add(await run(self.deliveries.due, tenant_id, limit, lane), key)
        for notification in self.queue.take():
            task = asyncio.create_task(self._deliver(notification))
            self._in_flight[notification.id] = task
            task.add_done_callback(functools.partial(self._done, notification))

    async def _owns(self, tenant_id: str) -> bool:
        """Whether this replica sends for the tenant. Taken over from a replica that stopped, the tenant's
        windows are rebuilt first from the outbox's recent sends (bot/notify/takeover.py)."""
        return await takeover.own(self.deliveries, self.limiter, tenant_id)

    async def _hand_back_idle(self) -> None:
        """Tenants this replica has not sent for lately go back to whichever replica next has something to
        send for them (those with rows read ahead or under way here stay)."""
        for tenant_id in await self.deliveries.hand_back_idle(self.queue.tenants()):
            log.info("tenant=%s handed back: nothing sent for it lately", tenant_id)

    def _done(self, notification: Notification, _task: asyncio.Task[None]) -> None:
        self._in_flight.pop(notification.id, None)
        self.queue.done(notification)
        self._wake.set()  # room for the next row

    # --- one delivery --------------------------------------------------------------------------

    async def _deliver(self, notification: Notification) -> None:
        """Attempts until sent, failed, or left to the timer (a long wait)."""
        retry: tuple[Notification, float] | None = (notification, 0.0)
        while retry is not None:
            notification, delay = retry
            if delay:
                await self.clock.sleep(delay)
            retry = await self._attempt(notification)

    async def _attempt(self, notification: Notification) -> tuple[Notification, float] | None:
        """One attempt; returns the notification and a delay when this task is to try again."""
        claimed = False
        conversation: Keyed | None = None
        run = self.deliveries.run
        try:
            view = await run(self.deliveries.view, notification)
            if view is None:
                await run(self.deliveries.drop, notification)
                return None
            with speaking(notification.recipient_locale):  # built in the recipient's language, not the actor's
                outgoing = await self._prepare(view)  # before the permit: its window starts when granted
            tenant = notification.tenant_id
            conversation = in_conversation(tenant, outgoing.conversation_id)
            also: list[Keyed] = getattr(outgoing, "also_limited", [])  # an activity feed's own windows
            budget: Keyed = getattr(outgoing, "budget", None) or in_tenant(tenant)  # Teams', or Graph's
            permit = await self._permit(notification, conversation, also, budget)
            answered_at: float | None = None
            try:
                async with self._calls:  # taken only now: waiting for a budget holds no call slot
                    # A retry of this task's own may be claimed a moment before its stored time.
                    if self._stopping or not await run(self.deliveries.claim, notification, RETRY_LEEWAY):
                        return None
                    claimed = True
                    self._calling[notification.id] = notification.target
                    activity_id, answered_at = await outgoing.send()
            except DeliveryError as exc:
                if exc.status == 429:
                    permit.refund()
                raise
            finally:
                self._calling.pop(notification.id, None)
                permit.finished(answered_at)
            await run(self.deliveries.sent, notification, activity_id)
            if isinstance(view, ChannelPostView):
                log.info("tenant=%s notification=%s posted to channel (%s)", tenant, notification.id, view.purpose)
            else:
                log.info("tenant=%s notification=%s sent to user=%s", tenant, notification.id, view.recipient.id)
            return None
        except DeliveryError as exc:
            return await self._after_failure(notification, exc, conversation)
        except asyncio.CancelledError:
            if claimed:  # cut off during the HTTP call at shutdown: it may have arrived
                reason = (
                    INTERRUPTED.format(doing=notification.target.doing)
                    if notification.target is Target.CHANNEL  # cut short at once: nobody knows
                    else "interrupted while sending (the bot stopped); it may have arrived"  # after send_timeout
                )
                self.deliveries.failed(notification, reason)  # no await left: the task is being cancelled
            raise
        except Exception as exc:
            log.exception("tenant=%s notification=%s could not be sent", notification.tenant_id, notification.id)
            await run(self.deliveries.failed, notification, f"internal error: {type(exc).__name__}")
            return None

    async def _prepare(self, view: NotificationView | ChannelPostView) -> Outgoing:
        """A person's card through the transport; a channel's post through the poster."""
        if isinstance(view, NotificationView):
            return await self.transport.prepare(view)
        if self.poster is None:
            raise DeliveryError("this sender has no way to post to team channels", False)
        return _Post(self.poster, view)

    async def _permit(
        self, notification: Notification, conversation: Keyed, also: list[Keyed], budget: Keyed
    ) -> Permit:
        return await self.limiter.acquire(
            [conversation, *also],
            budget,  # the tenant's budget whose turn the send takes
            urgent=notification.attempts > 0,  # a retry has waited once already
        )

    async def _after_failure(
        self, notification: Notification, exc: DeliveryError, conversation: Keyed | None
    ) -> tuple[Notification, float] | None:
        """The next attempt, if this task makes it; after a 429 the conversation pauses for Retry-After."""
        retry = await self.deliveries.run(self._record_failure, notification, exc)
        if exc.status == 429 and conversation is not None:
            self.limiter.block(exc.key or conversation[0], exc.retry_after or self.policy.backoff(1))
        return retry

    def _record_failure(self, notification: Notification, exc: DeliveryError) -> tuple[Notification, float] | None:
        """Record the failure; a short wait before the next attempt is spent in the delivery's task."""
        attempt = notification.attempts + 1
        tenant = notification.tenant_id
        if exc.retryable and attempt < self.policy.max_attempts:
            delay = exc.retry_after if exc.retry_after is not None else self.policy.backoff(attempt)
            self.deliveries.retry_later(notification, delay, exc.reason)
            log.info("tenant=%s notification=%s retry in %.1fs: %s", tenant, notification.id, delay, exc.reason)
            in_task = notification.target is Target.PERSON and delay <= self.policy.poll_seconds
            if in_task and not self._stopping:
                return dataclasses.replace(notification, attempts=attempt), delay
            return None
        reason = exc.reason if not exc.retryable else f"gave up after {attempt} attempts: {exc.reason}"
        self.deliveries.failed(notification, reason)
        log.warning("tenant=%s notification=%s failed: %s", tenant, notification.id, reason)
        return None

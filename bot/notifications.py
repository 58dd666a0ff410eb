"""The outbox sender: delivers pending notifications as 1:1 proactive messages, within Teams' rate
limits, retrying throttling and server errors, and starting and stopping with the app.

Delivery semantics. A row is marked 'sending' (committed) just before its HTTP call and 'sent' right
after the connector's answer. A restart resumes every 'pending' row. A row still 'sending' after a
stop or a kill -9 may or may not have reached Teams (the connector has no idempotency key), so it is
never resent on its own: it becomes 'failed' with that reason, shown by the `notifications` command
where the record's owner can send it again. So a restart never sends a notification twice, and one
that cannot be vouched for is visible instead of silently lost. The one way to a duplicate is a
timeout: as Teams advises, it is retried, so a message Teams took but did not confirm within
`DeliveryPolicy.send_timeout` would arrive twice.

Limits, from Microsoft's "Rate limiting for bots" page
(https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/rate-limit): per bot per
conversation, send and create conversation 7 per 1 s, 8 per 2 s, 60 per 30 s, 1800 per 3600 s;
per app per tenant 50 requests per second. 429 answers are retried after Retry-After; 412, 502, 503,
504 and timeouts with exponential backoff and jitter; all bounded by `DeliveryPolicy.max_attempts`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Protocol

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
    ConversationReference,
    ErrorResponseException,
)
from botframework.connector.auth import (
    AuthenticationConstants,
    BotFrameworkAuthentication,
    ClaimsIdentity,
    ConnectorFactory,
)

from bot.models import Notification, NotificationView, User
from bot.outbox import Deliveries
from cards.notifications import notification_card, notification_summary

log = logging.getLogger(__name__)

Limit = tuple[int, float]  # at most N operations in any window of S seconds
CONVERSATION_LIMITS: tuple[Limit, ...] = ((7, 1.0), (8, 2.0), (60, 30.0), (1800, 3600.0))
TENANT_LIMITS: tuple[Limit, ...] = ((50, 1.0),)
RETRYABLE_STATUS = {408, 412, 502, 503, 504}
NOT_INSTALLED_STATUS = {403, 404}  # creating a 1:1 with someone who does not have the app
FALLBACK_SERVICE_URL = "https://smba.trafficmanager.net/teams/"


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds before the 2nd attempt; doubles each time
    backoff_cap: float = 300.0
    send_timeout: float = 15.0  # one connector call, all of msrest's own retries included
    concurrency: int = 32
    poll_seconds: float = 5.0  # the timer: rows coming due, other instances' leftovers
    slack: float = 0.005  # added to each rate window, for clock granularity

    def backoff(self, attempt: int) -> float:
        """Exponential, with jitter in its upper half so a crowd of retries spreads out."""
        delay = min(self.backoff_cap, self.backoff_base * 2 ** max(0, attempt - 1))
        return delay / 2 + random.uniform(0, delay / 2)


class AppInstaller(Protocol):
    """Installs the Teams app for a user (Microsoft Graph; bot/graph.py provides it)."""

    async def install_for_user(self, tenant_id: str, aad_object_id: str) -> None: ...


class DeliveryError(Exception):
    def __init__(self, reason: str, retryable: bool, retry_after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class _Slot:
    """One operation in a key's log: its reservation time, then the time its call came back."""

    __slots__ = ("at",)

    def __init__(self, at: float) -> None:
        self.at = at


class Permit:
    """Returned by `RateLimiter.acquire`; `finished()` once the call came back."""

    def __init__(self, slots: list[tuple[deque[_Slot], _Slot]], clock: Callable[[], float]) -> None:
        self._slots = slots
        self._clock = clock

    def refund(self) -> None:
        """Teams answered 429: it did not carry the call out, so it does not count in our windows
        (should Teams count it after all, the worst is another 429, whose Retry-After is honoured)."""
        for log_, slot in self._slots:
            with contextlib.suppress(ValueError):
                log_.remove(slot)

    def finished(self) -> None:
        # Teams counted the call somewhere between sending and the answer: the answer's time is the
        # safe one, so the next window starts no earlier than Teams' own.
        now = self._clock()
        for _, slot in self._slots:
            slot.at = max(slot.at, now)


class RateLimiter:
    """Sliding-window logs, one per key (a conversation, a tenant), shared by every send.

    `acquire` first waits until the narrow keys (the conversation) have room, without holding a place
    in the wide one (the tenant), so one busy chat never holds up everybody else's messages."""

    def __init__(
        self,
        slack: float = 0.005,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.slack = slack
        self.clock = clock
        self.sleep = sleep
        self._logs: dict[Hashable, deque[_Slot]] = {}
        self._blocked: dict[Hashable, float] = {}
        self._last: dict[Hashable, float] = {}  # the latest reservation per key

    def _earliest(self, key: Hashable, limits: tuple[Limit, ...], now: float) -> float:
        # Spread the sends (90% of the even spacing) instead of bursting a whole window's worth at
        # once: a burst queues up in msrest's thread pool, and late answers push the next window back.
        pace = 0.9 * min(window / count for count, window in limits)
        at = max(now, self._blocked.get(key, 0.0), self._last.get(key, -pace) + pace)
        slots = self._logs.get(key)
        if slots:
            times = sorted((slot.at for slot in slots), reverse=True)
            at = max(at, times[0])
            for count, window in limits:
                if len(times) >= count:
                    at = max(at, times[count - 1] + window + self.slack)
        return at

    def block(self, key: Hashable, seconds: float) -> None:
        """Nothing for `key` before `seconds` from now (a Retry-After)."""
        self._blocked[key] = max(self._blocked.get(key, 0.0), self.clock() + seconds)

    async def acquire(
        self, narrow: list[tuple[Hashable, tuple[Limit, ...]]], wide: tuple[Hashable, tuple[Limit, ...]]
    ) -> Permit:
        while True:
            now = self.clock()
            ready = max([self._earliest(k, lim, now) for k, lim in narrow], default=now)
            if ready > now:
                await self.sleep(ready - now)
                continue
            at = max(ready, self._earliest(*wide, now))
            slots = []
            for key, limits in [*narrow, wide]:
                log_ = self._logs.setdefault(key, deque())
                horizon = now - max(w for _, w in limits) - self.slack
                while log_ and log_[0].at < horizon:
                    log_.popleft()
                slot = _Slot(at)
                log_.append(slot)
                self._last[key] = max(self._last.get(key, at), at)
                slots.append((log_, slot))
            if at > now:
                await self.sleep(at - now)
            return Permit(slots, self.clock)


class _ReusedConnectors(ConnectorFactory):
    def __init__(self, inner: ConnectorFactory, timeout: float) -> None:
        self.inner = inner
        self.timeout = timeout
        self.clients: dict[tuple[str, str | None], Any] = {}

    async def create(self, service_url: str, audience: str | None = None) -> Any:
        key = (service_url, audience)
        if key not in self.clients:
            client = await self.inner.create(service_url, audience)
            # Our own retries and timeout govern: msrest would otherwise retry a refused connection
            # for ~14 s and wait 100 s for an answer, in a thread that outlives our timeout.
            client.config.connection.timeout = self.timeout
            client.config.retry_policy.retries = 0
            self.clients[key] = client
        return self.clients[key]


class ReusingAuthentication(BotFrameworkAuthentication):
    """The sender's view of the bot's credentials. botbuilder builds two msrest clients for every
    proactive turn (about 20 ms of CPU, mostly msrest's retry-policy set-up), which alone would cap
    one process below Teams' 50 sends per second; the sender keeps one per service URL instead."""

    def __init__(self, inner: BotFrameworkAuthentication, timeout: float) -> None:
        self.inner = inner
        self.timeout = timeout
        self._factories: dict[str, _ReusedConnectors] = {}
        self._token_clients: dict[str, Any] = {}

    @staticmethod
    def _app(claims_identity: ClaimsIdentity) -> str:
        return str(claims_identity.claims.get(AuthenticationConstants.AUDIENCE_CLAIM, ""))

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        app = self._app(claims_identity)
        if app not in self._factories:
            self._factories[app] = _ReusedConnectors(self.inner.create_connector_factory(claims_identity), self.timeout)
        return self._factories[app]

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        app = self._app(claims_identity)
        if app not in self._token_clients:
            self._token_clients[app] = await self.inner.create_user_token_client(claims_identity)
        return self._token_clients[app]

    async def authenticate_request(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.authenticate_request(*args, **kwargs)

    async def authenticate_streaming_request(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.authenticate_streaming_request(*args, **kwargs)

    def create_bot_framework_client(self) -> Any:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)


def proactive_adapter(auth: BotFrameworkAuthentication, policy: DeliveryPolicy | None = None) -> CloudAdapter:
    """The adapter the sender uses: the bot's credentials, connectors kept between sends."""
    adapter = CloudAdapter(ReusingAuthentication(auth, (policy or DeliveryPolicy()).send_timeout))

    async def on_error(context: TurnContext, error: Exception) -> None:
        log.error("proactive turn failed: %s", type(error).__name__)  # callbacks catch their own errors

    adapter.on_turn_error = on_error
    return adapter


def _retry_after(exc: ErrorResponseException) -> float | None:
    headers = getattr(exc.response, "headers", None) or {}
    raw = headers.get("Retry-After")
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to backoff


def _connector_error(exc: BaseException, doing: str) -> DeliveryError:
    """What the connector's answer means for this delivery."""
    if isinstance(exc, DeliveryError):
        return exc
    if isinstance(exc, ErrorResponseException):
        status = getattr(exc.response, "status_code", None) or 0
        code = ""
        with contextlib.suppress(Exception):
            code = exc.response.json().get("error", {}).get("code", "")
        reason = f"Teams answered {status}{' ' + code if code else ''} when {doing}"
        if status == 429:
            return DeliveryError(reason, True, _retry_after(exc), status)
        return DeliveryError(reason, status in RETRYABLE_STATUS, None, status)
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return DeliveryError(f"no answer from Teams in time when {doing}", True)
    # msrest's ClientRequestError and friends: refused connections, DNS, TLS.
    return DeliveryError(f"could not reach Teams when {doing} ({type(exc).__name__})", True)


class Notifier:
    """Started and stopped with the app (aiohttp cleanup_ctx); `wake()` after a change is committed."""

    def __init__(
        self,
        deliveries: Deliveries,
        adapter: CloudAdapter,
        app_id: str,
        policy: DeliveryPolicy | None = None,
        installer: AppInstaller | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.adapter = adapter
        self.app_id = app_id
        self.policy = policy or DeliveryPolicy()
        self.installer = installer
        self.limiter = limiter or RateLimiter(self.policy.slack)
        self._wake = asyncio.Event()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
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
        tasks = list(self._in_flight.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.policy.send_timeout + 1)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping:
            try:
                self.deliveries.fail_interrupted(older_than_seconds=self.policy.send_timeout * 2 + 5)
                self._dispatch_due()
            except Exception:  # the sender must outlive a bad row or a busy database
                log.exception("notifier pass failed")
            wait = self.deliveries.seconds_until_next()
            wait = self.policy.poll_seconds if wait is None else min(max(wait, 0.01), self.policy.poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()

    def _dispatch_due(self) -> None:
        room = self.policy.concurrency - len(self._in_flight)
        for tenant_id in self.deliveries.due_tenants():
            if room <= 0:
                return
            for notification in self.deliveries.due(tenant_id, room + len(self._in_flight)):
                if notification.id in self._in_flight or room <= 0:
                    continue
                task = asyncio.create_task(self._deliver(notification))
                self._in_flight[notification.id] = task
                task.add_done_callback(functools.partial(self._done, notification.id))
                room -= 1

    def _done(self, notification_id: int, _task: asyncio.Task[None]) -> None:
        self._in_flight.pop(notification_id, None)
        self._wake.set()  # room for the next row

    # --- one delivery --------------------------------------------------------------------------

    async def _deliver(self, notification: Notification) -> None:
        claimed = False
        conversation_key: Hashable | None = None
        try:
            view = self.deliveries.view(notification)
            if view is None:
                self.deliveries.drop(notification)
                return
            reference = await self._reference(view.recipient)
            tenant = notification.tenant_id
            conversation_key = ("conversation", tenant, reference.conversation.id)
            permit = await self.limiter.acquire(
                [(conversation_key, CONVERSATION_LIMITS)],
                (("tenant", tenant), TENANT_LIMITS),
            )
            try:
                if self._stopping or not self.deliveries.claim(notification):
                    return
                claimed = True
                activity_id = await self._send(reference, view)
            except DeliveryError as exc:
                if exc.status == 429:
                    permit.refund()
                raise
            finally:
                permit.finished()
            self.deliveries.sent(notification, activity_id)
            log.info("tenant=%s notification=%s sent to user=%s", tenant, notification.id, view.recipient.id)
        except DeliveryError as exc:
            if exc.status == 429 and conversation_key is not None:
                self.limiter.block(conversation_key, exc.retry_after or self.policy.backoff(1))
            self._after_failure(notification, exc)
        except asyncio.CancelledError:
            if claimed:  # cut off during the HTTP call at shutdown: it may have arrived
                self.deliveries.failed(notification, "interrupted while sending (the bot stopped); it may have arrived")
            raise
        except Exception as exc:
            log.exception("tenant=%s notification=%s could not be sent", notification.tenant_id, notification.id)
            self.deliveries.failed(notification, f"internal error: {type(exc).__name__}")

    def _after_failure(self, notification: Notification, exc: DeliveryError) -> None:
        attempt = notification.attempts + 1
        tenant = notification.tenant_id
        if exc.retryable and attempt < self.policy.max_attempts:
            delay = exc.retry_after if exc.retry_after is not None else self.policy.backoff(attempt)
            self.deliveries.retry_later(notification, delay, exc.reason)
            log.info("tenant=%s notification=%s retry in %.1fs: %s", tenant, notification.id, delay, exc.reason)
        else:
            reason = exc.reason if not exc.retryable else f"gave up after {attempt} attempts: {exc.reason}"
            self.deliveries.failed(notification, reason)
            log.warning("tenant=%s notification=%s failed: %s", tenant, notification.id, reason)

    async def _call(self, doing: str, call: Callable[[], Awaitable[Any]], outcome: dict[str, Any]) -> None:
        """Run an adapter call bounded by our timeout; the callback's own error wins (botbuilder hands
        exceptions inside callbacks to on_turn_error, which would swallow them)."""
        try:
            await asyncio.wait_for(call(), timeout=self.policy.send_timeout)
        except Exception as exc:
            raise _connector_error(exc, doing) from exc
        if "error" in outcome:
            raise _connector_error(outcome["error"], doing)
        if "done" not in outcome:
            raise DeliveryError(f"the bot adapter did not run the callback when {doing}", True)

    async def _send(self, reference: ConversationReference, view: NotificationView) -> str | None:
        outcome: dict[str, Any] = {}
        message = MessageFactory.attachment(CardFactory.adaptive_card(notification_card(view)))
        message.summary = notification_summary(view)
        message.channel_data = {"tenant": {"id": view.record.tenant_id}}

        async def callback(turn_context: TurnContext) -> None:
            try:
                response = await turn_context.send_activity(message)
                outcome["id"] = response.id if response else None
                outcome["done"] = True
            except Exception as exc:
                outcome["error"] = exc

        await self._call(
            "sending", lambda: self.adapter.continue_conversation(reference, callback, bot_app_id=self.app_id), outcome
        )
        return outcome.get("id")

    # --- the 1:1 conversation ------------------------------------------------------------------

    async def _reference(self, user: User) -> ConversationReference:
        stored = self.deliveries.conversation_of(user)
        if stored is None:
            stored = await self._create_personal_chat(user)
        return ConversationReference(
            channel_id="msteams",
            service_url=stored["service_url"],
            conversation=ConversationAccount(
                id=stored["conversation_id"], conversation_type="personal", tenant_id=user.tenant_id
            ),
            bot=ChannelAccount(id=stored["bot_id"], name=stored["bot_name"]),
            user=ChannelAccount(id=user.teams_id or "", aad_object_id=user.aad_object_id),
        )

    async def _create_personal_chat(self, user: User) -> dict[str, str]:
        """Create (and store) the 1:1 chat with someone who never wrote to the bot personally."""
        tenant = user.tenant_id
        member = user.teams_id or user.aad_object_id
        if not member:
            raise DeliveryError(f"{user.name or 'this person'} has no Teams id to write to", False)
        service_url = self.deliveries.tenant_service_url(tenant) or FALLBACK_SERVICE_URL
        bot_id, bot_name = self.deliveries.bot_account(tenant) or (f"28:{self.app_id}", "")
        try:
            conversation_id = await self._create(user, member, service_url, bot_id, bot_name)
        except DeliveryError as exc:
            if exc.status not in NOT_INSTALLED_STATUS:
                raise
            if self.installer is None or not user.aad_object_id:
                raise DeliveryError(
                    f"the app is not installed for {user.name or 'this person'} and Microsoft Graph is not"
                    f" configured to install it ({exc.reason})",
                    False,
                ) from exc
            await self._install(user)
            conversation_id = await self._create(user, member, service_url, bot_id, bot_name)
        self.deliveries.save_conversation(user, conversation_id, service_url, bot_id, bot_name)
        return {"conversation_id": conversation_id, "service_url": service_url, "bot_id": bot_id, "bot_name": bot_name}

    async def _install(self, user: User) -> None:
        assert self.installer is not None and user.aad_object_id
        try:
            await asyncio.wait_for(
                self.installer.install_for_user(user.tenant_id, user.aad_object_id), self.policy.send_timeout
            )
        except Exception as exc:
            raise DeliveryError(
                f"installing the app for {user.name} failed ({type(exc).__name__}: {exc})", True
            ) from exc
        log.info("tenant=%s user=%s app installed through Graph", user.tenant_id, user.id)

    async def _create(self, user: User, member: str, service_url: str, bot_id: str, bot_name: str) -> str:
        tenant = user.tenant_id
        permit = await self.limiter.acquire(
            [(("conversation", tenant, f"create:{member}"), CONVERSATION_LIMITS)], (("tenant", tenant), TENANT_LIMITS)
        )
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot_id, name=bot_name),
            members=[ChannelAccount(id=member)],
            tenant_id=tenant,
            channel_data={"tenant": {"id": tenant}},
        )
        outcome: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            try:
                conversation = TurnContext.get_conversation_reference(turn_context.activity).conversation
                outcome["id"] = conversation.id
                outcome["done"] = True
            except Exception as exc:
                outcome["error"] = exc

        try:
            await self._call(
                "creating the 1:1 chat",
                lambda: self.adapter.create_conversation(self.app_id, callback, parameters, "msteams", service_url),
                outcome,
            )
        finally:
            permit.finished()
        if not outcome.get("id"):
            raise DeliveryError("Teams created no conversation id", True)
        return str(outcome["id"])

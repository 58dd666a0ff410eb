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

Every send goes through the rate limiter of bot/rate_limits.py (Teams' per-conversation and per-tenant
limits). 429 answers are retried after Retry-After; 412, 502, 503, 504 and timeouts with exponential
backoff and jitter; all bounded by `DeliveryPolicy.max_attempts`. A short wait is spent in the
delivery's own task (the row is pending in the database meanwhile, so a restart still resumes it), so
a throttled message goes out the moment its conversation may have it, ahead of the queue."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import functools
import logging
import math
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Protocol

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import (
    Activity,
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
from bot.rate_limits import CONVERSATION_LIMITS, TENANT_LIMITS, DeliveryPolicy, RateLimiter
from cards.notifications import notification_card, notification_summary

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 412, 502, 503, 504}
NOT_INSTALLED_STATUS = {403, 404}  # creating a 1:1 with someone who does not have the app
FALLBACK_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
RETRY_LEEWAY = 0.1  # seconds: the stored retry time and the limiter's clock differ by a little


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
        self._reload = True  # read the due rows again (a change came in, or a timer went off)
        self._queue: collections.deque[Notification] = collections.deque()  # due rows read ahead
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._calling: set[int] = set()  # deliveries inside their HTTP call
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False

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
        waiting = [t for i, t in self._in_flight.items() if i not in self._calling]
        for task in waiting:  # not yet sending (a rate-limit or retry wait): the row stays pending
            task.cancel()
        tasks = list(self._in_flight.values())
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=self.policy.send_timeout + 1)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _run(self) -> None:
        swept = -math.inf
        while not self._stopping:
            try:
                if time.monotonic() - swept >= self.policy.poll_seconds:
                    self.deliveries.fail_interrupted(older_than_seconds=self.policy.send_timeout * 2 + 5)
                    swept = time.monotonic()
                self._dispatch_due()
            except Exception:  # the sender must outlive a bad row or a busy database
                log.exception("notifier pass failed")
            wait = self.deliveries.seconds_until_next()
            wait = self.policy.poll_seconds if wait is None else min(max(wait, 0.01), self.policy.poll_seconds)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()

    def _dispatch_due(self) -> None:
        """Start deliveries for due rows while there is room. The rows are read ahead in one query
        rather than once per finished delivery; claiming each one still checks it is pending."""
        room = self.policy.concurrency - len(self._in_flight)
        if room <= 0:
            return
        # Rows coming due on the timer wait until the rows read ahead are started (a few seconds at
        # most); reading again on every timer tick would cost a query per retry that its task holds.
        if self._reload or not self._queue:
            self._reload = False
            ahead = self.policy.concurrency * 2
            self._queue = collections.deque(
                n
                for tenant_id in self.deliveries.due_tenants()
                for n in self.deliveries.due(tenant_id, ahead + len(self._in_flight))
                if n.id not in self._in_flight
            )
        while room > 0 and self._queue:
            notification = self._queue.popleft()
            if notification.id in self._in_flight:
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
        """Attempts until sent, failed, or left to the timer (a long wait)."""
        retry: tuple[Notification, float] | None = (notification, 0.0)
        while retry is not None:
            notification, delay = retry
            if delay:
                await asyncio.sleep(delay)
            retry = await self._attempt(notification)

    async def _attempt(self, notification: Notification) -> tuple[Notification, float] | None:
        """One attempt; returns the notification and a delay when this task is to try again."""
        claimed = False
        conversation_key: Hashable | None = None
        try:
            view = self.deliveries.view(notification)
            if view is None:
                self.deliveries.drop(notification)
                return None
            reference = await self._reference(view.recipient)
            tenant = notification.tenant_id
            conversation_key = ("conversation", tenant, reference.conversation.id)
            message = self._message(view)  # before the permit: its window starts when it is granted
            permit = await self.limiter.acquire(
                [(conversation_key, CONVERSATION_LIMITS)],
                (("tenant", tenant), TENANT_LIMITS),
                urgent=notification.attempts > 0,  # a retry has waited once already
            )
            answered_at: float | None = None
            try:
                # A retry of this task's own may be claimed a moment before its stored time.
                if self._stopping or not self.deliveries.claim(notification, leeway=RETRY_LEEWAY):
                    return None
                claimed = True
                self._calling.add(notification.id)
                activity_id, answered_at = await self._send(reference, message)
            except DeliveryError as exc:
                if exc.status == 429:
                    permit.refund()
                raise
            finally:
                self._calling.discard(notification.id)
                permit.finished(answered_at)
            self.deliveries.sent(notification, activity_id)
            log.info("tenant=%s notification=%s sent to user=%s", tenant, notification.id, view.recipient.id)
            return None
        except DeliveryError as exc:
            retry = self._after_failure(notification, exc)
            if exc.status == 429 and conversation_key is not None:
                self.limiter.block(conversation_key, exc.retry_after or self.policy.backoff(1))
            return retry
        except asyncio.CancelledError:
            if claimed:  # cut off during the HTTP call at shutdown: it may have arrived
                self.deliveries.failed(notification, "interrupted while sending (the bot stopped); it may have arrived")
            raise
        except Exception as exc:
            log.exception("tenant=%s notification=%s could not be sent", notification.tenant_id, notification.id)
            self.deliveries.failed(notification, f"internal error: {type(exc).__name__}")
            return None

    def _after_failure(self, notification: Notification, exc: DeliveryError) -> tuple[Notification, float] | None:
        """Record the failure; a short wait before the next attempt is spent in the delivery's task."""
        attempt = notification.attempts + 1
        tenant = notification.tenant_id
        if exc.retryable and attempt < self.policy.max_attempts:
            delay = exc.retry_after if exc.retry_after is not None else self.policy.backoff(attempt)
            self.deliveries.retry_later(notification, delay, exc.reason)
            log.info("tenant=%s notification=%s retry in %.1fs: %s", tenant, notification.id, delay, exc.reason)
            if delay <= self.policy.poll_seconds and not self._stopping:
                return dataclasses.replace(notification, attempts=attempt), delay
            return None
        reason = exc.reason if not exc.retryable else f"gave up after {attempt} attempts: {exc.reason}"
        self.deliveries.failed(notification, reason)
        log.warning("tenant=%s notification=%s failed: %s", tenant, notification.id, reason)
        return None

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

    @staticmethod
    def _message(view: NotificationView) -> Activity:
        message = MessageFactory.attachment(CardFactory.adaptive_card(notification_card(view)))
        message.summary = notification_summary(view)
        message.channel_data = {"tenant": {"id": view.record.tenant_id}}
        return message

    async def _send(self, reference: ConversationReference, message: Activity) -> tuple[str | None, float]:
        """Send the card; returns its message id and when the connector's answer was in."""
        outcome: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            try:
                response = await turn_context.send_activity(message)
                outcome["at"] = self.limiter.clock()
                outcome["id"] = response.id if response else None
                outcome["done"] = True
            except Exception as exc:
                outcome["error"] = exc

        await self._call(
            "sending", lambda: self.adapter.continue_conversation(reference, callback, bot_app_id=self.app_id), outcome
        )
        return outcome.get("id"), outcome["at"]

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

"""Proactive sends through Teams, the only part of the outbox sender that knows Bot Framework types:
the 1:1 conversation (created, with the app installed through Graph if need be, and stored), the
card, the connector call bounded by our timeout, and what the connector's answers mean
(`DeliveryError`). The loop, the rate limits and the retries are in bot/notify/sender.py; `Notifier` is
that sender delivering through Teams."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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

from bot.domain.clock import SYSTEM, Clock
from bot.domain.delivery import NotificationView
from bot.domain.models import User
from bot.notify.rate_limits import DeliveryPolicy, RateLimiter, in_conversation, in_tenant
from bot.notify.sender import DeliveryError, Sender, Transport
from bot.services.outbox import Deliveries
from bot.teams.feed import FeedPoster, FeedTransport
from cards.common import Card
from cards.notifications import notification_card, notification_summary

log = logging.getLogger(__name__)

RETRYABLE_STATUS = {408, 412, 502, 503, 504}
NOT_INSTALLED_STATUS = {403, 404}  # creating a 1:1 with someone who does not have the app
FALLBACK_SERVICE_URL = "https://smba.trafficmanager.net/teams/"
INSTALL_WAITS = 5  # retries of the 1:1 chat's creation after a Graph install: 2, 4, 8, 10, 10 s by default
INSTALL_WAIT_CAP = 10.0


class AppInstaller(Protocol):
    """Installs the Teams app for a user (Microsoft Graph; bot/graph.py provides it). A failure raises an
    error whose message says why; with `transient` False (a refused permission) it is not tried again."""

    async def install_for_user(self, tenant_id: str, aad_object_id: str) -> None: ...


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
        return self._reused(claims_identity, lambda: self.inner.create_connector_factory(claims_identity))

    def _reused(self, claims_identity: ClaimsIdentity, make: Callable[[], ConnectorFactory]) -> ConnectorFactory:
        app = self._app(claims_identity)
        if app not in self._factories:
            self._factories[app] = _ReusedConnectors(make(), self.timeout)
        return self._factories[app]

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> Any:
        app = self._app(claims_identity)
        if app not in self._token_clients:
            self._token_clients[app] = await self.inner.create_user_token_client(claims_identity)
        return self._token_clients[app]

    async def authenticate_request(self, *args: Any, **kwargs: Any) -> Any:
        """An inbound turn's connectors too (the turn adapter with authentication off, see `local_turns`)."""
        result = await self.inner.authenticate_request(*args, **kwargs)
        if result.connector_factory is not None:
            inner = result.connector_factory
            result.connector_factory = self._reused(result.claims_identity, lambda: inner)
        return result

    async def authenticate_streaming_request(self, *args: Any, **kwargs: Any) -> Any:
        return await self.inner.authenticate_streaming_request(*args, **kwargs)

    def create_bot_framework_client(self) -> Any:
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)


def local_turns(auth: BotFrameworkAuthentication, policy: DeliveryPolicy | None = None) -> BotFrameworkAuthentication:
    """With authentication off the service URL is a local emulator (the Playground) or nowhere (curl with
    `expectReplies`): a turn's calls to it are tried once, never retried (msrest retried a refused connection
    for ~4.8 s a call), and each client is kept between turns."""
    return ReusingAuthentication(auth, (policy or DeliveryPolicy()).send_timeout)


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


@dataclass(frozen=True)
class _Card:
    """A card addressed to a 1:1 conversation (bot/notify/sender.py's `Outgoing`)."""

    teams: TeamsTransport
    reference: ConversationReference
    message: Activity

    @property
    def conversation_id(self) -> str:
        return self.reference.conversation.id

    async def send(self) -> tuple[str | None, float]:
        return await self.teams.send(self.reference, self.message)


class TeamsTransport:
    """bot/notify/sender.py's `Transport` through botbuilder: proactive 1:1 messages from the bot."""

    def __init__(
        self,
        deliveries: Deliveries,
        adapter: CloudAdapter,
        app_id: str,
        policy: DeliveryPolicy,
        limiter: RateLimiter,
        installer: AppInstaller | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        self.deliveries = deliveries
        self.adapter = adapter
        self.app_id = app_id
        self.policy = policy
        self.limiter = limiter
        self.installer = installer
        self.clock = clock  # the waits for Teams to take a chat after an install

    async def prepare(self, view: NotificationView) -> _Card:
        reference = await self._reference(view.recipient)
        return _Card(self, reference, self._message(view))

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

    async def send(self, reference: ConversationReference, message: Activity) -> tuple[str | None, float]:
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

    async def send_to(self, tenant_id: str, reference: ConversationReference, message: Activity) -> str | None:
        """A message of the bot's own into a conversation (a file's preview once it is read), within Teams' rate
        limits; its message id. DeliveryError when Teams did not take it."""
        permit = await self.limiter.acquire(
            [in_conversation(tenant_id, reference.conversation.id)], in_tenant(tenant_id), urgent=True
        )
        answered_at: float | None = None
        try:
            message_id, answered_at = await self.send(reference, message)
            return message_id
        finally:
            permit.finished(answered_at)

    async def post_card(
        self, tenant_id: str, conversation_id: str, service_url: str, card: Card, summary: str
    ) -> tuple[str | None, float]:
        """A new post in a team channel (`conversation_id` the channel's id): the weekly pipeline. A new thread
        is a conversation created on the channel with the post as its first activity, as botbuilder's
        `TeamsInfo.send_message_to_teams_channel` does; `continue_conversation` would make the post a reply to
        the invented id of its continuation activity, a message that does not exist."""
        account = await self.deliveries.run(self.deliveries.bot_account, tenant_id)
        bot_id, bot_name = account or (f"28:{self.app_id}", "")
        message = MessageFactory.attachment(CardFactory.adaptive_card(card))
        message.summary = summary
        message.channel_data = {"tenant": {"id": tenant_id}}
        parameters = ConversationParameters(
            is_group=True,
            bot=ChannelAccount(id=bot_id, name=bot_name),
            channel_data={"channel": {"id": conversation_id}, "tenant": {"id": tenant_id}},
            activity=message,
            tenant_id=tenant_id,
        )
        outcome: dict[str, Any] = {}

        async def callback(turn_context: TurnContext) -> None:
            outcome["at"] = self.limiter.clock()
            thread = turn_context.activity.conversation.id if turn_context.activity.conversation else ""
            # The thread is `{channel};messageid={the post's id}`.
            outcome["id"] = thread.split(";messageid=", 1)[1] if ";messageid=" in thread else None
            outcome["done"] = True

        await self._call(
            "posting to the channel",
            lambda: self.adapter.create_conversation(self.app_id, callback, parameters, "msteams", service_url),
            outcome,
        )
        return outcome.get("id"), outcome["at"]

    # --- the 1:1 conversation ------------------------------------------------------------------

    async def _reference(self, user: User) -> ConversationReference:
        stored = await self.deliveries.run(self.deliveries.conversation_of, user)
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
        service_url = await self.deliveries.run(self.deliveries.tenant_service_url, tenant) or FALLBACK_SERVICE_URL
        account = await self.deliveries.run(self.deliveries.bot_account, tenant)
        bot_id, bot_name = account or (f"28:{self.app_id}", "")
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
            conversation_id = await self._create_after_install(user, member, service_url, bot_id, bot_name)
        await self.deliveries.run(
            self.deliveries.save_conversation, user, conversation_id, service_url, bot_id, bot_name
        )
        return {"conversation_id": conversation_id, "service_url": service_url, "bot_id": bot_id, "bot_name": bot_name}

    async def _install(self, user: User) -> None:
        assert self.installer is not None and user.aad_object_id
        try:
            await asyncio.wait_for(
                self.installer.install_for_user(user.tenant_id, user.aad_object_id), self.policy.send_timeout
            )
        except TimeoutError as exc:
            raise DeliveryError(
                f"no answer from Microsoft Graph in time when installing the app for {user.name}", True
            ) from exc
        except Exception as exc:
            reason, transient = str(exc) or type(exc).__name__, getattr(exc, "transient", True)
            raise DeliveryError(f"installing the app for {user.name} failed: {reason}", transient) from exc
        log.info("tenant=%s user=%s app installed through Graph", user.tenant_id, user.id)

    async def _create_after_install(self, user: User, member: str, service_url: str, bot_id: str, bot_name: str) -> str:
        """Teams takes a few seconds to let a chat be created after Graph installed the app: retry the refusal
        with backoff (INSTALL_WAITS times); still refused, the delivery is retried later (transient)."""
        attempt = 0
        while True:
            try:
                return await self._create(user, member, service_url, bot_id, bot_name)
            except DeliveryError as exc:
                attempt += 1
                if exc.status not in NOT_INSTALLED_STATUS:
                    raise
                if attempt > INSTALL_WAITS:
                    raise DeliveryError(
                        f"the app was installed for {user.name or 'this person'} but Teams does not accept the"
                        f" chat yet ({exc.reason})",
                        True,
                    ) from exc
            await self.clock.sleep(min(INSTALL_WAIT_CAP, self.policy.backoff_base * 2 ** (attempt - 1)))

    async def _create(self, user: User, member: str, service_url: str, bot_id: str, bot_name: str) -> str:
        tenant = user.tenant_id
        permit = await self.limiter.acquire([in_conversation(tenant, f"create:{member}")], in_tenant(tenant))
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


class Notifier(Sender):
    """The outbox sender delivering through Teams: started and stopped with the app (aiohttp
    cleanup_ctx); `wake()` after a change is committed."""

    def __init__(
        self,
        deliveries: Deliveries,
        adapter: CloudAdapter,
        app_id: str,
        policy: DeliveryPolicy | None = None,
        installer: AppInstaller | None = None,
        limiter: RateLimiter | None = None,
        feed: FeedPoster | None = None,
        clock: Clock = SYSTEM,
    ) -> None:
        policy = policy or DeliveryPolicy()
        limiter = limiter or RateLimiter(policy.slack, timer=clock)
        teams = TeamsTransport(deliveries, adapter, app_id, policy, limiter, installer, clock)
        self.teams = teams  # its proactive path also carries a file's preview (bot/teams/files.py)
        transport: Transport = teams
        if feed is not None:  # Microsoft Graph configured: followers may choose the activity feed
            transport = FeedTransport(transport, feed, app_id, limiter)
        super().__init__(deliveries, transport, policy, limiter, poster=teams, clock=clock)

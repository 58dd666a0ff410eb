"""A fake Bot Connector service: the Teams side of the Bot Framework REST protocol, on 127.0.0.1.

It records every activity the bot posts, answers the member look-ups, and creates 1:1 conversations,
speaking the same HTTP endpoints as the real service (`{serviceUrl}v3/conversations/...`). It can also
misbehave the way Teams does: scripted 429 (with Retry-After), 5xx and stalls, a random share of 429s,
Teams' rate limits enforced with 429, and 403 when creating a chat with someone without the app.

What a real tenant refuses, refused here too (each with its source):
- A new post in a team channel is a conversation created on the channel (`POST /v3/conversations` with
  `isGroup`, `channelData.channel.id` and the post as `activity`; the answer names the thread,
  `{channel};messageid={id}`, and `activityId`), what botbuilder's `TeamsInfo.send_message_to_teams_channel`
  does: "Creates a new thread in a team chat and sends an activity to that new thread"
  (https://learn.microsoft.com/en-us/dotnet/api/microsoft.bot.builder.teams.teamsinfo.sendmessagetoteamschannelasync;
  request and answer shapes, a missing activity and group chats refused with 400 BadSyntax, as measured
  against Teams in microsoft/teams.net docs/CreateConversation-API-Behavior.md). A reply in a channel
  (`POST .../activities/{id}`) is threaded under message `id`: one that does not exist is refused (404 here;
  Learn documents no code), which is what `continue_conversation`'s invented activity id amounts to.
- A bot updates only the messages it sent: "A bot can't update or delete messages sent by the user"
  (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/conversations/conversation-messages
  #update-and-delete-messages-sent-from-bot);
  a card a person inserted from the message extension is their message, and its update is refused with 403.
- Roster lookups (`GET .../members/{id}`) answer only in conversations the bot is part of: "A bot can access
  additional context data about a team or chat where it's installed"
  (https://learn.microsoft.com/en-us/microsoftteams/platform/bots/how-to/get-teams-context); a message
  extension is used from chats without the bot, where the lookup is refused with 403."""

from __future__ import annotations

import asyncio
import collections
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fake_files import FakeFiles

Limit = tuple[int, float]


@dataclass
class Fault:
    """The answer to the next matching POST of an activity instead of accepting it."""

    status: int = 503
    retry_after: str | None = None
    stall: float = 0.0  # seconds to hang first; the activity is dropped if the bot hangs up meanwhile
    conversation: str | None = None  # only for this conversation id


@dataclass
class Limits:
    """Rate limits the fake enforces on accepted sends, answering 429 + Retry-After past them."""

    per_conversation: tuple[Limit, ...] = ()
    per_tenant: tuple[Limit, ...] = ()
    retry_after: str = "1"
    seen: dict[Any, collections.deque[float]] = field(default_factory=dict)

    def admit(self, keys: list[tuple[Any, tuple[Limit, ...]]], now: float) -> bool:
        for key, limits in keys:
            log = self.seen.get(key, collections.deque())
            for count, window in limits:
                if sum(1 for t in log if t > now - window) >= count:
                    return False
        for key, limits in keys:
            log = self.seen.setdefault(key, collections.deque())
            log.append(now)
            horizon = now - max((w for _, w in limits), default=0)
            while log and log[0] <= horizon:
                log.popleft()
        return True


@dataclass
class Posted:
    """One call the bot made to the connector."""

    method: str
    conversation_id: str
    reply_to: str | None
    activity: dict[str, Any]
    id: str = ""  # the message id the connector gave (POST) or updated (PUT)
    at: float = 0.0  # when it arrived, by the fake's clock (FakeConnector.now)

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"
        ]

    @property
    def text(self) -> str:
        return self.activity.get("text") or ""


@dataclass
class FakeConnector:
    """State of the fake: what was posted, who the members are, which answers to give."""

    posted: list[Posted] = field(default_factory=list)
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # user id -> TeamsChannelAccount JSON
    # A team's or group chat's roster (its id -> the 29: ids of its members): a look-up there finds them alone.
    rosters: dict[str, set[str]] = field(default_factory=dict)
    conversations: list[dict[str, Any]] = field(default_factory=list)
    member_lookups: int = 0  # every GET of a member, retries included
    member_status: int | None = None  # when set, the member API answers only this status (503: Teams is unwell)
    installed: set[str] = field(default_factory=set)  # member ids (29:..., aad) who have the app
    install_delay: float = 0.0  # seconds after a Graph install before a 1:1 chat can be created (Teams: seconds)
    _usable_at: dict[str, float] = field(default_factory=dict)  # member id -> when the install took effect
    faults: collections.deque[Fault] = field(default_factory=collections.deque)
    limits: Limits | None = None
    random_429: float = 0.0  # share of sends answered 429 at random (seeded)
    random_retry_after: str = "1"
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, conversation) of every refusal
    deleted: set[str] = field(default_factory=set)  # message ids someone deleted: updating them answers 404
    removed_from: set[str] = field(default_factory=set)  # conversations the bot was removed from: 403
    over_limit: int = 0  # 429s answered because a rate limit was exceeded
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    # Which POSTs the faults, limits and random 429s apply to (conversation id, activity): all by default.
    scope: Callable[[str, dict[str, Any]], bool] = lambda _conversation, _activity: True
    files: FakeFiles = field(default_factory=FakeFiles)  # files sent in the personal chat (tests/fake_files.py)
    channels: set[str] = field(default_factory=set)  # team channels (19:...) the bot is installed in
    delivered: set[str] = field(default_factory=set)  # ids of the activities Teams sent the bot (tests.conftest)
    without_bot: set[str] = field(default_factory=set)  # chats a person uses the app in without the bot
    member_delay: float = 0.0  # seconds a roster lookup hangs before it answers (a slow Teams)
    sent: set[str] = field(default_factory=set)  # ids of every message the bot posted (kept when `posted` is cleared)
    # Teams' time (its rate windows, arrivals, installs taking effect): the bot's when the test moves a FakeClock.
    now: Callable[[], float] = time.monotonic
    handling: int = 0  # requests being answered (a FakeClock's Driver does not move time meanwhile)
    on_look: Callable[[], None] = lambda: None  # called at each look of wait_for (a Driver's step)
    look_every: float = 0.01  # seconds between wait_for's looks (shorter when they move a FakeClock)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _unstalled: asyncio.Event = field(default_factory=asyncio.Event)

    def fail_next(self, count: int, status: int = 503, retry_after: str | None = None, **options: Any) -> None:
        self.faults.extend(Fault(status, retry_after, **options) for _ in range(count))

    def notifications(self, conversation_id: str | None = None) -> list[Posted]:
        """Proactive notification messages the bot sent (they carry a summary line)."""
        return [
            p
            for p in self.posted
            if p.method == "POST" and p.activity.get("summary") and conversation_id in (None, p.conversation_id)
        ]

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll until `condition()` holds; fail with what was posted when the (real) deadline passes. Each look
        calls `on_look`, which moves the bot's FakeClock when there is one."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; posted: {[(p.conversation_id, p.text) for p in self.posted]}")
            await asyncio.sleep(self.look_every)
            if not condition():  # the clock never moves past the moment the condition came true
                self.on_look()

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._route)
        return app

    def add_member(self, user_id: str, name: str, email: str, aad_object_id: str, tenant_id: str) -> None:
        self.members[user_id] = {
            "id": user_id,
            "name": name,
            "email": email,
            "userPrincipalName": email,
            "aadObjectId": aad_object_id,
            "tenantId": tenant_id,
            "userRole": "user",
        }
        self.installed |= {user_id, aad_object_id}

    def uninstall(self, user_id: str) -> None:
        member = self.members[user_id]
        self.installed -= {user_id, member["aadObjectId"]}

    def install(self, aad_object_id: str) -> None:
        """What Graph's installedApps call does: the app is there for that user, usable after `install_delay`."""
        for member in self.members.values():
            if member["aadObjectId"] == aad_object_id:
                self.installed |= {member["id"], aad_object_id}
                at = self.now() + self.install_delay
                self._usable_at |= {member["id"]: at, aad_object_id: at}

    def exists(self, message_id: str) -> bool:
        """A message in Teams: one the bot posted, or an activity Teams delivered to the bot."""
        return message_id in self.delivered or message_id in self.sent

    def _new_message_id(self) -> str:
        message_id = f"msg-{next(self._ids)}"
        self.sent.add(message_id)
        return message_id

    def replies_to(self, activity_id: str) -> list[Posted]:
        return [p for p in self.posted if p.reply_to == activity_id]

    def shown(self, message_id: str) -> dict[str, Any]:
        """The card everyone in the conversation sees in a message: as posted, or as last updated (PUT). An
        invoke's answer (adaptiveCard/action) is the clicker's alone and never changes it."""
        versions = [p for p in self.posted if p.id == message_id and p.cards]
        assert versions, f"no message {message_id} with a card"
        return versions[-1].cards[0]

    def updates_of(self, message_id: str) -> list[Posted]:
        return [p for p in self.posted if p.method == "PUT" and p.id == message_id]

    def sent_to(self, conversation_id: str) -> list[Posted]:
        return [p for p in self.posted if p.conversation_id == conversation_id]

    async def _route(self, request: web.Request) -> web.StreamResponse:
        self.handling += 1
        try:
            return await self._answer(request)
        finally:
            self.handling -= 1

    async def _answer(self, request: web.Request) -> web.StreamResponse:
        parts = request.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "files":  # a pre-authenticated download URL
            return await self.files.download(request, parts[1])
        if len(parts) == 2 and parts[0] == "upload":  # a OneDrive upload session
            return await self.files.upload(request, parts[1])
        # Teams service URLs may carry a region prefix (/amer/): find the v3 API part.
        if "v3" not in parts:
            return web.json_response({"error": {"code": "NotFound"}}, status=404)
        parts = parts[parts.index("v3") + 1 :]
        if parts == ["conversations"] and request.method == "POST":
            return await self._create_conversation(request)
        if len(parts) >= 3 and parts[0] == "conversations" and parts[2] == "activities":
            return await self._activity(request, parts)
        if len(parts) == 4 and parts[0] == "conversations" and parts[2] == "members":
            return await self._member(request, parts[1], parts[3])
        return web.json_response({"error": {"code": "BadSyntax", "message": request.path}}, status=400)

    async def _activity(self, request: web.Request, parts: list[str]) -> web.Response:
        body = await request.json()
        reply_to = parts[3] if len(parts) > 3 else None
        if parts[1] in self.removed_from or _channel_of(parts[1]) in self.removed_from:
            self.refused.append((403, parts[1]))
            error = {"error": {"code": "BotNotInConversationRoster", "message": "The bot is not part of the roster."}}
            return web.json_response(error, status=403)
        if request.method == "PUT":
            if reply_to not in self.sent:  # a person's message, a card they inserted included
                self.refused.append((403, parts[1]))
                error = {"error": {"code": "Forbidden", "message": "The bot can update only its own messages."}}
                return web.json_response(error, status=403)
            if reply_to in self.deleted:
                self.refused.append((404, parts[1]))
                error = {"error": {"code": "NotFound", "message": "The message was deleted."}}
                return web.json_response(error, status=404)
            refusal = await self._refusal(request, parts[1], body)  # Teams throttles updates like sends
            if refusal is not None:
                return refusal
            self.posted.append(Posted("PUT", parts[1], reply_to, body, reply_to or "", self.now()))
            return web.json_response({"id": reply_to})
        if reply_to and _channel_of(parts[1]) in self.channels and not self.exists(reply_to):
            self.refused.append((404, parts[1]))
            error = {"error": {"code": "NotFound", "message": f"No message {reply_to} to reply to in the channel."}}
            return web.json_response(error, status=404)
        refusal = await self._refusal(request, parts[1], body)
        if refusal is not None:
            return refusal
        files_refusal = self.files.check_posted(parts[1], body)
        if files_refusal is not None:
            self.refused.append((400, parts[1]))
            return web.json_response({"error": {"code": "BadArgument", "message": files_refusal}}, status=400)
        message_id = self._new_message_id()
        self.posted.append(Posted("POST", parts[1], body.get("replyToId") or reply_to, body, message_id, self.now()))
        return web.json_response({"id": message_id}, status=201)

    async def _refusal(self, request: web.Request, conversation_id: str, body: dict[str, Any]) -> web.Response | None:
        if not self.scope(conversation_id, body):
            return None
        fault = next((f for f in self.faults if f.conversation in (None, conversation_id)), None)
        if fault is not None:
            self.faults.remove(fault)
            if fault.stall:
                self.handling -= 1  # hanging is not answering: the bot's time goes on meanwhile
                try:
                    await asyncio.sleep(fault.stall)
                except asyncio.CancelledError:  # aiohttp cancels the handler when the bot hangs up
                    self.refused.append((0, conversation_id))
                    raise
                finally:
                    self.handling += 1
                if request.transport is None or request.transport.is_closing():
                    self.refused.append((0, conversation_id))  # the bot gave up: the activity is not taken
                    return web.Response(status=408)
            if fault.status < 300:
                return None
            return self._refuse(fault.status, conversation_id, fault.retry_after)
        if self.random_429 and self.rng.random() < self.random_429:
            return self._refuse(429, conversation_id, self.random_retry_after)
        if self.limits is not None:
            tenant = ((body.get("channelData") or {}).get("tenant") or {}).get("id") or "?"
            keys = [(("c", conversation_id), self.limits.per_conversation), (("t", tenant), self.limits.per_tenant)]
            if not self.limits.admit(keys, self.now()):
                self.over_limit += 1
                return self._refuse(429, conversation_id, self.limits.retry_after)
        return None

    def _refuse(self, status: int, conversation_id: str, retry_after: str | None) -> web.Response:
        self.refused.append((status, conversation_id))
        headers = {"Retry-After": retry_after} if retry_after else None
        code = "TooManyRequests" if status == 429 else "ServiceUnavailable"
        return web.json_response({"error": {"code": code, "message": "fake"}}, status=status, headers=headers)

    async def _hang(self, request: web.Request, seconds: float) -> None:
        """Answer nothing for `seconds`, until the caller hangs up, or until `unstall()` (aiohttp does not cancel
        a handler whose client went away, and its server waits for the handler when the test ends)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._unstalled.is_set():
            if request.transport is None or request.transport.is_closing():
                return
            await asyncio.sleep(0.01)

    def unstall(self) -> None:
        """Every hanging lookup answers now (a test's last step)."""
        self._unstalled.set()

    async def _member(self, request: web.Request, conversation_id: str, user_id: str) -> web.Response:
        """Teams answers for members of the conversation only, found by their 29: id or Entra object id;
        a 1:1 chat's only member is its user, a team's or group chat's are its roster (someone else, of any
        tenant, is "not found"). In a chat the bot is not part of (the message extension is used there too),
        nothing is answered."""
        self.member_lookups += 1
        if self.member_status is not None:
            error = {"error": {"code": "ServiceUnavailable", "message": "fake"}}
            return web.json_response(error, status=self.member_status)
        if self.member_delay:
            await self._hang(request, self.member_delay)
        if _channel_of(conversation_id) in self.without_bot | self.removed_from:
            self.refused.append((403, conversation_id))
            error = {"error": {"code": "BotNotInConversationRoster", "message": "The bot is not part of the roster."}}
            return web.json_response(error, status=403)
        # Teams finds a member by their Teams id (29:...) or their Entra object id.
        member = self.members.get(user_id) or next(
            (m for m in self.members.values() if m["aadObjectId"] == user_id), None
        )
        if member is not None and conversation_id.startswith("a:1:") and conversation_id != f"a:1:{member['id']}":
            member = None
        roster = self.rosters.get(conversation_id)
        if member is not None and roster is not None and member["id"] not in roster:
            member = None  # not in this team or chat (another organisation's people never are)
        if member is None:
            error = {"error": {"code": "MemberNotFoundInConversation", "message": "The member was not found."}}
            return web.json_response(error, status=404)
        return web.json_response(member)

    async def _create_conversation(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.conversations.append(body)
        if body.get("isGroup"):
            return await self._new_channel_thread(request, body)
        member_id = ((body.get("members") or [{}])[0]).get("id", "")
        if member_id not in self.installed or self._usable_at.get(member_id, 0.0) > self.now():
            error = {"error": {"code": "Forbidden", "message": "The bot is not installed for the user."}}
            return web.json_response(error, status=403)
        # Teams gives a user one 1:1 chat with a bot: the same id the user's own messages carry.
        teams_id = next((m["id"] for m in self.members.values() if member_id in (m["id"], m["aadObjectId"])), member_id)
        return web.json_response({"id": f"a:1:{teams_id}", "serviceUrl": str(request.url.origin())})

    async def _new_channel_thread(self, request: web.Request, body: dict[str, Any]) -> web.Response:
        """A new post in a team channel: the conversation is the channel, the post its `activity` (module
        docstring). Without a channel (a group chat) or without the post, Teams answers 400 BadSyntax."""
        channel = ((body.get("channelData") or {}).get("channel") or {}).get("id")
        activity = body.get("activity")
        if not isinstance(channel, str) or not isinstance(activity, dict):
            error = {"error": {"code": "BadSyntax", "message": "Incorrect conversation creation parameters"}}
            return web.json_response(error, status=400)
        if channel not in self.channels or channel in self.removed_from:
            self.refused.append((403, channel))
            error = {"error": {"code": "BotNotInConversationRoster", "message": "The bot is not part of the roster."}}
            return web.json_response(error, status=403)
        refusal = await self._refusal(request, channel, activity)
        if refusal is not None:
            return refusal
        message_id = self._new_message_id()
        self.posted.append(Posted("POST", channel, None, activity, message_id, self.now()))
        return web.json_response({"id": f"{channel};messageid={message_id}", "activityId": message_id}, status=201)


def _channel_of(conversation_id: str) -> str:
    """A channel thread's conversation id is `{channel};messageid={root}`: the channel it is in."""
    return conversation_id.split(";messageid=", 1)[0]

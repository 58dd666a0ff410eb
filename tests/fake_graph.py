"""A fake Microsoft Graph on 127.0.0.1: the endpoints msgraph-sdk calls for sendMail, app installs and the
activity feed.

Tests script its answers (status, JSON body, headers, or a delay) and read back exactly what it received.
sendActivityNotification renders the entry as Teams shows it: the activity type's templateText from the
app manifest, each `{parameter}` from templateParameters, except `{actor}`, which Graph fills itself: "`actor`
is a special parameter that always takes the name of the caller. In delegated calls, `actor` is the user's
name. In application-only calls, it takes the name of the Teams app"
(https://learn.microsoft.com/en-us/graph/teams-send-activityfeednotifications); the bot calls application-only,
so `{actor}` reads as the app's short name whatever the bot sends. It is throttled as Graph documents it, answering 429 + Retry-After past the limits
(only accepted notifications count in the windows, as in tests/fake_connector.py):
- per user, per app: 10 notifications a minute ("Verify that your app does not send more than 10
  notifications per minute, per user. Notifications will be automatically throttled if the count exceeds
  10": https://learn.microsoft.com/en-us/graph/teams-activity-feed-notifications-best-practices);
- per app, per tenant: 5 requests a second for POST /users/{user-id}/teamwork/sendActivityNotification
  (Microsoft Teams service limits: https://learn.microsoft.com/en-us/graph/throttling-limits#microsoft-teams-service-limits;
  50 a second per app across all tenants, which one tenant's fan-out cannot reach)."""

from __future__ import annotations

import asyncio
import collections
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from azure.core.credentials import AccessToken

from bot.notify.feed import ACTIVITY_TYPES, PREVIEW_LIMIT
from tests.fake_connector import Limit, Limits  # Limit: at most N in any window of S seconds

MANIFEST = Path(__file__).resolve().parents[1] / "manifest" / "manifest.json"
APP_NAME = json.loads(MANIFEST.read_text(encoding="utf-8"))["name"]["short"]  # who "calls" in app-only calls
FEED_PER_USER: tuple[Limit, ...] = ((10, 60.0),)
FEED_PER_TENANT: tuple[Limit, ...] = ((5, 1.0),)


class FakeCredential:
    """Stands in for azure-identity (whose authorities must be https): hands out a token naming `app_id`,
    the Entra app the fake Graph then sees calling."""

    def __init__(self, app_id: str = "") -> None:
        self.requests = 0
        self.app_id = app_id

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.requests += 1
        return AccessToken(f"fake-graph-token:{self.app_id}", int(time.time()) + 3600)

    async def close(self) -> None:
        return None


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    at: float = 0.0  # when it arrived, by the fake's clock (FakeGraph.now)


@dataclass
class Answer:
    status: int = 202
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def graph_error(status: int, code: str, message: str, **headers: str) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message}}, headers)


@dataclass
class FakeGraph:
    received: list[Received] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)  # consumed one per request; then 202/201
    on_install: Callable[[str], None] | None = None  # told the user id of each app installation
    users: dict[str, str] = field(default_factory=dict)  # Entra object id -> display name (GET /users/{id})
    # The org's app catalog: catalog app id -> the published manifest's webApplicationInfo.id (None: absent).
    # Graph installs only catalog apps, and only when the calling Entra app is that webApplicationInfo.id.
    catalog: dict[str, str | None] = field(default_factory=dict)
    foreign_users: set[str] = field(default_factory=set)  # Entra ids of another tenant: Graph knows them not
    # The activity feed's throttling (module docstring); None: not throttled (a test that scripts its answers).
    feed_limits: tuple[tuple[Limit, ...], tuple[Limit, ...]] | None = (FEED_PER_USER, FEED_PER_TENANT)
    retry_after: str = "1"  # what a throttled notification is told
    random_429: float = 0.0  # share of notifications answered 429 + Retry-After at random (seeded)
    rng: random.Random = field(default_factory=lambda: random.Random(7))
    delivered: list[tuple[str, float]] = field(default_factory=list)  # (user, when) of each accepted notification
    shown: list[tuple[str, str]] = field(default_factory=list)  # (user, the entry's line as Teams renders it)
    refused: list[tuple[int, str]] = field(default_factory=list)  # (status, user) of each refused notification
    over_limit: int = 0  # 429s answered because a limit was exceeded
    now: Callable[[], float] = time.monotonic  # Graph's time (its windows): the bot's FakeClock when moved by the test
    handling: int = 0  # requests being answered (a FakeClock's Driver does not move time meanwhile)
    _seen: dict[Any, collections.deque[float]] = field(default_factory=dict)

    def feed(self) -> list[dict[str, Any]]:
        return [r.body for r in self.received if r.path.endswith("/teamwork/sendActivityNotification")]

    def _admit(self, user: str, app_id: str, now: float) -> bool:
        """Whether a notification to `user` from `app_id` fits Graph's windows; counted if it does."""
        if self.feed_limits is None:
            return True
        per_user, per_tenant = self.feed_limits
        keys = [(("user", app_id, user), per_user), (("tenant", app_id), per_tenant)]
        return Limits(seen=self._seen).admit(keys, now)  # the fake connector's sliding windows, on Graph's counts

    def publish(self, catalog_app_id: str, web_application_id: str | None) -> None:
        self.catalog[catalog_app_id] = web_application_id

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._route)
        return app

    def mails(self) -> list[dict[str, Any]]:
        return [r.body for r in self.received if r.path.endswith("/sendMail")]

    def _user(self, request: web.Request) -> web.Response | None:
        """GET /users/{id}: the display name (User.ReadBasic.All), 404 for someone the directory lacks."""
        parts = request.path.strip("/").split("/")
        if request.method != "GET" or len(parts) != 3 or parts[1] != "users":
            return None
        if parts[2] not in self.users:
            return web.json_response({"error": {"code": "Request_ResourceNotFound", "message": "no user"}}, status=404)
        return web.json_response({"id": parts[2], "displayName": self.users[parts[2]]})

    def _install(self, request: web.Request, body: Any) -> web.Response:
        bind = str((body or {}).get("teamsApp@odata.bind", ""))
        app_id = bind.rsplit("/", 1)[-1]
        caller = request.headers.get("Authorization", "").removeprefix("Bearer fake-graph-token:")
        if app_id not in self.catalog:
            message = f"teamsApp {app_id} is not in the organisation's app catalog"
            return web.json_response({"error": {"code": "NotFound", "message": message}}, status=404)
        if self.catalog[app_id] != caller:
            message = "the calling app is not the app's webApplicationInfo.id"
            return web.json_response({"error": {"code": "Forbidden", "message": message}}, status=403)
        if self.on_install is not None:
            self.on_install(request.path.split("/")[-3])
        return web.Response(status=201)  # Graph answers an install with 201 and no body

    def _activity(self, request: web.Request, body: Any) -> web.Response:
        """sendActivityNotification, as strict as Graph: a declared activityType, a topic (text with a
        webUrl), previewText within 150 characters, every template parameter the template names."""
        body = body if isinstance(body, dict) else {}
        user = request.path.split("/")[-3]
        topic = body.get("topic") or {}
        kind = body.get("activityType")
        preview = (body.get("previewText") or {}).get("content", "")
        values = {p.get("name"): p.get("value") for p in body.get("templateParameters") or [] if isinstance(p, dict)}
        if user in self.foreign_users:
            return _error(404, "NotFound", f"user {user} is not in this tenant")
        if kind not in ACTIVITY_TYPES:
            return _error(400, "BadRequest", f"activityType {kind!r} is not declared in the app manifest")
        if topic.get("source") != "text" or not topic.get("value") or not topic.get("webUrl"):
            return _error(400, "BadRequest", "topic with source 'text' needs a value and a webUrl")
        if len(preview) > PREVIEW_LIMIT:
            return _error(400, "BadRequest", "previewText is longer than 150 characters")
        template = ACTIVITY_TYPES[kind][1]
        missing = sorted(set(re.findall(r"\{(\w+)\}", template)) - {"actor"} - set(values))
        if missing or not isinstance(body.get("chainId"), int):
            return _error(400, "BadRequest", f"templateParameters must fill {missing}; chainId must be an integer")
        # {actor} is the caller's name, the app's in an application-only call; what the bot sends for it is ignored
        line = re.sub(r"\{(\w+)\}", lambda m: APP_NAME if m[1] == "actor" else str(values[m[1]]), template)
        caller = request.headers.get("Authorization", "").removeprefix("Bearer fake-graph-token:")
        if self.random_429 and self.rng.random() < self.random_429:
            return self._throttled(user)
        if not self._admit(user, caller, self.now()):
            self.over_limit += 1
            return self._throttled(user)
        self.delivered.append((user, self.now()))
        self.shown.append((user, line))
        return web.Response(status=204)

    def _throttled(self, user: str) -> web.Response:
        self.refused.append((429, user))
        message = "Too many requests: the activity feed is throttled for this app"
        return _error(429, "TooManyRequests", message, {"Retry-After": self.retry_after})

    async def _route(self, request: web.Request) -> web.Response:
        self.handling += 1
        try:
            return await self._answer(request)
        finally:
            self.handling -= 1

    async def _answer(self, request: web.Request) -> web.Response:
        body = await request.json() if request.can_read_body else None
        self.received.append(Received(request.method, request.path, dict(request.headers), body, self.now()))
        answer = self.answers.pop(0) if self.answers else None
        if answer is None:
            if request.path.endswith("/sendMail"):
                return web.Response(status=202)
            user = self._user(request)
            if user is not None:
                return user
            if request.path.endswith("/teamwork/sendActivityNotification") and request.method == "POST":
                return self._activity(request, body)
            if request.path.endswith("/teamwork/installedApps"):
                return self._install(request, body)
            return web.json_response({"error": {"code": "NotFound", "message": request.path}}, status=404)
        if answer.delay:
            self.handling -= 1  # a slow answer is not being worked on: the bot's time goes on meanwhile
            try:
                await asyncio.sleep(answer.delay)
            finally:
                self.handling += 1
        if answer.body is None:
            return web.Response(status=answer.status, headers=answer.headers)
        return web.json_response(answer.body, status=answer.status, headers=answer.headers)


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status, headers=headers)

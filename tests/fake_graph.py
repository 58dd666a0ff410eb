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
  50 a second per app across all tenants, which one tenant's fan-out cannot reach).

Calendar events (tests/unit/test_fake_graph_calendar.py), as Graph's reference pages describe them:
- POST /users/{id}/events creates an event in the user's calendar and answers 201 with it
  (https://learn.microsoft.com/en-us/graph/api/user-post-events): `start` and `end` are dateTimeTimeZone
  values whose `timeZone` is a Windows time zone or one of the IANA names Graph lists
  (https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone; anything else is a 400
  TimeZoneNotSupportedException), `end` after `start`; each attendee has an emailAddress and a `type` of
  required, optional or resource (https://learn.microsoft.com/en-us/graph/api/resources/attendee); "The maximum
  number of attendees included in an event ... is 500" (https://learn.microsoft.com/en-us/graph/api/resources/event).
  With `isOnlineMeeting` and `onlineMeetingProvider: teamsForBusiness` the event carries `onlineMeeting.joinUrl`
  (https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings). A `transactionId` already used for
  that calendar answers with the event it made ("to avoid redundant POST operations in case of client retries").
- PATCH /users/{id}/events/{id} updates it (200 with the event); an unknown or cancelled one is a 404.
- POST /users/{id}/events/{id}/cancel: "allows the organizer of a meeting to send a cancellation message and
  cancel the event" (202; https://learn.microsoft.com/en-us/graph/api/event-cancel); Graph tells the attendees.
- POST /users/{id}/findMeetingTimes: application permissions "Not supported"
  (https://learn.microsoft.com/en-us/graph/api/user-findmeetingtimes): the bot calls application-only, so 403.
- POST /users/{id}/calendar/getSchedule (application Calendars.Read or Calendars.ReadWrite): each schedule's
  busy items within the window (https://learn.microsoft.com/en-us/graph/api/calendar-getschedule; times in
  UTC without a Prefer: outlook.timezone header), as `busy` holds them and the fake's own events add to them.
- Every calendar call needs the application permission Calendars.ReadWrite (`calendars_granted`; without it
  403 ErrorAccessDenied), for a user of this tenant (404 ErrorInvalidUser otherwise). Throttling (429 with
  Retry-After: https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits, 10,000
  requests per 10 minutes and 4 at once per mailbox) and Graph's 503 are scripted through `answers`."""

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
    calendars_granted: bool = True  # the application permission Calendars.ReadWrite, admin-consented
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # event id -> the event as Graph keeps it
    busy: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # email -> (start, end) UTC, busy
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

    def calendar(self) -> list[Received]:
        """The calendar requests received, in order."""
        return [r for r in self.received if _CALENDAR.search(r.path)]

    def live_events(self) -> list[dict[str, Any]]:
        return [e for e in self.events.values() if not e["isCancelled"]]

    def _calendar(self, request: web.Request, body: Any) -> web.Response | None:
        match = _CALENDAR.search(request.path)
        if match is None:
            return None
        user, rest = match.group(1), match.group(2)
        if not self.calendars_granted:
            return _error(403, "ErrorAccessDenied", "Access is denied. Check credentials and try again.")
        if user in self.foreign_users:
            return _error(404, "ErrorInvalidUser", f"The requested user '{user}' is invalid.")
        body = body if isinstance(body, dict) else {}
        if rest == "findMeetingTimes":
            return _error(403, "ErrorAccessDenied", "findMeetingTimes does not support application permissions.")
        if rest == "calendar/getSchedule" and request.method == "POST":
            return self._schedule({k.lower(): v for k, v in body.items()})
        if rest == "events" and request.method == "POST":
            return self._create_event(user, body)
        event_id, _, action = rest.removeprefix("events/").partition("/")
        event = self.events.get(event_id)
        if not rest.startswith("events/") or event is None or event["organizer"] != user or event["isCancelled"]:
            return _error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        if action == "" and request.method == "PATCH":
            refusal = _event_refusal({**event, **body})
            if refusal is not None:
                return refusal
            event.update({k: v for k, v in body.items() if k in _EVENT_FIELDS})
            return web.json_response(event)
        if action == "cancel" and request.method == "POST":
            event["isCancelled"] = True
            event["cancelComment"] = str({k.lower(): v for k, v in body.items()}.get("comment", ""))
            return web.Response(status=202)
        return _error(405, "ErrorInvalidRequest", f"{request.method} {rest} is not supported")

    def _create_event(self, user: str, body: dict[str, Any]) -> web.Response:
        refusal = _event_refusal(body)
        if refusal is not None:
            return refusal
        again = next(
            (e for e in self.events.values() if body.get("transactionId") and e.get("transactionId") == body.get("transactionId")
             and e["organizer"] == user),
            None,
        )  # fmt: skip
        if again is not None:
            return web.json_response(again, status=201)
        event_id = f"AAMkAD{len(self.events) + 1:04d}"
        event = {k: v for k, v in body.items() if k in _EVENT_FIELDS or k == "transactionId"}
        event.update(
            id=event_id,
            organizer=user,
            isCancelled=False,
            webLink=f"https://outlook.office365.com/owa/?itemid={event_id}",
        )
        if body.get("isOnlineMeeting") and body.get("onlineMeetingProvider") == "teamsForBusiness":
            event["onlineMeeting"] = {
                "joinUrl": f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{event_id}%40thread.v2/0"
            }
        self.events[event_id] = event
        return web.json_response(event, status=201)

    def _schedule(self, body: dict[str, Any]) -> web.Response:
        schedules = body.get("schedules")
        start, end = body.get("starttime") or {}, body.get("endtime") or {}
        if not isinstance(schedules, list) or not schedules or not start.get("dateTime") or not end.get("dateTime"):
            return _error(400, "ErrorInvalidRequest", "Schedules, StartTime and EndTime are required.")
        if start.get("timeZone") != "UTC" or end.get("timeZone") != "UTC":
            return _error(400, "ErrorInvalidRequest", "this fake answers getSchedule in UTC only")
        window = (_utc(start["dateTime"]), _utc(end["dateTime"]))
        answer = []
        for address in schedules:
            spans = list(self.busy.get(str(address).lower(), []))
            for event in self.live_events():
                people = {str(a["emailAddress"]["address"]).lower() for a in event.get("attendees", [])}
                if str(address).lower() in people:
                    spans.append((event["start"]["dateTime"], event["end"]["dateTime"]))
            items = [
                {
                    "status": "busy",
                    "start": {"dateTime": a, "timeZone": "UTC"},
                    "end": {"dateTime": b, "timeZone": "UTC"},
                }
                for a, b in spans
                if _utc(a) < window[1] and _utc(b) > window[0]
            ]
            answer.append({"scheduleId": address, "scheduleItems": items})
        return web.json_response({"value": answer})

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
            calendar = self._calendar(request, body)
            if calendar is not None:
                return calendar
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


_CALENDAR = re.compile(r"/users/([^/]+)/(events(?:/[^/]+(?:/cancel)?)?|findMeetingTimes|calendar/getSchedule)$")
_EVENT_FIELDS = frozenset(
    {"subject", "body", "start", "end", "attendees", "isOnlineMeeting", "onlineMeetingProvider", "location"}
)
MAX_ATTENDEES = 500  # https://learn.microsoft.com/en-us/graph/api/resources/event
ATTENDEE_TYPES = frozenset({"required", "optional", "resource"})
# The IANA names dateTimeTimeZone lists beside Windows' own (https://learn.microsoft.com/en-us/graph/api/resources/datetimetimezone),
# and a few of Windows' time zone ids (those the tests use; Windows has about 140).
IANA_ZONES = frozenset(
    """Etc/GMT+12 Etc/GMT+11 Pacific/Honolulu America/Anchorage America/Santa_Isabel America/Los_Angeles America/Phoenix
    America/Chihuahua America/Denver America/Guatemala America/Chicago America/Mexico_City America/Regina America/Bogota
    America/New_York America/Indiana/Indianapolis America/Caracas America/Asuncion America/Halifax America/Cuiaba
    America/La_Paz America/Santiago America/St_Johns America/Sao_Paulo America/Argentina/Buenos_Aires America/Cayenne
    America/Godthab America/Montevideo America/Bahia Etc/GMT+2 Atlantic/Azores Atlantic/Cape_Verde Africa/Casablanca
    Etc/GMT Europe/London Atlantic/Reykjavik Europe/Berlin Europe/Budapest Europe/Paris Europe/Warsaw Africa/Lagos
    Africa/Windhoek Europe/Bucharest Asia/Beirut Africa/Cairo Asia/Damascus Africa/Johannesburg Europe/Kiev
    Europe/Istanbul Asia/Jerusalem Asia/Amman Asia/Baghdad Europe/Kaliningrad Asia/Riyadh Africa/Nairobi Asia/Tehran
    Asia/Dubai Asia/Baku Europe/Moscow Indian/Mauritius Asia/Tbilisi Asia/Yerevan Asia/Kabul Asia/Karachi Asia/Tashkent
    Asia/Calcutta Asia/Colombo Asia/Katmandu Asia/Almaty Asia/Dhaka Asia/Yekaterinburg Asia/Rangoon Asia/Bangkok
    Asia/Novosibirsk Asia/Shanghai Asia/Krasnoyarsk Asia/Singapore Australia/Perth Asia/Taipei Asia/Ulaanbaatar
    Asia/Irkutsk Asia/Tokyo Asia/Seoul Australia/Adelaide Australia/Darwin Australia/Brisbane Australia/Sydney
    Pacific/Port_Moresby Australia/Hobart Asia/Yakutsk Pacific/Guadalcanal Asia/Vladivostok Pacific/Auckland Etc/GMT-12
    Pacific/Fiji Asia/Magadan Pacific/Tongatapu Pacific/Apia Pacific/Kiritimati""".split()  # noqa: SIM905
)
WINDOWS_ZONES = frozenset(
    {"UTC", "GMT Standard Time", "W. Europe Standard Time", "Pacific Standard Time", "Eastern Standard Time",
     "E. South America Standard Time", "Romance Standard Time"}
)  # fmt: skip


def _utc(stamp: str) -> float:
    from datetime import UTC, datetime

    return datetime.fromisoformat(stamp.rstrip("Z")[:26]).replace(tzinfo=UTC).timestamp()


def _event_refusal(body: dict[str, Any]) -> web.Response | None:
    """Why Graph refuses an event's fields (400), or None."""
    for name in ("start", "end"):
        value = body.get(name)
        if not isinstance(value, dict) or not value.get("dateTime"):
            return _error(400, "ErrorInvalidRequest", f"The event needs {name} (a dateTimeTimeZone).")
        zone = value.get("timeZone")
        if zone not in IANA_ZONES and zone not in WINDOWS_ZONES:
            message = (
                f"A valid TimeZone value must be specified. The following TimeZone value is not supported: '{zone}'."
            )
            return _error(400, "TimeZoneNotSupportedException", message)
    if body["start"]["timeZone"] == body["end"]["timeZone"] == "UTC" and _utc(body["end"]["dateTime"]) <= _utc(
        body["start"]["dateTime"]
    ):
        return _error(400, "ErrorInvalidRequest", "The end of the event is before its start.")
    attendees = body.get("attendees") or []
    if not isinstance(attendees, list) or len(attendees) > MAX_ATTENDEES:
        return _error(400, "ErrorInvalidRequest", f"An event can have at most {MAX_ATTENDEES} attendees.")
    for attendee in attendees:
        address = ((attendee or {}).get("emailAddress") or {}).get("address") if isinstance(attendee, dict) else None
        if not address or attendee.get("type") not in ATTENDEE_TYPES:
            return _error(400, "ErrorInvalidRequest", "Each attendee needs an emailAddress and a type.")
    return None

"""Microsoft Graph, through msgraph-sdk and azure-identity (the only module that imports them):
send mail as a user (application permission Mail.Send), install the Teams app for a user
(TeamsAppInstallation.ReadWriteForUser.All, with the bot's own registration: Graph installs an app only
for the Entra app named in its manifest's webApplicationInfo.id, and only from the org's catalog) and
read a colleague's display name (User.ReadBasic.All), and Teams meetings in the organiser's Outlook calendar
(Calendars.ReadWrite: create, move, cancel an event; their free/busy times through getSchedule, since
findMeetingTimes takes no application permission), each with bounded retries and a time budget."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from azure.identity.aio import ClientSecretCredential
from kiota_abstractions.api_error import APIError
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.attendee import Attendee as GraphAttendee
from msgraph.generated.models.attendee_type import AttendeeType as GraphAttendeeType
from msgraph.generated.models.body_type import BodyType
from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
from msgraph.generated.models.email_address import EmailAddress
from msgraph.generated.models.event import Event as GraphEvent
from msgraph.generated.models.free_busy_status import FreeBusyStatus
from msgraph.generated.models.item_body import ItemBody
from msgraph.generated.models.key_value_pair import KeyValuePair
from msgraph.generated.models.message import Message
from msgraph.generated.models.online_meeting_provider_type import OnlineMeetingProviderType
from msgraph.generated.models.recipient import Recipient
from msgraph.generated.models.teamwork_activity_topic import TeamworkActivityTopic
from msgraph.generated.models.teamwork_activity_topic_source import TeamworkActivityTopicSource
from msgraph.generated.models.user_scope_teams_app_installation import UserScopeTeamsAppInstallation
from msgraph.generated.users.item.calendar.get_schedule.get_schedule_post_request_body import GetSchedulePostRequestBody
from msgraph.generated.users.item.events.item.cancel.cancel_post_request_body import CancelPostRequestBody
from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody
from msgraph.generated.users.item.teamwork.send_activity_notification.send_activity_notification_post_request_body import (
    SendActivityNotificationPostRequestBody,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph_core import GraphClientFactory

from bot.config import Config
from bot.domain.language import N_, _, translated
from bot.notify.feed import COLLEAGUE, FeedNotice, preview
from bot.services.email import MailError, OutgoingMail
from bot.services.meetings import CalendarError, CreatedEvent, OutgoingEvent

log = logging.getLogger(__name__)

SCOPES = ["https://graph.microsoft.com/.default"]
BUDGET_SECONDS = 10.0  # Teams waits about 15 s for a card action's answer; Graph must fit inside
REQUEST_TIMEOUT = 6.0
MAX_ATTEMPTS = 3
RETRIED = {429, 502, 503, 504}


class GraphError(MailError):
    """A Graph call that did not succeed. `sent_unknown` is True when it may have gone through;
    `transient` when the same call may succeed later (no answer, busy, failing), False when it cannot
    (refused: a permission, a missing mailbox or app)."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        code: str = "",
        sent_unknown: bool = False,
        transient: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, sent_unknown)
        self.status = status
        self.code = code
        self.transient = transient
        self.retry_after = retry_after  # seconds, from Graph's Retry-After (a 429 or 503)


def _recipients(addresses: tuple[str, ...]) -> list[Recipient]:
    return [Recipient(email_address=EmailAddress(address=a)) for a in addresses]


def _explain(status: int | None, code: str, detail: str) -> str:
    """A sentence for the person who clicked; `detail` is Graph's own message."""
    if status == 404 or code in ("ErrorInvalidUser", "MailboxNotEnabledForRESTAPI", "ResourceNotFound"):
        return _("Your account has no mailbox Microsoft Graph can send from, so nothing was sent.")
    if status == 403:
        return _("This app may not send mail yet (an admin must grant the Mail.Send permission), so nothing was sent.")
    if status == 401:
        return _("Microsoft Graph refused this app's credentials, so nothing was sent. Ask an admin to check them.")
    if status == 429:
        return _("Microsoft Graph is busy right now, so nothing was sent. Please try again in a minute.")
    if status is not None and status >= 500:
        return _("Microsoft Graph is having trouble right now, so nothing was sent. Please try again later.")
    return _("Microsoft Graph refused the email: {why}. Nothing was sent.", why=detail[:200] or _("no reason given"))


def _passing_refusal(status: int | None) -> str | None:
    """What the install and the feed say alike: bad credentials, throttling, Graph's own trouble."""
    if status == 401:
        return "Microsoft Graph refused this app's credentials: ask an admin to check them"
    if status == 429:
        return "Microsoft Graph is busy right now"
    if status is not None and status >= 500:
        return "Microsoft Graph is having trouble right now"
    return None


def _explain_install(status: int | None, code: str, detail: str) -> str:
    """Why the app was not installed for someone, for the record's owner (a notification's status)."""
    if status == 403:
        return (
            "Microsoft Graph refused to install the app for this user: the bot's own app registration (GRAPH_CLIENT_ID"
            " = MicrosoftAppId, the package's webApplicationInfo.id) needs the admin-consented application permission"
            " TeamsAppInstallation.ReadWriteForUser.All"
        )
    if status == 404:
        return (
            "Microsoft Graph knows no such user, or TEAMS_APP_CATALOG_ID is not an app published to the organisation's"
            " app catalog (a custom upload cannot be installed through Graph)"
        )
    if (passing := _passing_refusal(status)) is not None:
        return passing
    return f"Microsoft Graph refused to install the app: {detail[:200] or 'no reason given'}"


def _explain_feed(status: int | None, code: str, detail: str) -> str:
    """Why an activity-feed notification was not delivered, for the `notifications` list."""
    if status == 403:
        return (
            "Microsoft Graph refused the activity-feed notification: the bot's app registration needs the"
            " admin-consented application permission TeamsActivity.Send, and the app must be installed for the person"
        )
    if status == 404:
        return "Microsoft Graph knows no such user (or the app is not installed for them), so nothing reached the feed"
    if (passing := _passing_refusal(status)) is not None:
        return passing
    return f"Microsoft Graph refused the activity-feed notification: {detail[:200] or 'no reason given'}"


def _explain_calendar(status: int | None, code: str, detail: str) -> str:
    """Why a meeting was not created, moved or cancelled, for the person who clicked."""
    if status == 403:
        return _(
            "This app may not use calendars yet (an admin must grant the Calendars.ReadWrite application permission),"
            " so nothing was sent to the attendees."
        )
    if code == "ErrorItemNotFound":
        return _(
            "Outlook no longer has this meeting (it may have been deleted there), so nothing was sent to the attendees."
        )
    if status == 404 or code in ("ErrorInvalidUser", "MailboxNotEnabledForRESTAPI"):
        return _("Microsoft Graph found no calendar for your account, so nothing was sent to the attendees.")
    if status == 401:
        return _("Microsoft Graph refused this app's credentials, so nothing was sent. Ask an admin to check them.")
    if status == 429:
        return _(
            "Microsoft Graph is busy right now, so nothing was sent to the attendees. Please try again in a minute."
        )
    if status is not None and status >= 500:
        return _(
            "Microsoft Graph is having trouble right now, so nothing was sent to the attendees. Please try again later."
        )
    return _(
        "Microsoft Graph refused the meeting: {why}. Nothing was sent to the attendees.",
        why=detail[:200] or _("no reason given"),
    )


@dataclass(frozen=True)
class _Wording:
    """What a failed call means to the person who asked for it, by kind of call."""

    timed_out: str
    unreachable: str
    refused: Callable[[int | None, str, str], str]


_MAIL = _Wording(  # shown to the person who clicked Send, in their language (the others are reasons for operators)
    N_(
        "Microsoft Graph did not answer in time. The email may or may not have gone out: "
        "check Sent Items in Outlook before sending again."
    ),
    N_("Microsoft Graph could not be reached, so nothing was sent."),
    _explain,
)
_CALENDAR = _Wording(
    N_(
        "Microsoft Graph did not answer in time. The meeting may or may not have been changed: "
        "check your Outlook calendar before trying again."
    ),
    N_("Microsoft Graph could not be reached, so nothing was sent to the attendees."),
    _explain_calendar,
)
_INSTALL = _Wording(
    "Microsoft Graph did not answer in time: the app may or may not be installed for them now",
    "Microsoft Graph could not be reached, so the app was not installed",
    _explain_install,
)
_FEED = _Wording(
    "Microsoft Graph did not answer in time: the activity-feed notification may or may not have arrived",
    "Microsoft Graph could not be reached, so nothing reached the activity feed",
    _explain_feed,
)


class Graph:
    """A Graph client bound to one app registration (GRAPH_TENANT_ID)."""

    def __init__(self, config: Config, credential: Any = None, budget: float = BUDGET_SECONDS) -> None:
        self.tenant_id = config.graph_tenant_id
        self.catalog_app_id = config.teams_app_catalog_id
        self.budget = budget
        self.credential = credential or ClientSecretCredential(
            config.graph_tenant_id, config.graph_client_id, config.graph_client_secret
        )
        # Retries are ours (bounded, inside the budget), not the SDK middleware's (up to 180 s apart).
        http = GraphClientFactory.create_with_default_middleware(
            client=httpx.AsyncClient(timeout=httpx.Timeout(REQUEST_TIMEOUT)),
            options={RetryHandlerOption.get_key(): RetryHandlerOption(should_retry=False, max_retries=0)},
        )
        adapter = GraphRequestAdapter(AzureIdentityAuthenticationProvider(self.credential, scopes=SCOPES), http)
        adapter.base_url = config.graph_base_url
        self.http = http
        self.client = GraphServiceClient(request_adapter=adapter)

    def serves(self, tenant_id: str) -> bool:
        """Graph acts only inside the organisation its app registration belongs to."""
        return tenant_id == self.tenant_id

    async def send_mail(self, mail: OutgoingMail) -> None:
        message = Message(
            subject=mail.subject,
            body=ItemBody(content_type=BodyType.Text, content=mail.body),
            to_recipients=_recipients(mail.to),
            cc_recipients=_recipients(mail.cc),
        )
        request = SendMailPostRequestBody(message=message, save_to_sent_items=True)
        await self._call(
            lambda: self.client.users.by_user_id(mail.sender_id).send_mail.post(request), "sendMail", _MAIL
        )

    # --- Teams meetings in the organiser's calendar (Calendars.ReadWrite) ------------------------

    async def create_event(self, event: OutgoingEvent) -> CreatedEvent:
        """POST /users/{organiser}/events with a Teams online meeting; Outlook invites the attendees."""
        body = GraphEvent(
            subject=event.subject,
            body=ItemBody(content_type=BodyType.Text, content=event.agenda),
            start=_utc(event.starts),
            end=_utc(event.ends),
            attendees=[
                GraphAttendee(
                    email_address=EmailAddress(address=a.email, name=a.name or None),
                    type=GraphAttendeeType.Required if a.type.value == "required" else GraphAttendeeType.Optional,
                )
                for a in event.attendees
            ],
            is_online_meeting=True,
            online_meeting_provider=OnlineMeetingProviderType.TeamsForBusiness,
            transaction_id=event.transaction_id,
        )
        events = self.client.users.by_user_id(event.organiser_id).events
        made = await self._calendar_call(lambda: events.post(body), "createEvent")
        if made is None or not made.id:
            raise CalendarError(translated(_CALENDAR.timed_out), maybe_done=True)
        join = made.online_meeting.join_url if made.online_meeting else None
        return CreatedEvent(made.id, join)

    async def move_event(self, organiser_id: str, event_id: str, starts: datetime, ends: datetime) -> None:
        """PATCH the event's start and end; Outlook sends the attendees the update."""
        item = self.client.users.by_user_id(organiser_id).events.by_event_id(event_id)
        body = GraphEvent(start=_utc(starts), end=_utc(ends))
        await self._calendar_call(lambda: item.patch(body), "moveEvent")

    async def cancel_event(self, organiser_id: str, event_id: str, comment: str) -> None:
        """POST /events/{id}/cancel: the organiser's cancellation goes to every attendee."""
        cancel = self.client.users.by_user_id(organiser_id).events.by_event_id(event_id).cancel
        body = CancelPostRequestBody(comment=comment)
        await self._calendar_call(lambda: cancel.post(body), "cancelEvent")

    async def busy_times(
        self, organiser_id: str, emails: tuple[str, ...], start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]:
        """The busy spans of these people between `start` and `end` (getSchedule, UTC)."""
        body = GetSchedulePostRequestBody(
            schedules=list(emails), start_time=_utc(start), end_time=_utc(end), availability_view_interval=30
        )
        schedule = self.client.users.by_user_id(organiser_id).calendar.get_schedule
        answer = await self._calendar_call(lambda: schedule.post(body), "getSchedule")
        spans: list[tuple[datetime, datetime]] = []
        for person in (answer.value or []) if answer is not None else []:
            for item in person.schedule_items or []:
                if item.status is FreeBusyStatus.Free or item.start is None or item.end is None:
                    continue
                spans.append((_from_utc(item.start), _from_utc(item.end)))
        return spans

    async def _calendar_call(self, request: Any, what: str) -> Any:
        try:
            return await self._call(request, what, _CALENDAR)
        except GraphError as exc:
            raise CalendarError(exc.message, maybe_done=exc.sent_unknown) from exc

    async def install_for_user(self, tenant_id: str, aad_object_id: str) -> None:
        """Install our Teams app in the user's personal scope, so the bot can message them."""
        if not self.serves(tenant_id):
            raise GraphError("Microsoft Graph is set up for another organisation, so the app cannot be installed.")
        if not self.catalog_app_id:
            raise GraphError("TEAMS_APP_CATALOG_ID is not set, so the app cannot be installed for people.")
        bind = f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{self.catalog_app_id}"
        body = UserScopeTeamsAppInstallation(additional_data={"teamsApp@odata.bind": bind})
        installed = self.client.users.by_user_id(aad_object_id).teamwork.installed_apps
        try:
            await self._call(lambda: installed.post(body), "installApp", _INSTALL)
        except GraphError as exc:
            if exc.status != 409:  # 409 Conflict: the app is installed for them already
                raise

    async def send_activity_notification(self, notice: FeedNotice) -> None:
        """POST /users/{id}/teamwork/sendActivityNotification (TeamsActivity.Send): one entry in the person's
        Teams activity feed, of an activity type the manifest declares, chained per record. One request, no
        retry here: the outbox sender retries (bot/notify/sender.py), within the feed's rate limits and
        after Graph's Retry-After, with the row pending in the database meanwhile; a retry in here would
        be a request the limiter does not count, and would hold a call slot through its wait."""
        if not self.serves(notice.tenant_id):
            raise GraphError("Microsoft Graph is set up for another organisation, so nothing reached the activity feed")
        body = SendActivityNotificationPostRequestBody(
            topic=TeamworkActivityTopic(
                source=TeamworkActivityTopicSource.Text, value=notice.topic[:200], web_url=notice.web_url
            ),
            activity_type=notice.activity_type,
            chain_id=notice.chain_id,
            preview_text=ItemBody(content=preview(notice.preview)),
            template_parameters=[KeyValuePair(name=COLLEAGUE, value=notice.actor[:100])],
        )
        feed = self.client.users.by_user_id(notice.aad_object_id).teamwork.send_activity_notification
        await self._call(lambda: feed.post(body), "sendActivityNotification", _FEED, attempts=1)

    async def display_name(self, tenant_id: str, aad_object_id: str) -> str | None:
        """A colleague's display name (User.ReadBasic.All), or None when Graph cannot say (never raises)."""
        if not self.serves(tenant_id):
            return None
        users = self.client.users.by_user_id(aad_object_id)
        only_name = RequestConfiguration(
            query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(select=["displayName"])
        )
        try:
            user = await asyncio.wait_for(users.get(only_name), timeout=REQUEST_TIMEOUT)
        except Exception as exc:  # a nicety: the name is learnt anyway when they first write
            status = getattr(exc, "response_status_code", None)
            log.info("graph user lookup failed: %s status=%s", type(exc).__name__, status)
            return None
        return (getattr(user, "display_name", None) or None) if user is not None else None

    async def close(self) -> None:
        await self.http.aclose()
        close = getattr(self.credential, "close", None)
        if close is not None:
            await close()

    async def _call(self, request: Any, what: str, wording: _Wording, attempts: int = MAX_ATTEMPTS) -> Any:
        """Run a Graph request: retry 429 (honouring Retry-After) and 5xx with backoff, all within the budget
        and up to `attempts` requests; anything else Graph refuses (401, 403, 404 ...) is final at once."""
        deadline = time.monotonic() + self.budget
        for attempt in range(1, attempts + 1):
            left = deadline - time.monotonic()
            try:
                return await asyncio.wait_for(request(), timeout=max(left, 0.1))
            except (TimeoutError, httpx.TimeoutException) as exc:
                log.warning("graph %s timed out (attempt %d)", what, attempt)
                raise GraphError(translated(wording.timed_out), sent_unknown=True, transient=True) from exc
            except httpx.TransportError as exc:
                log.warning("graph %s could not connect: %s", what, type(exc).__name__)
                raise GraphError(translated(wording.unreachable), transient=True) from exc
            except APIError as exc:
                status = exc.response_status_code
                code = getattr(getattr(exc, "error", None), "code", None) or ""
                log.warning("graph %s failed: status=%s code=%s (attempt %d)", what, status, code, attempt)
                wait = self._retry_wait(exc, attempt)
                if status not in RETRIED or attempt == attempts or time.monotonic() + wait > deadline:
                    transient = status == 429 or (status is not None and status >= 500)
                    message = wording.refused(status, code, exc.primary_message or "")
                    raise GraphError(
                        message, status, code, transient=transient, retry_after=self._retry_after(exc)
                    ) from exc
                await asyncio.sleep(wait)
        return None

    @staticmethod
    def _retry_after(exc: APIError) -> float | None:
        headers = {k.lower(): v for k, v in (exc.response_headers or {}).items()}
        retry_after = headers.get("retry-after", "").strip()
        return float(retry_after) if retry_after.isdigit() else None

    @staticmethod
    def _retry_wait(exc: APIError, attempt: int) -> float:
        retry_after = Graph._retry_after(exc)
        if retry_after is not None:
            return retry_after
        return min(4.0, 0.25 * 2**attempt) * (0.5 + random.random() / 2)


def _utc(moment: datetime) -> DateTimeTimeZone:
    """A moment as Graph's dateTimeTimeZone, in UTC (a Windows time zone id Graph always takes)."""
    return DateTimeTimeZone(date_time=moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), time_zone="UTC")


def _from_utc(value: DateTimeTimeZone) -> datetime:
    return datetime.fromisoformat((value.date_time or "")[:19]).replace(tzinfo=UTC)

"""Meetings with the people around a deal: what a meeting form asks for, checked, and the Teams deep link that
schedules one without Microsoft Graph. No I/O.

A meeting is an Outlook event with a Teams online meeting in the organiser's calendar (bot/graph.py); its
attendees are the record's Contact (required), its Other participants (optional) and any followers ticked
(optional). Graph's limit: "The maximum number of attendees included in an event ... is 500"
(https://learn.microsoft.com/en-us/graph/api/resources/event)."""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from bot.domain.errors import DomainError
from bot.domain.hours import valid_zone
from bot.domain.language import _

MAX_ATTENDEES = 500  # Graph's (and Exchange Online's) limit for one event
DEFAULT_MINUTES = 30
MIN_MINUTES = 5
MAX_MINUTES = 8 * 60  # a meeting about a deal, not a day's workshop
MAX_SUBJECT = 255
MAX_AGENDA = 4000
MAX_AHEAD_DAYS = 366
MAX_OFFERED = 20  # participants and followers offered as toggles on the form (the card stays small)
NEXT_STEP_LENGTH = 200  # as bot/services/details.py's MAX_NEXT_STEP
PREP_BEFORE_SECONDS = 3600  # the organiser's prep card, an hour before the start
NEW_MEETING_LINK = "https://teams.microsoft.com/l/meeting/new"


class MeetingStatus(enum.StrEnum):
    CREATING = "creating"  # the form's id claimed; Graph being asked
    SCHEDULED = "scheduled"  # Graph made the event: invitations went out from the organiser
    FAILED = "failed"  # Graph refused: nothing was sent
    UNKNOWN = "unknown"  # Graph did not answer in time: it may or may not exist
    CANCELLED = "cancelled"  # cancelled through Graph: the attendees were told
    PLANNED = "planned"  # set up in Teams itself (no Graph): on the timeline by its time, no invitation known


class AttendeeType(enum.StrEnum):
    REQUIRED = "required"
    OPTIONAL = "optional"


@dataclass(frozen=True)
class Attendee:
    email: str
    name: str
    type: AttendeeType


@dataclass(frozen=True)
class Meeting:
    id: int
    tenant_id: str
    record_id: int
    organiser_id: int
    form_id: str
    status: MeetingStatus
    subject: str
    starts_at: str  # UTC stamps (bot/domain/clock.py)
    ends_at: str
    time_zone: str
    attendees: tuple[Attendee, ...]
    agenda: str = ""
    event_id: str | None = None
    join_url: str | None = None

    @property
    def minutes(self) -> int:
        return int((_parse(self.ends_at) - _parse(self.starts_at)).total_seconds() // 60)


def attendees_json(attendees: tuple[Attendee, ...]) -> str:
    return json.dumps([{"email": a.email, "name": a.name, "type": a.type.value} for a in attendees])


def attendees_from_json(text: str) -> tuple[Attendee, ...]:
    return tuple(Attendee(a["email"], a.get("name", ""), AttendeeType(a["type"])) for a in json.loads(text or "[]"))


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def checked_zone(name: str) -> ZoneInfo:
    """The IANA zone the form names; a name that is no zone is refused beside the field."""
    found = valid_zone(name.strip())
    if found is None:
        raise DomainError(
            _("“{zone}” is not a time zone I know (try Europe/Berlin or America/New_York).", zone=name[:64]),
            "time_zone",
        )
    return ZoneInfo(found)


def checked_minutes(raw: str) -> int:
    said = raw.strip().lower().removesuffix("min").removesuffix("minutes").strip()
    if not said.isdigit():
        raise DomainError(_("Give the length in minutes, like 30."), "minutes")
    minutes = int(said)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise DomainError(
            _("A meeting lasts between {low} and {high} minutes.", low=MIN_MINUTES, high=MAX_MINUTES), "minutes"
        )
    return minutes


def checked_start(raw: str, zone: ZoneInfo, now: datetime) -> datetime:
    """`2027-03-01 14:30` in `zone` -> an aware UTC moment, in the future and within a year."""
    said = " ".join(raw.replace("T", " ").split())
    try:
        local = datetime.strptime(said, "%Y-%m-%d %H:%M")
    except ValueError:
        raise DomainError(_("Write the start like 2027-03-01 14:30."), "start") from None
    moment = local.replace(tzinfo=zone)
    moment = moment.astimezone(UTC).astimezone(zone)  # a wall time the clocks skip is the time after the gap
    if moment.astimezone(UTC) <= now:
        raise DomainError(_("That start is in the past: pick a time still to come."), "start")
    if moment.astimezone(UTC) > now + timedelta(days=MAX_AHEAD_DAYS):
        raise DomainError(_("That start is more than a year away."), "start")
    return moment.astimezone(UTC)


def local_text(stamp: str, zone: ZoneInfo) -> str:
    """A UTC stamp as the form shows it in `zone`: `2027-03-01 14:30`."""
    return _parse(stamp).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def teams_new_meeting_link(
    subject: str, attendees: tuple[Attendee, ...], starts: datetime, ends: datetime, content: str
) -> str:
    """Teams' documented deep link to a new meeting
    (https://learn.microsoft.com/en-us/microsoftteams/platform/concepts/build-and-test/deep-link-workflow#deep-link-to-open-a-meeting-scheduling-dialog):
    `attendees` comma-separated, `startTime`/`endTime` ISO 8601 with their offset, every field percent-encoded."""
    fields = [
        ("subject", subject),
        ("attendees", ",".join(a.email for a in attendees)),
        ("startTime", starts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("endTime", ends.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")),
        ("content", content),
    ]
    query = "&".join(f"{k}={quote(v, safe='@,')}" for k, v in fields if v)
    return f"{NEW_MEETING_LINK}?{query}"

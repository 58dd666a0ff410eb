"""The meeting buttons and `meet ‹ref› ‹when› [for ‹minutes›]`: the form (prefilled with the Contact, the Other
participants and the person's time zone), free times from the calendars, Send invitations through Graph (or, without
it, Teams' own scheduling and "Record on the timeline"), and the meeting afterwards: move, cancel, "How did it go?".

What was typed is checked before anything is sent (bot/services/meetings.py `plan_of`); the form's id is claimed
before Graph is asked, so a second click sends nothing twice; a refusal comes back on the form with what was typed."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.clock import parse_time
from bot.domain.errors import DomainError
from bot.domain.hours import WorkingHours, valid_zone
from bot.domain.language import _
from bot.domain.meetings import (
    DEFAULT_MINUTES,
    Meeting,
    MeetingStatus,
    checked_minutes,
    checked_start,
    local_text,
    teams_new_meeting_link,
)
from bot.domain.models import RecordView, Seen, User
from bot.domain.when import parse_due
from bot.handlers.payload import text_field
from bot.handlers.replies import Reply, change_reply, record_reply
from bot.services import CrmService
from bot.services.meetings import Calendar, CalendarError, OutgoingEvent, Plan
from cards.meetings import FORM_FIELDS, meeting_form_card, meeting_link_card, move_form_card

log = logging.getLogger(__name__)

SUGGESTIONS = 3
SEARCH_DAYS = 7  # free times are looked for this many days ahead


def new_form_id() -> str:
    return uuid.uuid4().hex


class MeetingActions:
    def __init__(self, services: CrmService, calendar: Calendar | None) -> None:
        self.services = services
        self.calendar = calendar

    def can_send(self, user: User) -> bool:
        return self.calendar is not None and self.calendar.serves(user.tenant_id) and bool(user.aad_object_id)

    def zone_of(self, user: User) -> str:
        return valid_zone(self.services.deliveries.schedules.of(user.tenant_id, user.id).time_zone) or "UTC"

    def _values(self, data: dict[str, Any]) -> dict[str, str]:
        return {
            k: v for k, v in data.items() if isinstance(v, str) and (k in FORM_FIELDS or k.startswith(("p_", "f_")))
        }

    def _form(
        self, user: User, view: RecordView, values: dict[str, str], form_id: str, error: DomainError | None = None,
        suggestions: list[tuple[str, str]] | None = None,
    ) -> Reply:  # fmt: skip
        errors = {error.field: error.message} if error is not None and error.field else None
        message = error.message if error is not None and not error.field else ""
        card = meeting_form_card(view, form_id, values, self.can_send(user), user.id, errors, message, suggestions)
        return Reply(card=card, outcome="invalid" if error is not None else "form")

    def form(self, user: User, view: RecordView, data: dict[str, Any] | None = None) -> Reply:
        """The form: what was typed (a picked free time as its start), else tomorrow 10:00 in their zone."""
        data = data or {}
        values = self._values(data)
        zone = values.get("time_zone") or self.zone_of(user)
        values["time_zone"] = zone
        picked = text_field(data, "picked")
        if picked:
            values["start"] = picked
        if not values.get("start"):
            local = parse_time(self.services.clock()).astimezone(ZoneInfo(valid_zone(zone) or "UTC"))
            values["start"] = (local + timedelta(days=1)).strftime("%Y-%m-%d 10:00")
        form_id = text_field(data, "form_id") or new_form_id()
        return self._form(user, view, values, form_id)

    def from_command(self, user: User, view: RecordView, said: str) -> Reply:
        """`meet L-1 tomorrow 14:00 for 45`: the form with that start and length (read as `when` reads a next step)."""
        when_text, minutes = said, ""
        for word in (" for ", " für ", " por "):  # English, German, Portuguese
            if word in said:
                when_text, _word, minutes = said.rpartition(word)
                break
        zone_name = self.zone_of(user)
        zone = ZoneInfo(zone_name)
        due = parse_due(when_text, parse_time(self.services.clock()), zone)
        if due.at is None:
            raise DomainError(_("Give the meeting a time of day too, like tomorrow 14:00."))
        values = {"start": due.at.astimezone(zone).strftime("%Y-%m-%d %H:%M"), "time_zone": zone_name}
        if minutes.strip():
            values["minutes"] = str(checked_minutes(minutes))
        return self._form(user, view, values, new_form_id())

    def _plan(self, user: User, data: dict[str, Any]) -> Plan:
        seen = Seen(int(data["version"]) if str(data.get("version", "")).isdigit() else None)
        return self.services.meetings.plan(user, text_field(data, "ref", required=True), data, seen)

    async def suggest(self, user: User, view: RecordView, data: dict[str, Any]) -> Reply:
        """The next free times of the organiser and the ticked colleagues, in the organiser's working hours."""
        values, form_id = self._values(data), text_field(data, "form_id") or new_form_id()
        if self.calendar is None or not self.can_send(user):
            return self._form(user, view, values, form_id, DomainError(_("Microsoft Graph is not set up here.")))
        try:
            minutes = checked_minutes(values.get("minutes") or str(DEFAULT_MINUTES))
        except DomainError as exc:
            return self._form(user, view, values, form_id, exc)
        zone_name = valid_zone(values.get("time_zone", "")) or self.zone_of(user)
        zone = ZoneInfo(zone_name)
        hours = self.services.deliveries.schedules.of(user.tenant_id, user.id).hours or WorkingHours()
        emails = tuple(
            dict.fromkeys(
                [user.email or ""]
                + [f.user.email or "" for f in view.followers if values.get(f"f_{f.user.id}") == "true"]
            )
        )
        now = parse_time(self.services.clock())
        try:
            busy = await self.calendar.busy_times(
                user.aad_object_id or "", tuple(e for e in emails if e), now, now + timedelta(days=SEARCH_DAYS)
            )
        except CalendarError as exc:
            return self._form(user, view, values, form_id, DomainError(exc.message))
        slots = free_slots(now, zone, hours, minutes, busy, SUGGESTIONS)
        if not slots:
            return self._form(user, view, values, form_id, DomainError(_("No common free time in the next week.")))
        shown = [
            (slot.astimezone(zone).strftime("%a %d %b %H:%M"), slot.astimezone(zone).strftime("%Y-%m-%d %H:%M"))
            for slot in slots
        ]
        return self._form(user, view, values, form_id, suggestions=shown)

    async def create(self, user: User, view: RecordView, data: dict[str, Any], shared: bool) -> Reply:
        values, form_id = self._values(data), text_field(data, "form_id") or new_form_id()
        if self.calendar is None or not self.can_send(user):
            return self._form(user, view, values, form_id, DomainError(_("Microsoft Graph is not set up here.")))
        try:
            plan = await self.services.run(self._plan, user, data)
            meeting_id = await self.services.run(self.services.meetings.begin, user, plan)
        except DomainError as exc:
            return self._form(user, view, values, form_id, exc)
        event = OutgoingEvent(
            user.aad_object_id or "", plan.subject, plan.agenda, plan.starts, plan.ends, plan.attendees, plan.form_id
        )
        try:
            created = await self.calendar.create_event(event)
        except CalendarError as exc:
            await self.services.run(self.services.meetings.failed, user, meeting_id, exc.message, exc.maybe_done)
            return self._form(user, view, values, form_id, DomainError(exc.message))
        change = await self.services.run(self.services.meetings.scheduled, user, plan, meeting_id, created)
        log.info(
            "tenant=%s user=%s record=%s meeting created with %d attendees",
            user.tenant_id, user.id, view.record.ref, len(plan.attendees),
        )  # fmt: skip
        return change_reply(change, user, shared)

    def prepare(self, user: User, view: RecordView, data: dict[str, Any]) -> Reply:
        """Without Graph: Teams' own new-meeting dialog with the same people, subject, time and agenda."""
        values, form_id = self._values(data), text_field(data, "form_id") or new_form_id()
        try:
            plan = self._plan(user, data)
        except DomainError as exc:
            return self._form(user, view, values, form_id, exc)
        link = teams_new_meeting_link(plan.subject, plan.attendees, plan.starts, plan.ends, plan.agenda)
        kept = {**values, "form_id": form_id}
        starts = plan.meeting(user, MeetingStatus.PLANNED).starts_at
        return Reply(
            card=meeting_link_card(view, link, [a.email for a in plan.attendees], starts, kept), outcome="form"
        )

    def log_planned(self, user: User, view: RecordView, data: dict[str, Any], shared: bool) -> Reply:
        try:
            plan = self._plan(user, data)
            change = self.services.meetings.planned(user, plan)
        except DomainError as exc:
            return self._form(user, view, self._values(data), text_field(data, "form_id") or new_form_id(), exc)
        return change_reply(change, user, shared)

    # --- the meeting on the card -----------------------------------------------------------------

    def move_form(self, user: User, view: RecordView, data: dict[str, Any]) -> Reply:
        _record, meeting = self.services.meetings.own_meeting(user, view.record.ref, text_field(data, "meeting"))
        start = local_text(meeting.starts_at, ZoneInfo(meeting.time_zone))
        return Reply(card=move_form_card(view, meeting, start), outcome="form")

    async def move(self, user: User, view: RecordView, data: dict[str, Any], shared: bool) -> Reply:
        ref = view.record.ref
        try:
            _record, meeting = await self.services.run(
                self.services.meetings.own_meeting, user, ref, text_field(data, "meeting")
            )
        except DomainError as exc:
            return Reply(card=None, text=exc.message, outcome="invalid")
        try:
            zone = ZoneInfo(meeting.time_zone)
            starts = checked_start(text_field(data, "start"), zone, parse_time(self.services.clock()))
            ends = starts + timedelta(minutes=checked_minutes(text_field(data, "minutes") or str(meeting.minutes)))
        except DomainError as exc:
            errors = {exc.field: exc.message} if exc.field else None
            card = move_form_card(view, meeting, text_field(data, "start"), errors, "" if exc.field else exc.message)
            return Reply(card=card, outcome="invalid")
        failed = await self._in_calendar(
            meeting, lambda c: c.move_event(user.aad_object_id or "", meeting.event_id or "", starts, ends)
        )
        if failed is not None:
            return Reply(card=move_form_card(view, meeting, text_field(data, "start"), None, failed), outcome="invalid")
        change = await self.services.run(self.services.meetings.moved, user, ref, meeting, starts, ends)
        return change_reply(change, user, shared)

    async def cancel(self, user: User, view: RecordView, data: dict[str, Any], shared: bool) -> Reply:
        ref = view.record.ref
        try:
            _record, meeting = await self.services.run(
                self.services.meetings.own_meeting, user, ref, text_field(data, "meeting")
            )
        except DomainError as exc:
            return self._record_reply(user, view, shared, exc.message)
        comment = _("Cancelled from {ref} in the CRM.", ref=ref)
        failed = await self._in_calendar(
            meeting, lambda c: c.cancel_event(user.aad_object_id or "", meeting.event_id or "", comment)
        )
        if failed is not None:
            return self._record_reply(user, view, shared, failed)
        change = await self.services.run(self.services.meetings.cancelled, user, ref, meeting)
        return change_reply(change, user, shared)

    async def _in_calendar(self, meeting: Meeting, call: Any) -> str | None:
        """Graph's side of a move or a cancel (none for a meeting set up in Teams); the refusal's sentence, if any."""
        if not meeting.event_id:
            return None
        if self.calendar is None:
            return _("Microsoft Graph is not set up here.")
        try:
            await call(self.calendar)
        except CalendarError as exc:
            return exc.message
        return None

    def _record_reply(self, user: User, view: RecordView, shared: bool, message: str) -> Reply:
        return record_reply(view, user, shared, message, good=False)

    def recap(self, user: User, data: dict[str, Any], shared: bool) -> Reply:
        """ "How did it go?": notes as a comment, the next step, the stage, together."""
        ref = text_field(data, "ref", required=True)
        change = self.services.meetings.recap(
            user, ref, text_field(data, "meeting"), text_field(data, "notes"), text_field(data, "next_step"),
            text_field(data, "stage"),
        )  # fmt: skip
        return change_reply(change, user, shared)


def free_slots(
    now: datetime, zone: ZoneInfo, hours: WorkingHours, minutes: int, busy: list[tuple[datetime, datetime]], wanted: int
) -> list[datetime]:
    """The next `wanted` starts on the half hour, inside the working hours (in `zone`), overlapping nothing busy."""
    found: list[datetime] = []
    local = now.astimezone(zone).replace(second=0, microsecond=0)
    local += timedelta(minutes=30 - local.minute % 30)
    length = timedelta(minutes=minutes)
    for _step in range(SEARCH_DAYS * 48):
        if (
            local.weekday() in hours.days
            and hours.start <= local.time()
            and (local + length).time() <= hours.end
            and (local + length).date() == local.date()
        ) and not any(a < local + length and b > local for a, b in busy):
            found.append(local)
            if len(found) == wanted:
                break
        local += timedelta(minutes=30)
    return found

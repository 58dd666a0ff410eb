"""Meetings with the people around a deal: the form's values checked against the record, the meeting claimed
before Microsoft Graph is asked (a second click creates nothing), recorded once Graph made it (timeline,
followers, the organiser's prep card and "How did it go?" in the outbox, all in one transaction), moved and
cancelled; and, without Graph, a meeting set up in Teams itself, recorded by its time.

bot/graph.py is the calendar (`Calendar`); without Graph there is none and the form opens Teams' own
scheduling (bot/domain/meetings.py `teams_new_meeting_link`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.domain.clock import format_time, parse_time, shifted
from bot.domain.delivery import Purpose
from bot.domain.errors import DomainError
from bot.domain.language import N_, _, translated
from bot.domain.meetings import (
    DEFAULT_MINUTES,
    MAX_AGENDA,
    MAX_ATTENDEES,
    MAX_OFFERED,
    MAX_SUBJECT,
    PREP_BEFORE_SECONDS,
    Attendee,
    AttendeeType,
    Meeting,
    MeetingStatus,
    checked_minutes,
    checked_start,
    checked_zone,
)
from bot.domain.models import Change, Event, EventKind, Record, RecordView, Seen, User
from bot.domain.rules import SEND_ID, is_valid_email, shorten
from bot.services.changes import RecordWork
from bot.services.details import DetailCases
from bot.services.records import RecordCases
from bot.services.work import UnitOfWork

_REFUSALS = {  # a form already used, shown through `translated`
    MeetingStatus.CREATING: N_("This meeting is being created right now."),
    MeetingStatus.SCHEDULED: N_("This meeting was already created."),
    MeetingStatus.PLANNED: N_("This meeting was already recorded."),
    MeetingStatus.UNKNOWN: N_(
        "The last try may have created the meeting: check your Outlook calendar, then open the form again."
    ),
}


@dataclass(frozen=True)
class OutgoingEvent:
    organiser_id: str  # the organiser's Entra object id: the event goes in their calendar
    subject: str
    agenda: str
    starts: datetime  # UTC
    ends: datetime
    attendees: tuple[Attendee, ...]
    transaction_id: str  # Graph's transactionId: a retried POST makes the same event, not a second one


@dataclass(frozen=True)
class CreatedEvent:
    event_id: str
    join_url: str | None


class CalendarError(Exception):
    """A calendar call failed; `message` is for the person. `maybe_done`: it may have gone through (timeout)."""

    def __init__(self, message: str, maybe_done: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.maybe_done = maybe_done


class Calendar(Protocol):
    def serves(self, tenant_id: str) -> bool: ...

    async def create_event(self, event: OutgoingEvent) -> CreatedEvent: ...

    async def move_event(self, organiser_id: str, event_id: str, starts: datetime, ends: datetime) -> None: ...

    async def cancel_event(self, organiser_id: str, event_id: str, comment: str) -> None: ...

    async def busy_times(
        self, organiser_id: str, emails: tuple[str, ...], start: datetime, end: datetime
    ) -> list[tuple[datetime, datetime]]: ...


@dataclass(frozen=True)
class Plan:
    """A meeting form's values, checked: what Graph is asked to create (or Teams' link carries)."""

    record: Record
    form_id: str
    subject: str
    starts: datetime
    ends: datetime
    zone: str
    attendees: tuple[Attendee, ...]
    agenda: str

    def meeting(self, organiser: User, status: MeetingStatus) -> Meeting:
        return Meeting(
            0, organiser.tenant_id, self.record.id, organiser.id, self.form_id, status, self.subject,
            format_time(self.starts), format_time(self.ends), self.zone, self.attendees, self.agenda,
        )  # fmt: skip


def _invited(attendees: tuple[Attendee, ...]) -> str:
    return shorten(", ".join(a.email for a in attendees))


def _text(values: Mapping[str, Any], name: str) -> str:
    found = values.get(name)
    return found if isinstance(found, str) else ""


def _invitable_contact(view: RecordView) -> Attendee:
    """The Contact, the one required attendee: a record without one, or one without an email, is refused."""
    contact, ref = view.contact, view.record.ref
    if contact is None:
        raise DomainError(_("{ref} has no Contact yet: set one first.", ref=ref))
    if not contact.email:
        raise DomainError(
            _("{ref}'s Contact ({name}) has no email address, so they cannot be invited.", ref=ref, name=contact.name)
        )
    return Attendee(contact.email, contact.name, AttendeeType.REQUIRED)


def _attendees(
    view: RecordView, values: Mapping[str, Any], followers_emails: Mapping[int, str]
) -> tuple[Attendee, ...]:
    """The Contact (required); the Other participants not unticked, the ticked followers and the typed addresses
    (optional); each address once, as first named."""
    people = [_invitable_contact(view)]
    people += [
        Attendee(p.email, p.name, AttendeeType.OPTIONAL)
        for p in view.participants[:MAX_OFFERED]
        if p.email and _text(values, f"p_{p.id}") != "false"
    ]
    for key in values:
        if key.startswith("f_") and _text(values, key) == "true":
            user_id = key.removeprefix("f_")
            email = followers_emails.get(int(user_id)) if user_id.isdigit() else None
            if email is None:
                ref = view.record.ref
                raise DomainError(
                    _("Only colleagues who follow {ref} in your organisation can be invited here.", ref=ref)
                )
            people.append(Attendee(email, "", AttendeeType.OPTIONAL))
    for typed in (a.strip() for a in _text(values, "others").replace(";", ",").replace("\n", ",").split(",")):
        if typed and not is_valid_email(typed):
            raise DomainError(_("“{email}” is not a valid email address.", email=typed[:80]), "others")
        if typed:
            people.append(Attendee(typed, "", AttendeeType.OPTIONAL))
    unique: dict[str, Attendee] = {}
    for person in people:
        unique.setdefault(person.email.casefold(), person)
    if len(unique) > MAX_ATTENDEES:
        raise DomainError(
            _("A meeting can have at most {n} attendees ({now} now).", n=MAX_ATTENDEES, now=len(unique)), "others"
        )
    return tuple(unique.values())


def plan_of(view: RecordView, values: Mapping[str, Any], now: datetime, followers_emails: Mapping[int, str]) -> Plan:
    """The form's values checked against the record as it is now (`view`); `followers_emails`: user id ->
    email of the record's followers in the actor's tenant (a ticked id that is not one of them is refused)."""
    record = view.record
    form_id = _text(values, "form_id")
    if not SEND_ID.fullmatch(form_id):
        raise DomainError(_("This card is out of date; please open the meeting form again."))
    attendees = _attendees(view, values, followers_emails)
    subject = " ".join(_text(values, "subject").split()) or f"{record.title} ({record.ref})"
    if len(subject) > MAX_SUBJECT:
        raise DomainError(_("A subject can be at most {n} characters.", n=MAX_SUBJECT), "subject")
    zone = checked_zone(_text(values, "time_zone") or "UTC")
    starts = checked_start(_text(values, "start"), zone, now)
    minutes = checked_minutes(_text(values, "minutes") or str(DEFAULT_MINUTES))
    agenda = _text(values, "agenda").strip()
    if len(agenda) > MAX_AGENDA:
        raise DomainError(_("An agenda can be at most {n} characters.", n=MAX_AGENDA), "agenda")
    return Plan(record, form_id, subject, starts, starts + timedelta(minutes=minutes), zone.key, attendees, agenda)


class MeetingCases:
    """services.meetings"""

    def __init__(self, work: UnitOfWork, changes: RecordWork, records: RecordCases, details: DetailCases) -> None:
        self.work, self.repo, self.clock = work, work.repo, work.clock
        self.changes = changes
        self.records, self.details = records, details  # "How did it go?" comments, sets the next step and the stage

    def now(self) -> datetime:
        return parse_time(self.clock())

    def followers_emails(self, actor: User, view: RecordView) -> dict[int, str]:
        """The record's followers in the actor's tenant who have an email address and may see the record (those the
        form may invite: a private or team record's meeting invites nobody it is hidden from)."""
        return {
            f.user.id: f.user.email
            for f in self.repo.follows.followers(actor.tenant_id, view.record.id, None)
            if f.user.email and f.user.tenant_id == actor.tenant_id and self.changes.may_see(f.user, view.record)
        }

    def plan(self, actor: User, ref: str, values: Mapping[str, Any], seen: Seen) -> Plan:
        """The form checked against the record as it is now; nothing is written."""
        view = self.changes.view_of(self.changes.get_record(actor, ref))
        if seen.version is not None and seen.version > view.record.version:
            raise DomainError(_("This card is out of date; please open the meeting form again."))
        if view.record.archived_at or view.record.converted_to:
            raise DomainError(_("{ref} can no longer change.", ref=view.record.ref))
        return plan_of(view, values, self.now(), self.followers_emails(actor, view))

    def begin(self, actor: User, plan: Plan) -> int:
        """Claim the form before Graph is asked: a form used already is refused, and nothing is sent twice."""
        with self.work.writing():
            status = self.repo.meetings.form_status(actor.tenant_id, plan.form_id)
            if status in _REFUSALS:
                raise DomainError(translated(_REFUSALS[status]))
            if status is not None:  # failed before: the same form may try again
                self.repo.meetings.forget_failed(actor.tenant_id, plan.form_id)
            meeting_id = self.repo.meetings.claim(plan.meeting(actor, MeetingStatus.CREATING), self.clock())
            if meeting_id is None:
                raise DomainError(translated(_REFUSALS[MeetingStatus.CREATING]))
            return meeting_id

    def failed(self, actor: User, meeting_id: int, reason: str, maybe_done: bool) -> None:
        """Graph refused (nothing was sent), or did not answer in time (it may exist): no timeline event."""
        status = MeetingStatus.UNKNOWN if maybe_done else MeetingStatus.FAILED
        with self.work.writing():
            self.repo.meetings.set_status(
                actor.tenant_id, meeting_id, status, self.clock(), MeetingStatus.CREATING, reason[:500]
            )

    def scheduled(self, actor: User, plan: Plan, meeting_id: int, created: CreatedEvent) -> Change:
        """Graph made the event: on the timeline, followers told, the organiser's prep and follow-up queued."""
        with self.work.writing():
            if not self.repo.meetings.scheduled(
                actor.tenant_id, meeting_id, created.event_id, created.join_url, self.clock()
            ):
                raise DomainError(translated(_REFUSALS[MeetingStatus.SCHEDULED]))
            return self._recorded(actor, plan, meeting_id, EventKind.MEETING_SCHEDULED)

    def planned(self, actor: User, plan: Plan) -> Change:
        """Without Graph: the person set it up in Teams; the timeline keeps its time and people, no invitation."""
        with self.work.writing():
            status = self.repo.meetings.form_status(actor.tenant_id, plan.form_id)
            if status is not None:
                raise DomainError(translated(_REFUSALS.get(status, _REFUSALS[MeetingStatus.PLANNED])))
            meeting_id = self.repo.meetings.claim(plan.meeting(actor, MeetingStatus.PLANNED), self.clock())
            if meeting_id is None:
                raise DomainError(translated(_REFUSALS[MeetingStatus.PLANNED]))
            return self._recorded(actor, plan, meeting_id, EventKind.MEETING_PLANNED)

    def _recorded(self, actor: User, plan: Plan, meeting_id: int, kind: EventKind) -> Change:
        record = self.repo.records.get_record(actor.tenant_id, plan.record.id) or plan.record
        start = format_time(plan.starts)
        event = self.changes.event(
            actor, record, kind, old=start, new=shorten(plan.subject), detail=_invited(plan.attendees)
        )
        meeting = self.repo.meetings.get(actor.tenant_id, meeting_id)
        if meeting is None or event.id is None:
            raise LookupError(f"meeting {meeting_id} vanished inside its own transaction")
        now, batch = self.clock(), self.repo.transaction_id
        prep_due = max(now, shifted(start, -PREP_BEFORE_SECONDS))
        self.repo.meetings.enqueue(actor.tenant_id, meeting, Purpose.MEETING_PREP, event.id, batch, now, prep_due)
        self.repo.meetings.enqueue(
            actor.tenant_id, meeting, Purpose.MEETING_RECAP, event.id, batch, now, meeting.ends_at
        )
        self.changes.deliveries.news = True
        if kind is EventKind.MEETING_SCHEDULED:
            said = _("Meeting scheduled: Outlook invited {n} people from your calendar.", n=len(plan.attendees))
        else:
            said = _("Meeting recorded on the timeline (set up in Teams: the invitations are Teams' to send).")
        return self.changes.changed(self.changes.touch(record), (event,), said)

    # --- the meeting on the card: reschedule, cancel -------------------------------------------

    def next_meeting(self, tenant_id: str, record_id: int) -> Meeting | None:
        return self.repo.meetings.next_of_record(tenant_id, record_id, self.clock())

    def own_meeting(self, actor: User, ref: str, meeting_id: str) -> tuple[Record, Meeting]:
        """A meeting of this record that the actor organises and that is still to come."""
        record = self.changes.get_record(actor, ref)
        meeting = self.repo.meetings.get(actor.tenant_id, int(meeting_id)) if meeting_id.isdigit() else None
        if (
            meeting is None
            or meeting.record_id != record.id
            or meeting.status not in (MeetingStatus.SCHEDULED, MeetingStatus.PLANNED)
        ):
            raise DomainError(_("That meeting is no longer on {ref}.", ref=record.ref))
        if meeting.organiser_id != actor.id:
            raise DomainError(_("Only its organiser can change this meeting."))
        return record, meeting

    def moved(self, actor: User, ref: str, meeting: Meeting, starts: datetime, ends: datetime) -> Change:
        """Moved in Graph (or, planned in Teams, here only): the new time on the timeline, its rows moved."""
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            tenant, now = actor.tenant_id, self.clock()
            start, end = format_time(starts), format_time(ends)
            self.repo.meetings.move(tenant, meeting.id, start, end, now)
            self.repo.meetings.reschedule_rows(
                tenant, meeting.id, Purpose.MEETING_PREP, max(now, shifted(start, -PREP_BEFORE_SECONDS)), now
            )
            self.repo.meetings.reschedule_rows(tenant, meeting.id, Purpose.MEETING_RECAP, end, now)
            event = self.changes.event(
                actor,
                record,
                EventKind.MEETING_RESCHEDULED,
                old=meeting.starts_at,
                new=start,
                detail=shorten(meeting.subject),
            )
            return self.changes.changed(
                self.changes.touch(record), (event,), _("Meeting moved; Outlook tells the attendees.")
            )

    def cancelled(self, actor: User, ref: str, meeting: Meeting) -> Change:
        with self.work.writing():
            record = self.changes.editable(actor, ref)
            now = self.clock()
            if not self.repo.meetings.set_status(
                actor.tenant_id, meeting.id, MeetingStatus.CANCELLED, now, meeting.status
            ):
                raise DomainError(_("That meeting is no longer on {ref}.", ref=record.ref))
            self.repo.meetings.drop_rows(actor.tenant_id, meeting.id)
            event = self.changes.event(
                actor, record, EventKind.MEETING_CANCELLED, old=meeting.starts_at, new=shorten(meeting.subject)
            )
            return self.changes.changed(self.changes.touch(record), (event,), _("Meeting cancelled."))

    # --- "How did it go?" ----------------------------------------------------------------------

    def recap(self, actor: User, ref: str, meeting_id: str, notes: str, next_step: str, stage: str) -> Change:
        """The follow-up form, in one transaction: the notes as a comment, the next step, the stage."""
        with self.work.writing():
            record, _meeting = self.own_recap(actor, ref, meeting_id)
            change: Change | None = None
            events: list[Event] = []
            if notes.strip():
                change = self.records.comment(actor, ref, notes)
                events += change.events
            if next_step.strip() and next_step.strip() != (record.next_step or ""):
                change = self.details.set_detail(actor, ref, "next_step", next_step)
                events += change.events
            current = self.repo.records.get_record(actor.tenant_id, record.id) or record
            if stage and stage != current.stage:
                change = self.records.change_stage(actor, ref, stage)
                events += change.events
            if change is None:
                raise DomainError(_("Nothing to save: write some notes, a next step or pick a stage."), "notes")
            return Change(
                change.record,
                tuple(events),
                _("Thanks: the meeting's outcome is on {ref}.", ref=record.ref),
                change.view,
            )

    def own_recap(self, actor: User, ref: str, meeting_id: str) -> tuple[Record, Meeting]:
        record = self.changes.get_record(actor, ref)
        meeting = self.repo.meetings.get(actor.tenant_id, int(meeting_id)) if meeting_id.isdigit() else None
        if meeting is None or meeting.record_id != record.id or meeting.organiser_id != actor.id:
            raise DomainError(_("That meeting is no longer on {ref}.", ref=record.ref))
        return record, meeting

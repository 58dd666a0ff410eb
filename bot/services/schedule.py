"""When notifications reach a person: their time zone (from Teams), their working hours (rows due outside
them wait for the next start) and the daily digest (one message a day at that start, gathering every row
due to them). All of it is decided in the outbox's sender path, in short transactions, so a restart loses
and doubles nothing: a held row is a pending row with a later due time; a digest is one row."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.clock import format_time, parse_time
from bot.domain.delivery import Notification, NotificationView, Purpose
from bot.domain.hours import Schedule, WorkingHours, valid_zone, zone
from bot.domain.language import valid_tag
from bot.domain.models import Event, NotifyChoice, Record, User

if TYPE_CHECKING:
    from bot.services.outbox import Deliveries

# Kept at their own time: a reminder and a meeting's cards are due when they are due; the digest, the day's card and
# a quiet deal were made due at a working time already.
_ON_TIME = frozenset(
    {Purpose.DIGEST, Purpose.REMINDER, Purpose.MY_DAY, Purpose.QUIET, Purpose.MEETING_PREP, Purpose.MEETING_RECAP}
)
ZONES_REMEMBERED = 10_000  # people whose time zone (and locale) is known to be stored


class Schedules:
    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo
        self.queries = deliveries.repo.notices
        self._zones: dict[tuple[str, int], str] = {}
        self._locales: dict[tuple[str, int], str] = {}

    def note_locale(
        self, user: User, reported: str | None, stored: str | None = None, stored_read: bool = False
    ) -> str | None:
        """The person's language as Teams reports it on this activity (`clientInfo`), stored when it changed so
        that notifications, reminders and digests speak it; with none reported (or none that is a language
        tag), their latest. `stored`: what the database holds, when the caller read it with the person
        (`stored_read`); else remembered in the process, so a known person costs nothing."""
        found = valid_tag(reported)
        key = (user.tenant_id, user.id)
        if found is None:
            if stored_read:
                return stored
            return self._locales.get(key) or self.repo.people.locale_of(user.tenant_id, user.id)
        changed = stored != found if stored_read else self._locales.get(key) != found
        if changed:
            with self.repo.transaction():
                self.repo.people.set_locale(user.tenant_id, user.id, found)
        if len(self._locales) > ZONES_REMEMBERED:
            self._locales.clear()
        self._locales[key] = found
        return found

    def note_time_zone(self, user: User, name: str | None) -> None:
        """The person's time zone as Teams reports it on their activities; written only when it changed
        (remembered in the process, so a known person costs nothing)."""
        found = valid_zone(name)
        key = (user.tenant_id, user.id)
        if found is None or self._zones.get(key) == found:
            return
        with self.repo.transaction():
            self.queries.save_time_zone(user.tenant_id, user.id, found)
        if len(self._zones) > ZONES_REMEMBERED:
            self._zones.clear()
        self._zones[key] = found

    def of(self, tenant_id: str, user_id: int) -> Schedule:
        time_zone, stored, digest = self.queries.schedule_of(tenant_id, user_id)
        return Schedule(time_zone or "UTC", WorkingHours.from_stored(stored), digest)

    def set(self, user: User, hours: WorkingHours | None, digest: bool = False) -> None:
        """Working hours (None: at any time); a digest comes at their start (the default hours if none)."""
        hours = hours or (WorkingHours() if digest else None)
        with self.repo.transaction():
            self.queries.set_working_hours(user.tenant_id, user.id, hours.stored() if hours else None, digest)

    def held(self, notification: Notification) -> bool:
        """A due row waits for its recipient's working hours (moved to the next start), or, for someone
        who takes a digest, becomes part of the day's digest at that start. True when it is not sent now."""
        recipient_id = notification.recipient_id
        if notification.purpose in _ON_TIME or recipient_id is None:
            return False
        schedule = self.of(notification.tenant_id, recipient_id)
        if schedule.hours is None:
            return False
        now = self.deliveries.clock()
        where = zone(schedule.time_zone)
        until = schedule.hours.held_until(parse_time(now), where)
        if until is None and schedule.digest and not self._released(notification, schedule.hours, where):
            until = schedule.hours.next_start(parse_time(now), where)  # today's digest went: tomorrow's
        with self.repo.transaction():
            if until is not None:
                self.queries.hold(notification.tenant_id, notification.id, format_time(until), now)
            elif schedule.digest:
                batch = self.repo.transaction_id
                self.queries.gather_digest(notification.tenant_id, recipient_id, now, batch)
                self.deliveries.news = True
            else:
                return False
        return True

    @staticmethod
    def _released(notification: Notification, hours: WorkingHours, where: object) -> bool:
        """A row held until a start of the working day (its due time is that start) is released now."""
        due = parse_time(notification.due_at).astimezone(where)  # type: ignore[arg-type]
        return due.time().replace(microsecond=0) == hours.start and due.weekday() in hours.days

    def digest_view(self, notification: Notification) -> NotificationView | None:
        """The day's digest: every change it gathered, grouped by record (records the person may no
        longer follow included: they were due to them when gathered)."""
        tenant = notification.tenant_id
        if notification.recipient_id is None:
            return None
        recipient = self.repo.people.get_user(tenant, notification.recipient_id)
        if recipient is None:
            return None
        by_record: dict[int, list[int]] = {}
        for record_id, event_id in self.queries.events_by_id(tenant, notification.event_ids):
            by_record.setdefault(record_id, []).append(event_id)
        groups: list[tuple[Record, tuple[Event, ...]]] = []
        for record_id, ids in by_record.items():
            record = self.repo.records.get_record(tenant, record_id)
            if record is not None and self.deliveries.may_see(recipient, record):  # lost access: told no more
                groups.append((record, tuple(self.repo.records.events(tenant, record_id, tuple(ids)))))
        if not groups:
            return None
        events = tuple(e for _, evs in groups for e in evs)
        return NotificationView(notification, groups[0][0], recipient, events, NotifyChoice.ALL, True, tuple(groups))

"""Notifications that are not a change told to a follower. Following is not news: the owner hears who
started or stopped following at most once a day (one row collects them), a person added by someone else
is told once, and nobody else hears of it. An @mention in a comment tells the colleague even when they do
not follow. Every row is written in the change's own transaction, like the followers' rows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.clock import shifted
from bot.domain.delivery import Notification, NotificationView, Purpose
from bot.domain.language import N_
from bot.domain.models import Event, EventKind, FollowFor, NotifyChoice, Record, User

if TYPE_CHECKING:
    from bot.services.outbox import Deliveries

FOLLOWS_EVERY_SECONDS = 24 * 3600  # the owner hears who follows at most once a day per record
DAY = 24 * 3600
SWEEP = 100  # lapsed follows ended per pass of the sender's timer


class Notices:
    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo
        self.queries = deliveries.repo.notices

    def following_changed(self, actor: User, record: Record, event: Event, who: User, follows: bool) -> None:
        """`who` started (`follows`) or stopped following; `actor` made it happen."""
        now = self.deliveries.clock()
        soon = shifted(now, self.deliveries.window_seconds)
        if follows and who.id != actor.id:
            self._enqueue(record, who.id, actor.id, event, Purpose.ADDED, now, soon)
        owner = record.owner_id
        if owner in (actor.id, who.id):
            return
        if self.repo.outbox.follower_choice(record.tenant_id, record.id, owner) is not NotifyChoice.ALL:
            return  # an owner who narrowed what they hear (or stopped following) does not want this
        last = self.queries.last_due(record.tenant_id, record.id, owner, Purpose.FOLLOWS)
        due = max(soon, shifted(last, FOLLOWS_EVERY_SECONDS)) if last else soon
        self._enqueue(record, owner, None, event, Purpose.FOLLOWS, now, due)

    def mentioned(self, actor: User, record: Record, event: Event, people: tuple[User, ...]) -> None:
        """The colleagues @mentioned in a comment; a follower who hears of comments anyway gets that one."""
        now = self.deliveries.clock()
        soon = shifted(now, self.deliveries.window_seconds)
        for person in dict.fromkeys(people):
            if person.id == actor.id or person.tenant_id != actor.tenant_id:
                continue
            choice = self.repo.outbox.follower_choice(record.tenant_id, record.id, person.id)
            if choice is not None and choice.wants(EventKind.COMMENTED):
                continue
            self._enqueue(record, person.id, actor.id, event, Purpose.MENTION, now, soon)

    # --- follows that end ----------------------------------------------------------------------

    def follow_ends(self, record: Record, who: User, follow_for: FollowFor) -> None:
        """Until the deal closes, or for some days from now."""
        days = follow_for.days
        ends_at = shifted(self.deliveries.clock(), days * DAY) if days else None
        self.queries.set_follow_end(record.tenant_id, record.id, who.id, ends_at, ends_on_close=days is None)

    def deal_closed(self, actor: User, record: Record, stage: str, closing: Event) -> int:
        """The deal closed: its "until closed" follows end. Each such follower's message about the closing
        becomes their last one (saying the follow ended); one who did not want it gets just that."""
        now = self.deliveries.clock()
        ended = 0
        for user_id in self.queries.ending_on_close(record.tenant_id, record.id):
            who = self.repo.people.get_user(record.tenant_id, user_id)
            if who is None or closing.id is None:
                continue
            event = self._ended(record, who, f"{record.ref} closed ({stage})", now)
            ended += 1
            if who.id == actor.id or event.id is None:
                continue  # the person closing it sees it on their card
            if not self.queries.make_last(record.tenant_id, record.id, who.id, closing.id, event.id, now):
                self._enqueue(record, who.id, actor.id, event, Purpose.LAPSED, now, now)
        return ended

    def end_lapsed(self) -> int:
        """Follows whose days ran out end, each in its own transaction, and each person is told once."""
        now = self.deliveries.clock()
        ended = 0
        for tenant_id, record_id, user_id in self.queries.lapsed_follows(now, SWEEP):
            if not self.deliveries.owns(tenant_id):
                continue  # another replica sends for this tenant
            with self.repo.transaction():
                record = self.repo.records.get_record(tenant_id, record_id)
                who = self.repo.people.get_user(tenant_id, user_id)
                if record is None or who is None:
                    continue
                if not self.queries.end_lapsed_follow(tenant_id, record_id, user_id, now):
                    continue  # unfollowed, renewed, or ended by another replica meanwhile
                event = self._event_ended(record, who, N_("its days ran out"), now)
                self._enqueue(record, who.id, None, event, Purpose.LAPSED, now, now)
                self.following_changed(who, record, event, who, follows=False)
                ended += 1
        return ended

    def _ended(self, record: Record, who: User, why: str, now: str) -> Event:
        self.repo.follows.remove_follower(record.tenant_id, record.id, who.id)
        return self._event_ended(record, who, why, now)

    def _event_ended(self, record: Record, who: User, why: str, now: str) -> Event:
        ended = Event(record.id, who.id, EventKind.FOLLOWER_REMOVED, now, who.name, None, why, who.name)
        return self.repo.records.add_event(record.tenant_id, ended)

    def _enqueue(
        self,
        record: Record,
        recipient_id: int,
        actor_id: int | None,
        event: Event,
        purpose: Purpose,
        now: str,
        due: str,
    ) -> None:
        if event.id is None:
            raise ValueError("an event is stored before it is told")
        batch = self.repo.transaction_id
        self.queries.enqueue(record.tenant_id, record.id, recipient_id, actor_id, event.id, purpose, batch, now, due)
        self.deliveries.noted(record.tenant_id)

    def view(self, notification: Notification) -> NotificationView | None:
        """What the card shows, or None when it no longer applies (the owner changed, an added person
        unfollowed before it went out, someone whose follow ended follows again)."""
        tenant = notification.tenant_id
        if notification.record_id is None or notification.recipient_id is None:
            return None
        record = self.repo.records.get_record(tenant, notification.record_id)
        recipient = self.repo.people.get_user(tenant, notification.recipient_id)
        if record is None or recipient is None or not self.deliveries.may_see(recipient, record):
            return None  # gone, or the recipient may no longer see it: told no more
        choice = self.repo.outbox.follower_choice(tenant, record.id, recipient.id)
        purpose = notification.purpose
        if purpose is Purpose.FOLLOWS and (record.owner_id != recipient.id or choice is not NotifyChoice.ALL):
            return None
        if (purpose is Purpose.ADDED and choice is None) or (purpose is Purpose.LAPSED and choice is not None):
            return None
        events = tuple(self.repo.records.events(tenant, record.id, notification.event_ids))
        if not events:
            return None
        return NotificationView(
            notification, record, recipient, events, choice or NotifyChoice.ALL, following=choice is not None
        )

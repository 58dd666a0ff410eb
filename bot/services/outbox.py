"""The outbox's use cases, free of Teams types: what a change enqueues (in its own transaction), what the
sender reads, views, claims and records, and what people see and send again. The words are those of the
glossary in bot/notify/__init__.py."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeAlias, TypeVar

from bot.domain.clock import parse_time, shifted
from bot.domain.delivery import (
    ChannelPostView,
    DeliverTo,
    DeliveryStatus,
    Notification,
    NotificationView,
    Purpose,
    Target,
)
from bot.domain.errors import DomainError, NotFound
from bot.domain.language import N_, _, translated
from bot.domain.models import Event, Follower, Record, User, Visibility
from bot.domain.visibility import Reader
from bot.services.meeting_notices import MeetingNotices
from bot.services.notices import Notices
from bot.services.reminders import MyDay, QuietDeals, Reminders
from bot.services.schedule import Schedules
from bot.services.weekly import WeeklyPosts
from storage.outbox import CHAT, FEED
from storage.repository import Repository

MAX_ERROR = 300
LEASE_SECONDS = 60  # due rows read ahead stay this sender's while it lives (renewed on every read)
TAKE_AFTER_SECONDS = 1.0  # a tenant nobody sends for, whose rows another replica enqueued: taken after this
T = TypeVar("T")
View: TypeAlias = NotificationView | ChannelPostView  # what the sender sends for a row: its card's content
INTERRUPTED = "interrupted while {doing} (the bot stopped); it may or may not have arrived"

# A notification's status as a sentence names it (shown through `translated`).
_STATUS_NAMES = {"pending": N_("pending"), "sending": N_("being sent"), "sent": N_("sent"), "failed": N_("failed")}


class Ownership(Protocol):
    """Which replica sends for a tenant (storage/postgres.py `Coordination`); absent with SQLite,
    where one process sends for every tenant."""

    owned: set[str]

    async def own(self, tenant_id: str) -> bool: ...

    def used(self, tenant_id: str) -> None:
        """This replica sends for the tenant now (an owned tenant not used for a while is handed back)."""

    async def hand_back_idle(self, busy: set[str]) -> list[str]: ...


class Deliveries:
    """The outbox for one database. `clock` returns ISO UTC stamps like services.utc_now. `views`: each
    purpose's view, what a row shows when it is sent (None: it is not sent, and goes)."""

    def __init__(
        self, repo: Repository, clock: Callable[[], str], window_seconds: int = 0, ownership: Ownership | None = None
    ) -> None:
        self.repo = repo
        self.queries = repo.outbox
        self.clock = clock
        self.window_seconds = window_seconds
        self.news = False  # rows were enqueued since the sender last looked (a hint: the sender also polls)
        self.ownership = ownership
        self.feed_tenant: str | None = None  # Graph's organisation: its people may choose the activity feed
        self.notices = Notices(self)  # rows that tell something else than a change to a follower
        self.schedules = Schedules(self)  # working hours and the daily digest
        self.weekly = WeeklyPosts(self)  # the pipeline card posted to team channels on Mondays
        self.reminders = Reminders(self)  # tasks' reminders and the note to a colleague given a task
        self.my_day = MyDay(self)  # the day's card of overdue and today's tasks
        self.quiet = QuietDeals(self)  # the owner told of a deal gone quiet
        self.meetings = MeetingNotices(self)  # a meeting's prep card and "How did it go?" to its organiser
        self.views: dict[Purpose, Callable[[Notification, bool], View | None]] = {
            Purpose.CHANGE: self._change_view,
            Purpose.FOLLOWS: lambda n, _: self.notices.view(n),
            Purpose.ADDED: lambda n, _: self.notices.view(n),
            Purpose.MENTION: lambda n, _: self.notices.view(n),
            Purpose.LAPSED: lambda n, _: self.notices.view(n),
            Purpose.DIGEST: lambda n, _: self.schedules.digest_view(n),
            Purpose.WEEKLY: lambda n, _: self.weekly.view(n),
            Purpose.REMINDER: lambda n, _: self.reminders.view(n),
            Purpose.ASSIGNED: lambda n, _: self.reminders.view(n),
            Purpose.MY_DAY: lambda n, _: self.my_day.view(n),
            Purpose.QUIET: lambda n, _: self.quiet.view(n),
            Purpose.MEETING_PREP: lambda n, _: self.meetings.view(n),
            Purpose.MEETING_RECAP: lambda n, _: self.meetings.view(n),
        }
        self._held: set[int] = set()  # rows `view` just moved to their recipient's working hours
        self.replica = uuid.uuid4().hex[:12]  # names this process's leases
        self._taken_over: set[str] = set()
        # Replicas: tenants whose rows this replica's turns enqueued (when), and since when a sender saw
        # others' rows due with nobody sending for them (see `own`).
        self._enqueued_here: dict[str, float] = {}
        self._unowned_since: dict[str, float] = {}
        self.monotonic: Callable[[], float] = time.monotonic
        self.is_admin: Callable[[User], bool] = lambda _user: False  # CrmService gives UserCases.is_admin

    def may_see(self, user: User, record: Record) -> bool:
        """Whether the recipient may (still) see the record: someone who lost access is told no more."""
        if not record.restricted or record.owner_id == user.id:
            return True
        team = record.team_id if record.visibility is Visibility.TEAM else None
        return self.repo.visibility.may_see(record.tenant_id, record.id, team, user.id) or self.is_admin(user)

    def reader(self, user: User) -> Reader:
        """The recipient's eyes for a list in a notification (their tasks of the day): what they may see."""
        return Reader.person(user, self.is_admin(user))

    def run(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        """Storage work from the event loop (a worker thread for PostgreSQL)."""
        return self.repo.run(fn, *args)

    # --- replicas: one sender per tenant -----------------------------------------------------

    async def own(self, tenant_id: str, at_once: bool = False) -> tuple[bool, bool]:
        """Whether this replica sends for the tenant, and whether it has just taken it over. A tenant nobody
        sends for goes to the replica whose turn enqueued its rows (so tenants follow the load balancer and
        spread over the replicas): another replica takes it only once it has seen the tenant's rows waiting
        for `TAKE_AFTER_SECONDS` (their sender is gone), or `at_once` (a card update of this replica's own
        turn)."""
        if self.ownership is None:
            return True, False
        if tenant_id in self.ownership.owned:
            self.ownership.used(tenant_id)
            return True, False
        now = self.monotonic()
        # Rows this replica enqueued are due within the merge window; later, another replica sent them.
        here = now - self._enqueued_here.get(tenant_id, -math.inf) <= self.window_seconds + TAKE_AFTER_SECONDS * 5
        if not at_once and not here:
            since = self._unowned_since.setdefault(tenant_id, now)
            if now - since < TAKE_AFTER_SECONDS:
                return False, False
        taken = await self.ownership.own(tenant_id)
        self._enqueued_here.pop(tenant_id, None)  # taken, or another replica sends for it
        if taken:
            self._unowned_since.pop(tenant_id, None)
            self._taken_over.add(tenant_id)
        return taken, taken

    def owns(self, tenant_id: str) -> bool:
        if self.ownership is None:
            return True
        if tenant_id in self.ownership.owned:
            self.ownership.used(tenant_id)
            return True
        return False

    def recent_sends(self, tenant_id: str, seconds: float) -> list[tuple[str, float]]:
        """The tenant's sends of the last `seconds`, whichever replica made them: (conversation, seconds ago)."""
        now = self.clock()
        at = parse_time(now)
        found = self.queries.recent_sends(tenant_id, shifted(now, -seconds))
        return [(conversation_id, (at - parse_time(stamp)).total_seconds()) for conversation_id, stamp in found]

    async def hand_back_idle(self, busy: set[str]) -> list[str]:
        """Hand back the tenants this replica owns but has not sent for lately (and holds nothing of), so
        that the tenants spread over the replicas again after a restart (see storage/postgres.py)."""
        return [] if self.ownership is None else await self.ownership.hand_back_idle(busy)

    # --- called by the services, inside the change's transaction ------------------------------

    def enqueue(self, actor: User, record: Record, event: Event, followers: Sequence[Follower] | None = None) -> None:
        """Coalescing rule: one open row per (record, actor, recipient). The first change opens it and
        fixes its due time (now + window); later changes by the same actor on the same record join it
        while it is still pending and not yet due. The events of one change always share a row.
        `followers`: every follower of the record, read in this transaction: when none of them but the actor
        wants this kind of event (the common case), nothing is asked of the outbox."""
        if not self.repo.in_transaction():
            raise RuntimeError("notifications are enqueued in the change's transaction")
        if followers is not None and not any(f.user.id != actor.id and f.notify.wants(event.kind) for f in followers):
            return
        now = self.clock()
        due = shifted(now, self.window_seconds)
        if self.queries.enqueue(actor.tenant_id, record.id, actor.id, event, self.repo.transaction_id, now, due):
            self.noted(actor.tenant_id)

    def enqueue_to(self, recipient_id: int, actor: User, record: Record, event: Event) -> None:
        """One follower only (the owner's reminder), whoever acted; the same window and transaction rules."""
        if not self.repo.in_transaction():
            raise RuntimeError("notifications are enqueued in the change's transaction")
        now = self.clock()
        due = shifted(now, self.window_seconds)
        batch = self.repo.transaction_id
        if self.queries.enqueue_to(actor.tenant_id, record.id, actor.id, recipient_id, event, batch, now, due):
            self.noted(actor.tenant_id)

    def noted(self, tenant_id: str) -> None:
        """This replica's turn enqueued rows of the tenant (committed with the change)."""
        self.news = True
        self._enqueued_here[tenant_id] = self.monotonic()

    def take_news(self) -> bool:
        """Whether anything was enqueued since the last call (the sender is woken only then)."""
        news, self.news = self.news, False
        return news

    # --- the sender ----------------------------------------------------------------------------

    def due_tenants(self) -> list[str]:
        due = self.queries.due_tenants(self.clock())
        for tenant_id in self._unowned_since.keys() - set(due):  # sent meanwhile: a later wait starts afresh
            del self._unowned_since[tenant_id]
        return due

    def lanes(self, tenant_id: str) -> tuple[str | None, ...]:
        """The tenant's lanes, its rows as the sender reads them: chat (Teams' budget: 1:1 chats and team
        channels) and the activity feed (Graph's) wait for different budgets, so each has places of its own;
        (None,): all rows in one lane, where the feed is not offered."""
        return (CHAT, FEED) if self.feed_tenant == tenant_id else (None,)

    def due(self, tenant_id: str, limit: int, lane: str | None = None) -> list[Notification]:
        now = self.clock()
        if self.ownership is None:
            return self.queries.due(tenant_id, now, limit, lane=lane)
        take_over = tenant_id in self._taken_over  # the previous sender is gone: its leases with it
        self._taken_over.discard(tenant_id)
        with self.repo.transaction():
            return self.queries.due(
                tenant_id, now, limit, self.replica, shifted(now, LEASE_SECONDS), take_over=take_over, lane=lane
            )

    def seconds_until_next(self) -> float | None:
        stamp = self.queries.next_attempt_at()
        if stamp is None:
            return None
        return max(0.0, (parse_time(stamp) - parse_time(self.clock())).total_seconds())

    def view(self, notification: Notification, only_wanted: bool = True) -> View | None:
        """What the card shows (its purpose's view), or None when it is not to be sent: the recipient no
        longer wants it (unfollowed, muted), the channel's weekly post was stopped, or it waits for the
        recipient's working hours (then `drop` leaves it: it was moved to their next start)."""
        person = notification.target is Target.PERSON
        if person and only_wanted and self.schedules.held(notification):  # the sender's read, not a click's
            self._held.add(notification.id)
            return None
        return self.views[notification.purpose](notification, only_wanted)

    def _change_view(self, notification: Notification, only_wanted: bool) -> NotificationView | None:
        """Changes to a record its recipient follows: those they still want (all of them for a click), while
        they may still see it (someone who lost access is told no more)."""
        tenant, record_id, recipient_id = notification.tenant_id, notification.record_id, notification.recipient_id
        if record_id is None or recipient_id is None:
            return None
        record = self.repo.records.get_record(tenant, record_id)
        recipient = self.repo.people.get_user(tenant, recipient_id)
        choice = self.queries.follower_choice(tenant, record_id, recipient_id)
        if record is None or recipient is None or choice is None or not self.may_see(recipient, record):
            return None
        events = tuple(
            e
            for e in self.repo.records.events(tenant, record.id, notification.event_ids)
            if choice.wants(e.kind) or not only_wanted
        )
        if not events:
            return None
        where = self.queries.follower_delivery(tenant, record.id, recipient.id) or DeliverTo.CHAT.value
        offered = self.feed_tenant == tenant
        return NotificationView(
            notification, record, recipient, events, choice, deliver_to=DeliverTo(where), feed_offered=offered
        )

    def drop(self, notification: Notification) -> None:
        if notification.id in self._held:  # held for the recipient's working hours or digest, not dropped
            self._held.discard(notification.id)
            return
        with self.repo.transaction():
            self.queries.drop(notification.tenant_id, notification.id)

    def claim(self, notification: Notification, leeway: float = 0.0) -> bool:
        """pending -> sending; `leeway` seconds early at most (a retry whose wait its task kept)."""
        now = self.clock()
        with self.repo.transaction():
            return self.queries.claim(notification.tenant_id, notification.id, now, shifted(now, leeway))

    def sent(self, notification: Notification, activity_id: str | None) -> None:
        with self.repo.transaction():
            self.queries.mark_sent(notification.tenant_id, notification.id, activity_id, self.clock())

    def retry_later(self, notification: Notification, seconds: float, error: str) -> None:
        now = self.clock()
        with self.repo.transaction():
            self.queries.mark_retry(
                notification.tenant_id, notification.id, shifted(now, seconds), error[:MAX_ERROR], now
            )

    def failed(self, notification: Notification, error: str, count_attempt: bool = True) -> None:
        with self.repo.transaction():
            self.queries.mark_failed(
                notification.tenant_id, notification.id, error[:MAX_ERROR], self.clock(), count_attempt
            )

    def fail_interrupted(self, older_than_seconds: float) -> int:
        """Rows left 'sending' by a bot that stopped mid-call: the message may or may not have arrived.
        They become failed (visible, retryable by the record's owner or the weekly post's setter), never
        resent on their own."""
        cutoff = shifted(self.clock(), -older_than_seconds)
        stale = self.queries.stale_in_flight(cutoff)
        if not stale:
            return 0
        with self.repo.transaction():
            for tenant_id, notification_id, target in stale:
                reason = INTERRUPTED.format(doing=target.doing)
                self.queries.mark_failed(tenant_id, notification_id, reason, self.clock(), count_attempt=False)
        return len(stale)

    def end_lapsed_follows(self) -> int:
        """Follows whose days ran out end; each person is told once (the sender's timer calls this)."""
        return self.notices.end_lapsed()

    def conversation_of(self, user: User) -> dict[str, str] | None:
        """The user's 1:1 chat with the bot, as stored when they wrote to it or the sender created it."""
        return self.repo.people.personal_conversation(user.tenant_id, user.id)

    def save_conversation(self, user: User, conversation_id: str, service_url: str, bot_id: str, bot_name: str) -> None:
        with self.repo.transaction():
            self.repo.people.store_personal_conversation(
                user.tenant_id, user.id, conversation_id, service_url, bot_id, bot_name, self.clock()
            )

    def tenant_service_url(self, tenant_id: str) -> str | None:
        return self.repo.people.tenant_service_url(tenant_id)

    def bot_account(self, tenant_id: str) -> tuple[str, str] | None:
        return self.queries.bot_account(tenant_id)

    # --- people --------------------------------------------------------------------------------

    def counts(self, tenant_id: str) -> dict[DeliveryStatus, int]:
        return self.queries.counts(tenant_id)

    def failed_on_my_records(self, user: User, limit: int = 10) -> list[Notification]:
        return self.queries.failed_on_records_of(user.tenant_id, user.id, limit)

    def for_recipient(self, user: User, notification_id: int) -> NotificationView | None:
        found = self.queries.get(user.tenant_id, notification_id)
        if found is None or found.recipient_id is None or found.recipient_id != user.id:
            return None
        shown = self.view(found, only_wanted=False)
        return shown if isinstance(shown, NotificationView) else None

    def latest_post(self, tenant_id: str, purpose: Purpose, channel_id: str) -> Notification | None:
        """A channel's row of one purpose for its latest occasion (how the last weekly post went)."""
        return self.queries.latest_post(tenant_id, purpose, channel_id)

    def retry(self, user: User, notification_id: int) -> Notification:
        """A failed notification sent again: by the owner of the record it is about, or, posted to a team
        channel, by the person who set the channel's weekly post up."""
        with self.repo.transaction():
            found = self.queries.get(user.tenant_id, notification_id)
            if found is not None and found.target is Target.CHANNEL:
                self.weekly.may_send_again(user, found)
            else:
                record_id = found.record_id if found else None
                record = self.repo.records.get_record(user.tenant_id, record_id) if record_id is not None else None
                if found is None or record is None or not self.may_see(user, record):
                    raise NotFound(_("That notification no longer exists."))
                if record.owner_id != user.id:
                    raise DomainError(_("Only the owner of {ref} can send its notifications again.", ref=record.ref))
            if found.status is not DeliveryStatus.FAILED:
                raise DomainError(
                    _(
                        "That notification to {name} is {status}, not failed.",
                        name=found.audience,
                        status=translated(_STATUS_NAMES[found.status.value]),
                    )
                )
            self.queries.retry_failed(user.tenant_id, notification_id, self.clock())
        return found

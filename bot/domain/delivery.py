"""What the bot delivers outside a turn: the outbox's rows (notifications to people, posts to team channels)
and the posted cards it keeps up to date. Rows the outbox and the card updater work on; no I/O here. The
words are those of the glossary in bot/notify/__init__.py."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain.language import N_, _, current, translated
from bot.domain.meetings import Meeting
from bot.domain.models import Event, NotifyChoice, Record, RecordView, User
from bot.domain.pipeline import Pipeline
from bot.domain.tasks import Task


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # committed just before the HTTP call; see bot/notify/sender.py
    SENT = "sent"
    FAILED = "failed"


class Purpose(enum.StrEnum):
    """What a notification tells (notifications.purpose). A new purpose is a value here and a view
    (bot/services/outbox.py `Deliveries.views`; its card: cards/notifications.py)."""

    CHANGE = "change"  # changes to a record they follow
    FOLLOWS = "follows"  # to the owner, at most once a day: who started or stopped following
    ADDED = "added"  # someone else made them a follower
    MENTION = "mention"  # @mentioned in a comment, follower or not
    LAPSED = "lapsed"  # their follow ended (its time ran out, or the deal closed)
    DIGEST = "digest"  # once a day at the start of their working hours: everything else due to them
    WEEKLY = "weekly"  # to a team channel, on Mondays at 09:00: the team's pipeline card
    REMINDER = "reminder"  # to a task's assignee, at its due time less its lead time (occasion "<task id>@<due>")
    ASSIGNED = "assigned"  # to a colleague someone else gave a task, once
    MY_DAY = "my_day"  # at the start of a working day with overdue or today's tasks, once a day (occasion the day)
    QUIET = "quiet"  # to a deal's owner, once per quiet spell (occasion "<record id>@<last activity>")
    MEETING_PREP = "meeting_prep"  # to a meeting's organiser, an hour before it: the deal at a glance
    MEETING_RECAP = "meeting_recap"  # to its organiser once it ended: "How did it go?" (notes, next step, stage)


class Target(enum.StrEnum):
    """Where a notification goes (notifications.target)."""

    PERSON = "person"  # a person's 1:1 chat, or their activity feed (as their follow of the record says)
    CHANNEL = "channel"  # a new post in a team channel (notifications.channel_id)

    @property
    def doing(self) -> str:
        """The word for its delivery in what people read ("interrupted while posting ...")."""
        return "posting" if self is Target.CHANNEL else "sending"


@dataclass(frozen=True)
class Notification:
    """One pending or past outgoing message: to one person about one or more events on a record (target
    PERSON), or one post to a team channel for an occasion (target CHANNEL: no record, no recipient)."""

    id: int
    tenant_id: str
    record_id: int | None
    recipient_id: int | None
    actor_id: int | None
    event_ids: tuple[int, ...]
    status: DeliveryStatus
    attempts: int
    due_at: str
    next_attempt_at: str
    last_error: str | None = None
    record_ref: str = ""
    recipient_name: str = ""
    purpose: Purpose = Purpose.CHANGE
    recipient_locale: str | None = None  # their latest locale (Teams' clientInfo): the language it is built in
    target: Target = Target.PERSON
    channel_id: str | None = None  # target CHANNEL: the channel's conversation id
    occasion: str | None = None  # what it is sent once for (a weekly post: the local date of its Monday)

    @property
    def subject(self) -> str:
        """What it is about, as the `notifications` card names it."""
        if self.target is Target.CHANNEL:
            if self.purpose is Purpose.WEEKLY:
                return _("Weekly pipeline, week of {week}", week=current().day(self.occasion))
            return str(self.purpose)
        return self.record_ref

    @property
    def audience(self) -> str:
        """Whom it is to, as the `notifications` card names them."""
        return _("the team channel") if self.target is Target.CHANNEL else self.recipient_name


class DeliverTo(enum.StrEnum):
    """Where a follower's notifications about one record arrive (the feed needs Microsoft Graph)."""

    CHAT = "chat"
    FEED = "feed"
    BOTH = "both"

    @property
    def label(self) -> str:
        """In the reader's language."""
        return translated(
            {
                DeliverTo.CHAT: N_("Chat message"),
                DeliverTo.FEED: N_("Teams activity feed"),
                DeliverTo.BOTH: N_("Chat message and activity feed"),
            }[self]
        )


@dataclass(frozen=True)
class NotificationView:
    """Everything the notification card shows to its recipient."""

    notification: Notification
    record: Record
    recipient: User
    events: tuple[Event, ...]
    choice: NotifyChoice
    following: bool = True  # a mention or a lapsed follow may reach someone who does not follow
    digest: tuple[tuple[Record, tuple[Event, ...]], ...] = ()  # a digest: the changes, grouped by record
    deliver_to: DeliverTo = DeliverTo.CHAT  # a change told to a follower: chat, activity feed or both
    feed_offered: bool = False  # Microsoft Graph is configured for the recipient's organisation
    task: Task | None = None  # a reminder or an assignment: the task, read when it is sent
    day_tasks: tuple[Task, ...] = ()  # the day's card: the overdue and today's tasks, read when it is sent
    quiet_days: int | None = None  # a quiet deal: days without activity
    now: str = ""  # when it was read (what is overdue)
    about: RecordView | None = None  # a meeting's prep card: the record's stage, value, people and latest comments
    meeting: Meeting | None = None  # a meeting's prep card or "How did it go?": which meeting

    @property
    def purpose(self) -> Purpose:
        return self.notification.purpose


@dataclass(frozen=True)
class ChannelPostView:
    """Everything a post to a team channel (target CHANNEL) needs: where it goes and what its card shows."""

    notification: Notification
    conversation_id: str
    service_url: str
    pipeline: Pipeline | None = None  # WEEKLY: the team's pipeline, "this quarter" as in the zone of who set it up
    locale: str | None = None  # the language it is posted in: that of the person who set it up

    @property
    def purpose(self) -> Purpose:
        return self.notification.purpose


@dataclass(frozen=True)
class CardPost:
    """Where a record card was posted: enough to update it in place later."""

    tenant_id: str
    record_id: int
    conversation_id: str
    activity_id: str
    service_url: str
    shared: bool
    viewer_id: int | None
    locale: str | None = None  # its viewer's (a shared card: its sharer's) latest locale: the card's language

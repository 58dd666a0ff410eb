"""What the bot delivers outside a turn: notifications to followers and the posted cards it keeps
up to date. Rows the outbox and the card updater work on; no I/O here."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.domain.language import N_, translated
from bot.domain.models import Event, NotifyChoice, Record, User


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # committed just before the HTTP call; see bot/notify/sender.py
    SENT = "sent"
    FAILED = "failed"


class Purpose(enum.StrEnum):
    """What a notification tells its recipient (notifications.purpose)."""

    CHANGE = "change"  # changes to a record they follow
    FOLLOWS = "follows"  # to the owner, at most once a day: who started or stopped following
    ADDED = "added"  # someone else made them a follower
    MENTION = "mention"  # @mentioned in a comment, follower or not
    LAPSED = "lapsed"  # their follow ended (its time ran out, or the deal closed)
    DIGEST = "digest"  # once a day at the start of their working hours: everything else due to them


@dataclass(frozen=True)
class Notification:
    """One pending or past message to one follower about one or more events on a record."""

    id: int
    tenant_id: str
    record_id: int
    recipient_id: int
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

"""Notifications in the Teams activity feed (Microsoft Graph sendActivityNotification, bot/graph.py) for the
followers who chose the feed, or the feed and a chat message: `FeedTransport` wraps the chat transport and,
per notification, posts to the feed, sends the chat card, or both. A burst on one record collapses in the
feed (chainId: the record's id). For "both" the feed goes first: a retry after a failed chat message posts
to the feed again, which lands in the same chain instead of a second entry.

Budgets: a feed notification is a Graph call, held to Graph's limits (bot/notify/rate_limits.py: per person
and per tenant), not to Teams'. A feed-only notification takes its tenant's turn at Graph's per-tenant budget
and nothing of Teams' (so chat messages and feed notifications flow side by side); one that also sends the
chat card needs both: Teams' tenant budget as its turn, Graph's as one more window to fit."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Protocol

from bot.domain.delivery import DeliverTo, NotificationView, Purpose
from bot.domain.language import _
from bot.domain.models import EventKind
from bot.notify.feed import FeedNotice, bot_chat_link, preview
from bot.notify.rate_limits import Keyed, RateLimiter, in_feed, in_feed_tenant, in_tenant
from bot.notify.sender import DeliveryError, Outgoing, Transport
from cards.notifications import notification_summary

ACTIVITY_OF: dict[EventKind, str] = {
    EventKind.STAGE_CHANGED: "stageChanged",
    EventKind.COMMENTED: "commented",
    EventKind.EMAIL_SENT: "emailSent",
    EventKind.CONVERTED: "converted",
    EventKind.CONTACT_SET: "contactChanged",
    EventKind.PARTICIPANT_ADDED: "participantAdded",
}


class FeedPoster(Protocol):
    async def send_activity_notification(self, notice: FeedNotice) -> None: ...


def feed_notice(view: NotificationView, bot_app_id: str) -> FeedNotice | None:
    """The feed entry for a change told to a follower; None when none of its events has a declared
    activity type (a value or date change: the chat message tells it instead)."""
    events = [e for e in view.events if e.kind in ACTIVITY_OF]
    if not events or not view.recipient.aad_object_id:
        return None
    last, record = events[-1], view.record
    actor = last.actor_name or _("Someone")  # the sender speaks the recipient's language here
    return FeedNotice(
        tenant_id=record.tenant_id,
        aad_object_id=view.recipient.aad_object_id,
        activity_type=ACTIVITY_OF[last.kind],
        topic=f"{record.ref} {record.title}",
        web_url=bot_chat_link(bot_app_id),
        preview=preview(f"{actor}: {notification_summary(view)}"),
        actor=actor,
        chain_id=record.id,
    )


@dataclass
class _FeedEntry:
    """bot/notify/sender.py's `Outgoing`: the feed entry, then the chat card when `chat` is given."""

    poster: FeedPoster
    notice: FeedNotice
    limiter: RateLimiter
    chat: Outgoing | None

    @property
    def conversation_id(self) -> str:
        return self.chat.conversation_id if self.chat is not None else f"feed:{self.notice.aad_object_id}"

    @property
    def also_limited(self) -> list[Keyed]:
        """The windows to fit besides the conversation's, without taking a turn at them."""
        person = in_feed(self.notice.tenant_id, self.notice.aad_object_id)
        return [person] if self.chat is None else [person, in_feed_tenant(self.notice.tenant_id)]

    @property
    def budget(self) -> Keyed:
        """The tenant budget whose turn this send takes: Graph's for the feed alone, Teams' with a chat card."""
        tenant = self.notice.tenant_id
        return in_feed_tenant(tenant) if self.chat is None else in_tenant(tenant)

    async def send(self) -> tuple[str | None, float]:
        key: Hashable = self.also_limited[0][0]
        try:
            await self.poster.send_activity_notification(self.notice)
        except Exception as exc:
            status, transient = getattr(exc, "status", None), getattr(exc, "transient", True)
            retry_after = getattr(exc, "retry_after", None)
            reason = f"activity feed: {str(exc) or type(exc).__name__}"
            raise DeliveryError(reason, bool(transient), retry_after, status=status, key=key) from exc
        if self.chat is not None:
            return await self.chat.send()
        return None, self.limiter.clock()


class FeedTransport:
    """bot/notify/sender.py's `Transport`: per the follower's choice, the chat card, the feed, or both."""

    def __init__(self, chat: Transport, poster: FeedPoster, bot_app_id: str, limiter: RateLimiter) -> None:
        self.chat = chat
        self.poster = poster
        self.bot_app_id = bot_app_id
        self.limiter = limiter

    async def prepare(self, view: NotificationView) -> Outgoing:
        told_where_they_chose = view.purpose in (Purpose.CHANGE, Purpose.REMINDER, Purpose.ASSIGNED)
        where = view.deliver_to if told_where_they_chose and view.feed_offered else DeliverTo.CHAT
        notice = feed_notice(view, self.bot_app_id) if where is not DeliverTo.CHAT else None
        if notice is None:
            return await self.chat.prepare(view)
        chat = await self.chat.prepare(view) if where is DeliverTo.BOTH else None
        return _FeedEntry(self.poster, notice, self.limiter, chat)

"""Timeline sentences: one line a person reads for each event, on the record card and in notifications."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bot.domain.models import Event, EventKind
from cards.common import plain


def describe(event: Event, literal: Callable[[str], str] = plain) -> str:
    """One line a person reads on the timeline; every name, comment and subject in it goes through
    `literal` (markdown-escaped for a card; `str` for plain text such as a notification's summary)."""
    event = _literally(event, literal)
    who = event.actor_name or "Someone"
    return {
        EventKind.CREATED: f"{who} created it",
        EventKind.CONTACT_SET: f"{who} set the Contact: {event.old or 'none'} → {event.new or 'none'}",
        EventKind.PARTICIPANT_ADDED: f"{who} added participant {event.new}",
        EventKind.PARTICIPANT_REMOVED: f"{who} removed participant {event.old}",
        EventKind.FOLLOWER_ADDED: (
            f"{who} started following" if event.new == event.actor_name else f"{who} added follower {event.new}"
        ),
        EventKind.FOLLOWER_REMOVED: (
            f"{who} stopped following" if event.old == event.actor_name else f"{who} removed follower {event.old}"
        ),
        EventKind.COMMENTED: f"{who} commented: {event.new}",
        EventKind.STAGE_CHANGED: f"{who} changed the stage: {event.old} → {event.new}",
        EventKind.CONVERTED: f"{who} converted {event.old} → {event.new}",
        EventKind.EMAIL_SENT: f"{who} emailed {event.detail or 'the Contact'}: “{event.new}”",
    }[event.kind]


def _literally(event: Event, literal: Callable[[str], str]) -> Event:
    def text(value: str | None) -> str | None:
        return literal(value) if value else value

    return replace(
        event, actor_name=text(event.actor_name), old=text(event.old), new=text(event.new), detail=text(event.detail)
    )

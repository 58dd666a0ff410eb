"""Timeline sentences: one line a person reads for each event, on the record card and in notifications."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.models import Event, EventKind
from cards.common import plain


def describe(event: Event) -> str:
    """One line a person reads on the timeline."""
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
            f"{who}'s follow ended: {event.detail}"
            if event.detail
            else f"{who} stopped following"
            if event.old == event.actor_name
            else f"{who} removed follower {event.old}"
        ),
        EventKind.COMMENTED: f"{who} commented: {event.new}",
        EventKind.STAGE_CHANGED: f"{who} changed the stage: {event.old} → {event.new}",
        EventKind.CONVERTED: f"{who} converted {event.old} → {event.new}",
        EventKind.EMAIL_SENT: f"{who} emailed {event.detail or 'the Contact'}: “{event.new}”",
    }[event.kind]


def literal(event: Event) -> str:
    """The sentence with every user-typed part (names, comment, title) shown as typed, not as markdown."""
    return describe(
        replace(
            event,
            actor_name=plain(event.actor_name) if event.actor_name else None,
            old=plain(event.old) if event.old else event.old,
            new=plain(event.new) if event.new else event.new,
            detail=plain(event.detail) if event.detail else event.detail,
        )
    )

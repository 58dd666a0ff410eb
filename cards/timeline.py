"""Timeline sentences: one line a person reads for each event, on the record card and in notifications."""

from __future__ import annotations

from dataclasses import replace

from bot.domain.models import Event, EventKind
from cards.common import plain


def describe(event: Event) -> str:
    """One line a person reads on the timeline."""
    who = event.actor_name or "Someone"
    kind, old, new = event.kind, event.old, event.new
    if kind is EventKind.CREATED:
        return f"{who} created it"
    if kind is EventKind.CONTACT_SET:
        return f"{who} set the Contact: {old or 'none'} → {new or 'none'}"
    if kind is EventKind.PARTICIPANT_ADDED:
        return f"{who} added participant {new}"
    if kind is EventKind.PARTICIPANT_REMOVED:
        return f"{who} removed participant {old}"
    if kind is EventKind.FOLLOWER_ADDED:
        return f"{who} started following" if new == event.actor_name else f"{who} added follower {new}"
    if kind is EventKind.FOLLOWER_REMOVED:
        if event.detail:  # the follow ended on its own (its days ran out, the deal closed)
            return f"{who}'s follow ended: {event.detail}"
        return f"{who} stopped following" if old == event.actor_name else f"{who} removed follower {old}"
    if kind is EventKind.COMMENTED:
        return f"{who} commented: {new}"
    if kind is EventKind.STAGE_CHANGED:
        return f"{who} changed the stage: {old} → {new}"
    if kind is EventKind.CONVERTED:
        return f"{who} converted {old} → {new}"
    if kind is EventKind.EMAIL_SENT:
        return f"{who} emailed {event.detail or 'the Contact'}: “{new}”"
    if kind is EventKind.BUYING_ROLE_SET:
        return f"{who} set the role of {event.detail}: {old or 'none'} → {new or 'none'}"
    if kind is EventKind.DECISION_MAKER_MISSING:
        return f"Reached {new} without a Decision maker or Economic buyer: who signs?"
    return f"{who} changed it"


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

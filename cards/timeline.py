"""Timeline sentences: one line a person reads for each event, on the record card and in notifications."""

from __future__ import annotations

import functools
from collections.abc import Callable

from bot.domain.language import _
from bot.domain.models import Event, EventKind
from cards.common import plain, when


def describe(event: Event, literal: Callable[[str], str] = plain) -> str:
    """One line a person reads on the timeline; every name, comment and subject in it goes through
    `literal` (markdown-escaped for a card; `str` for plain text such as a notification's summary)."""
    event = _literally(event, literal)
    who = event.actor_name or "Someone"
    kind, old, new = event.kind, event.old, event.new
    if kind is EventKind.CREATED:
        return f"{who} created it" + (f" {event.detail}" if event.detail else "")  # e.g. from a Teams message
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
    if kind is EventKind.TASK_ADDED:
        return _("{who} added next step {task}: {text}", who=who, task=event.detail or "", text=new or "")
    if kind is EventKind.TASK_DONE:
        note = f" ({old})" if old else ""
        return _("{who} did {task}: {text}", who=who, task=event.detail or "", text=new or "") + note
    if kind is EventKind.TASK_CHANGED:
        return _("{who} changed {task}: {old} → {new}", who=who, task=event.detail or "", old=old or "", new=new or "")
    if kind is EventKind.DECISION_MAKER_MISSING:
        return f"Reached {new} without a Decision maker or Economic buyer: who signs?"
    return _describe_deal(event, who) or f"{who} changed it"


def _describe_deal(event: Event, who: str) -> str | None:
    """A deal's details, owner, archive, and the contact list's upkeep."""
    kind, old, new = event.kind, event.old or "none", event.new or "none"
    if kind is EventKind.VALUE_CHANGED:
        return f"{who} changed the value: {old} → {new}"
    if kind is EventKind.CLOSE_DATE_CHANGED:
        return f"{who} changed the close date: {old} → {new}"
    if kind is EventKind.DETAIL_CHANGED:
        if event.detail == "description":
            return f"{who} edited the description"
        return f"{who} changed the {event.detail}: {old} → {new}"
    if kind is EventKind.OWNER_CHANGED:
        return f"{who} handed it over: {event.old or 'nobody'} → {new}"
    if kind is EventKind.CONTACT_MERGED:
        return f"{who} merged contacts: {old} → {new}"
    return {
        EventKind.ARCHIVED: f"{who} archived it",
        EventKind.RESTORED: f"{who} restored it",
        EventKind.CONTACT_ERASED: f"{who} erased a person's data on request (data protection)",
    }.get(kind)


def _literally(event: Event, literal: Callable[[str], str]) -> Event:
    def text(value: str | None) -> str | None:
        return literal(value) if value else value

    # Event(...) directly: dataclasses.replace costs several times more, once per timeline line.
    return Event(
        event.record_id, event.actor_id, event.kind, event.at, text(event.old), text(event.new),
        text(event.detail), text(event.actor_name), event.id,
    )  # fmt: skip


@functools.lru_cache(maxsize=1024)
def timeline_line(event: Event) -> str:
    """The card's line for an event, with its time for Teams to show in the reader's zone. Events never change
    once written (a renamed actor is another Event value), so a record's recent lines are built once, not on
    every click of its card."""
    return f"{describe(event)} · {when(event.at)}"


def literal(event: Event) -> str:
    """The sentence with every user-typed part shown as typed, not as markdown (what `describe` does)."""
    return describe(event)

"""Timeline sentences: one line a person reads for each event, on the record card and in notifications."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from bot.domain.language import _, current, day, translated
from bot.domain.models import Event, EventKind, stage_label
from bot.domain.money import shown_money
from cards.common import plain, when


def describe(event: Event, literal: Callable[[str], str] = plain) -> str:
    """One line a person reads on the timeline, in their language; every name, comment and subject in it goes
    through `literal` (markdown-escaped for a card; `str` for plain text such as a notification's summary).
    What the bot itself wrote into an event (a stage, a role, an amount, why a follow ended) is stored in
    English and shown the reader's way; what people typed is shown as typed."""
    raw = event
    event = _literally(event, literal)
    who = event.actor_name or _("Someone")
    kind, old, new = event.kind, event.old, event.new
    none = _("none")
    if kind is EventKind.CREATED:
        origin = _ORIGIN.fullmatch(raw.detail or "")
        if (
            origin
        ):  # created from a Teams message (bot/services/messages.py; "by <author>" before the sender was quoted)
            shown, link = origin.group(1) or origin.group(2), origin.group(3) or ""
            if shown is None:
                if link:
                    return _("{who} created it from a Teams message, sender not shown: {link}", who=who, link=link)
                return _("{who} created it from a Teams message, sender not shown", who=who)
            author = literal(shown)
            if link:
                return _(
                    "{who} created it from a Teams message, sender shown as “{author}”: {link}",
                    who=who, author=author, link=link,
                )  # fmt: skip
            return _("{who} created it from a Teams message, sender shown as “{author}”", who=who, author=author)
        return _("{who} created it", who=who)
    if kind is EventKind.CONTACT_SET:
        return _("{who} set the Contact: {old} → {new}", who=who, old=old or none, new=new or none)
    if kind is EventKind.PARTICIPANT_ADDED:
        return _("{who} added participant {name}", who=who, name=new)
    if kind is EventKind.PARTICIPANT_REMOVED:
        return _("{who} removed participant {name}", who=who, name=old)
    if kind is EventKind.FOLLOWER_ADDED:
        if new == event.actor_name:
            return _("{who} started following", who=who)
        return _("{who} added follower {name}", who=who, name=new)
    if kind is EventKind.FOLLOWER_REMOVED:
        if event.detail:  # the follow ended on its own (its days ran out, the deal closed)
            return _("{who}'s follow ended: {why}", who=who, why=why_ended(raw.detail or ""))
        if old == event.actor_name:
            return _("{who} stopped following", who=who)
        return _("{who} removed follower {name}", who=who, name=old)
    if kind is EventKind.COMMENTED:
        return _("{who} commented: {comment}", who=who, comment=new)
    if kind is EventKind.STAGE_CHANGED:
        return _("{who} changed the stage: {old} → {new}", who=who, old=stage_label(old), new=stage_label(new))
    if kind is EventKind.CONVERTED:
        return _("{who} converted {old} → {new}", who=who, old=old, new=new)
    if kind is EventKind.EMAIL_SENT:
        sent = _RECIPIENTS.fullmatch(raw.detail or "")  # `to a@x, b@y, cc c@z`, as bot/services/email.py stores it
        if sent and sent.group(2):
            to, cc = literal(sent.group(1)), literal(sent.group(2))
            return _("{who} emailed to {to}, cc {cc}: “{subject}”", who=who, to=to, cc=cc, subject=new)
        if sent:
            return _("{who} emailed to {to}: “{subject}”", who=who, to=literal(sent.group(1)), subject=new)
        return _("{who} emailed the Contact: “{subject}”", who=who, subject=new)
    if kind is EventKind.BUYING_ROLE_SET:
        roles = {"old": translated(old) if old else none, "new": translated(new) if new else none}
        return _("{who} set the role of {name}: {old} → {new}", who=who, name=event.detail, **roles)
    if kind in _MEETING_KINDS:
        return _meeting_line(raw, event, who)
    if kind is EventKind.DECISION_MAKER_MISSING:
        return _("Reached {stage} without a Decision maker or Economic buyer: who signs?", stage=stage_label(new))
    return _describe_deal(event, who) or _("{who} changed it", who=who)


_ORIGIN = re.compile(
    r"from a Teams message(?:, sender shown as “(.*?)”| by (.*?)|, sender not shown)(?:: (https://\S+))?", re.DOTALL
)
_RECIPIENTS = re.compile(r"to (.*?)(?:, cc (.*))?", re.DOTALL)
_CLOSED = re.compile(r"(\S+) closed \((\w+)\)")


_MEETING_KINDS = frozenset(
    {EventKind.MEETING_SCHEDULED, EventKind.MEETING_PLANNED, EventKind.MEETING_RESCHEDULED, EventKind.MEETING_CANCELLED}
)


def _meeting_line(raw: Event, event: Event, who: str) -> str:
    """bot/services/meetings.py stores the start (UTC) in `old`, the subject in `new`, who was invited in `detail`
    (a move: the new start in `new`, the subject in `detail`)."""
    at = when(raw.old or "")
    if raw.kind is EventKind.MEETING_SCHEDULED:
        return _(
            "{who} scheduled a Teams meeting “{subject}” for {at} with {people}",
            who=who,
            subject=event.new,
            at=at,
            people=event.detail,
        )
    if raw.kind is EventKind.MEETING_PLANNED:
        return _(
            "{who} set up a meeting “{subject}” in Teams for {at} with {people}",
            who=who,
            subject=event.new,
            at=at,
            people=event.detail,
        )
    if raw.kind is EventKind.MEETING_RESCHEDULED:
        return _(
            "{who} moved the meeting “{subject}”: {old} → {new}",
            who=who,
            subject=event.detail,
            old=at,
            new=when(raw.new or ""),
        )
    return _("{who} cancelled the meeting “{subject}” of {at}", who=who, subject=event.new, at=at)


def why_ended(detail: str) -> str:
    """Why a follow ended, as bot/services/notices.py wrote it (English), in the reader's language."""
    closed = _CLOSED.fullmatch(detail)
    if closed:
        return _("{ref} closed ({stage})", ref=closed.group(1), stage=stage_label(closed.group(2)))
    return translated(detail)


def _describe_deal(event: Event, who: str) -> str | None:
    """A deal's details, owner, archive, and the contact list's upkeep."""
    kind, old, new = event.kind, event.old or _("none"), event.new or _("none")
    if kind is EventKind.VALUE_CHANGED:
        old, new = shown_money(event.old) or _("none"), shown_money(event.new) or _("none")
        return _("{who} changed the value: {old} → {new}", who=who, old=old, new=new)
    if kind is EventKind.CLOSE_DATE_CHANGED:
        shown = {"old": day(event.old) or _("none"), "new": day(event.new) or _("none")}
        return _("{who} changed the close date: {old} → {new}", who=who, **shown)
    if kind is EventKind.DETAIL_CHANGED:
        if event.detail == "description":
            return _("{who} edited the description", who=who)
        sentence = _DETAIL_SENTENCES.get(event.detail or "")
        if sentence is None:
            return _("{who} changed the {detail}: {old} → {new}", who=who, detail=event.detail, old=old, new=new)
        return sentence(who, old, new)
    if kind is EventKind.OWNER_CHANGED:
        return _("{who} handed it over: {old} → {new}", who=who, old=event.old or _("nobody"), new=new)
    if kind is EventKind.CONTACT_MERGED:
        return _("{who} merged contacts: {old} → {new}", who=who, old=old, new=new)
    if kind is EventKind.ARCHIVED:
        return _("{who} archived it", who=who)
    if kind is EventKind.RESTORED:
        return _("{who} restored it", who=who)
    if kind is EventKind.CONTACT_ERASED:
        return _("{who} erased a person's data on request (data protection)", who=who)
    return None


# One sentence per detail (bot/services/details.py names them): each language words each field its own way.
_DETAIL_SENTENCES: dict[str, Callable[[str, str, str], str]] = {
    "title": lambda who, old, new: _("{who} changed the title: {old} → {new}", who=who, old=old, new=new),
    "company": lambda who, old, new: _("{who} changed the company: {old} → {new}", who=who, old=old, new=new),
    "next step": lambda who, old, new: _("{who} changed the next step: {old} → {new}", who=who, old=old, new=new),
}


def _literally(event: Event, literal: Callable[[str], str]) -> Event:
    def text(value: str | None) -> str | None:
        return literal(value) if value else value

    # Event(...) directly: dataclasses.replace costs several times more, once per timeline line.
    return Event(
        event.record_id, event.actor_id, event.kind, event.at, text(event.old), text(event.new),
        text(event.detail), text(event.actor_name), event.id,
    )  # fmt: skip


def timeline_line(event: Event) -> str:
    """The card's line for an event, with its time for Teams to show in the reader's zone. Events never change
    once written (a renamed actor is another Event value), so a record's recent lines are built once per
    language, not on every click of its card."""
    reader = current()
    return _line(event, reader.language, reader.locale)


@functools.lru_cache(maxsize=1024)
def _line(event: Event, language: str, locale: str) -> str:
    return f"{describe(event)} · {when(event.at)}"


def literal(event: Event) -> str:
    """The sentence with every user-typed part shown as typed, not as markdown (what `describe` does)."""
    return describe(event)

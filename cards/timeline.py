"""Timeline sentences: one line a person reads for each event, on the record card and in notifications."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from bot.domain.language import _, current, day, translated
from bot.domain.lost import stored_line
from bot.domain.models import Event, EventKind, Visibility, stage_label
from bot.domain.money import shown_money
from cards.common import plain, when
from cards.times import local_day


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
        if not old:
            return _("{who} set the Contact to {new}", who=who, new=new or none)
        if not new:
            return _("{who} removed the Contact {old}", who=who, old=old)
        return _("{who} changed the Contact: {old} → {new}", who=who, old=old, new=new)
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
        said = _("{who} changed the stage: {old} → {new}", who=who, old=stage_label(old), new=stage_label(new))
        return said + (" · " + _("reason: {reason}", reason=stored_line(event.detail)) if event.detail else "")
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
        if not old:
            return _("{who} set the role of {name} to {new}", who=who, name=event.detail, new=translated(new or ""))
        if not new:
            return _("{who} cleared the role of {name} ({old})", who=who, name=event.detail, old=translated(old))
        roles = {"old": translated(old), "new": translated(new)}
        return _("{who} changed the role of {name}: {old} → {new}", who=who, name=event.detail, **roles)
    if kind is EventKind.TASK_ADDED:
        return _("{who} added next step {task}: {text}", who=who, task=event.detail or "", text=new or "")
    if kind is EventKind.TASK_DONE:
        if old:
            return _("{who} did {task}: {text} ({note})", who=who, task=event.detail or "", text=new or "", note=old)
        return _("{who} did {task}: {text}", who=who, task=event.detail or "", text=new or "")
    if kind is EventKind.TASK_CHANGED:
        return _("{who} changed {task}: {old} → {new}", who=who, task=event.detail or "", old=old or "", new=new or "")
    if kind in _MEETING_KINDS:  # on a card a moment is Teams' DATE() TIME(), in the reader's zone; else UTC
        return _meeting_line(raw, event, who, when if literal is plain else _utc_moment)
    if kind is EventKind.DECISION_MAKER_MISSING:
        return _("Reached {stage} without a Decision maker or Economic buyer: who signs?", stage=stage_label(new))
    # On a card a day is Teams' DATE(), in the reader's format; in plain text (a summary line) the reader's own.
    shown_day = _card_day if literal is plain else day
    return _describe_deal(event, who, shown_day) or _describe_access(event, who) or _("{who} changed it", who=who)


def _said(visibility: str | None, team: str | None) -> str:
    if visibility == Visibility.PRIVATE.value:
        return _("private")
    if visibility == Visibility.TEAM.value:
        return _("visible to team {team}", team=team or "?")
    return _("visible to everyone")


def _describe_access(event: Event, who: str) -> str | None:
    """Who may see the record: its visibility, shares and their end."""
    kind = event.kind
    if kind is EventKind.VISIBILITY_CHANGED:
        # `detail` names the team it became visible to, else the team it was visible to.
        team = Visibility.TEAM.value
        new_team = event.detail if event.new == team else None
        old_team = event.detail if event.new != team else _("another team")
        return _(
            "{who} made it {new} (was {old})", who=who, new=_said(event.new, new_team), old=_said(event.old, old_team)
        )
    if kind is EventKind.SHARED:
        return _("{who} shared it with {name}", who=who, name=event.new or "?")
    if kind is EventKind.ACCESS_REMOVED:
        if event.old == event.actor_name:
            return _("{who} gave up access", who=who)
        return _("{who} ended {name}'s access", who=who, name=event.old or "?")
    return None


_ORIGIN = re.compile(
    r"from a Teams message(?:, sender shown as “(.*?)”| by (.*?)|, sender not shown)(?:: (https://\S+))?", re.DOTALL
)
_RECIPIENTS = re.compile(r"to (.*?)(?:, cc (.*))?", re.DOTALL)
_CLOSED = re.compile(r"(\S+) closed \((\w+)\)")


def _card_day(iso: str | None) -> str:
    return local_day(iso) if iso else ""


_MEETING_KINDS = frozenset(
    {EventKind.MEETING_SCHEDULED, EventKind.MEETING_PLANNED, EventKind.MEETING_RESCHEDULED, EventKind.MEETING_CANCELLED}
)


def _utc_moment(stamp: str) -> str:
    """A UTC stamp in plain text (a summary line, where Teams' DATE() is not read): `2026-12-08 14:00 UTC`."""
    return f"{stamp[:10]} {stamp[11:16]} UTC" if len(stamp) >= 16 and stamp[10] == "T" else stamp


def _meeting_line(raw: Event, event: Event, who: str, when: Callable[[str], str]) -> str:
    """bot/services/meetings.py stores the start (UTC) in `old`, the subject in `new`, who was invited in `detail`
    (a move: the new start in `new`, the subject in `detail`); `when` writes a moment."""
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


def _describe_deal(event: Event, who: str, shown_day: Callable[[str | None], str]) -> str | None:
    """A deal's details, owner, archive, and the contact list's upkeep; `shown_day` writes a calendar day."""
    kind, old, new = event.kind, event.old or _("none"), event.new or _("none")
    if kind is EventKind.VALUE_CHANGED:
        return _value_sentence(who, shown_money(event.old), shown_money(event.new))
    if kind is EventKind.CLOSE_DATE_CHANGED:
        return _close_date_sentence(who, shown_day(event.old), shown_day(event.new))
    if kind is EventKind.DETAIL_CHANGED:
        if event.detail == "description":
            return _("{who} edited the description", who=who)
        sentences = _DETAIL_SENTENCES.get(event.detail or "")
        if sentences is None:
            return _("{who} changed the {detail}: {old} → {new}", who=who, detail=event.detail, old=old, new=new)
        first, cleared, changed = sentences
        if not event.old:
            return first(who, new)
        if not event.new:
            return cleared(who, old)
        return changed(who, old, new)
    if kind is EventKind.OWNER_CHANGED:
        return _("{who} handed it over: {old} → {new}", who=who, old=event.old or _("nobody"), new=new)
    if kind is EventKind.CONTACT_MERGED:
        return _("{who} merged contacts: {old} → {new}", who=who, old=old, new=new)
    if kind is EventKind.FIELD_CHANGED:
        field = event.detail or ""
        if not event.old:
            return _("{who} set {field} to {new}", who=who, field=field, new=event.new or "")
        if not event.new:
            return _("{who} cleared {field} ({old})", who=who, field=field, old=event.old)
        return _("{who} changed {field}: {old} → {new}", who=who, field=field, old=event.old, new=event.new)
    if kind is EventKind.LOST_REASON_SET:
        if event.old:
            return _(
                "{who} changed why it was lost: {old} → {new}", who=who, old=stored_line(event.old),
                new=stored_line(event.new),
            )  # fmt: skip
        return _("{who} said why it was lost: {reason}", who=who, reason=stored_line(event.new))
    if kind is EventKind.PIPELINE_CHANGED:
        if not (event.old and event.new):
            return _("{who} moved it to another pipeline: {new}", who=who, new=event.new or event.old or "")
        return _("{who} moved it to another pipeline: {old} → {new}", who=who, old=old, new=new)
    if kind is EventKind.ARCHIVED:
        return _("{who} archived it", who=who)
    if kind is EventKind.RESTORED:
        return _("{who} restored it", who=who)
    if kind is EventKind.CONTACT_ERASED:
        return _("{who} erased a person's data on request (data protection)", who=who)
    return None


def _value_sentence(who: str, old: str, new: str) -> str:
    if not old:
        return _("{who} set the value to {new}", who=who, new=new)
    if not new:
        return _("{who} cleared the value ({old})", who=who, old=old)
    return _("{who} changed the value: {old} → {new}", who=who, old=old, new=new)


def _close_date_sentence(who: str, old: str, new: str) -> str:
    if not old:
        return _("{who} set the close date to {new}", who=who, new=new)
    if not new:
        return _("{who} cleared the close date ({old})", who=who, old=old)
    return _("{who} changed the close date: {old} → {new}", who=who, old=old, new=new)


# The sentences of each detail (bot/services/details.py names them), when it is first set, cleared, changed: each
# language words each field its own way, and no sentence says "none →".
_DETAIL_SENTENCES: dict[
    str, tuple[Callable[[str, str], str], Callable[[str, str], str], Callable[[str, str, str], str]]
] = {
    "title": (
        lambda who, new: _("{who} set the title to {new}", who=who, new=new),
        lambda who, old: _("{who} cleared the title ({old})", who=who, old=old),
        lambda who, old, new: _("{who} changed the title: {old} → {new}", who=who, old=old, new=new),
    ),
    "company": (
        lambda who, new: _("{who} set the company to {new}", who=who, new=new),
        lambda who, old: _("{who} cleared the company ({old})", who=who, old=old),
        lambda who, old, new: _("{who} changed the company: {old} → {new}", who=who, old=old, new=new),
    ),
    "next step": (
        lambda who, new: _("{who} set the next step: {new}", who=who, new=new),
        lambda who, old: _("{who} cleared the next step ({old})", who=who, old=old),
        lambda who, old, new: _("{who} changed the next step: {old} → {new}", who=who, old=old, new=new),
    ),
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

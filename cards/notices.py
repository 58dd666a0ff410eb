"""The notifications that are not a change told to a follower: the owner's roll-up of who follows, "you
were added as a follower" (with Unfollow), an @mention (with Follow), a follow that ended (Follow again)."""

from __future__ import annotations

from bot.domain.delivery import NotificationView, Purpose
from bot.domain.models import FOLLOW_KINDS
from cards import verbs
from cards.common import Card, card, execute, heading, notice, plain, subtle, text, when
from cards.digest import digest_card, digest_summary
from cards.elements import Action, Element
from cards.timeline import literal

MAX_LINES = 10


def _what(view: NotificationView, escape: bool = True) -> tuple[str, str]:
    """The card's first line and its reason line (`escape`: for a card, where markdown renders)."""
    ref, last = view.record.ref, view.events[-1]
    who = last.actor_name or "Someone"
    who = plain(who) if escape else who
    return {
        Purpose.FOLLOWS: (f"Who follows {ref}", f"You get this as the owner of {ref}, at most once a day."),
        Purpose.ADDED: (f"{who} added you as a follower of {ref}", "You will be told about its changes."),
        Purpose.MENTION: (f"{who} mentioned you on {ref}", "You get this because you were @mentioned."),
        Purpose.LAPSED: (f"You no longer follow {ref}", f"Your follow ended: {last.detail or 'its time ran out'}."),
    }.get(view.purpose, (ref, ""))


def notice_card(view: NotificationView, message: str = "") -> Card:
    if view.purpose is Purpose.DIGEST:
        return digest_card(view, message)
    record = view.record
    title, reason = _what(view)
    told = [e for e in view.events if view.purpose is Purpose.FOLLOWS or e.kind not in FOLLOW_KINDS]
    lines = [literal(e) for e in told][-MAX_LINES:]
    body: list[Element] = [notice(message)] if message else []
    body += [subtle(f"{record.ref} · {record.kind.label}"), heading(plain(record.title)), text(title, weight="Bolder")]
    body += [text(line, spacing="Small") for line in lines]
    body += [subtle(when(view.events[-1].at)), subtle(reason)]
    actions: list[Action] = [execute("Open record", verbs.RECORD_SHOW, {"ref": record.ref})]
    if view.following:
        actions.append(execute("Unfollow", verbs.RECORD_UNFOLLOW, {"ref": record.ref}))
    else:
        follow = "Follow again" if view.purpose is Purpose.LAPSED else "Follow"
        actions.append(execute(follow, verbs.RECORD_FOLLOW, {"ref": record.ref}))
    return card(body, actions)


def notice_summary(view: NotificationView) -> str:
    """The one line Teams shows in the chat list."""
    if view.purpose is Purpose.DIGEST:
        return digest_summary(view)
    title, _ = _what(view, escape=False)
    return title[:200]

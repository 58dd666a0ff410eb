"""The notifications that are not a change told to a follower: the owner's roll-up of who follows, "you
were added as a follower" (with Unfollow), an @mention (with Follow), a follow that ended (Follow again)."""

from __future__ import annotations

from bot.domain.delivery import NotificationView, Purpose
from bot.domain.language import _, translated
from bot.domain.models import FOLLOW_KINDS
from cards import verbs
from cards.common import Card, card, execute, heading, notice, plain, subtle, text, when
from cards.digest import digest_card, digest_summary
from cards.elements import Action, Element
from cards.meeting_notices import meeting_summary, prep_card, recap_card
from cards.timeline import literal, why_ended

MAX_LINES = 10


def _what(view: NotificationView, escape: bool = True) -> tuple[str, str]:
    """The card's first line and its reason line (`escape`: for a card, where markdown renders)."""
    ref, last = view.record.ref, view.events[-1]
    who = last.actor_name or _("Someone")
    who = plain(who) if escape else who
    if view.purpose is Purpose.FOLLOWS:
        return _("Who follows {ref}", ref=ref), _("You get this as the owner of {ref}, at most once a day.", ref=ref)
    if view.purpose is Purpose.ADDED:
        return _("{who} added you as a follower of {ref}", who=who, ref=ref), _("You will be told about its changes.")
    if view.purpose is Purpose.MENTION:
        return _("{who} mentioned you on {ref}", who=who, ref=ref), _("You get this because you were @mentioned.")
    if view.purpose is Purpose.LAPSED:
        why = why_ended(last.detail) if last.detail else _("its time ran out")
        return _("You no longer follow {ref}", ref=ref), _("Your follow ended: {why}.", why=why)
    return ref, ""


def notice_card(view: NotificationView, message: str = "") -> Card:
    if view.purpose is Purpose.DIGEST:
        return digest_card(view, message)
    if view.purpose is Purpose.MEETING_PREP:
        return prep_card(view)
    if view.purpose is Purpose.MEETING_RECAP:
        return recap_card(view, message=message)
    record = view.record
    title, reason = _what(view)
    told = [e for e in view.events if view.purpose is Purpose.FOLLOWS or e.kind not in FOLLOW_KINDS]
    lines = [literal(e) for e in told][-MAX_LINES:]
    body: list[Element] = [notice(message)] if message else []
    kind = translated(record.kind.label)
    body += [subtle(f"{record.ref} · {kind}"), heading(plain(record.title)), text(title, weight="Bolder")]
    body += [text(line, spacing="Small") for line in lines]
    body += [subtle(when(view.events[-1].at)), subtle(reason)]
    actions: list[Action] = [execute(_("Open record"), verbs.RECORD_SHOW, {"ref": record.ref})]
    if view.following:
        actions.append(execute(_("Unfollow"), verbs.RECORD_UNFOLLOW, {"ref": record.ref}))
    else:
        follow = _("Follow again") if view.purpose is Purpose.LAPSED else _("Follow")
        actions.append(execute(follow, verbs.RECORD_FOLLOW, {"ref": record.ref}))
    return card(body, actions)


def notice_summary(view: NotificationView) -> str:
    """The one line Teams shows in the chat list."""
    if view.purpose is Purpose.DIGEST:
        return digest_summary(view)
    if view.purpose in (Purpose.MEETING_PREP, Purpose.MEETING_RECAP):
        return meeting_summary(view)[:200]
    title, _reason = _what(view, escape=False)
    return title[:200]

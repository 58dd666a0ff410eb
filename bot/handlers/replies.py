"""What the bot answers: a card, a line of text, or both. Shared by commands and card actions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.domain.contact_csv import FileOffer
from bot.domain.language import _
from bot.domain.models import Change, Event, RecordView, User
from bot.domain.visibility import MAX_REFRESH_IDS
from cards.common import Card
from cards.detail_forms import apply_mine_actions
from cards.records import record_card
from cards.visibility import restricted_card


@dataclass(frozen=True)
class Reply:
    text: str | None = None
    card: Card | None = None
    events: tuple[Event, ...] = field(default_factory=tuple)  # what changed: those records' posted cards are updated
    outcome: str = "ok"  # for the one log line per activity
    record_id: int | None = None  # the record a card shows, so posted cards can be kept up to date
    view: RecordView | None = None  # the record's view after a change, reused to update its posted cards
    file: FileOffer | None = None  # a file to offer through Teams' consent card (personal chat only)


def refresh_user_ids(view: RecordView, viewer: User | None, shared: bool, readers: Sequence[User] = ()) -> list[str]:
    """Who gets their own view of a posted record card: in a 1:1 chat the viewer; in a channel or group
    chat the viewer, the owner, the followers and, for a private or team record, the others who may see it
    (`readers`: shares, then the team). Teams allows 60: everyone else sees the posted card itself, which for
    a private or team record shows its reference and title only, with a button that opens it for whoever
    may see it (the answer to a click is the clicker's alone)."""
    ids = [viewer.teams_id if viewer else None]
    if shared:
        ids += [view.owner.teams_id, *(f.user.teams_id for f in view.followers), *(u.teams_id for u in readers)]
    return list(dict.fromkeys(i for i in ids if i))[:MAX_REFRESH_IDS]


def record_reply(
    view: RecordView,
    viewer: User,
    shared: bool,
    message: str = "",
    good: bool = True,
    change: Change | None = None,
    everyone_reads: bool = False,
    readers: Sequence[User] = (),
) -> Reply:
    """The record card as `viewer` sees it, kept fresh for each viewer through the card's refresh.
    `everyone_reads`: the card is posted where everyone in a chat sees it (a message, an inserted card), so a
    private or team record shows them its reference and title only; those who may see it get theirs."""
    ids = refresh_user_ids(view, viewer, shared, readers if view.record.restricted else ())
    if everyone_reads and view.record.restricted:
        card = restricted_card(view.record, ids)
    else:
        unseen = change.unseen if change else ()
        card = record_card(
            view, viewer.id, message, good, refresh_user_ids=ids, share_with=unseen,
            beside_message=apply_mine_actions(view.record, change.conflicts) if change else None,
        )  # fmt: skip
    events = change.events if change else ()
    return Reply(card=card, events=events, record_id=view.record.id, view=view if change else None)


def change_reply(
    change: Change, viewer: User, shared: bool, everyone_reads: bool = False, readers: Sequence[User] = ()
) -> Reply:
    """The record after a change, from the view the change built; a click on an older card says so."""
    if change.view is None:
        raise ValueError("a change that answers with a record card carries its view")
    stale = " " + _("The record had changed since your card was shown: this is the latest.")
    note = change.message + (stale if change.stale else "")
    return record_reply(
        change.view, viewer, shared, note, change=change, everyone_reads=everyone_reads, readers=readers
    )

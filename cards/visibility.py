"""Cards of who may see a record: the Visibility form (everyone, private or one team; sharing with a
colleague), the question an unfollow of a private record asks, and the card a private or team record's post
shows to everyone in a chat who may not see it (the others get their own view through the refresh)."""

from __future__ import annotations

from bot.domain.language import _, translated
from bot.domain.models import Record, RecordView, User, Visibility
from bot.domain.visibility import visibility_label
from cards import verbs
from cards.common import (
    Card,
    action_set,
    card,
    choice_set,
    execute,
    heading,
    notice,
    plain,
    refresh_for_users,
    section,
    subtle,
    text,
)
from cards.elements import Element, Refresh
from cards.records import record_data, record_header

Errors = dict[str, str]


def visibility_form(
    view: RecordView, teams: list[tuple[int, str]], errors: Errors | None = None, message: str = "",
    colleagues: list[User] | None = None,
) -> Card:  # fmt: skip
    """Who may see the record, changed by its owner or an admin; and a colleague to share it with (the Teams
    people picker; the colleagues the bot knows who do not follow it yet are offered too)."""
    record = view.record
    head: list[Element] = record_header(record)
    if message:
        head.insert(0, notice(message, good=False))
    choices = [
        (_("Everyone in your organisation"), Visibility.EVERYONE.value),
        (_("Private: owner, followers and the colleagues it is shared with"), Visibility.PRIVATE.value),
    ]
    if teams:
        choices.append((_("One team: its members, the owner and followers"), Visibility.TEAM.value))
    body: list[Element] = [
        *head,
        text(_("Who can see this record?"), weight="Bolder"),
        subtle(_("Now: {label}", label=visibility_label(record.visibility, plain(view.team_name)))),
        *choice_set("visibility", _("Visible to"), choices, value=record.visibility.value, errors=errors),
    ]
    if teams:
        current = str(record.team_id) if record.team_id is not None else None
        team_choices = [(name, str(team_id)) for team_id, name in teams]  # choice titles are shown as they are
        body += choice_set("team", _("Team (when one team is chosen)"), team_choices, value=current, errors=errors)
    else:
        body.append(subtle(_("To make a record visible to one team, add me to that team first.")))
    body.append(action_set([execute(_("Save"), verbs.SET_VISIBILITY, record_data(record), "positive")]))
    following = {f.user.id for f in view.followers} | {record.owner_id}
    known = [
        (u.name or u.email or "?", u.aad_object_id)
        for u in colleagues or ()
        if u.aad_object_id and u.id not in following
    ]
    if record.restricted and known:
        body += [
            section(_("Share with a colleague")),
            *choice_set(
                "colleague",
                _("Colleague"),
                [(name, aad) for name, aad in known if aad],
                dataset=verbs.PEOPLE_DATASET,
                placeholder=_("Type a colleague's name"),
                errors=errors,
            ),
            subtle(_("They can then see it, and follow it until the deal closes.")),
            action_set([execute(_("Share"), verbs.SHARE, record_data(record))]),
        ]
    elif record.restricted:
        body.append(subtle(_("Share it with a colleague: share {ref} ‹name or email›", ref=record.ref)))
    back = execute(_("Back"), verbs.RECORD_SHOW, {"ref": record.ref}, inputs=False)
    body.append(action_set([back]))
    return card(body)


def keep_access_card(view: RecordView, message: str) -> Card:
    """Unfollowing a private or team record they would no longer see: keep access, or give it up too."""
    record = view.record
    data = record_data(record)
    return card(
        [
            *record_header(record),
            text(plain(message)),
            action_set(
                [
                    execute(_("Unfollow, keep access"), verbs.RECORD_UNFOLLOW, {**data, "keep": "yes"}),
                    execute(_("Unfollow and lose access"), verbs.RECORD_UNFOLLOW, {**data, "keep": "no"}),
                    execute(_("Back"), verbs.RECORD_SHOW, {"ref": record.ref}, inputs=False),
                ]
            ),
        ]
    )


def restricted_card(record: Record, refresh_user_ids: list[str]) -> Card:
    """What a private or team record's post shows everyone in a chat: its reference and title only. Each listed
    viewer who may see it (at most 60) gets their own full card through the refresh; anyone else with access
    opens it with the button (the answer is theirs alone); anyone without is told they have no access."""
    body: list[Element] = [
        subtle(f"{record.ref} · {translated(record.kind.label)}"),
        heading(plain(record.title)),
        notice(_("You don't have access to {ref}.", ref=record.ref), good=False),
        subtle(_("Shared with you? Open it here.")),
        action_set([execute(_("Open"), verbs.RECORD_OPEN, {"ref": record.ref})]),
    ]
    refresh: Refresh = refresh_for_users(
        execute(_("Refresh"), verbs.RECORD_SHOW, {"ref": record.ref}), refresh_user_ids
    )
    return card(body, refresh=refresh)

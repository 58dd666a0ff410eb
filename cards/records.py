"""Record cards: the full record, compact lists, and the new-record form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.domain.buying import NUDGE_TEXT, lacks_decision_maker
from bot.domain.clock import utc_now
from bot.domain.language import _, ngettext, translated
from bot.domain.lost import lost_line
from bot.domain.models import Contact, Kind, Record, RecordView, User, stage_label
from bot.domain.tasks import RecordMark
from bot.domain.visibility import visibility_label
from cards import verbs
from cards.common import (
    LIST_LIMIT,
    Card,
    action_set,
    beside,
    bullet_list,
    card,
    clickable_row,
    command_button,
    execute,
    facts,
    fitting,
    heading,
    notice,
    open_url,
    plain,
    refresh_for_users,
    room_left,
    section,
    show_card,
    subtle,
    text,
    text_input,
    when,
)
from cards.contacts import contact_line
from cards.details import company_of, deal_summary, detail_facts
from cards.elements import Action, Element, Refresh
from cards.fields import field_facts
from cards.follows import follow_for_choice, following_line
from cards.notifications import notify_choice_elements
from cards.pipelines import lost_prompt
from cards.tasks import mark_lines, next_step_elements, quiet_line
from cards.timeline import timeline_line


def person_line(contact: Contact) -> str:
    """A contact on one line: name, email and company, so namesakes can be told apart."""
    return " · ".join(p for p in (contact.name, contact.email, contact.company) if p)


def record_data(record: Record) -> dict[str, Any]:
    """What every record button carries: which record, and the version the card showed."""
    return {"ref": record.ref, "version": record.version}


def record_header(record: Record) -> list[Element]:
    return [
        subtle(f"{record.ref} · {translated(record.kind.label)} · {stage_label(record.stage)}"),
        heading(plain(record.title)),
    ]


ROW_BUTTONS = 4  # at most this many buttons in a row of the record card (the narrowest Teams client's width)


def _follow_buttons(view: RecordView, viewer_id: int | None) -> list[Action]:
    data = record_data(view.record)
    follows = viewer_id is not None and view.is_follower(viewer_id)
    follow = (
        execute(_("Unfollow"), verbs.RECORD_UNFOLLOW, data)
        if follows
        else execute(_("Follow"), verbs.RECORD_FOLLOW, data)
    )
    return [
        follow,
        execute(_("Add follower"), verbs.FOLLOWER_FORM, data),
        execute(_("Visibility"), verbs.VISIBILITY_FORM, data),
    ]


def _buttons(view: RecordView, viewer_id: int | None) -> dict[str, list[Action]]:
    """The record card's buttons by where they go: `main` first under the facts (what people use most), `work`
    beside the overflow, `more` inside it (rarely used), `participants` and `followers` in their sections."""
    record = view.record
    data = record_data(record)
    followers = _follow_buttons(view, viewer_id)
    if record.archived_at:  # put away: it can be restored, and followed
        restore: list[Action] = [execute(_("Restore"), verbs.RESTORE, data)]
        return {"main": restore, "work": [], "more": [], "participants": [], "followers": followers}
    if record.converted_to:  # a converted lead is history: only following changes
        return {"main": [], "work": [], "more": [], "participants": [], "followers": followers}
    # The work row holds at most four with More: a lead's Convert (once in its life, confirmed) goes inside it.
    work: list[Action] = [
        execute(_("Edit details"), verbs.DETAILS_FORM, data),
        execute(_("Email contact"), verbs.EMAIL_FORM, data),
        execute(_("Schedule meeting"), verbs.MEETING_FORM, data),
    ]
    if record.kind is Kind.LEAD:
        work.append(execute(_("Convert to opportunity"), verbs.CONVERT_CONFIRM, data))
    if view.next_task is not None:  # without one, "Add next step" stands beside "No next step" (cards/tasks.py)
        work.append(execute(_("Add next step"), verbs.TASK_ADD_FORM, {"ref": record.ref}))
    # The work row ends with "More": what does not fit beside it opens first inside it (a lead's Convert).
    work, spilled = work[: ROW_BUTTONS - 1], work[ROW_BUTTONS - 1 :]
    participants: list[Action] = []
    if view.participants:
        participants.append(execute(_("Remove participant"), verbs.REMOVE_PARTICIPANT_FORM, data))
    return {
        "main": [
            execute(_("Comment"), verbs.COMMENT_FORM, data),
            execute(_("Change stage"), verbs.STAGE_FORM, data),
            execute(_("Change contact") if view.contact else _("Set contact"), verbs.CONTACT_FORM, data),
            execute(_("Add participant"), verbs.PARTICIPANT_FORM, data),
        ],
        "work": work,
        "more": [
            *spilled,
            execute(_("Change owner"), verbs.OWNER_FORM, data),
            execute(_("Archive"), verbs.ARCHIVE_CONFIRM, data),
        ],
        "participants": participants,
        "followers": followers,
    }


def _editable(record: Record) -> bool:
    """An archived record or a converted lead offers no changes to its people."""
    return not record.archived_at and not record.converted_to


def person_row(view: RecordView, contact: Contact, line: str, editable: bool) -> Element:
    """A customer person with their buying role, and "Set role" beside them while the record is editable."""
    role = view.buying_roles.get(contact.id)
    shown = text(plain(line) + (f" · {translated(role.label)}" if role else ""), spacing="None")
    if not editable:
        return shown
    data = {**record_data(view.record), "person": contact.id}
    return beside([shown], [action_set([execute(_("Set role"), verbs.ROLES_FORM, data)])], spacing="None")


def _people_rows(view: RecordView, editable: bool) -> list[Element]:
    """The Other participants, the first few with their role (and "and N more")."""
    if not view.participants:
        return [subtle(_("None yet"))]
    rows = [person_row(view, c, "• " + person_line(c), editable) for c in view.participants[:LIST_LIMIT]]
    more = len(view.participants) - LIST_LIMIT
    return rows + ([subtle(ngettext("and {n} more", "and {n} more", more))] if more > 0 else [])


def _customer_side(view: RecordView) -> list[Element]:
    """The Contact and the Other participants, each with their buying role (and "Set role")."""
    editable = _editable(view.record)
    contact = view.contact
    body: list[Element] = [section(_("Contact"))]
    body.append(person_row(view, contact, person_line(contact), editable) if contact else subtle(_("No Contact yet")))
    body.append(section(_("Other participants ({n})", n=len(view.participants))))
    return body + _people_rows(view, editable)


def _nudge(view: RecordView) -> list[Element]:
    """An open deal past its first stage with nobody who signs says so, with the way to fix it."""
    if not lacks_decision_maker(view.record, view.buying_roles.values()):
        return []
    data = record_data(view.record)
    nudge = translated(NUDGE_TEXT)
    return [notice(nudge, good=False), action_set([execute(_("Set decision maker"), verbs.ROLES_FORM, data)])]


def _see_all(record: Record, role: str, count: int) -> list[Element]:
    if count <= LIST_LIMIT:
        return []
    see_all = execute(_("See all {n}", n=count), verbs.RECORD_PEOPLE, {**record_data(record), "role": role})
    return [action_set([see_all])]


def _at_a_glance(view: RecordView, locale: str | None, today: str, tasks_today: str) -> list[Element]:
    """The title, the deal's value and close date, then each other fact once, the next step and whether the
    deal went quiet (`tasks_today`: the day that decides which step is overdue)."""
    record = view.record
    return [
        subtle(f"{record.ref} · {translated(record.kind.label)}"),
        heading(plain(record.title)),
        *deal_summary(view, locale, today),
        facts(
            [
                (_("Stage"), stage_label(record.stage)),
                (_("Pipeline"), plain(record.pipeline_name or "")),
                (_("Lost reason"), plain(lost_line(record.lost_reason, record.lost_note))),
                (_("Company"), plain(company_of(view))),
                (_("Owner"), plain(view.owner.name) or _("Unknown")),
                (_("Visible to"), visibility_label(record.visibility, plain(view.team_name))),
                (_("Converted to"), record.converted_to or ""),
                (_("Converted from"), record.converted_from or ""),
            ]
        ),
        *detail_facts(view),
        *field_facts(view.custom, locale),
        *next_step_elements(view, view.now or utc_now(), tasks_today),
        *quiet_line(view.quiet_days),
    ]


def _more(view: RecordView, viewer_id: int | None, buttons: dict[str, list[Action]]) -> list[Action]:
    """The overflow: rarely used actions, and the viewer's notification choice while they follow."""
    panel: list[Element] = [action_set(buttons["more"])] if buttons["more"] else []
    choice = view.choice_of(viewer_id) if viewer_id is not None else None
    if choice is not None and viewer_id is not None:
        where = view.deliver_to_of(viewer_id) if view.feed_offered else None
        panel += notify_choice_elements(view.record.ref, choice, deliver_to=where)
    return [show_card(_("More"), panel)] if panel else []


def _actions(view: RecordView, viewer_id: int | None, buttons: dict[str, list[Action]]) -> list[Element]:
    """The main actions in a row of their own, then the others and the overflow."""
    rows = [buttons["main"], buttons["work"] + _more(view, viewer_id, buttons)]
    return [action_set(row) for row in rows if row]


def _followers(view: RecordView, viewer_id: int | None, buttons: dict[str, list[Action]]) -> list[Element]:
    """Who follows, whether the viewer does (and until when), and Follow / Unfollow, Add follower."""
    body: list[Element] = [section(_("Followers ({n})", n=view.follower_count))]
    names = [plain(f.user.name) or _("Unknown") for f in view.followers]
    body += bullet_list(names, total=view.follower_count, empty=_("Nobody follows this record"))
    body += _see_all(view.record, "followers", view.follower_count)
    follows = viewer_id is not None and view.choice_of(viewer_id) is not None
    if viewer_id is not None:
        mine = next((f for f in view.followers if f.user.id == viewer_id), None)
        body.append(subtle(following_line(mine, follows=follows)))
    if not follows:
        body += follow_for_choice()
    return [*body, action_set(buttons["followers"])]


def record_card(
    view: RecordView,
    viewer_id: int | None = None,
    message: str = "",
    good: bool = True,
    refresh_user_ids: list[str] | None = None,
    locale: str | None = None,
    today: str | None = None,
    beside_message: list[Element] | None = None,
    share_with: tuple[User, ...] = (),
) -> Card:
    """The record as its team sees it, read at a glance: the facts, the main actions, the three roles, the
    latest timeline; rarely used actions in the "More" overflow.
    `beside_message`: elements shown right under the message (the buttons a change offers next).

    `viewer_id` decides Follow or Unfollow; `refresh_user_ids` (Teams user ids, at most 60) makes Teams
    ask the bot for each listed viewer's own version of the card when they look at it. `locale` (Teams'
    clientInfo) groups the value the reader's way; `today` (ISO, UTC by default) decides what is overdue."""
    record = view.record
    buttons = _buttons(view, viewer_id)
    body: list[Element] = [notice(message, good)] if message else []
    body += beside_message or []
    if share_with and viewer_id == record.owner_id:  # @mentioned colleagues who may not see it: its owner may share
        data = {**record_data(record), "people": ",".join(str(p.id) for p in share_with)}
        body.append(action_set([execute(_("Share with them"), verbs.SHARE_MENTIONED, data, inputs=False)]))
    body += _at_a_glance(view, locale, today or utc_now()[:10], today or (view.now or utc_now())[:10])
    body += next_meeting_elements(view, viewer_id)  # beside the facts: when, Join, and the organiser's move or cancel
    body += _actions(view, viewer_id, buttons)
    body += lost_prompt(view, record_data(record)) if buttons["main"] and not record.archived_at else []
    body += _nudge(view)
    body += _customer_side(view)
    body += _see_all(record, "participants", len(view.participants))
    body += [action_set(buttons["participants"])] if buttons["participants"] else []
    body += _followers(view, viewer_id, buttons)
    body.append(section(_("Latest activity")))
    body += bullet_list([timeline_line(event) for event in view.timeline], empty=_("Nothing yet"))
    refresh: Refresh | None = None
    if refresh_user_ids is not None:
        refresh = refresh_for_users(execute(_("Refresh"), verbs.RECORD_SHOW, {"ref": record.ref}), refresh_user_ids)
    return card(body, refresh=refresh)


def people_card(view: RecordView, role: str, start: int = 0) -> Card:
    """Everyone in one role, from `start`, as many as fit in a card (the record card shows the first few)."""
    record = view.record
    if role == "participants":
        roles = view.buying_roles
        names = [
            plain(person_line(c)) + (f" · {translated(roles[c.id].label)}" if c.id in roles else "")
            for c in view.participants
        ]
        title = _("Other participants of {ref} ({n})", ref=record.ref, n=len(names))
    else:
        names = [plain(f.user.name) or _("Unknown") for f in view.followers]
        title = _("Followers of {ref} ({n})", ref=record.ref, n=len(names))
    back = execute(_("Back"), verbs.RECORD_SHOW, {"ref": record.ref}, inputs=False)
    more = execute(_("More"), verbs.RECORD_PEOPLE, {**record_data(record), "role": role, "start": len(names)})
    rest = names[start:]

    def line(name: str) -> Element:
        return text("• " + name, spacing="None")

    shown = rest[: fitting(rest, line, room_left(card([heading(title), action_set([back, more])])))]
    body: list[Element] = [heading(title), *[line(n) for n in shown]]
    buttons: list[Action] = [back]
    if start + len(shown) < len(names):
        more["data"]["start"] = start + len(shown)
        buttons.append(more)
    body.append(action_set(buttons))
    return card(body)


def record_list_card(
    title: str, records: list[Record], empty: str, more_hint: str = "", flagged: frozenset[int] | set[int] = frozenset(),
    marks: Mapping[int, RecordMark] | None = None,
) -> Card:  # fmt: skip
    """A compact list; each row opens the record when clicked. `flagged`: deals missing a decision maker;
    `marks`: each open record's next step or "No next step", and whether it went quiet;
    `title` may quote what was typed."""
    body: list[Element] = [heading(plain(title))]
    if not records:
        body.append(text(empty))
    for record in records:
        shown = (translated(record.kind.label), stage_label(record.stage), plain(record.company))
        details = " · ".join(p for p in shown if p)
        items: list[Element] = [text(f"**{record.ref}** {plain(record.title)}", spacing="Small"), subtle(details)]
        if record.id in flagged:
            items.append(text(translated(NUDGE_TEXT), color="Attention", size="Small", spacing="None"))
        items += mark_lines((marks or {}).get(record.id))
        body.append(clickable_row(command_button(_("Show {ref}", ref=record.ref), f"show {record.ref}"), items))
    if more_hint:
        body.append(subtle(more_hint))
    return card(body)


def new_record_form(
    kind: Kind,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    form_key: str = "",
) -> Card:
    """The create form; `form_key` (the form's idempotency key) makes a second submit create nothing."""
    values = values or {}
    lead = kind is Kind.LEAD
    body: list[Element] = [heading(_("New lead") if lead else _("New opportunity"))]
    if message:
        body.append(notice(message, good=False))
    body += text_input("title", _("Title"), values.get("title"), max_length=200, required=True, errors=errors)
    body += text_input("company", _("Company"), values.get("company"), max_length=200, errors=errors)
    body.append(
        action_set(
            [
                execute(
                    _("Create lead") if lead else _("Create opportunity"),
                    verbs.RECORD_CREATE,
                    {"kind": kind.value, "form_key": form_key} if form_key else {"kind": kind.value},
                    "positive",
                )
            ]
        )
    )
    return card(body)


def search_results_card(query: str, records: list[Record], contacts: list[Contact], note: str = "") -> Card:
    result = record_list_card(_("Found for “{query}”", query=query[:40]), records, _("No record matches."), note)
    result["body"].append(text(_("Contacts"), weight="Bolder", spacing="Medium", separator=True))
    if not contacts:
        result["body"].append(subtle(_("No contact matches.")))
    result["body"] += [text(contact_line(c)) for c in contacts]  # escaped there
    return result


def next_meeting_elements(view: RecordView, viewer_id: int | None) -> list[Element]:
    """The record card's line about its next meeting: when, the Join link, and for its organiser, move or cancel."""
    meeting = view.next_meeting
    if meeting is None:
        return []
    line = _("Next meeting: {when} · {subject}", when=when(meeting.starts_at), subject=plain(meeting.subject))
    actions: list[Action] = [open_url(_("Join"), meeting.join_url)] if meeting.join_url else []
    if viewer_id == meeting.organiser_id and meeting.event_id:
        data = {**record_data(view.record), "meeting": str(meeting.id)}
        actions += [
            execute(_("Reschedule"), verbs.MEETING_MOVE_FORM, data),
            execute(_("Cancel meeting"), verbs.MEETING_CANCEL, data),
        ]
    return [text(line, spacing="Small"), *([action_set(actions)] if actions else [])]

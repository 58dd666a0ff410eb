"""Meetings from a record: the form (subject, start in the organiser's time zone, length, the attendees: the
Contact required, the Other participants and any ticked followers optional, an agenda), without Microsoft Graph
the link that opens Teams' own scheduling, moving and cancelling one, and the organiser's two cards around it:
the prep card an hour before and "How did it go?" once it ended."""

from __future__ import annotations

from bot.domain.language import _
from bot.domain.meetings import MAX_AGENDA, MAX_OFFERED, MAX_SUBJECT, Meeting
from bot.domain.models import EventKind, RecordView
from cards import verbs
from cards.audience import will_notify
from cards.common import (
    Card,
    action_set,
    card,
    execute,
    facts,
    notice,
    open_url,
    plain,
    shortened,
    subtle,
    text,
    text_input,
    toggle,
    when,
)
from cards.elements import Action, Element
from cards.records import person_line, record_data, record_header

FORM_FIELDS = ("subject", "start", "time_zone", "minutes", "others", "agenda")


def _back(ref: str) -> Action:
    return execute(_("Back"), verbs.RECORD_SHOW, {"ref": ref}, inputs=False)


def _lacking_contact(view: RecordView) -> list[Element] | None:
    """Without a Contact with an email there is nobody to invite: say so, and offer to set one."""
    record, contact = view.record, view.contact
    if contact is not None and contact.email:
        return None
    if contact is None:
        lacking = _("{ref} has no Contact yet: set one first.", ref=record.ref)
    else:
        lacking = _(
            "{ref}'s Contact ({name}) has no email address, so they cannot be invited.",
            ref=record.ref,
            name=contact.name,
        )
    set_contact = execute(_("Set contact"), verbs.CONTACT_FORM, record_data(record))
    return [notice(lacking, good=False), action_set([set_contact, _back(record.ref)])]


def _invited(
    view: RecordView, values: dict[str, str], viewer_id: int | None, errors: dict[str, str] | None
) -> list[Element]:
    """The Contact (required), a toggle per Other participant (on) and per follower (off), other addresses."""
    contact = view.contact
    body: list[Element] = [subtle(_("Invited (required): {who}", who=plain(person_line(contact))))] if contact else []
    for person in [p for p in view.participants if p.email][:MAX_OFFERED]:
        title = shortened(_("Invite {who} (optional)", who=person_line(person)))
        body.append(toggle(f"p_{person.id}", title, values.get(f"p_{person.id}", "true")))
    for follower in [f for f in view.followers if f.user.email and f.user.id != viewer_id][:MAX_OFFERED]:
        title = shortened(_("Invite follower {who}", who=f"{follower.user.name} · {follower.user.email}"))
        body.append(toggle(f"f_{follower.user.id}", title, values.get(f"f_{follower.user.id}", "false")))
    label = _("Other attendees (emails, comma-separated)")
    return body + text_input("others", label, values.get("others"), max_length=30000, multiline=True, errors=errors)


def _when(values: dict[str, str], data: dict[str, str | int], errors: dict[str, str] | None,
          suggestions: list[tuple[str, str]] | None) -> list[Element]:  # fmt: skip
    """Start (with the free times found, each a button that puts it in), time zone, length."""
    start = _("Start (YYYY-MM-DD HH:MM)")
    body = text_input("start", start, values.get("start"), max_length=16, required=True, errors=errors)
    if suggestions:
        picks: list[Action] = [execute(t, verbs.MEETING_FORM, {**data, "picked": v}) for t, v in suggestions[:5]]
        body += [subtle(_("Free in everyone's calendar, in your working hours:")), action_set(picks)]
    body += text_input("time_zone", _("Time zone"), values.get("time_zone"), max_length=64, errors=errors)
    return body + text_input(
        "minutes", _("Length (minutes)"), values.get("minutes") or "30", max_length=4, errors=errors
    )


def meeting_form_card(
    view: RecordView,
    form_id: str,
    values: dict[str, str],
    can_send: bool,
    viewer_id: int | None = None,
    errors: dict[str, str] | None = None,
    message: str = "",
    suggestions: list[tuple[str, str]] | None = None,
) -> Card:
    """`values`: what the form shows (defaults or what was typed); `suggestions`: (label, start) free slots."""
    record = view.record
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [*record_header(record), text(_("Schedule a Teams meeting"), weight="Bolder")]
    lacking = _lacking_contact(view)
    if lacking is not None:
        return card(body + lacking)
    data: dict[str, str | int] = {**record_data(record), "form_id": form_id}
    subject = values.get("subject") or f"{record.title} ({record.ref})"
    body += text_input("subject", _("Subject"), subject, max_length=MAX_SUBJECT, required=True, errors=errors)
    body += _when(values, data, errors, suggestions)
    body += _invited(view, values, viewer_id, errors)
    agenda = values.get("agenda")
    body += text_input("agenda", _("Agenda"), agenda, max_length=MAX_AGENDA, multiline=True, errors=errors)
    send = execute(_("Send invitations"), verbs.MEETING_CREATE, data, "positive")
    buttons = [send, execute(_("Suggest times"), verbs.MEETING_SUGGEST, data)] if can_send else []
    buttons = buttons or [execute(_("Open in Teams"), verbs.MEETING_PREPARE, data, "positive")]
    body += [will_notify(view, viewer_id, EventKind.MEETING_SCHEDULED), action_set([*buttons, _back(record.ref)])]
    if can_send:
        body.append(
            subtle(_("Created in your Outlook calendar with a Teams link; Outlook sends the invitations from you."))
        )
    return card(body)


def meeting_link_card(view: RecordView, link: str, who: list[str], starts: str, data: dict[str, str]) -> Card:
    """Without Graph: Teams' own scheduling opens with the people and the subject filled in; once it is sent
    there, the person records it on the timeline (the bot itself has sent nothing)."""
    record = view.record
    body: list[Element] = [
        *record_header(record),
        text(_("Your meeting is ready to schedule in Teams"), weight="Bolder"),
        facts(
            [
                (_("Subject"), plain(data.get("subject", ""))),
                (_("Start"), when(starts)),
                (_("Attendees"), plain(", ".join(who))),
            ]
        ),
        subtle(
            _("Teams opens a new meeting with these people; send it there, then record it here so the team sees it.")
        ),
        action_set(
            [
                open_url(_("Open in Teams"), link),
                execute(_("Record on the timeline"), verbs.MEETING_LOG, {**record_data(record), **data}),
                _back(record.ref),
            ]
        ),
    ]
    return card(body)


def move_form_card(
    view: RecordView, meeting: Meeting, start: str, errors: dict[str, str] | None = None, message: str = ""
) -> Card:
    record = view.record
    data = {**record_data(record), "meeting": str(meeting.id)}
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [
        *record_header(record),
        text(_("Move “{subject}”", subject=plain(meeting.subject)), weight="Bolder"),
        *text_input("start", _("Start (YYYY-MM-DD HH:MM)"), start, max_length=16, required=True, errors=errors),
        *text_input("minutes", _("Length (minutes)"), str(meeting.minutes), max_length=4, errors=errors),
        subtle(_("Times in {zone}.", zone=meeting.time_zone)),
        action_set([execute(_("Move meeting"), verbs.MEETING_MOVE, data, "positive"), _back(record.ref)]),
    ]
    return card(body)

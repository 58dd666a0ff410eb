"""A meeting's two cards to its organiser, sent through the outbox (bot/services/meeting_notices.py): the prep card an
hour before (stage, value, next step, the people with their buying roles, the latest comments) and "How did it go?"
once it ended (notes kept as a comment, the next step and the stage, in one form)."""

from __future__ import annotations

from bot.domain.delivery import NotificationView, Purpose
from bot.domain.language import _, translated
from bot.domain.meetings import NEXT_STEP_LENGTH
from bot.domain.models import Contact, RecordView, stage_label, stages_for
from cards import verbs
from cards.common import (
    Card,
    action_set,
    bullet_list,
    card,
    choice_set,
    execute,
    facts,
    heading,
    notice,
    open_url,
    plain,
    section,
    subtle,
    text,
    text_input,
    when,
)
from cards.details import money
from cards.elements import Action, Element
from cards.timeline import timeline_line


def _line(person: Contact) -> str:
    return " · ".join(p for p in (person.name, person.email, person.company) if p)


def _people(view: RecordView) -> list[str]:
    lines = []
    for person in view.people:
        role = view.buying_roles.get(person.id)
        lines.append(plain(_line(person)) + (f" · {translated(role.label)}" if role else ""))
    return lines


def prep_card(view: NotificationView) -> Card:
    """An hour before: the deal at a glance for its organiser."""
    about, meeting = view.about, view.meeting
    if about is None or meeting is None:
        return card([text(_("A meeting is coming up."))])
    record = about.record
    body: list[Element] = [
        subtle(_("Meeting in an hour: {when}", when=when(meeting.starts_at))),
        heading(plain(meeting.subject)),
        facts(
            [
                (_("Stage"), stage_label(record.stage)),
                (_("Value"), money(record, None)),
                (_("Next step"), plain(record.next_step or "")),
            ]
        ),
        section(_("People")),
        *bullet_list(_people(about), empty=_("None yet")),
        section(_("Latest comments")),
        *bullet_list([timeline_line(e) for e in about.timeline], empty=_("Nothing yet")),
    ]
    actions: list[Action] = [open_url(_("Join"), meeting.join_url)] if meeting.join_url else []
    actions.append(execute(_("Open {ref}", ref=record.ref), verbs.RECORD_SHOW, {"ref": record.ref}))
    body.append(action_set(actions))
    return card(body)


def recap_card(view: NotificationView, errors: dict[str, str] | None = None, message: str = "") -> Card:
    """Once it ended: notes (kept as a comment), the next step and the stage, in one form."""
    meeting, record = view.meeting, view.record
    if meeting is None:
        return card([text(_("A meeting ended."))])
    stages = [(stage_label(s), s) for s in stages_for(record.kind)]
    data = {"ref": record.ref, "version": record.version, "meeting": str(meeting.id)}
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [
        subtle(f"{record.ref} · {plain(record.title)}"),
        heading(_("How did “{subject}” go?", subject=plain(meeting.subject))),
        *text_input("notes", _("Notes (saved as a comment)"), None, max_length=4000, multiline=True, errors=errors),
        *text_input("next_step", _("Next step"), record.next_step, max_length=NEXT_STEP_LENGTH, errors=errors),
        *choice_set("stage", _("Stage"), stages, value=record.stage, errors=errors),
        action_set([execute(_("Save"), verbs.MEETING_RECAP, data, "positive")]),
    ]
    return card(body)


def meeting_summary(view: NotificationView) -> str:
    """The notification's one line (the chat's preview)."""
    meeting = view.meeting
    subject = meeting.subject if meeting else view.record.title
    if view.notification.purpose is Purpose.MEETING_PREP:
        return _("Meeting in an hour: {subject}", subject=subject)
    return _("How did “{subject}” go?", subject=subject)

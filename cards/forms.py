"""The forms behind the record card's buttons. Each carries the record's reference and version;
each comes back with the typed values kept and a message beside the field the server refused."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.language import _, current
from bot.domain.lost import LOSING_STAGES
from bot.domain.models import Contact, EventKind, Kind, RecordView, User, stage_label, stages_for
from bot.domain.rules import MAX_COMMENT
from cards import verbs
from cards.audience import will_notify
from cards.common import (
    Card,
    action_set,
    card,
    choice_set,
    execute,
    fitting,
    notice,
    room_left,
    section,
    shortened,
    subtle,
    text,
    text_input,
)
from cards.elements import Element
from cards.follows import follow_for_choice
from cards.pipelines import move_section, reason_inputs
from cards.records import person_line, record_data, record_header

Errors = dict[str, str]
Values = dict[str, str]


def contact_choice(contact: Contact) -> tuple[str, str]:
    """How a contact appears in a picker (shortened: a picker of long names stays small), and its value."""
    return shortened(person_line(contact)), str(contact.id)


def _fit_choices(choices: list[tuple[str, str]], form: Callable[[list[tuple[str, str]]], Card]) -> int:
    """How many choices fit in the form within the card budget."""
    return fitting(choices, lambda c: {"title": c[0], "value": c[1]}, room_left(form([])))


def _form(view: RecordView, title: str, body: list[Element], message: str = "") -> Card:
    head: list[Element] = record_header(view.record)
    if message:
        head.insert(0, notice(message, good=False))
    back = execute(_("Back"), verbs.RECORD_SHOW, {"ref": view.record.ref}, inputs=False)
    return card([*head, text(title, weight="Bolder"), *body, action_set([back])])


def contact_picker_form(
    view: RecordView,
    as_contact: bool,
    contacts: list[Contact],
    total_contacts: int,
    values: Values | None = None,
    errors: Errors | None = None,
    message: str = "",
    viewer_id: int | None = None,
) -> Card:
    """Pick a contact (as the Contact, or as a participant), or create one and use it in one step."""
    told = will_notify(view, viewer_id, EventKind.CONTACT_SET if as_contact else EventKind.PARTICIPANT_ADDED)
    values = values or {}
    data = record_data(view.record)
    if as_contact:
        data["seen_contact"] = str(view.contact.id) if view.contact else ""
    taken = {c.id for c in view.participants} | ({view.contact.id} if view.contact else set())
    if not as_contact:
        contacts = [c for c in contacts if c.id not in taken]
    label = _("Contact") if as_contact else _("Participant")
    choices = [contact_choice(c) for c in contacts]

    def fitted(fits: list[tuple[str, str]]) -> Card:
        return _picker(view, as_contact, data, label, fits, "", True, values, errors, message, told)

    offered = choices[: _fit_choices(choices, fitted)]
    # The first page is always listed; the typeahead joins only when more contacts exist than it shows (a picker
    # with a dynamic typeahead opens empty until one types in some clients: the Playground's).
    searched = total_contacts > len(offered) + (0 if as_contact else len(taken))
    hint = (
        _("Type to search all {n} contacts by name, email or company.", n=current().number(total_contacts))
        if searched
        else _("Search by name, email or company.")
    )
    return _picker(view, as_contact, data, label, offered, hint, searched, values, errors, message, told)


def _picker(
    view: RecordView,
    as_contact: bool,
    data: dict[str, object],
    label: str,
    choices: list[tuple[str, str]],
    hint: str,
    searched: bool,
    values: Values,
    errors: Errors | None,
    message: str,
    told: Element,
) -> Card:
    body: list[Element] = [
        *choice_set(
            "contact",
            label,
            choices,
            value=values.get("contact"),
            dataset=verbs.CONTACTS_DATASET if searched else None,
            placeholder=hint,
            errors=errors,
        ),
        told,
        action_set(
            [
                execute(_("Set contact"), verbs.SET_CONTACT, data, "positive")
                if as_contact
                else execute(_("Add participant"), verbs.ADD_PARTICIPANT, data, "positive")
            ]
        ),
        section(_("Or add someone new")),
        *text_input("new_name", _("Name"), values.get("new_name"), max_length=200, errors=errors),
        *text_input("new_email", _("Email"), values.get("new_email"), max_length=254, style="Email", errors=errors),
        *text_input("new_company", _("Company"), values.get("new_company"), max_length=200, errors=errors),
        told,
        action_set(
            [
                execute(_("Create and set as Contact"), verbs.SET_NEW_CONTACT, data)
                if as_contact
                else execute(_("Create and add"), verbs.ADD_NEW_PARTICIPANT, data)
            ]
        ),
    ]
    title = _("Who is the main person at the customer?") if as_contact else _("Who else at the customer is involved?")
    return _form(view, title, body, message)


def remove_participant_form(view: RecordView, errors: Errors | None = None, message: str = "") -> Card:
    """The participants as many as fit; for the others, the text command."""
    choices = [contact_choice(c) for c in view.participants]
    ref = view.record.ref

    def form(offered: list[tuple[str, str]]) -> Card:
        body: list[Element] = [
            *choice_set("contact", _("Participant"), offered, errors=errors),
            action_set(
                [execute(_("Remove participant"), verbs.REMOVE_PARTICIPANT, record_data(view.record), "destructive")]
            ),
        ]
        if len(offered) < len(choices) or not offered:
            others = _(
                "Showing {shown} of {n}; for anyone else type: remove participant {ref} ‹name or email›",
                shown=len(offered),
                n=len(choices),
                ref=ref,
            )
            body.append(subtle(others))
        return _form(view, _("Who should no longer be a participant?"), body, message)

    return form(choices[: _fit_choices(choices, form)])


def follower_form(view: RecordView, colleagues: list[User], errors: Errors | None = None, message: str = "") -> Card:
    """The Teams people picker; colleagues the bot already knows are offered too (Teams shows both)."""
    following = {f.user.id for f in view.followers}
    known = [(u.name or _("Unknown"), u.aad_object_id) for u in colleagues if u.aad_object_id and u.id not in following]
    body: list[Element] = [
        *choice_set(
            "follower",
            _("Colleague"),
            [(name, aad) for name, aad in known if aad],
            dataset=verbs.PEOPLE_DATASET,
            placeholder=_("Type a colleague's name"),
            errors=errors,
        ),
        *follow_for_choice(),
        subtle(_("They will be told about every change to this record, and once that you added them.")),
        action_set([execute(_("Add follower"), verbs.ADD_FOLLOWER, record_data(view.record), "positive")]),
    ]
    return _form(view, _("Who should follow this record?"), body, message)


def comment_form(
    view: RecordView,
    values: Values | None = None,
    errors: Errors | None = None,
    message: str = "",
    viewer_id: int | None = None,
) -> Card:
    body: list[Element] = [
        *text_input(
            "comment",
            _("Comment"),
            (values or {}).get("comment"),
            max_length=MAX_COMMENT,
            required=True,
            multiline=True,
            placeholder=_("What happened? What did the customer say?"),
            errors=errors,
        ),
        will_notify(view, viewer_id, EventKind.COMMENTED),
        action_set([execute(_("Add comment"), verbs.COMMENT, record_data(view.record), "positive")]),
    ]
    return _form(view, _("Add a comment"), body, message)


def stage_form(
    view: RecordView, errors: Errors | None = None, message: str = "", viewer_id: int | None = None,
    stages: tuple[str, ...] | None = None, reasons: tuple[str, ...] = (), moves: list[tuple[str, str]] | None = None,
) -> Card:  # fmt: skip
    """The record's pipeline's stages (a lead's, or the default pipeline's, unless `stages`); with `reasons`, why it
    was lost when Lost is picked; with `moves`, the stages of the organisation's other pipelines."""
    record = view.record
    choices = [(stage_label(s), s) for s in (stages or stages_for(record.kind))]
    data = {**record_data(record), "seen_stage": record.stage}
    body: list[Element] = [*choice_set("stage", _("Stage"), choices, value=record.stage, errors=errors)]
    if reasons and any(s in LOSING_STAGES for _title, s in choices):
        label = _("If it is disqualified: why?") if record.kind is Kind.LEAD else _("If it is lost: why?")
        body += reason_inputs(reasons, label, errors)
    body += [
        will_notify(view, viewer_id, EventKind.STAGE_CHANGED),
        action_set([execute(_("Change stage"), verbs.CHANGE_STAGE, data, "positive")]),
        *move_section(moves or [], record_data(record), errors),
    ]
    return _form(view, _("Move {ref} to another stage", ref=record.ref), body, message)


def convert_confirm_card(view: RecordView, viewer_id: int | None = None) -> Card:
    record = view.record
    question = _(
        "Turn lead {ref} into an opportunity? It keeps the Contact, the other participants, the followers, "
        "the comments and the timeline. The lead stays, marked Converted.",
        ref=record.ref,
    )
    body: list[Element] = [
        text(question),
        will_notify(view, viewer_id, EventKind.CONVERTED),
        action_set([execute(_("Convert"), verbs.CONVERT, record_data(record), "positive")]),
    ]
    return _form(view, _("Convert to opportunity"), body)

"""The forms behind Edit details, Change owner and Archive on the record card. Each carries the record's
reference and version, and comes back with what was typed and a message beside each refused field."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.edits import apply_mine_title, custom_shown, detail_values, fingerprint, shown_of
from bot.domain.fields import CustomField
from bot.domain.language import _
from bot.domain.models import Conflict, Record, RecordView, User
from bot.domain.money import CURRENCIES, MAX_MAJOR, as_decimal
from bot.domain.rules import MAX_COMMENT, MAX_TITLE
from cards import verbs
from cards.common import Card, action_set, choice_set, execute, room_left, subtle, text, text_input, with_error
from cards.details import company_of
from cards.elements import Action, Element, InputDate, InputNumber
from cards.fields import field_input, fitting_inputs, shown_ids
from cards.forms import Errors, Values, _form
from cards.records import record_data

_PLAIN_NUMBER = re.compile(r"\d{1,12}(?:\.\d{1,4})?")


def details_values(view: RecordView, default_currency: str | None) -> Values:
    """The form's starting values: what the record holds now."""
    record = view.record
    value = "" if record.value is None or not record.currency else str(as_decimal(record.value, record.currency))
    return {
        "title": record.title,
        "value": value,
        "currency": record.currency or default_currency or "",
        "close_date": record.close_date or "",
        "company": record.company or "",
        "next_step": record.next_step or "",
        "description": record.description or "",
    }


def _number(input_id: str, label: str, value: str, errors: Errors | None) -> list[Element]:
    element: InputNumber = {"type": "Input.Number", "id": input_id, "label": label, "min": 0, "max": MAX_MAJOR - 1}
    if _PLAIN_NUMBER.fullmatch(value):  # anything else (1e309, abc) is shown empty, with the message beside it
        element["value"] = float(value)
    return with_error(element, errors)


def _date(input_id: str, label: str, value: str, errors: Errors | None) -> list[Element]:
    element: InputDate = {"type": "Input.Date", "id": input_id, "label": label}
    if value and len(value) == 10:
        element["value"] = value
    return with_error(element, errors)


def details_form(
    view: RecordView, values: Values, errors: Errors | None = None, message: str = "",
    fields: Sequence[CustomField] = (), colleagues: Sequence[User] = (), shown: dict[str, str] | None = None,
) -> Card:  # fmt: skip
    """The record's details, then its custom fields as many as fit in a card (the others on More fields pages).
    `shown`: what the form first showed (fingerprints), kept when it comes back with errors; by default the
    record as it is and `values`' custom fields, so that a save changes only what its sender changed."""
    if shown is None:
        shown = shown_of(view.record) | custom_shown(values, [f.input_id for f in fields])
    currencies = [(code, code) for code in CURRENCIES]
    body: list[Element] = [
        *text_input("title", _("Title"), values.get("title"), max_length=MAX_TITLE, required=True, errors=errors),
        *_number("value", _("Value"), values.get("value", ""), errors),
        *choice_set("currency", _("Currency"), currencies, value=values.get("currency"), errors=errors),
        *_date("close_date", _("Expected close date"), values.get("close_date", ""), errors),
        *text_input(
            "company",
            _("Company"),
            values.get("company"),
            max_length=200,
            placeholder=company_of(view) or None,
            errors=errors,
        ),
        *text_input("next_step", _("Next step"), values.get("next_step"), max_length=200, errors=errors),
        *text_input(
            "description",
            _("Description"),
            values.get("description"),
            max_length=MAX_COMMENT,
            multiline=True,
            errors=errors,
        ),
    ]

    def form(on_form: Sequence[CustomField], more: int) -> Card:
        custom = [e for f in on_form for e in field_input(f, values, errors, colleagues)]
        data = {**record_data(view.record), "shown": shown, "fields": shown_ids(on_form)}
        buttons: list[Action] = [execute(_("Save details"), verbs.EDIT_DETAILS, data, "positive")]
        if more:
            start = {**record_data(view.record), "start": len(on_form)}
            buttons.append(execute(_("More fields ({n})", n=more), verbs.RECORD_FIELDS_FORM, start, inputs=False))
        tail: list[Element] = [
            subtle(_("Followers are told about a new value or close date; the other details go on the timeline.")),
            action_set(buttons),
        ]
        return _form(view, _("Edit the details of {ref}", ref=view.record.ref), [*body, *custom, *tail], message)

    if not fields:
        return form([], 0)
    room = room_left(form([], len(fields))) - 512  # the More fields button's own room
    count = fitting_inputs(fields, values, errors, room, colleagues) if room > 0 else 0
    return form(fields[:count], len(fields) - count)


def fields_form(
    view: RecordView, fields: Sequence[CustomField], start: int, values: Values, errors: Errors | None = None,
    message: str = "", colleagues: Sequence[User] = (), marks: dict[str, str] | None = None,
) -> Card:  # fmt: skip
    """One page of a record's custom fields from `start`, as many as fit; Save keeps those, More goes on.
    `marks`: what the page first showed (fingerprints), kept when it comes back with errors; by default
    `values`' own, so that a save changes only what its sender changed."""
    rest = list(fields[start:])

    def form(shown: Sequence[CustomField]) -> Card:
        custom = [e for f in shown for e in field_input(f, values, errors, colleagues)]
        showed = custom_shown(values, [f.input_id for f in shown]) | (marks or {})
        data = {**record_data(view.record), "fields": shown_ids(shown), "start": start, "shown": showed}
        buttons: list[Action] = [execute(_("Save fields"), verbs.SAVE_FIELDS, data, "positive")]
        if start + len(shown) < len(fields):
            after = {**record_data(view.record), "start": start + len(shown)}
            buttons.append(
                execute(
                    _("More fields ({n})", n=len(fields) - start - len(shown)),
                    verbs.RECORD_FIELDS_FORM,
                    after,
                    inputs=False,
                )
            )
        title = _(
            "The fields of {ref} ({first} to {last} of {n})",
            ref=view.record.ref,
            first=start + 1,
            last=start + len(shown),
            n=len(fields),
        )
        return _form(view, title, [*custom, action_set(buttons)], message)

    if not rest:
        return _form(view, _("{ref} has no more fields.", ref=view.record.ref), [], message)
    room = room_left(form([])) - 512
    count = fitting_inputs(rest, values, errors, room, colleagues) if room > 0 else 1
    page = form(rest[:count])
    while count > 1 and room_left(page) < 0:  # the page's fingerprints, a few dozen bytes a field, on top
        count -= 1
        page = form(rest[:count])
    return page


def owner_form(view: RecordView, colleagues: list[User], errors: Errors | None = None, message: str = "") -> Card:
    """The Teams people picker; colleagues the bot already knows are offered too."""
    known = [(u.name or _("Unknown"), u.aad_object_id) for u in colleagues if u.aad_object_id]
    body: list[Element] = [
        text(_("Owner now: {name}", name=view.owner.name or _("Unknown"))),
        *choice_set(
            "owner",
            _("New owner"),
            [(name, aad) for name, aad in known if aad and aad != view.owner.aad_object_id],
            dataset=verbs.PEOPLE_DATASET,
            placeholder=_("Type a colleague's name"),
            errors=errors,
        ),
        subtle(_("The new owner follows the record and is told; the followers are told too.")),
        action_set([execute(_("Hand over"), verbs.SET_OWNER, record_data(view.record), "positive")]),
    ]
    return _form(view, _("Who should own {ref}?", ref=view.record.ref), body, message)


def archive_confirm_card(view: RecordView) -> Card:
    record = view.record
    body: list[Element] = [
        text(
            _(
                "Archive {ref}? It leaves the lists and searches and can't be changed until restored; "
                "its timeline is kept and its followers are told.",
                ref=record.ref,
            )
        ),
        action_set([execute(_("Archive"), verbs.ARCHIVE, record_data(record), "destructive")]),
    ]
    return _form(view, _("Archive {ref}", ref=record.ref), body)


def apply_mine_actions(record: Record, conflicts: tuple[Conflict, ...]) -> list[Element]:
    """One button per field kept because someone else changed it: it applies what the sender typed, checked
    again against the record as it is now (it carries the fingerprint of the value it replaces)."""
    if not conflicts:
        return []
    buttons: list[Action] = []
    for conflict in conflicts:
        data = {**record_data(record), "shown": {conflict.field: fingerprint(detail_values(record)[conflict.field])}}
        buttons.append(
            execute(apply_mine_title(conflict)[:80], verbs.EDIT_DETAILS, {**data, **conflict.typed}, inputs=False)
        )
    return [action_set(buttons)]

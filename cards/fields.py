"""Custom fields on cards: the organisation's list of fields (with the admins' forms to add, rename and
remove one), the facts a record or contact card shows (only fields with a value, within a budget so the card
stays small), and the inputs of the forms that fill them in, each by its field's type."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.fields import (
    MAX_CHOICE,
    MAX_NAME,
    MAX_TEXT,
    AppliesTo,
    CustomField,
    FieldType,
    FieldValue,
    form_value,
    shown,
    type_names,
)
from bot.domain.language import _
from bot.domain.models import User
from cards import verbs
from cards.common import (
    CARD_BUDGET,
    Card,
    action_set,
    card,
    choice_set,
    execute,
    facts,
    fitting,
    heading,
    notice,
    plain,
    section,
    shortened,
    size_of,
    subtle,
    text,
    text_input,
    with_error,
)
from cards.elements import Action, Element, InputDate

FIELDS_ON_CARD = 3 * 1024  # bytes of JSON a record card gives its custom fields before "and N more"
VALUE_ON_CARD = 120  # characters of one value a card shows
Values = dict[str, str]
Errors = dict[str, str]


def _short(value: str) -> str:
    return value if len(value) <= VALUE_ON_CARD else value[: VALUE_ON_CARD - 1] + "…"


def field_facts(values: Sequence[FieldValue], locale: str | None = None, room: int = FIELDS_ON_CARD) -> list[Element]:
    """The fields with a value as facts, as many as fit in `room` bytes; then how many more (in Edit details)."""
    pairs = [(plain(v.field.name), plain(_short(shown(v, locale)))) for v in values]
    if not pairs:
        return []
    count = fitting(pairs, lambda p: {"title": p[0], "value": p[1]}, room)
    found: list[Element] = [facts(pairs[:count])]
    if count < len(pairs):
        found.append(subtle(_("and {n} more fields: Edit details", n=len(pairs) - count)))
    return found


def field_summary(values: Sequence[FieldValue], limit: int = 3) -> str:
    """A few `Name: value` pairs on one line (the message extension's preview), as plain text."""
    return " · ".join(f"{v.field.name}: {_short(shown(v))}" for v in values[:limit])


# --- inputs ----------------------------------------------------------------------------------------


def form_values(values: Sequence[FieldValue]) -> Values:
    return {v.field.input_id: form_value(v) for v in values}


def field_input(
    field: CustomField, values: Values, errors: Errors | None, colleagues: Sequence[User] = ()
) -> list[Element]:
    """The input that edits one field, by its type, with the server's message beside it when it refused it."""
    input_id, label, value = field.input_id, field.name, values.get(field.input_id, "")
    kind = field.type
    if kind is FieldType.CHOICE:
        options = [(c, c) for c in field.choices] + [(_("(none)"), "none")]
        return choice_set(input_id, label, options, value=value or None, placeholder=_("Pick one"), errors=errors)
    if kind is FieldType.YES_NO:
        options = [(_("Yes"), "yes"), (_("No"), "no"), (_("(none)"), "none")]
        return choice_set(input_id, label, options, value=value or None, errors=errors)
    if kind is FieldType.COLLEAGUE:
        known = [(u.name or _("Unknown"), str(u.aad_object_id)) for u in colleagues if u.aad_object_id]
        if value and value not in {aad for _name, aad in known}:
            known.insert(0, (value, value))
        if not known:  # nobody to offer (a ChoiceSet needs a choice): their name or email, looked up on save
            return text_input(
                input_id, label, value, max_length=254, placeholder=_("A colleague's name or email"), errors=errors
            )
        return choice_set(
            input_id, label, known, value=value or None, dataset=verbs.PEOPLE_DATASET,
            placeholder=_("Type a colleague's name"), errors=errors,
        )  # fmt: skip
    if kind is FieldType.DATE:
        element: InputDate = {"type": "Input.Date", "id": input_id, "label": label}
        if len(value) == 10:
            element["value"] = value
        return with_error(element, errors)
    hint = {
        FieldType.NUMBER: _("A number, e.g. 25 or 25.5"),
        FieldType.MONEY: _("Amount and currency, e.g. 25000 EUR"),
    }.get(kind)
    limit = MAX_TEXT if kind is FieldType.TEXT else 60
    return text_input(input_id, label, value, max_length=limit, placeholder=hint, errors=errors)


def fitting_inputs(
    fields: Sequence[CustomField], values: Values, errors: Errors | None, room: int, colleagues: Sequence[User] = ()
) -> int:
    """How many of `fields`, from the first, fit in `room` bytes as inputs (at least one)."""
    return fitting(list(fields), lambda f: field_input(f, values, errors, colleagues), room)


def shown_ids(fields: Sequence[CustomField]) -> str:
    """What a form carries to say which fields it showed (`12,13,14`)."""
    return ",".join(f.key for f in fields)


# --- the organisation's fields ---------------------------------------------------------------------


def fields_card(fields: Sequence[CustomField], admin: bool, message: str = "", good: bool = True) -> Card:
    """Every field, grouped by what it is on; admins get the forms to add, rename and remove them."""
    body: list[Element] = [notice(message, good)] if message else []
    body.append(heading(_("Custom fields")))
    if not fields:
        body.append(text(_("Your organisation has no custom fields yet.")))
    room = CARD_BUDGET - 4 * 1024  # the heading, the buttons and the hint below
    hidden = 0
    for where in AppliesTo:
        mine = [f for f in fields if f.applies_to is where]
        if not mine:
            continue
        rows = [
            (plain(f.name), plain(shortened(f.type.label + (": " + ", ".join(f.choices) if f.choices else ""), 100)))
            for f in mine
        ]
        shown_rows = rows[: fitting(rows, lambda r: {"title": r[0], "value": r[1]}, room - size_of(body))]
        hidden += len(rows) - len(shown_rows)
        if size_of(body) > room:
            hidden += len(shown_rows)
            continue
        body += [section(_("On {what} ({n})", what=where.label, n=len(mine))), facts(shown_rows)]
    if hidden:
        body.append(subtle(_("and {n} more fields", n=hidden)))
    if admin:
        buttons: list[Action] = [execute(_("Add field"), verbs.FIELD_FORM, {}, "positive")]
        if fields:
            buttons.append(execute(_("Rename or remove"), verbs.FIELD_MANAGE_FORM, {}))
        body.append(action_set(buttons))
        body.append(subtle(_("Or type: field add opportunity Region choice EMEA, Americas, APAC")))
    else:
        body.append(subtle(_("Admins add and change fields (see admins).")))
    return card(body)


def field_add_form(values: Values | None = None, errors: Errors | None = None, message: str = "") -> Card:
    values = values or {}
    on = [(w.label, w.value) for w in AppliesTo]
    types = [(t.label, t.value) for t in FieldType]
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [
        heading(_("Add a custom field")),
        *choice_set(
            "applies_to", _("On"), on, value=values.get("applies_to") or AppliesTo.OPPORTUNITY.value, errors=errors
        ),
        *text_input("name", _("Name"), values.get("name"), max_length=MAX_NAME, required=True, errors=errors),
        *choice_set("type", _("Type"), types, value=values.get("type") or FieldType.TEXT.value, errors=errors),
        *text_input(
            "choices",
            _("Choices (a choice field's, separated by commas)"),
            values.get("choices"),
            max_length=50 * (MAX_CHOICE + 2),
            multiline=True,
            placeholder="EMEA, Americas, APAC",
            errors=errors,
        ),
        subtle(_("Types: {types}.", types=type_names())),
        action_set(
            [
                execute(_("Add field"), verbs.FIELD_ADD, {}, "positive"),
                execute(_("Back"), verbs.FIELDS_SHOW, {}, inputs=False),
            ]
        ),
    ]
    return card(body)


def field_manage_form(
    fields: Sequence[CustomField], values: Values | None = None, errors: Errors | None = None, message: str = ""
) -> Card:
    """Pick a field: give it a new name, or remove it."""
    values = values or {}
    choices = [(f"{f.name} · {f.applies_to.label} · {f.type.label}", f.key) for f in fields]
    body: list[Element] = [notice(message, good=False)] if message else []
    body += [
        heading(_("Rename or remove a field")),
        *choice_set("field", _("Field"), choices, value=values.get("field"), errors=errors),
        *text_input("new_name", _("New name"), values.get("new_name"), max_length=MAX_NAME, errors=errors),
        subtle(_("Removing a field takes it off every card and form; the timeline keeps the values it had.")),
        action_set(
            [
                execute(_("Rename"), verbs.FIELD_RENAME, {}, "positive"),
                execute(_("Remove"), verbs.FIELD_REMOVE_CONFIRM, {}, "destructive"),
                execute(_("Back"), verbs.FIELDS_SHOW, {}, inputs=False),
            ]
        ),
    ]
    return card(body)


def field_remove_confirm(field: CustomField) -> Card:
    body: list[Element] = [
        heading(_("Remove the field {name}?", name=plain(field.name))),
        text(
            _(
                "It leaves every card, form and export of {what}; the values it holds leave the records and contacts. "
                "The timelines keep the values that were set.",
                what=field.applies_to.label,
            )
        ),
        action_set(
            [
                execute(_("Remove field"), verbs.FIELD_REMOVE, {"field": field.key}, "destructive"),
                execute(_("Back"), verbs.FIELDS_SHOW, {}, inputs=False),
            ]
        ),
    ]
    return card(body)

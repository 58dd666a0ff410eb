"""Contact upkeep cards: the Edit form (what was typed kept, a message beside each refused field) and the
erase confirmation."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.edits import contact_shown, custom_shown
from bot.domain.fields import CustomField
from bot.domain.language import _
from bot.domain.models import Contact, User
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
    room_left,
    subtle,
    text,
    text_input,
)
from cards.elements import Element
from cards.fields import field_input, fitting_inputs, shown_ids


def contact_values(contact: Contact) -> dict[str, str]:
    return {
        "name": contact.name,
        "email": contact.email or "",
        "phone": contact.phone or "",
        "company": contact.company or "",
        "job_title": contact.job_title or "",
    }


def contact_edit_form(
    contact_id: int, values: dict[str, str], errors: dict[str, str] | None = None, message: str = "",
    fields: Sequence[CustomField] = (), colleagues: Sequence[User] = (), shown: dict[str, str] | None = None,
) -> Card:  # fmt: skip
    """The contact's details, then its custom fields (as many as a card holds). `values`: the inputs' values;
    `shown`: what the form first showed (fingerprints; by default `values`'), so that a save changes only what
    its sender changed."""
    body: list[Element] = [heading(_("Edit contact"))]
    if message:
        body.append(notice(message, good=False))
    body += text_input("name", _("Name"), values.get("name"), max_length=200, required=True, errors=errors)
    body += text_input("email", _("Email"), values.get("email"), max_length=254, style="Email", errors=errors)
    body += text_input("phone", _("Phone"), values.get("phone"), max_length=50, style="Tel", errors=errors)
    body += text_input("company", _("Company"), values.get("company"), max_length=200, errors=errors)
    body += text_input("job_title", _("Job title"), values.get("job_title"), max_length=200, errors=errors)
    room = room_left(card(body)) - 2048  # the buttons below
    on_form = list(fields[: fitting_inputs(fields, values, errors, room, colleagues)]) if fields and room > 0 else []
    body += [e for f in on_form for e in field_input(f, values, errors, colleagues)]
    data = {"contact": str(contact_id)}
    if shown is None:
        shown = contact_shown(values) | custom_shown(values, [f.input_id for f in on_form])
    saved = {**data, "shown": shown, "fields": shown_ids(on_form)}
    body.append(action_set([execute(_("Save contact"), verbs.CONTACT_SAVE, saved, "positive")]))
    body.append(
        action_set(
            [
                execute(_("Merge into…"), verbs.CONTACT_MERGE_FORM, data, inputs=False),
                execute(_("Delete contact"), verbs.CONTACT_DELETE, data, "destructive", inputs=False),
                execute(_("Erase (data protection)"), verbs.CONTACT_ERASE_CONFIRM, data, inputs=False),
            ]
        )
    )
    return card(body)


def erase_confirm_card(contact: Contact, refs: list[str]) -> Card:
    shown = ", ".join(refs[:10])
    on = ""
    if refs:
        on = " " + (
            _("They are on {refs} and more.", refs=shown) if len(refs) > 10 else _("They are on {refs}.", refs=shown)
        )
    body: list[Element] = [
        heading(_("Erase a person's data?")),
        text(f"{plain(contact.label)}.{on}"),
        text(
            _(
                "Their name, email, phone and company are removed everywhere: the contact list, the timelines, "
                "comments, pending notifications and email logs. Records will show “erased contact”. "
                "This cannot be undone."
            )
        ),
        subtle(_("The erasure is logged (who, when), without the person's data.")),
        action_set([execute(_("Erase"), verbs.CONTACT_ERASE, {"contact": str(contact.id)}, "destructive")]),
    ]
    return card(body)


def contact_done_card(message: str) -> Card:
    """What replaces a contact card after a merge, deletion or erasure."""
    return card([notice(message)])


def merge_form(contact: Contact, others: list[Contact], errors: dict[str, str] | None = None) -> Card:
    """Pick the entry that stays: it takes this contact's roles on every record; this one is deleted."""
    choices = [(" · ".join(p for p in (c.name, c.email, c.company) if p), str(c.id)) for c in others]
    body: list[Element] = [
        heading(_("Merge contacts")),
        text(
            _(
                "{contact} goes into the contact you pick, who keeps the roles of both on every record.",
                contact=plain(contact.label),
            )
        ),
        *choice_set(
            "into",
            _("Keep"),
            choices,
            dataset=verbs.CONTACTS_DATASET,
            placeholder=_("Type a name or email"),
            errors=errors,
        ),
        action_set([execute(_("Merge"), verbs.CONTACT_MERGE, {"contact": str(contact.id)}, "positive")]),
    ]
    return card(body)

"""The buying-roles form: one role picker per customer person of a record (the Contact first), a page
at a time so the card stays small with hundreds of participants."""

from __future__ import annotations

from bot.domain.buying import BuyingRole
from bot.domain.language import N_, _, translated
from bot.domain.models import Contact, RecordView
from cards import verbs
from cards.common import Card, action_set, card, choice_set, execute, notice, subtle, text
from cards.elements import Action, Element
from cards.records import person_line, record_data, record_header

ROLES_PAGE = 20  # people per page of the form (each picker costs ~0.6 KB)
NO_ROLE = "none"
SIGNS = N_("A Decision maker or an Economic buyer is who signs; open deals from Proposal on without one are flagged.")


def role_choices() -> list[tuple[str, str]]:
    """The role picker's choices in the reader's language."""
    return [(_("No role"), NO_ROLE), *((translated(r.label), r.value) for r in BuyingRole)]


def role_input(contact_id: int) -> str:
    return f"role_{contact_id}"


def page_of(view: RecordView, person: int | None) -> int:
    """The page of the form where `person` is (0 when they are not on the record)."""
    ids = [c.id for c in view.people]
    return ids.index(person) // ROLES_PAGE if person in ids else 0


def roles_form(
    view: RecordView, page: int = 0, errors: dict[str, str] | None = None, message: str = "", good: bool = False
) -> Card:
    """Everyone's buying role on one form; Save changes only the pickers that were changed."""
    record, people = view.record, view.people
    pages = max(1, -(-len(people) // ROLES_PAGE))
    page = min(max(page, 0), pages - 1)
    body: list[Element] = [notice(message, good)] if message else []
    body += [*record_header(record), text(_("Who is who at the customer?"), weight="Bolder")]
    if not people:
        nobody = _("Nobody from the customer is on {ref} yet: set the Contact or add participants.", ref=record.ref)
        body.append(subtle(nobody))
        return card([*body, action_set(_back_and_people(view))])
    body.append(subtle(translated(SIGNS)))
    shown = people[page * ROLES_PAGE : (page + 1) * ROLES_PAGE]
    pickers, shown_roles = _pickers(view, shown, errors)
    body += pickers
    if pages > 1:
        first = page * ROLES_PAGE + 1
        last = first + len(shown) - 1
        turning = _(
            "People {first}–{last} of {n}; save before turning the page.", first=first, last=last, n=len(people)
        )
        body.append(subtle(turning))
    data = {**record_data(record), "page": page, "shown": shown_roles}
    actions: list[Action] = [execute(_("Save roles"), verbs.SET_ROLES, data, "positive")]
    for title, to in ((_("Previous"), page - 1), (_("Next"), page + 1)):
        if 0 <= to < pages:
            actions.append(execute(title, verbs.ROLES_FORM, {**record_data(record), "page": to}, inputs=False))
    return card([*body, action_set(actions), action_set(_back_and_people(view)[:1])])


def _pickers(
    view: RecordView, shown: tuple[Contact, ...], errors: dict[str, str] | None
) -> tuple[list[Element], dict[str, str]]:
    """A role picker per person, and the roles they showed (so that Save changes only what was changed)."""
    pickers: list[Element] = []
    shown_roles: dict[str, str] = {}
    choices = role_choices()
    for contact in shown:
        role = view.buying_roles.get(contact.id)
        shown_roles[str(contact.id)] = role.value if role else NO_ROLE
        label = person_line(contact)
        if view.contact and contact.id == view.contact.id:
            label = _("{person} (Contact)", person=label)
        pickers += choice_set(role_input(contact.id), label, choices, value=shown_roles[str(contact.id)], errors=errors)
    return pickers, shown_roles


def _back_and_people(view: RecordView) -> list[Action]:
    ref = view.record.ref
    data = record_data(view.record)
    return [
        execute(_("Back"), verbs.RECORD_SHOW, {"ref": ref}, inputs=False),
        execute(_("Set contact"), verbs.CONTACT_FORM, data),
        execute(_("Add participant"), verbs.PARTICIPANT_FORM, data),
    ]

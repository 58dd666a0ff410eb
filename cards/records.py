"""Record cards: the full record, compact lists, and the new-record form."""

from __future__ import annotations

from bot.models import Contact, Kind, Record, RecordView
from cards import verbs
from cards.common import (
    Card,
    Element,
    action_set,
    bullet_list,
    card,
    execute,
    facts,
    heading,
    notice,
    section,
    subtle,
    text,
    text_input,
    when,
)
from cards.notifications import notify_choice_elements


def _money(record: Record) -> str:
    if record.value is None:
        return ""
    amount = f"{record.value:,.2f}".rstrip("0").rstrip(".")
    return f"{amount} {record.currency}".strip() if record.currency else amount


def _person(contact: Contact) -> str:
    parts = [contact.name]
    if contact.email:
        parts.append(contact.email)
    if contact.company:
        parts.append(contact.company)
    return " · ".join(parts)


def record_card(view: RecordView, viewer_id: int | None = None, message: str = "", good: bool = True) -> Card:
    """The record as its team sees it: the facts, the three roles and the latest timeline."""
    record = view.record
    body: list[Element] = []
    if message:
        body.append(notice(message, good))
    body += [
        subtle(f"{record.ref} · {record.kind.label}"),
        heading(record.title),
        facts(
            [
                ("Stage", record.stage),
                ("Value", _money(record)),
                ("Company", record.company or ""),
                ("Owner", view.owner.name or "Unknown"),
                ("Converted to", record.converted_to or ""),
                ("Converted from", record.converted_from or ""),
            ]
        ),
        section("Contact"),
        text(_person(view.contact)) if view.contact else subtle("No Contact yet"),
        section(f"Other participants ({len(view.participants)})"),
        *bullet_list([_person(c) for c in view.participants]),
        section(f"Followers ({len(view.followers)})"),
        *bullet_list([f.user.name or "Unknown" for f in view.followers], empty="Nobody follows this record"),
    ]
    if viewer_id is not None:
        follows = view.is_follower(viewer_id)
        body.append(subtle("You follow this record." if follows else "You don't follow this record."))
        mine = next((f for f in view.followers if f.user.id == viewer_id), None)
        if mine is not None:
            body += notify_choice_elements(record.ref, mine.notify)
    body.append(section("Latest activity"))
    body += bullet_list([f"{event.describe()} · {when(event.at)}" for event in view.timeline], empty="Nothing yet")
    return card(body)


def record_list_card(title: str, records: list[Record], empty: str, more_hint: str = "") -> Card:
    """A compact list; each row opens the record when clicked."""
    body: list[Element] = [heading(title)]
    if not records:
        body.append(text(empty))
    for record in records:
        body.append(
            {
                "type": "Container",
                "selectAction": {
                    "type": "Action.Submit",
                    "title": f"Show {record.ref}",
                    "data": {
                        "msteams": {
                            "type": "messageBack",
                            "text": f"show {record.ref}",
                            "displayText": f"show {record.ref}",
                        },
                        "command": f"show {record.ref}",
                    },
                },
                "items": [
                    text(f"**{record.ref}** {record.title}", spacing="Small"),
                    subtle(" · ".join(p for p in (record.kind.label, record.stage, record.company or "") if p)),
                ],
                "separator": True,
            }
        )
    if more_hint:
        body.append(subtle(more_hint))
    return card(body)


def new_record_form(
    kind: Kind, values: dict[str, str] | None = None, errors: dict[str, str] | None = None, message: str = ""
) -> Card:
    values = values or {}
    body: list[Element] = [heading(f"New {kind.label.lower()}")]
    if message:
        body.append(notice(message, good=False))
    body += text_input("title", "Title", values.get("title"), max_length=200, required=True, errors=errors)
    body += text_input("company", "Company", values.get("company"), max_length=200, errors=errors)
    body.append(
        action_set([execute(f"Create {kind.label.lower()}", verbs.RECORD_CREATE, {"kind": kind.value}, "positive")])
    )
    return card(body)


def search_results_card(query: str, records: list[Record], contacts: list[Contact]) -> Card:
    from cards.contacts import contact_line

    result = record_list_card(f"Found for “{query[:40]}”", records, "No record matches.")
    result["body"].append(text("Contacts", weight="Bolder", spacing="Medium", separator=True))
    if not contacts:
        result["body"].append(subtle("No contact matches."))
    result["body"] += [text(contact_line(c)) for c in contacts]
    return result

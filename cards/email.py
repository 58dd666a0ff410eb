"""The email compose card: To = the Contact, CC = the Other participants."""

from __future__ import annotations

from urllib.parse import quote

from bot.models import RecordView
from cards import verbs
from cards.common import Card, Element, action_set, card, execute, facts, heading, notice, subtle, text


def mailto_link(to: list[str], cc: list[str], subject: str, body: str = "") -> str:
    """An RFC 6068 mailto: URL: spaces as %20, line breaks as %0D%0A, every field percent-encoded."""
    address = ",".join(quote(a, safe="@") for a in to)
    body = body.replace("\r\n", "\n").replace("\n", "\r\n")
    fields = [
        ("cc", quote(",".join(cc), safe="@,")),
        ("subject", quote(subject, safe="")),
        ("body", quote(body, safe="")),
    ]
    query = "&".join(f"{k}={v}" for k, v in fields if v)
    return f"mailto:{address}" + (f"?{query}" if query else "")


def compose_card(view: RecordView) -> Card:
    record = view.record
    body: list[Element] = [subtle(f"{record.ref} · {record.kind.label}"), heading(f"Email about {record.title}")]
    contact = view.contact
    if contact is None or not contact.email:
        who = "has no Contact yet" if contact is None else f"has a Contact ({contact.name}) without an email"
        body.append(notice(f"{record.ref} {who}.", good=False))
        body.append(text(f"Set one first: **contact {record.ref} <name or email>**, or the button below."))
        body.append(action_set([execute("Set contact", verbs.CONTACT_FORM, {"ref": record.ref}), _back(record.ref)]))
        return card(body)
    cc = [p.email for p in view.participants if p.email]
    body.append(facts([("To", contact.email), ("CC", ", ".join(cc) or "nobody"), ("Subject", record.title)]))
    body.append(subtle("Opens a new message in your mail app, addressed as above."))
    link = mailto_link([contact.email], cc, record.title)
    body.append(action_set([{"type": "Action.OpenUrl", "title": "Open in Outlook", "url": link}, _back(record.ref)]))
    return card(body)


def _back(ref: str) -> Element:
    return execute("Back", verbs.RECORD_SHOW, {"ref": ref}, inputs=False)

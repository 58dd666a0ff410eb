"""What an edit form showed, so that a save changes only what its sender changed: a short fingerprint of
each field's value as the form showed it travels in the form's Save button, and on save it is compared with
what was typed (did the sender change it?) and with the record now (did someone else change it since?).
No I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from bot.domain.models import Contact, Record

# The Edit details form's fields as the record holds them ("value" is the value and its currency together).
DETAIL_KEYS = ("title", "value", "close_date", "company", "next_step", "description")
CONTACT_KEYS = ("name", "email", "phone", "company", "job_title")  # the Edit contact form's
FINGERPRINT = re.compile(r"[0-9a-f]{16}")


def fingerprint(canonical: str) -> str:
    """A field's value, as stored, in 16 hex digits: enough to tell a change, short enough for any card."""
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def money_canonical(value: int | None, currency: str | None) -> str:
    return "" if value is None else f"{value} {currency or ''}"


def detail_values(record: Record) -> dict[str, str]:
    """Each field of the Edit details form, as the record holds it now ("" for none)."""
    return {
        "title": record.title or "",
        "value": money_canonical(record.value, record.currency),
        "close_date": record.close_date or "",
        "company": record.company or "",
        "next_step": record.next_step or "",
        "description": record.description or "",
    }


def shown_of(record: Record) -> dict[str, str]:
    """The fingerprints a form built from `record` carries."""
    return {key: fingerprint(value) for key, value in detail_values(record).items()}


def contact_fields(contact: Contact) -> dict[str, str]:
    """Each field of the Edit contact form, as the contact holds it now ("" for none)."""
    return {key: getattr(contact, key) or "" for key in CONTACT_KEYS}


def contact_shown(values: Mapping[str, str | None]) -> dict[str, str]:
    """The fingerprints an Edit contact form carries, of the contact's fields as it showed them."""
    return {key: fingerprint(values.get(key) or "") for key in CONTACT_KEYS}

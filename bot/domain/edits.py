"""What an edit form showed, so that a save changes only what its sender changed: a short fingerprint of
each field's value as the form showed it travels in the form's Save button, and on save it is compared with
what was typed (did the sender change it?) and with the record now (did someone else change it since?).
No I/O."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

from bot.domain.language import N_, translated
from bot.domain.models import Conflict, Contact, Record

# The Edit details form's fields as the record holds them ("value" is the value and its currency together).
DETAIL_KEYS = ("title", "value", "close_date", "company", "next_step", "description")
CONTACT_KEYS = ("name", "email", "phone", "company", "job_title")  # the Edit contact form's
FINGERPRINT = re.compile(r"[0-9a-f]{16}")

# A field kept because someone else changed it, as the answer names it (whole phrases: each language has its
# own article for each field).
_KEPT = {
    "title": N_("the title is now {now} (yours: {yours})"),
    "value": N_("the value is now {now} (yours: {yours})"),
    "close_date": N_("the close date is now {now} (yours: {yours})"),
    "company": N_("the company is now {now} (yours: {yours})"),
    "next_step": N_("the next step is now {now} (yours: {yours})"),
    "description": N_("the description is now {now} (yours: {yours})"),
    "name": N_("the name is now {now} (yours: {yours})"),
    "email": N_("the email is now {now} (yours: {yours})"),
    "phone": N_("the phone is now {now} (yours: {yours})"),
    "job_title": N_("the job title is now {now} (yours: {yours})"),
}
# The button that applies what the sender typed for a field kept (Edit details).
_APPLY_MINE = {
    "title": N_("Apply mine: title {value}"),
    "value": N_("Apply mine: value {value}"),
    "close_date": N_("Apply mine: close date {value}"),
    "company": N_("Apply mine: company {value}"),
    "next_step": N_("Apply mine: next step {value}"),
    "description": N_("Apply mine: description {value}"),
}


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


def kept_said(conflict: Conflict) -> str:
    """`the value is now 50,000.00 EUR (yours: 60,000.00 EUR)`, in the reader's language."""
    return translated(_KEPT[conflict.field], now=conflict.now, yours=conflict.yours)


def apply_mine_title(conflict: Conflict) -> str:
    """The title of the button that applies what the sender typed (`Apply mine: value 60,000.00 EUR`)."""
    return translated(_APPLY_MINE[conflict.field], value=conflict.yours)


EMPTY = fingerprint("")


def custom_canonical(values: Mapping[str, str | None], input_id: str) -> str:
    """A custom field's inputs as a form holds them (a money field's amount and its currency together)."""
    value = (values.get(input_id) or "").strip()
    currency = (values.get(f"{input_id}_currency") or "").strip()
    return f"{value} {currency}" if value and currency else value


def custom_shown(values: Mapping[str, str | None], input_ids: Iterable[str]) -> dict[str, str]:
    """The fingerprints a form carries of the custom fields it shows."""
    return {input_id: fingerprint(custom_canonical(values, input_id)) for input_id in input_ids}

"""Reading card data, which is never trusted: each field is checked for its type and size."""

from __future__ import annotations

import re
import uuid
from typing import Any

from bot.domain.edits import CONTACT_KEYS, DETAIL_KEYS, FINGERPRINT
from bot.domain.errors import DomainError
from bot.domain.fields import MAX_FIELDS
from bot.domain.language import _
from bot.domain.models import FollowFor

MAX_FIELD_CHARS = 10_000  # anything longer is not a value a card input produced
FORM_KEY = re.compile(r"[0-9a-f]{32}")
_CUSTOM_INPUT = re.compile(r"field_[1-9][0-9]{0,11}", re.ASCII)  # a custom field's input (CustomField.input_id)


class BadPayload(DomainError):
    """Card data that no card of ours sends (tampered, stale or from another client)."""


def text_field(data: dict[str, Any], name: str, required: bool = False) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise BadPayload(_("This card is missing information; please open the record again."))
        return ""
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        raise BadPayload(_("This card sent something I can't read; please open the record again."))
    return value


def int_field(data: dict[str, Any], name: str, default: int | None = None) -> int | None:
    value = data.get(name, default)
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:  # not "²"
        return int(value)
    raise BadPayload(_("This card sent something I can't read; please open the record again."))


def new_form_key() -> str:
    """The idempotency key a create form carries: submitted twice, it creates once."""
    return uuid.uuid4().hex


def form_key_field(data: dict[str, Any]) -> str | None:
    """A create form's key; None on a form from before keys (it creates as asked)."""
    key = text_field(data, "form_key")
    if key and not FORM_KEY.fullmatch(key):
        raise BadPayload(_("This form sent something I can't read; please ask for a new one."))
    return key or None


def follow_for_field(data: dict[str, Any]) -> FollowFor:
    """How long to follow, from the choice beside Follow or Add follower (until the deal closes when absent)."""
    picked = text_field(data, "follow_for")
    if not picked:
        return FollowFor.CLOSED
    if picked not in {option.value for option in FollowFor}:
        raise BadPayload(_("Pick how long to follow from the list."))
    return FollowFor(picked)


def required_int(data: dict[str, Any], name: str, missing: str) -> int:
    """An id the card must carry; `missing` tells the person what to do when it does not."""
    value = int_field(data, name)
    if value is None:
        raise BadPayload(missing)
    return value


def shown_field(data: dict[str, Any], keys: tuple[str, ...] = DETAIL_KEYS) -> dict[str, str] | None:
    """What an edit form showed (fingerprints by field, bot/domain/edits.py); None on a form from before them.
    `keys`: the form's fields (DETAIL_KEYS, or CONTACT_KEYS for Edit contact), and its custom fields' inputs."""
    assert keys in (DETAIL_KEYS, CONTACT_KEYS)
    value = data.get("shown")
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or len(value) > len(keys) + 3 * MAX_FIELDS
        or not all(
            (key in keys or _CUSTOM_INPUT.fullmatch(key)) and isinstance(mark, str) and FINGERPRINT.fullmatch(mark)
            for key, mark in value.items()
        )
    ):
        raise BadPayload(_("This card sent something I can't read; please open the record again."))
    return dict(value)

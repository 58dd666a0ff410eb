"""Checking and cleaning what people type: emails, references, names, lengths. No I/O."""

from __future__ import annotations

import re

from bot.domain.errors import DomainError, NotFound
from bot.domain.language import N_, _, translated
from bot.domain.models import Kind

MAX_NAME = 200
MAX_TITLE = 200
MAX_EMAIL = 254
MAX_FIELD = 200
MAX_COMMENT = 4000
MAX_EVENT_TEXT = 500
TIMELINE_ON_CARD = 5
MAX_SUBJECT = 255  # an email subject
MAX_BODY = 20_000  # an email body
MAX_CC = 25  # people in CC on one email, ticked participants and typed addresses together

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
_REF = re.compile(r"\s*([LOlo])\s*-?\s*(\d{1,9})\s*", re.ASCII)  # 0-9 only: `O-١` is no reference
SEND_ID = re.compile(r"[0-9a-f]{32}")
SEND_REFUSALS = {  # shown through `translated`
    "sent": N_("This email was already sent."),
    "sending": N_("This email is being sent right now."),
    "unknown": N_("The last try may have gone out: check Sent Items in Outlook, then open the email again to resend."),
}
AAD_ID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)  # an Entra object id
MAX_PARTICIPANTS = 100  # Other participants on one record
FOLLOWERS_IN_VIEW = 60  # followers read as people for a card (names shown, refresh ids); the rest are counted
MAX_FOLLOWERS = 1000  # followers of one record (each change notifies every one of them)
TEAMS_USER_ID = re.compile(r"29:[A-Za-z0-9_:.\-]{1,200}")  # a Teams user id, as the member API returns it
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")  # in a Python str, only a lone one survives decoding
# Bidi embeddings, overrides and isolates: U+202E makes `Ann \u202eexe.gpj` read `Ann jpg.exe`. Right-to-left text
# itself needs none of them (its letters carry their direction; U+200E/U+200F marks stay).
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def picked_ids(picked: str, teams_id: str | None, aad_object_id: str | None) -> tuple[str | None, str | None] | None:
    """A people picker's pick as (Teams id, Entra object id), or None when it is neither. Teams' picker sends
    an Entra object id; the Playground's sends the Teams id (29:...) of a conversation member. What the
    conversation's roster said about the pick (`teams_id`, `aad_object_id`) fills in the other id, when it is
    about the same person."""
    value = clean_text(picked)
    roster_teams = teams_id if teams_id and TEAMS_USER_ID.fullmatch(teams_id) else None
    roster_aad = aad_object_id if aad_object_id and AAD_ID.fullmatch(aad_object_id) else None
    if AAD_ID.fullmatch(value):
        same = roster_aad is None or roster_aad.lower() == value.lower()
        return (roster_teams if same else None), value
    if TEAMS_USER_ID.fullmatch(value):
        return value, (roster_aad if roster_teams == value else None)
    return None


def has_lone_surrogate(text: str) -> bool:
    return _SURROGATE.search(text) is not None


def without_lone_surrogates(text: str) -> str:
    """U+FFFD for each lone surrogate (JSON may carry one; UTF-8 and SQLite cannot)."""
    return _SURROGATE.sub("\ufffd", text)


def clean_text(text: str | None) -> str:
    """Trim, and drop control characters (bidi overrides among them) that have no business in a name or title."""
    return without_lone_surrogates(_BIDI_CONTROLS.sub("", _CONTROL.sub("", text or ""))).strip()


_QUOTE_MARKS = re.compile('["\u201c\u201d\u201e\u201f\u00ab\u00bb\u2039\u203a]')


def quotable_name(text: str | None) -> str:
    """A name someone else's client sent (a message's author), fit to show in quotes as what it said: cleaned,
    without quote marks (which would close the quote early: `CEO” approved: “yes`), at most MAX_NAME."""
    return " ".join(_QUOTE_MARKS.sub("", clean_text(text)).split())[:MAX_NAME]


def sender_shown(author: str | None) -> str:
    """How a message's author is named: quoted as the message showed them, never vouched for."""
    name = quotable_name(author)
    return f"sender shown as “{name}”" if name else "sender not shown"


def is_valid_email(email: str) -> bool:
    return len(email) <= MAX_EMAIL and bool(_EMAIL.fullmatch(email))


def normalise_email(raw: str | None, field: str = "email") -> str | None:
    email = clean_text(raw)
    if not email:
        return None
    if not is_valid_email(email):
        raise DomainError(_("“{email}” is not a valid email address.", email=email[:80]), field)
    return email


def parse_ref(ref: str) -> tuple[Kind, int]:
    """`L-3`, `l3`, `O-12` -> (kind, number). Anything else is "not found"."""
    match = _REF.fullmatch(ref or "")
    if not match:
        raise NotFound(
            _("I can't find a record called “{ref}”. References look like L-3 or O-12.", ref=clean_text(ref)[:40])
        )
    kind = Kind.LEAD if match.group(1).upper() == "L" else Kind.OPPORTUNITY
    return kind, int(match.group(2))


# What `limited` refusals name (the callers pass these English texts; the reader sees their translation).
LABELS = (
    N_("A title"),
    N_("A company name"),
    N_("A name"),
    N_("A phone number"),
    N_("A job title"),
    N_("A description"),
    N_("A next step"),
)


def limited(value: str | None, field: str, label: str, maximum: int = MAX_FIELD) -> str | None:
    """`label` (`A title`) is one of LABELS: it reads as the subject of the refusal, in the reader's language."""
    text = clean_text(value)
    if len(text) > maximum:
        raise DomainError(_("{what} can be at most {n} characters.", what=translated(label), n=maximum), field)
    return text or None


def shorten(text: str) -> str:
    return text if len(text) <= MAX_EVENT_TEXT else text[: MAX_EVENT_TEXT - 1] + "…"

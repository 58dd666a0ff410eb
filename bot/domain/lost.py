"""Why a deal was lost (or a lead disqualified): the organisation's list of reasons, which its admins edit,
and Other with the person's own words. No I/O here.

An organisation that never edited its list has DEFAULT_REASONS, shown in the reader's language; a reason an
admin typed is shown as typed. A deal keeps the reason's text as it was chosen, so the pipeline card counts
the deals lost for each reason even after the list changes."""

from __future__ import annotations

import json
import unicodedata

from bot.domain.errors import DomainError
from bot.domain.language import N_, _, current, translated
from bot.domain.rules import clean_text

OTHER = N_("Other")
DEFAULT_REASONS: tuple[str, ...] = (
    N_("Price"),
    N_("Chose a competitor"),
    N_("No budget"),
    N_("No decision"),
    N_("Timing"),
    N_("Missing features"),
)
MAX_REASONS = 20
MAX_REASON = 60
MAX_NOTE = 200
LOSING_STAGES = frozenset({"Lost", "Disqualified"})  # the stages that ask why


def _key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def reason_shown(reason: str) -> str:
    """A reason as the reader reads it: one of the default list (and Other) in their language."""
    if reason == OTHER or reason in DEFAULT_REASONS:
        return current().gettext(reason)
    return reason


def lost_line(reason: str | None, note: str | None) -> str:
    """`Price`, or `Other: they went quiet`, in the reader's language."""
    if not reason:
        return ""
    shown = reason_shown(reason)
    return _("{reason}: {note}", reason=shown, note=note) if note else shown


def reasons_of(stored: str | None) -> tuple[str, ...]:
    """The organisation's list as stored (JSON), or the default list."""
    if not stored:
        return DEFAULT_REASONS
    try:
        found = json.loads(stored)
    except ValueError:
        return DEFAULT_REASONS
    kept = tuple(r for r in found if isinstance(r, str) and r) if isinstance(found, list) else ()
    return kept or DEFAULT_REASONS


def reason_list(raw: str | None, field: str = "reasons") -> tuple[str, ...]:
    """An admin's list, one reason a line or separated by commas: 1 to MAX_REASONS, each distinct; Other is
    always offered after them and is not one of them."""
    parts = [" ".join(clean_text(p).split()) for p in (raw or "").replace(",", "\n").splitlines()]
    parts = [p for p in parts if p]
    if not parts:
        raise DomainError(_("Give at least one reason, one a line (Other is always offered after them)."), field)
    if len(parts) > MAX_REASONS:
        raise DomainError(_("The list can hold at most {n} reasons.", n=MAX_REASONS), field)
    seen: set[str] = set()
    for part in parts:
        if len(part) > MAX_REASON:
            raise DomainError(_("A reason can be at most {n} characters.", n=MAX_REASON), field)
        if _key(part) in (_key(OTHER), _key(_("Other"))):
            raise DomainError(_("Other is always offered: leave it out of the list."), field)
        if part.startswith(("=", "+", "-", "@")):
            raise DomainError(_("A reason can't start with =, +, - or @ (“{reason}”).", reason=part), field)
        if _key(part) in seen:
            raise DomainError(_("“{reason}” is in the list twice.", reason=part), field)
        seen.add(_key(part))
    return tuple(parts)


def stored_list(reasons: tuple[str, ...]) -> str:
    return json.dumps(list(reasons), ensure_ascii=False)


def chosen(
    said: str | None, note: str | None, reasons: tuple[str, ...], field: str = "lost_reason"
) -> tuple[str, str | None]:
    """The reason picked or typed (`Price`, `other: they went quiet`, or Other with `note`) -> (reason, note).
    A reason not in the list is refused, with the list."""
    text = " ".join(clean_text(said).split())
    words = " ".join(clean_text(note).split()) or None
    if words and len(words) > MAX_NOTE:
        raise DomainError(_("Other's words can be at most {n} characters.", n=MAX_NOTE), field)
    if not text and words:
        return OTHER, words
    for other in {OTHER, _("Other")}:
        if _key(text) == _key(other) or _key(text).startswith(_key(other) + ":"):
            rest = text[len(other) :].lstrip(" :").strip() or words
            if not rest:
                raise DomainError(_("Say in a few words why, after Other."), field)
            if len(rest) > MAX_NOTE:
                raise DomainError(_("Other's words can be at most {n} characters.", n=MAX_NOTE), field)
            return OTHER, rest
    found = next((r for r in reasons if _key(r) == _key(text) or _key(reason_shown(r)) == _key(text)), None)
    if found is None:
        listed = ", ".join(reason_shown(r) for r in reasons)
        raise DomainError(
            _(
                "“{reason}” is not one of your organisation's reasons. Choose one of: {reasons}, or Other and a few words.",
                reason=text[:MAX_REASON], reasons=listed,
            ),
            field,
        )  # fmt: skip
    return found, None


def name_of_stage_and_reason(said: str, stages: tuple[str, ...]) -> tuple[str | None, str | None]:
    """`Lost`, `lost: price`, `Disqualified no budget` (or the stage in the reader's words: `Verloren Preis`)
    -> (the stage, the reason said after it, if any); a name that is no stage of `stages` -> (None, None)."""
    text = " ".join(clean_text(said).split())
    key = _key(text)
    exact = next((s for s in stages if key in (_key(s), _key(translated(s)))), None)
    if exact is not None:
        return exact, None
    for stage in stages:
        for name in (stage, translated(stage)) if stage in LOSING_STAGES else ():
            if key.startswith(_key(name) + " ") or key.startswith(_key(name) + ":"):
                return stage, text[len(name) :].lstrip(" :").strip() or None
    return None, None


def stored_line(stored: str | None) -> str:
    """A reason as the timeline keeps it (`Price`, `Other: their words`), in the reader's language."""
    if not stored:
        return ""
    prefix = OTHER + ": "
    if stored.startswith(prefix):
        return lost_line(OTHER, stored[len(prefix) :])
    return reason_shown(stored)

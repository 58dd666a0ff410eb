"""Buying roles: who is who on the customer side of a deal, and when a deal lacks the people who sign.
No I/O here."""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable

from bot.domain.errors import DomainError
from bot.domain.language import N_, _, translated
from bot.domain.models import OPPORTUNITY_STAGES, Kind, Record


class BuyingRole(enum.StrEnum):
    """A customer person's part in the buying decision (the Contact's or an Other participant's)."""

    DECISION_MAKER = "decision_maker"
    ECONOMIC_BUYER = "economic_buyer"
    CHAMPION = "champion"
    INFLUENCER = "influencer"
    TECHNICAL_EVALUATOR = "technical_evaluator"
    LEGAL_PROCUREMENT = "legal_procurement"
    USER = "user"
    OTHER = "other"

    @property
    def label(self) -> str:
        """The English name, as events store it and people may always type it (shown through `translated`)."""
        return _LABELS[self]


_LABELS = {
    BuyingRole.DECISION_MAKER: N_("Decision maker"),
    BuyingRole.ECONOMIC_BUYER: N_("Economic buyer"),
    BuyingRole.CHAMPION: N_("Champion"),
    BuyingRole.INFLUENCER: N_("Influencer"),
    BuyingRole.TECHNICAL_EVALUATOR: N_("Technical evaluator"),
    BuyingRole.LEGAL_PROCUREMENT: N_("Legal or procurement"),
    BuyingRole.USER: N_("User"),
    BuyingRole.OTHER: N_("Other"),
}
SIGNERS = frozenset({BuyingRole.DECISION_MAKER, BuyingRole.ECONOMIC_BUYER})  # what the nudge looks for
NO_ROLE_WORDS = ("none", "no role", "clear", "remove", "-")


def role_list() -> str:
    """Every role's name in the reader's language, for a message."""
    return ", ".join(translated(r.label) for r in BuyingRole)


# From the stage after the first (Proposal on) while the deal is open: a closed deal is not nudged.
NUDGE_STAGES = frozenset(OPPORTUNITY_STAGES[1:3])
NUDGE_TEXT = N_("No decision maker on this deal yet")

_SPACES = re.compile(r"[\s_\-/]+")


def _key(text: str) -> str:
    """How a role name is compared: width, case, spaces, dashes and underscores do not matter."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).casefold()).strip()


_BY_NAME = (
    {_key(r.label): r for r in BuyingRole}
    | {_key(r.value): r for r in BuyingRole}
    | {
        "legal": BuyingRole.LEGAL_PROCUREMENT,
        "procurement": BuyingRole.LEGAL_PROCUREMENT,
        "legal and procurement": BuyingRole.LEGAL_PROCUREMENT,
    }
)


def parse_role(text: str | None, field: str = "role") -> BuyingRole | None:
    """`Decision maker`, `decision-maker`, `economic_buyer` -> the role; `none` / empty -> no role."""
    key = _key(text or "")
    if not key or key in NO_ROLE_WORDS or key in _no_role_words():
        return None
    role = _BY_NAME.get(key) or _in_readers_language().get(key)
    if role is None:
        shown = (text or "").strip()[:40]
        refused = _("“{role}” is not a buying role. Choose one of: {roles} (or none).", role=shown, roles=role_list())
        raise DomainError(refused, field)
    return role


def _in_readers_language() -> dict[str, BuyingRole]:
    """The roles as the reader names them (`Entscheider`, `Decisor`); English names always work too."""
    return {_key(translated(r.label)): r for r in BuyingRole}


def _no_role_words() -> set[str]:
    return {_key(_("none")), _key(_("no role"))}


def split_role(text: str) -> tuple[str, BuyingRole | None] | None:
    """`Jane Doe decision maker` -> ("Jane Doe", role): the longest known role name at the end of the
    text, the rest naming the person. None when the text ends with no role name at all."""
    words = text.split()
    for size in range(min(4, len(words)), 0, -1):
        tail = " ".join(words[-size:])
        key = _key(tail)
        if key in _BY_NAME or key in NO_ROLE_WORDS or key in _in_readers_language() or key in _no_role_words():
            return " ".join(words[:-size]), parse_role(tail)
    return None


def role_label(role: BuyingRole | None) -> str:
    """In the reader's language."""
    return translated(role.label) if role else _("no role")


def lacks_decision_maker(record: Record, roles: Iterable[BuyingRole | None]) -> bool:
    """An open opportunity past its first stage with no Decision maker or Economic buyer among its people."""
    if record.kind is not Kind.OPPORTUNITY or record.stage not in NUDGE_STAGES or record.converted_to:
        return False
    return not any(role in SIGNERS for role in roles)

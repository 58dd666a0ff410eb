"""Who is an admin of their organisation: the Entra object ids CRM_ADMINS names. Admins see and manage every
record whatever its visibility. With none named, the organisation's first person the bot met is its admin
(that fallback needs the database: `UserCases.is_admin` in bot/services/people.py)."""

from __future__ import annotations

from bot.domain.language import _
from bot.domain.models import User


def not_admin() -> str:
    """The refusal a person who is not an admin gets, in their language."""
    return _("Only an admin of your organisation can do that (see `admins`).")


def is_admin(user: User, admins: frozenset[str]) -> bool:
    """True when the user's Entra object id is one of `admins` (lower case, as Config reads them)."""
    return bool(user.aad_object_id) and (user.aad_object_id or "").lower() in admins

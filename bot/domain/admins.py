"""Who administers an organisation in the CRM: the people `CRM_ADMINS` names (Entra object ids). When it names
nobody, the organisation's first person the bot met is its admin (bot/services/people.py). No I/O here."""

from __future__ import annotations

from bot.domain.language import _
from bot.domain.models import User


def is_admin(user: User, admins: frozenset[str]) -> bool:
    """True when the person's Entra object id (compared in lower case) is one of `admins`."""
    return bool(user.aad_object_id) and str(user.aad_object_id).lower() in admins


def admins_only() -> str:
    """What a person who is not an admin is told when they try what only admins may."""
    return _("Only an admin of your organisation can do that (see `admins`).")

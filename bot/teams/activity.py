"""Reading a Teams activity: the tenant, the kind of conversation, the command text without the
@mention, and the turn (who, in which tenant) every handler needs."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botbuilder.schema import Activity

from bot.domain.language import valid_tag
from bot.domain.models import Mentioned, Place, User

if TYPE_CHECKING:
    from bot.handlers.replies import Reply
    from bot.handlers.routing import Handlers
    from bot.services import CrmService

_AT_TAG = re.compile(r"<at>(.*?)</at>", re.IGNORECASE | re.DOTALL)
MAX_MENTIONED = 20
_FORMATTING_TAG = re.compile(r"</?(?:p|div|span|br|b|i|strong|em)\b[^>]*>", re.IGNORECASE)


def tenant_of(activity: Activity) -> str:
    """Teams puts the tenant in channelData.tenant.id (and conversation.tenantId)."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = channel_data.get("tenant")
    if isinstance(tenant, dict) and isinstance(tenant.get("id"), str) and tenant["id"].strip():
        return tenant["id"].strip()
    conversation = activity.conversation
    if conversation is not None:
        value = conversation.tenant_id or (conversation.additional_properties or {}).get("tenantId")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def is_personal(activity: Activity) -> bool:
    conversation = activity.conversation
    return (
        conversation is not None
        and (conversation.conversation_type in (None, "personal"))
        and not conversation.is_group
    )


def place_of(activity: Activity) -> Place:
    """The conversation a message came from. In a team channel, the channel itself (channelData.channel.id,
    else the conversation id without its `;messageid=` thread part): a proactive post there starts a new post."""
    conversation = activity.conversation
    if conversation is None:
        return Place("", activity.service_url or "", "personal")
    kind = "personal" if is_personal(activity) else conversation.conversation_type or "groupChat"
    conversation_id = conversation.id or ""
    if kind == "channel":
        channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
        channel = channel_data.get("channel")
        found = channel.get("id") if isinstance(channel, dict) else None
        conversation_id = found if isinstance(found, str) and found.strip() else conversation_id.split(";")[0]
    return Place(conversation_id, activity.service_url or "", kind)


def command_text(activity: Activity) -> str:
    """The text of a message with the bot's @mention removed (Teams keeps `<at>Bot</at>` in the text, newer
    clients one `<at>` per word of a display name), HTML entities decoded and no-break spaces made spaces."""
    text = activity.text if isinstance(activity.text, str) else ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned")
        mentioned = mentioned if isinstance(mentioned, dict) else {}
        if entity.type and entity.type.lower() == "mention":
            mention_text = props.get("text")
            if isinstance(mention_text, str) and mention_text:
                # The bot's mention goes; a colleague's stays readable as @Name.
                kept = " " if mentioned.get("id") == bot_id else _AT_TAG.sub(r"@\1", mention_text)
                text = text.replace(mention_text, kept)
    text = re.sub(r"<at>.*?</at>", " ", text) if "<at>" in text else text
    if _FORMATTING_TAG.search(text):
        text = _FORMATTING_TAG.sub(" ", text)
    if "&" in text:  # Teams sends HTML: `<at>CRM</at>&nbsp;show L-1`, `Tom &amp; Jerry`
        text = html.unescape(text)
    text = text.replace("\xa0", " ")
    if not text.strip() and isinstance(activity.value, dict) and isinstance(activity.value.get("command"), str):
        text = activity.value["command"]  # a messageBack button of a card posted before they became Action.Execute
    return text.strip()


def client_time_zone(activity: Activity) -> str | None:
    """The IANA time zone Teams reports in the activity's `clientInfo` entity (not checked here)."""
    for entity in activity.entities or []:
        if entity.type and entity.type.lower() == "clientinfo":
            found = (entity.additional_properties or {}).get("timezone")
            if isinstance(found, str) and found.strip():
                return found.strip()[:64]
    return None


def mentioned_colleagues(activity: Activity) -> tuple[Mentioned, ...]:
    """The people @mentioned in a message other than the bot, as Teams names them (`29:` id, name)."""
    bot_id = activity.recipient.id if activity.recipient else None
    found: dict[str, Mentioned] = {}
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned")
        if not (entity.type and entity.type.lower() == "mention" and isinstance(mentioned, dict)):
            continue
        person_id, name = mentioned.get("id"), mentioned.get("name")
        if not isinstance(person_id, str) or not person_id.startswith("29:") or len(person_id) > 200:
            continue  # the bot, a tag or a channel mention, or nothing Teams would send
        name = name if isinstance(name, str) else ""
        if person_id != bot_id:
            found.setdefault(person_id, Mentioned(person_id, name[:200]))
    return tuple(found.values())[:MAX_MENTIONED]


@dataclass
class Turn:
    """What every handler needs about the turn: who, in which tenant, and the services and handlers the turn
    works with (bound to the turn's activity, whose first write claims it: see bot/services/work.py)."""

    tenant_id: str
    user: User
    services: CrmService
    handlers: Handlers
    needs_profile: bool = False  # email and UPN not looked up yet
    locale: str | None = None  # the reader's: this activity's (Teams' clientInfo), else their latest
    locale_read: bool = False  # `locale` is, until the arrival step settles it, the one stored (read with the person)
    answered: Reply | None = None  # a card click answered in the turn's first storage step


def action_of(activity: Activity) -> tuple[Any, Any]:
    """A card click's verb and data (Action.Execute), as sent: the router checks both."""
    value = activity.value if isinstance(activity.value, dict) else {}
    action = value.get("action")
    if not isinstance(action, dict):
        return None, {}
    return action.get("verb"), action.get("data", {})


def reader_locale(activity: Activity) -> str | None:
    """The reader's locale: Teams' `clientInfo` entity, else the activity's `locale` (`en-US`, `de-DE`);
    None for anything that is not a language tag (bot/domain/language.py)."""
    for entity in activity.entities or []:
        if isinstance(entity.type, str) and entity.type.lower() == "clientinfo":
            locale = valid_tag((entity.additional_properties or {}).get("locale"))
            if locale:
                return locale
    return valid_tag(activity.locale)

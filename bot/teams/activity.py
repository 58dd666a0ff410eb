"""Reading a Teams activity: the tenant, the kind of conversation, the command text without the
@mention, and the turn (who, in which tenant) every handler needs."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from botbuilder.schema import Activity

from bot.domain.models import User

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


def command_text(activity: Activity) -> str:
    """The text of a message with the bot's @mention removed (Teams keeps `<at>Bot</at>` in the text, newer
    clients one `<at>` per word of a display name), HTML entities decoded and no-break spaces made spaces."""
    text = activity.text if isinstance(activity.text, str) else ""
    bot_id = activity.recipient.id if activity.recipient else None
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned")
        mentioned = mentioned if isinstance(mentioned, dict) else {}
        if entity.type and entity.type.lower() == "mention" and mentioned.get("id") == bot_id:
            mention_text = props.get("text")
            if isinstance(mention_text, str) and mention_text:
                text = text.replace(mention_text, " ")
    text = re.sub(r"<at>.*?</at>", " ", text) if "<at>" in text else text
    if _FORMATTING_TAG.search(text):
        text = _FORMATTING_TAG.sub(" ", text)
    if "&" in text:  # Teams sends HTML: `<at>CRM</at>&nbsp;show L-1`, `Tom &amp; Jerry`
        text = html.unescape(text)
    text = text.replace("\xa0", " ")
    if not text.strip() and isinstance(activity.value, dict) and isinstance(activity.value.get("command"), str):
        text = activity.value["command"]  # a messageBack button whose text did not come through
    return text.strip()


@dataclass
class Turn:
    """What every handler needs about the turn: who, in which tenant."""

    tenant_id: str
    user: User
    needs_profile: bool = False  # email and UPN not looked up yet


_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,2}")


def reader_locale(activity: Activity) -> str | None:
    """The reader's locale: Teams' `clientInfo` entity, else the activity's `locale` (`en-US`, `de-DE`)."""
    for entity in activity.entities or []:
        if isinstance(entity.type, str) and entity.type.lower() == "clientinfo":
            locale = (entity.additional_properties or {}).get("locale")
            if isinstance(locale, str) and _LOCALE.fullmatch(locale):
                return locale
    locale = activity.locale
    return locale if isinstance(locale, str) and _LOCALE.fullmatch(locale) else None

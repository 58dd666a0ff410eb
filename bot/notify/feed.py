"""The Teams activity feed's vocabulary: the activity types the manifest declares (manifest/build.py
writes them into `activities.activityTypes`) and what a feed notification carries. Graph refuses an
activityType the app's manifest does not declare, and previewText over 150 characters."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.language import N_

PREVIEW_LIMIT = 150

# Who made the change, in templateParameters. Not `{actor}`: Graph fills that one itself with the caller's
# name, which in the bot's application-only calls is the app's ("CRM moved a record you follow"): "actor is a
# special parameter that always takes the name of the caller ... In application-only calls, it takes the name
# of the Teams app" (https://learn.microsoft.com/en-us/graph/teams-send-activityfeednotifications).
COLLEAGUE = "colleague"

# activityType -> (description, templateText); {colleague} is filled from templateParameters.
# Teams shows the templateText in the reader's Teams language from the package's language files (manifest/build.py).
ACTIVITY_TYPES: dict[str, tuple[str, str]] = {
    "stageChanged": (N_("A followed record moved to another stage"), N_("{colleague} moved a record you follow")),
    "commented": (N_("Someone commented on a followed record"), N_("{colleague} commented on a record you follow")),
    "emailSent": (
        N_("Someone emailed from a followed record"),
        N_("{colleague} sent an email from a record you follow"),
    ),
    "converted": (N_("A followed lead became an opportunity"), N_("{colleague} converted a lead you follow")),
    "contactChanged": (
        N_("A followed record's contact changed"),
        N_("{colleague} changed the contact of a record you follow"),
    ),
    "participantAdded": (
        N_("Someone was added to a followed record"),
        N_("{colleague} added someone to a record you follow"),
    ),
}


def manifest_activities() -> dict[str, list[dict[str, str]]]:
    return {
        "activityTypes": [
            {"type": name, "description": description, "templateText": template}
            for name, (description, template) in ACTIVITY_TYPES.items()
        ]
    }


@dataclass(frozen=True)
class FeedNotice:
    """One activity-feed notification for one person (Graph sendActivityNotification)."""

    tenant_id: str
    aad_object_id: str
    activity_type: str
    topic: str  # "<ref> <title>"
    web_url: str  # a deep link opening the bot's chat
    preview: str  # who did what
    actor: str  # who made the change: the {colleague} of the entry's line
    chain_id: int  # stable per record: a burst on one record collapses into one feed entry

    def __post_init__(self) -> None:
        if self.activity_type not in ACTIVITY_TYPES:
            raise ValueError(f"undeclared activity type {self.activity_type!r}")


def preview(text: str) -> str:
    """previewText within Graph's 150 characters."""
    return text if len(text) <= PREVIEW_LIMIT else text[: PREVIEW_LIMIT - 1] + "…"


def bot_chat_link(bot_app_id: str) -> str:
    """Opens the person's 1:1 chat with the bot (Teams deep link to a chat with the bot's 28: id)."""
    return f"https://teams.microsoft.com/l/chat/0/0?users=28:{bot_app_id}"

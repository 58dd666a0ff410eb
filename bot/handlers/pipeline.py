"""`pipeline`: the chart card (`mine`, a colleague, `this quarter`, `next quarter`), the deals behind one bar
(`pipeline list Proposal ...`, what the card's buttons send), and `pipeline weekly here` / `off` in a channel."""

from __future__ import annotations

from bot.domain.models import Place, User
from bot.handlers.replies import Reply
from bot.services import CrmService
from bot.services.pipeline import WeeklyStatus
from cards.pipeline import pipeline_card, scope_title
from cards.records import record_list_card

LIST_SIZE = 25
WEEKLY_HINT = "Try: pipeline weekly here (in a team channel), or pipeline weekly off."


def pipeline_reply(services: CrmService, user: User, said: str, place: Place | None) -> Reply:
    words = said.split()
    first = words[0].lower() if words else ""
    time_zone = services.deliveries.schedules.of(user.tenant_id, user.id).time_zone
    if first == "weekly":
        return weekly_reply(services, user, " ".join(words[1:]).lower(), place, time_zone)
    everyone_reads = place is not None and place.kind != "personal"  # a channel or group chat reads it together
    if first == "list":
        found = services.pipeline.stage_list(user, " ".join(words[1:]), time_zone, LIST_SIZE + 1, everyone_reads)
        title = f"{found.stage}: {scope_title(found.scope, escaped=False)}"  # the list card escapes it
        more = "More match: the newest 25 are shown." if len(found.records) > LIST_SIZE else ""
        empty = f"No open opportunity in {found.stage} here."
        return Reply(card=record_list_card(title, found.records[:LIST_SIZE], empty, more_hint=more))
    pipeline = services.pipeline.pipeline(user, said, time_zone, everyone_reads)
    return Reply(card=pipeline_card(pipeline))


def weekly_reply(services: CrmService, user: User, said: str, place: Place | None, time_zone: str) -> Reply:
    somewhere = place or Place("", "", "personal")
    if said == "here":
        first = services.pipeline.start_weekly_pipeline(user, somewhere, time_zone)
        return Reply(
            text=f"Every Monday at 09:00 ({time_zone}) I'll post the team's pipeline here, the first on"
            f" {first:%A %d %B %Y}. Stop it with: pipeline weekly off"
        )
    if said == "off":
        if services.pipeline.stop_weekly_pipeline(user, somewhere):
            return Reply(text="The weekly pipeline post in this channel is off.")
        return Reply(text="This channel gets no weekly pipeline post. Start one with: pipeline weekly here")
    if said == "":
        return Reply(text=weekly_status_text(services.pipeline.weekly_pipeline_status(user, somewhere)))
    return Reply(text=WEEKLY_HINT, outcome="refused")


_LAST = {"pending": "due, going out", "sending": "going out now", "sent": "posted"}


def weekly_status_text(status: WeeklyStatus | None) -> str:
    if status is None:
        return "This channel gets no weekly pipeline post. Start one with: pipeline weekly here"
    lines = [
        f"Every Monday at 09:00 ({status.time_zone}) I post the team's pipeline here: next on"
        f" {status.next_post:%A %d %B %Y}. Stop it with: pipeline weekly off"
    ]
    if status.last_week is None:
        lines.append("Nothing posted yet.")
    elif status.last_status == "failed":
        lines.append(f"Week of {status.last_week}: not posted ({status.last_error or 'Teams refused it'}).")
    else:
        lines.append(f"Week of {status.last_week}: {_LAST.get(status.last_status or '', status.last_status)}.")
    return "\n\n".join(lines)

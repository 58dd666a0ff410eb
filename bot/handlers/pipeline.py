"""`pipeline`: the chart card (`mine`, a colleague, `this quarter`, `next quarter`), the deals behind one bar
(`pipeline list Proposal ...`, what the card's buttons send), and `pipeline weekly here` / `off` in a channel."""

from __future__ import annotations

from bot.domain.language import N_, _, current, translated
from bot.domain.models import Place, User, stage_label
from bot.handlers.replies import Reply
from bot.services import CrmService
from bot.services.pipeline import WeeklyStatus
from cards.pipeline import pipeline_card, scope_title
from cards.records import record_list_card

LIST_SIZE = 25


def pipeline_reply(services: CrmService, user: User, said: str, place: Place | None) -> Reply:
    """`pipeline [<name>] ...`: the pipeline named first (the default one without a name), then as before."""
    definition, rest, others = services.pipeline.which(user, said)
    words = rest.split()
    first = words[0].lower() if words else ""
    time_zone = services.deliveries.schedules.of(user.tenant_id, user.id).time_zone
    if first == "weekly":
        return weekly_reply(services, user, " ".join(words[1:]).lower(), place, time_zone)
    everyone_reads = place is not None and place.kind != "personal"  # a channel or group chat reads it together
    if first == "list":
        found = services.pipeline.stage_list(
            user, " ".join(words[1:]), time_zone, LIST_SIZE + 1, definition, everyone_reads
        )
        stage = stage_label(found.stage)
        title = f"{stage}: {scope_title(found.scope, escaped=False)}"  # the list card escapes it
        if not definition.is_default:
            title = f"{definition.name} · {title}"
        more = _("More match: the newest {n} are shown.", n=LIST_SIZE) if len(found.records) > LIST_SIZE else ""
        empty = _("No open opportunity in {stage} here.", stage=stage)
        shown = found.records[:LIST_SIZE]
        marks = services.tasks.marks(user, shown)
        return Reply(card=record_list_card(title, shown, empty, more_hint=more, marks=marks))
    pipeline = services.pipeline.pipeline(user, rest, time_zone, definition, others, everyone_reads)
    return Reply(card=pipeline_card(pipeline))


def weekly_reply(services: CrmService, user: User, said: str, place: Place | None, time_zone: str) -> Reply:
    somewhere = place or Place("", "", "personal")
    if said == "here":
        first = services.pipeline.start_weekly_pipeline(user, somewhere, time_zone)
        return Reply(
            text=_(
                "Every Monday at 09:00 ({zone}) I'll post the team's pipeline here, the first on {day}."
                " Stop it with: pipeline weekly off",
                zone=time_zone,
                day=current().full_day(first),
            )
        )
    if said == "off":
        if services.pipeline.stop_weekly_pipeline(user, somewhere):
            return Reply(text=_("The weekly pipeline post in this channel is off."))
        return Reply(text=_no_weekly_post())
    if said == "":
        return Reply(text=weekly_status_text(services.pipeline.weekly_pipeline_status(user, somewhere)))
    return Reply(text=_("Try: pipeline weekly here (in a team channel), or pipeline weekly off."), outcome="refused")


_LAST = {"pending": N_("due, going out"), "sending": N_("going out now"), "sent": N_("posted")}


def _no_weekly_post() -> str:
    return _("This channel gets no weekly pipeline post. Start one with: pipeline weekly here")


def weekly_status_text(status: WeeklyStatus | None) -> str:
    if status is None:
        return _no_weekly_post()
    reader = current()
    lines = [
        _(
            "Every Monday at 09:00 ({zone}) I post the team's pipeline here: next on {day}."
            " Stop it with: pipeline weekly off",
            zone=status.time_zone,
            day=reader.full_day(status.next_post),
        )
    ]
    week = reader.day(status.last_week)
    if status.last_week is None:
        lines.append(_("Nothing posted yet."))
    elif status.last_status == "failed":
        why = status.last_error or _("Teams refused it")
        lines.append(_("Week of {week}: not posted ({why}).", week=week, why=why))
    else:
        shown = translated(_LAST.get(status.last_status or "", status.last_status or ""))
        lines.append(_("Week of {week}: {status}.", week=week, status=shown))
    return "\n\n".join(lines)

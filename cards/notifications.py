"""The outbox's cards: the message a follower gets, a post to a team channel (by its purpose), the
notification-choice element (also on the record card), and the `notifications` status card with retry
buttons."""

from __future__ import annotations

from bot.domain.delivery import ChannelPostView, DeliverTo, DeliveryStatus, Notification, NotificationView, Purpose
from bot.domain.language import _, current, ngettext, translated
from bot.domain.models import NotifyChoice, stage_label
from cards import verbs
from cards.common import (
    Card,
    action_set,
    card,
    choice_set,
    execute,
    facts,
    heading,
    notice,
    plain,
    section,
    show_card,
    subtle,
    text,
    when,
)
from cards.elements import Action, Element
from cards.notices import notice_card, notice_summary
from cards.pipeline import pipeline_card
from cards.tasks import my_day_card, my_day_summary, quiet_card, quiet_summary, reminder_card, reminder_summary
from cards.timeline import describe

MAX_LINES = 10  # events shown on one notification (a long burst keeps the card small)


def notify_choice_elements(
    ref: str, current: NotifyChoice, notification_id: int | None = None, deliver_to: str | None = None
) -> list[Element]:
    """A compact choice of what notifies the viewer about `ref`, and where (offered only when the Teams
    activity feed is: `deliver_to` is None without Microsoft Graph), and its Save button."""
    data: dict[str, object] = {"ref": ref}
    if notification_id is not None:
        data["notification"] = notification_id
    choices = [(c.label, c.value) for c in NotifyChoice]  # labels in the reader's language
    where = [(d.label, d.value) for d in DeliverTo]
    return [
        *choice_set("choice", _("Notify me about"), choices, value=current.value),
        *(choice_set("deliver_to", _("Notify me by"), where, value=deliver_to) if deliver_to is not None else []),
        action_set([execute(_("Save notification setting"), verbs.RECORD_NOTIFY, data)]),
    ]


def notification_card(view: NotificationView, message: str = "") -> Card:
    if view.purpose in (Purpose.REMINDER, Purpose.ASSIGNED):
        return reminder_card(view, message)
    if view.purpose is Purpose.MY_DAY:
        return my_day_card(view)
    if view.purpose is Purpose.QUIET:
        return quiet_card(view)
    if view.purpose is not Purpose.CHANGE:
        return notice_card(view, message)
    record = view.record
    lines = [f"{describe(event)}" for event in view.events]
    shown = lines[-MAX_LINES:]
    body: list[Element] = []
    if message:
        body.append(notice(message))
    body += [
        subtle(f"{record.ref} · {translated(record.kind.label)}"),
        heading(plain(record.title)),
        facts([(_("Stage"), stage_label(record.stage)), (_("Converted to"), record.converted_to or "")]),
        *[text(line, spacing="Small") for line in shown],
    ]
    if len(lines) > len(shown):
        earlier = len(lines) - len(shown)
        body.append(subtle(ngettext("and {n} earlier change", "and {n} earlier changes", earlier)))
    body += [
        subtle(when(view.events[-1].at)),
        subtle(_("You get this because you follow {ref}.", ref=record.ref)),
    ]
    choice = notify_choice_elements(
        record.ref, view.choice, view.notification.id, view.deliver_to.value if view.feed_offered else None
    )
    actions: list[Action] = [
        execute(_("Open record"), verbs.RECORD_SHOW, {"ref": record.ref}),
        execute(_("Unfollow"), verbs.RECORD_UNFOLLOW, {"ref": record.ref}),
        show_card(_("Notify me about…"), choice),  # folded away: most people never change it
    ]
    return card(body, actions)


def notification_summary(view: NotificationView) -> str:
    """The one line Teams shows in the chat list and the activity feed."""
    if view.purpose in (Purpose.REMINDER, Purpose.ASSIGNED):
        return reminder_summary(view)
    if view.purpose is Purpose.MY_DAY:
        return my_day_summary(view)
    if view.purpose is Purpose.QUIET:
        return quiet_summary(view)
    if view.purpose is not Purpose.CHANGE:
        return notice_summary(view)
    last = describe(view.events[-1], literal=str)  # a plain-text line, not markdown
    return f"{view.record.ref}: {last}"[:200]


def channel_post_card(view: ChannelPostView) -> Card:
    """A row's post to a team channel, by its purpose."""
    if view.purpose is Purpose.WEEKLY and view.pipeline is not None:
        return pipeline_card(view.pipeline)
    raise ValueError(f"no channel card for {view.purpose}")


def channel_post_summary(view: ChannelPostView) -> str:
    """The one line Teams shows for the channel's new post."""
    if view.purpose is Purpose.WEEKLY:
        return _("The team's pipeline, week of {week}", week=current().day(view.notification.occasion))
    raise ValueError(f"no channel summary for {view.purpose}")


def outbox_card(counts: dict[DeliveryStatus, int], failed: list[Notification], message: str = "") -> Card:
    body: list[Element] = []
    if message:
        body.append(notice(message))
    body += [
        heading(_("Notifications")),
        facts(
            [
                (
                    _("Waiting to be sent"),
                    str(counts.get(DeliveryStatus.PENDING, 0) + counts.get(DeliveryStatus.SENDING, 0)),
                ),
                (_("Failed"), str(counts.get(DeliveryStatus.FAILED, 0))),
                (_("Sent"), str(counts.get(DeliveryStatus.SENT, 0))),
            ]
        ),
        section(_("Failed deliveries on your records")),
    ]
    if not failed:
        body.append(subtle(_("None.")))
    for item in failed:
        to = plain(item.audience) or _("someone")
        body.append(text(_("**{ref}** to {name}", ref=plain(item.subject), name=to), separator=True))
        body.append(subtle(plain(item.last_error) or _("no reason recorded")))
        body.append(action_set([execute(_("Send again"), verbs.NOTIFICATION_RETRY, {"notification": item.id})]))
    return card(body)

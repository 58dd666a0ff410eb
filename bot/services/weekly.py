"""The weekly pipeline posts, a purpose of the outbox (Purpose.WEEKLY, target CHANNEL): each channel whose
Monday 09:00 has come gets the week's row in the outbox (one row per channel and week, whichever replica gets
there first); from there the row is like every other (bot/notify/sender.py: leases, the fair queue, retries,
a stop mid-call marks it failed, never sent again on its own, and its setter may send it again), so a restart
or a second replica never posts twice in a week."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bot.domain.clock import format_time, parse_time
from bot.domain.delivery import ChannelPostView, Notification, Purpose
from bot.domain.errors import DomainError, NotFound
from bot.domain.hours import zone
from bot.domain.models import User
from bot.domain.pipeline import DEFAULT_PIPELINE, Pipeline, PipelineScope, PipelineStages, Quarter, next_weekly_post
from bot.domain.visibility import Reader

if TYPE_CHECKING:
    from bot.services.outbox import Deliveries
    from storage.repository import Repository


def local_today(now: str, time_zone: str | None) -> date:
    """Today in the zone (UTC when unknown): which quarter is "this" one."""
    return parse_time(now).astimezone(zone(time_zone)).date()


def pipeline_of(
    repo: Repository, reader: Reader, scope: PipelineScope, today: date, default_currency: str | None,
    definition: PipelineStages = DEFAULT_PIPELINE, others: tuple[str, ...] = (),
) -> Pipeline:  # fmt: skip
    """The figures `reader` may see (a channel's weekly post: everyone's deals only, which every member may see),
    of one pipeline."""
    this_quarter = Quarter.of(today)
    opened, closed, reasons = repo.pipeline.pipeline_totals(
        reader, scope.owner_id, scope.quarter.key if scope.quarter else None, this_quarter.key, definition
    )
    order = {stage: i for i, stage in enumerate(definition.stages)}
    return Pipeline(
        scope,
        this_quarter,
        tuple(sorted(opened, key=lambda r: (order[r.stage], r.currency))),
        tuple(sorted(closed, key=lambda r: (order[r.stage], r.currency))),
        default_currency,
        definition,
        tuple(reasons),
        others,
    )


class WeeklyPosts:
    """The outbox's WEEKLY purpose: the rows it opens, what a row shows, and who may send one again."""

    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo

    def open_due_weeks(self) -> int:
        """Each channel whose post is due gets this week's row in the outbox, and its next post a week later,
        in one transaction that one sender wins (the post moves on only from the due time it was read with;
        a week has one row)."""
        now = self.deliveries.clock()
        opened = 0
        for weekly_id, tenant_id, conversation, _url, _by, time_zone, due in self.repo.pipeline.weekly_posts_due(now):
            where = zone(time_zone)
            week = parse_time(due).astimezone(where).date().isoformat()
            following = format_time(next_weekly_post(parse_time(now), where))  # weeks missed while down: skipped
            with self.repo.transaction():
                if self.repo.pipeline.advance_weekly_post(tenant_id, weekly_id, due, following):
                    opened += self.repo.outbox.enqueue_post(tenant_id, Purpose.WEEKLY, conversation, week, now)
        return opened

    def seconds_until_opening(self) -> float | None:
        """Until the next channel's week is opened (its row is then due at once)."""
        stamp = self.repo.pipeline.next_weekly_post_at()
        if stamp is None:
            return None
        return max(0.0, (parse_time(stamp) - parse_time(self.deliveries.clock())).total_seconds())

    def view(self, notification: Notification) -> ChannelPostView | None:
        """Everyone's pipeline (its deals visible to everyone only: every member of the channel may see those),
        "this quarter" as the day is in the zone of the person who set the post up; None when the channel's
        weekly post was stopped."""
        tenant = notification.tenant_id
        found = self.repo.pipeline.weekly_post(tenant, notification.channel_id or "")
        if found is None:
            return None
        _id, _tenant, conversation_id, service_url, set_by, time_zone, _next = found
        today = local_today(self.deliveries.clock(), time_zone)
        currency = self.repo.details.default_currency(tenant)
        pipeline = pipeline_of(self.repo, Reader.everyone(tenant), PipelineScope(), today, currency)
        locale = self.repo.people.locale_of(tenant, set_by)  # the post speaks the language of who set it up
        return ChannelPostView(notification, conversation_id, service_url, pipeline=pipeline, locale=locale)

    def may_send_again(self, user: User, notification: Notification) -> None:
        """Only the person who set the channel's weekly post up sends a failed week again."""
        found = self.repo.pipeline.weekly_post(user.tenant_id, notification.channel_id or "")
        if found is None:
            raise NotFound("That channel's weekly pipeline post is off: say “pipeline weekly here” there again.")
        if found[4] != user.id:
            raise DomainError("Only the person who set up this channel's weekly pipeline post can send it again.")

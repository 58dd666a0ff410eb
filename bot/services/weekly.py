"""The weekly pipeline posts, as the outbox's sender sees them: open the week's send row for each channel
whose Monday 09:00 has come (one row per channel and week, whichever replica gets there first), then each
row goes pending -> sending (committed before the HTTP call) -> sent, retried on a transient failure and,
left 'sending' by a stop, marked failed, never sent again on its own: the outbox's semantics
(bot/notify/sender.py), so a restart or a second replica never posts twice in a week."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.domain.clock import format_time, parse_time, shifted
from bot.domain.hours import zone
from bot.domain.models import OPPORTUNITY_STAGES
from bot.domain.pipeline import Pipeline, PipelineScope, Quarter, next_weekly_post
from bot.domain.visibility import Reader

if TYPE_CHECKING:
    from bot.services.outbox import Deliveries
    from storage.repository import Repository

MAX_ERROR = 300


def local_today(now: str, time_zone: str | None) -> date:
    """Today in the zone (UTC when unknown): which quarter is "this" one."""
    return parse_time(now).astimezone(zone(time_zone)).date()


def pipeline_of(
    repo: Repository, reader: Reader, scope: PipelineScope, today: date, default_currency: str | None
) -> Pipeline:
    """The figures `reader` may see (a channel's weekly post: everyone's deals only, which every member may see)."""
    this_quarter = Quarter.of(today)
    opened, closed = repo.pipeline.pipeline_totals(
        reader, scope.owner_id, scope.quarter.key if scope.quarter else None, this_quarter.key
    )
    order = {stage: i for i, stage in enumerate(OPPORTUNITY_STAGES)}
    return Pipeline(
        scope,
        this_quarter,
        tuple(sorted(opened, key=lambda r: (order[r.stage], r.currency))),
        tuple(sorted(closed, key=lambda r: (order[r.stage], r.currency))),
        default_currency,
    )


@dataclass(frozen=True)
class WeeklySend:
    """One week's pipeline post to one channel."""

    id: int
    tenant_id: str
    weekly_id: int
    week: str  # the local date of the Monday it is for
    attempts: int
    conversation_id: str
    service_url: str
    set_by: int
    time_zone: str
    locale: str | None = None  # the setter's latest locale: the post speaks their language


class WeeklyPosts:
    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self.repo = deliveries.repo

    def open_due_weeks(self) -> int:
        """Each channel whose post is due gets this week's send row, and its next post a week later."""
        now = self.deliveries.clock()
        opened = 0
        for weekly_id, tenant_id, _conversation, _url, _by, time_zone, due in self.repo.pipeline.weekly_posts_due(now):
            where = zone(time_zone)
            week = parse_time(due).astimezone(where).date().isoformat()
            following = format_time(next_weekly_post(parse_time(now), where))  # weeks missed while down: skipped
            with self.repo.transaction():
                if self.repo.pipeline.open_week(tenant_id, weekly_id, due, week, following, now):
                    opened += 1
        return opened

    def due(self) -> list[WeeklySend]:
        return [WeeklySend(*row) for row in self.repo.pipeline.weekly_sends_due(self.deliveries.clock())]

    def seconds_until_next(self) -> float | None:
        stamp = self.repo.pipeline.next_weekly_at()
        if stamp is None:
            return None
        return max(0.0, (parse_time(stamp) - parse_time(self.deliveries.clock())).total_seconds())

    def pipeline(self, send: WeeklySend) -> Pipeline:
        """Everyone's pipeline, "this quarter" as the day is in the zone of the person who set the post up."""
        today = local_today(self.deliveries.clock(), send.time_zone)
        currency = self.repo.details.default_currency(send.tenant_id)
        return pipeline_of(self.repo, Reader.everyone(send.tenant_id), PipelineScope(), today, currency)

    def claim(self, send: WeeklySend) -> bool:
        with self.repo.transaction():
            return self.repo.pipeline.claim_weekly_send(send.tenant_id, send.id, self.deliveries.clock())

    def sent(self, send: WeeklySend, activity_id: str | None) -> None:
        with self.repo.transaction():
            self.repo.pipeline.finish_weekly_send(send.tenant_id, send.id, "sent", self.deliveries.clock(), activity_id)

    def retry_later(self, send: WeeklySend, seconds: float, error: str) -> None:
        now = self.deliveries.clock()
        with self.repo.transaction():
            self.repo.pipeline.finish_weekly_send(
                send.tenant_id, send.id, "pending", now, error=error[:MAX_ERROR], retry_at=shifted(now, seconds)
            )

    def failed(self, send: WeeklySend, error: str) -> None:
        with self.repo.transaction():
            self.repo.pipeline.finish_weekly_send(
                send.tenant_id, send.id, "failed", self.deliveries.clock(), error=error[:MAX_ERROR]
            )

    def fail_interrupted(self, older_than_seconds: float) -> int:
        now = self.deliveries.clock()
        reason = "interrupted while posting (the bot stopped); it may or may not have arrived"
        with self.repo.transaction():
            return self.repo.pipeline.fail_interrupted_weekly(shifted(now, -older_than_seconds), reason, now)

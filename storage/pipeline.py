"""The pipeline's queries: the totals the triggers of migrations 11, 21 and 28 keep (a few rows per tenant, whatever
its size), the records behind one bar, and the team channels that get the weekly post (each week's post is a
row of the outbox: storage/outbox.py)."""

from __future__ import annotations

from typing import Any

from bot.domain.models import Record
from bot.domain.pipeline import CLOSED_STAGES, DEFAULT_PIPELINE, PipelineStages, StageTotal
from storage.queries import _RECORD_COLUMNS, Queries, _record

# Each stored total is two sums, of value // TOTAL_SPLIT and of value % TOTAL_SPLIT (migration 21): neither
# overflows a 64-bit integer before billions of deals, and Python adds them exactly.
TOTAL_SPLIT = 10**9
WEEKLY_COLUMNS = "w.id, w.tenant_id, w.conversation_id, w.service_url, w.set_by, w.time_zone, w.next_post_at"


class PipelineQueries(Queries):
    """repo.pipeline"""

    # --- the totals ----------------------------------------------------------------------------

    def pipeline_totals(
        self, tenant_id: str, owner_id: int | None, open_quarter: str | None, closed_quarter: str,
        pipeline: PipelineStages = DEFAULT_PIPELINE,
    ) -> tuple[list[StageTotal], list[StageTotal], list[tuple[str, int]]]:  # fmt: skip
        """Open deals by stage and currency (close date in `open_quarter` when given), Won and Lost deals whose
        close date is in `closed_quarter`, and those lost deals by reason; for one owner or everyone, in one
        pipeline."""
        stages = list(pipeline.stages)
        marks = ", ".join("?" for _ in stages)
        sql = (
            "SELECT stage, currency, close_quarter, reason, sum(deals) AS deals, sum(total_high) AS high,"
            " sum(total_low) AS low"
            f" FROM pipeline_totals WHERE tenant_id = ? AND pipeline_id = ? AND stage IN ({marks}) AND deals > 0"
        )
        params: list[Any] = [tenant_id, pipeline.key, *stages]
        if owner_id is not None:
            sql += " AND owner_id = ?"
            params.append(owner_id)
        rows = self._all(sql + " GROUP BY stage, currency, close_quarter, reason", params)
        open_rows: dict[tuple[str, str], list[int]] = {}
        closed_rows: dict[tuple[str, str], list[int]] = {}
        reasons: dict[str, int] = {}
        for row in rows:
            stage, currency, quarter, deals = row["stage"], row["currency"], row["close_quarter"], int(row["deals"])
            total = int(row["high"]) * TOTAL_SPLIT + int(row["low"])
            if stage in CLOSED_STAGES:
                if quarter != closed_quarter:
                    continue
                found = closed_rows.setdefault((stage, currency), [0, 0])
                if stage == "Lost":
                    reasons[row["reason"]] = reasons.get(row["reason"], 0) + deals
            elif open_quarter is None or quarter == open_quarter:
                found = open_rows.setdefault((stage, currency), [0, 0])
            else:
                continue
            found[0] += deals
            found[1] += total
        chance = None if pipeline.is_default else pipeline.probability
        opened = [
            StageTotal(stage, currency, d, t, chance(stage) if chance else None)
            for (stage, currency), (d, t) in open_rows.items()
        ]
        closed = [StageTotal(stage, currency, d, t) for (stage, currency), (d, t) in closed_rows.items()]
        return opened, closed, sorted(reasons.items(), key=lambda r: (-r[1], r[0]))

    def stage_records(
        self, tenant_id: str, stage: str, owner_id: int | None, first_day: str | None, last_day: str | None, limit: int,
        pipeline_id: int | None = None,
    ) -> list[Record]:  # fmt: skip
        """The opportunities behind one bar, the newest deals first (by creation: records_by_stage holds the id,
        not updated_at, so a comment's touch of a record rewrites no entry of it); in one pipeline."""
        if pipeline_id is None:
            sql = (
                f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.kind = 'opportunity'"
                " AND r.stage = ? AND r.archived_at IS NULL AND r.pipeline_id IS NULL"
            )
            params: list[Any] = [tenant_id, stage]
        else:
            sql = (
                f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.pipeline_id = ?"
                " AND r.stage = ? AND r.kind = 'opportunity' AND r.archived_at IS NULL"
            )
            params = [tenant_id, pipeline_id, stage]
        if owner_id is not None:
            sql += " AND r.owner_id = ?"
            params.append(owner_id)
        if first_day and last_day:
            sql += " AND r.close_date >= ? AND r.close_date <= ?"
            params += [first_day, last_day]
        rows = self._all(sql + " ORDER BY r.id DESC LIMIT ?", [*params, limit])
        return [_record(r) for r in rows]

    # --- the weekly posts ----------------------------------------------------------------------

    def weekly_post(self, tenant_id: str, conversation_id: str) -> tuple[Any, ...] | None:
        row = self._one(
            f"SELECT {WEEKLY_COLUMNS} FROM weekly_posts w WHERE w.tenant_id = ? AND w.conversation_id = ?",
            [tenant_id, conversation_id],
        )
        return tuple(row) if row else None

    def set_weekly_post(
        self, tenant_id: str, conversation_id: str, service_url: str, set_by: int, time_zone: str, next_at: str,
        now: str,
    ) -> None:  # fmt: skip
        self.db.execute(
            "INSERT INTO weekly_posts (tenant_id, conversation_id, service_url, set_by, time_zone, next_post_at,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tenant_id, conversation_id) DO UPDATE SET"
            " service_url = excluded.service_url, set_by = excluded.set_by, time_zone = excluded.time_zone,"
            " next_post_at = excluded.next_post_at",
            [tenant_id, conversation_id, service_url, set_by, time_zone, next_at, now],
        )

    def stop_weekly_post(self, tenant_id: str, conversation_id: str) -> bool:
        """Deletes the channel's weekly post (its rows in the outbox go with it: repo.outbox.cancel_posts)."""
        cursor = self.db.execute(
            "DELETE FROM weekly_posts WHERE tenant_id = ? AND conversation_id = ?", [tenant_id, conversation_id]
        )
        return cursor.rowcount > 0

    def weekly_posts_due(self, now: str, limit: int = 100) -> list[tuple[Any, ...]]:
        """Across tenants (the sender serves every tenant): the channels whose post is due."""
        rows = self._all(
            f"SELECT {WEEKLY_COLUMNS} FROM weekly_posts w WHERE w.next_post_at <= ? ORDER BY w.next_post_at LIMIT ?",
            [now, limit],
        )
        return [tuple(r) for r in rows]

    def advance_weekly_post(self, tenant_id: str, weekly_id: int, was_due: str, next_at: str) -> bool:
        """The channel's next post a week on, from the due time it was read with: of two senders, one moves it
        (and writes the week's row in the outbox, in the same transaction)."""
        moved = self.db.execute(
            "UPDATE weekly_posts SET next_post_at = ? WHERE tenant_id = ? AND id = ? AND next_post_at = ?",
            [next_at, tenant_id, weekly_id, was_due],
        )
        return moved.rowcount == 1

    def next_weekly_post_at(self) -> str | None:
        """Across tenants: the earliest moment a channel's weekly post is due (the sender sleeps until then at most)."""
        row = self._one("SELECT min(next_post_at) FROM weekly_posts", [])
        return row[0] if row else None

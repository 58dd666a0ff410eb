"""The pipeline's queries: the totals the triggers of migrations 11, 21, 26, 28 and 31 keep (a few rows per tenant, whatever
its size), the records behind one bar, and the team channels that get the weekly post (each week's post is a
row of the outbox: storage/outbox.py)."""

from __future__ import annotations

from typing import Any

from bot.domain.models import Record
from bot.domain.pipeline import CLOSED_STAGES, DEFAULT_PIPELINE, PipelineStages, StageTotal
from bot.domain.visibility import Reader
from storage.queries import _RECORD_COLUMNS, Queries, _record
from storage.visibility import visible_clause

_QUARTER = (
    "CASE WHEN r.close_date IS NULL OR r.close_date = '' THEN '' ELSE substr(r.close_date, 1, 4) || '-Q'"
    " || ((CAST(substr(r.close_date, 6, 2) AS INTEGER) + 2) / 3) END"
)  # the quarter of a close date, as migration 11's triggers write it
Totals = dict[tuple[str, str, str, str], list[int]]  # (stage, currency, quarter, reason) -> [deals, total]

# Each stored total is two sums, of value // TOTAL_SPLIT and of value % TOTAL_SPLIT (migration 21): neither
# overflows a 64-bit integer before billions of deals, and Python adds them exactly.
TOTAL_SPLIT = 10**9
WEEKLY_COLUMNS = "w.id, w.tenant_id, w.conversation_id, w.service_url, w.set_by, w.time_zone, w.next_post_at"


class PipelineQueries(Queries):
    """repo.pipeline"""

    # --- the totals ----------------------------------------------------------------------------

    def pipeline_totals(
        self, reader: Reader, owner_id: int | None, open_quarter: str | None, closed_quarter: str,
        pipeline: PipelineStages = DEFAULT_PIPELINE,
    ) -> tuple[list[StageTotal], list[StageTotal], list[tuple[str, int]]]:  # fmt: skip
        """Open deals by stage and currency (close date in `open_quarter` when given), Won and Lost deals whose
        close date is in `closed_quarter`, and those lost deals by reason; for one owner or everyone, in one
        pipeline; only the deals the reader may see: the stored totals, less their restricted part (migrations
        26 and 31), plus the restricted deals the reader may see, read through their own access (what they own,
        were given, follow, or their teams')."""
        tenant_id = reader.tenant_id
        counted = self._stored("pipeline_totals", tenant_id, owner_id, pipeline)
        if not reader.sees_all:
            for key, (deals, total) in self._stored(
                "pipeline_restricted_totals", tenant_id, owner_id, pipeline
            ).items():
                found = counted.setdefault(key, [0, 0])
                found[0] -= deals
                found[1] -= total
            if reader.user_id is not None:
                for key, (deals, total) in self._restricted_seen(tenant_id, reader.user_id, owner_id, pipeline).items():
                    found = counted.setdefault(key, [0, 0])
                    found[0] += deals
                    found[1] += total
        open_rows: dict[tuple[str, str], list[int]] = {}
        closed_rows: dict[tuple[str, str], list[int]] = {}
        reasons: dict[str, int] = {}
        for (stage, currency, quarter, reason), (deals, total) in counted.items():
            if deals <= 0:
                continue
            if stage in CLOSED_STAGES:
                if quarter != closed_quarter:
                    continue
                found = closed_rows.setdefault((stage, currency), [0, 0])
                if stage == "Lost":
                    reasons[reason] = reasons.get(reason, 0) + deals
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

    def _stored(self, table: str, tenant_id: str, owner_id: int | None, pipeline: PipelineStages) -> Totals:
        stages = list(pipeline.stages)
        marks = ", ".join("?" for _ in stages)
        sql = (
            "SELECT stage, currency, close_quarter, reason, sum(deals) AS deals, sum(total_high) AS high,"
            f" sum(total_low) AS low FROM {table}"
            f" WHERE tenant_id = ? AND pipeline_id = ? AND stage IN ({marks}) AND deals > 0"
        )
        params: list[Any] = [tenant_id, pipeline.key, *stages]
        if owner_id is not None:
            sql += " AND owner_id = ?"
            params.append(owner_id)
        rows = self._all(sql + " GROUP BY stage, currency, close_quarter, reason", params)
        return _totals(rows)

    def _restricted_seen(self, tenant_id: str, user_id: int, owner_id: int | None, pipeline: PipelineStages) -> Totals:
        """The restricted open or closed opportunities of the pipeline this person may see, summed as the stored
        totals are (a Lost deal's reason, as the triggers write it)."""
        stages = list(pipeline.stages)
        marks = ", ".join("?" for _ in stages)
        sql = (
            f"SELECT r.stage, COALESCE(r.currency, '') AS currency, {_QUARTER} AS close_quarter,"
            " CASE WHEN r.stage = 'Lost' THEN COALESCE(r.lost_reason, '') ELSE '' END AS reason, count(*) AS deals,"
            " COALESCE(sum(r.value / 1000000000), 0) AS high, COALESCE(sum(r.value % 1000000000), 0) AS low"
            " FROM records r WHERE r.tenant_id = ? AND r.kind = 'opportunity' AND COALESCE(r.pipeline_id, 0) = ?"
            f" AND r.archived_at IS NULL AND r.visibility <> 'everyone' AND r.stage IN ({marks}) AND r.id IN"
            " (SELECT id FROM records WHERE tenant_id = ? AND owner_id = ? AND visibility <> 'everyone'"
            " UNION SELECT record_id FROM record_access WHERE tenant_id = ? AND user_id = ?"
            " UNION SELECT t.id FROM team_members m JOIN records t ON t.tenant_id = m.tenant_id AND t.team_id = m.team_id"
            " WHERE m.tenant_id = ? AND m.user_id = ? AND t.visibility = 'team')"
        )
        params: list[Any] = [
            tenant_id,
            pipeline.key,
            *stages,
            tenant_id,
            user_id,
            tenant_id,
            user_id,
            tenant_id,
            user_id,
        ]
        if owner_id is not None:
            sql += " AND r.owner_id = ?"
            params.append(owner_id)
        rows = self._all(sql + " GROUP BY 1, 2, 3, 4", params)
        return _totals(rows)

    def stage_records(
        self, reader: Reader, stage: str, owner_id: int | None, first_day: str | None, last_day: str | None, limit: int,
        pipeline_id: int | None = None,
    ) -> list[Record]:  # fmt: skip
        """The opportunities behind one bar that the reader may see, the newest deals first (by creation:
        records_by_stage holds the id, not updated_at, so a comment's touch of a record rewrites no entry of it);
        in one pipeline."""
        visible, seen_by = visible_clause(reader)
        if pipeline_id is None:
            sql = (
                f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.kind = 'opportunity'"
                f" AND r.stage = ? AND r.archived_at IS NULL AND r.pipeline_id IS NULL{visible}"
            )
            params: list[Any] = [reader.tenant_id, stage, *seen_by]
        else:
            sql = (
                f"SELECT {_RECORD_COLUMNS} FROM records r WHERE r.tenant_id = ? AND r.pipeline_id = ?"
                f" AND r.stage = ? AND r.kind = 'opportunity' AND r.archived_at IS NULL{visible}"
            )
            params = [reader.tenant_id, pipeline_id, stage, *seen_by]
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


def _totals(rows: list[Any]) -> Totals:
    """Rows of (stage, currency, close_quarter, reason, deals, high, low) as totals: each total's two parts
    added back exactly."""
    return {
        (r["stage"], r["currency"], r["close_quarter"], r["reason"]): [
            int(r["deals"]), int(r["high"]) * TOTAL_SPLIT + int(r["low"])
        ]
        for r in rows
    }  # fmt: skip

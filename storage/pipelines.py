"""Queries of the pipelines an organisation's admins define (their ordered stages and chances), the deals in
each, and the organisation's list of lost reasons (migration 28). The default pipeline is not stored: an
opportunity without a pipeline_id is in it."""

from __future__ import annotations

from bot.domain.pipeline import PipelineStages, Stage
from storage.queries import Queries


class PipelineDefinitionQueries(Queries):
    """repo.pipelines"""

    def pipelines(self, tenant_id: str) -> list[PipelineStages]:
        """The organisation's own pipelines with their stages, in the order they were added."""
        rows = self._all(
            "SELECT p.id, p.name, s.name AS stage, s.probability FROM pipelines p"
            " JOIN pipeline_stages s ON s.tenant_id = p.tenant_id AND s.pipeline_id = p.id"
            " WHERE p.tenant_id = ? ORDER BY p.id, s.position",
            [tenant_id],
        )
        found: dict[int, tuple[str, list[Stage]]] = {}
        for row in rows:
            found.setdefault(int(row["id"]), (row["name"], []))[1].append(Stage(row["stage"], int(row["probability"])))
        return [PipelineStages(pid, name, tuple(stages)) for pid, (name, stages) in found.items()]

    def pipeline(self, tenant_id: str, pipeline_id: int) -> PipelineStages | None:
        rows = self._all(
            "SELECT p.name, s.name AS stage, s.probability FROM pipelines p"
            " JOIN pipeline_stages s ON s.tenant_id = p.tenant_id AND s.pipeline_id = p.id"
            " WHERE p.tenant_id = ? AND p.id = ? ORDER BY s.position",
            [tenant_id, pipeline_id],
        )
        if not rows:
            return None
        return PipelineStages(
            pipeline_id, rows[0]["name"], tuple(Stage(r["stage"], int(r["probability"])) for r in rows)
        )

    def lock_pipelines(self, tenant_id: str) -> None:
        """Two admins changing pipelines at once count and name them one after the other (PostgreSQL)."""
        self._lock("pipelines", tenant_id)

    def add_pipeline(self, tenant_id: str, name: str, stages: tuple[Stage, ...], actor_id: int, now: str) -> int:
        pipeline_id = self._new_id(
            "INSERT INTO pipelines (tenant_id, name, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id",
            [tenant_id, name, actor_id, now],
        )
        self._write_stages(tenant_id, pipeline_id, stages)
        return pipeline_id

    def _write_stages(self, tenant_id: str, pipeline_id: int, stages: tuple[Stage, ...]) -> None:
        self.db.execute("DELETE FROM pipeline_stages WHERE tenant_id = ? AND pipeline_id = ?", [tenant_id, pipeline_id])
        for position, stage in enumerate(stages):
            self.db.execute(
                "INSERT INTO pipeline_stages (tenant_id, pipeline_id, position, name, probability)"
                " VALUES (?, ?, ?, ?, ?)",
                [tenant_id, pipeline_id, position, stage.name, stage.probability],
            )

    def change_pipeline(
        self, tenant_id: str, pipeline_id: int, name: str, stages: tuple[Stage, ...], renamed: dict[str, str], now: str
    ) -> int:
        """A pipeline's name and stages as given; the deals of each renamed stage follow it (their version
        bumped). The number of deals moved."""
        self.db.execute("UPDATE pipelines SET name = ? WHERE tenant_id = ? AND id = ?", [name, tenant_id, pipeline_id])
        self._write_stages(tenant_id, pipeline_id, stages)
        moved = 0
        for old, new in renamed.items():
            cursor = self.db.execute(
                "UPDATE records SET stage = ?, version = version + 1, updated_at = ?"
                " WHERE tenant_id = ? AND pipeline_id = ? AND stage = ?",
                [new, now, tenant_id, pipeline_id, old],
            )
            moved += max(cursor.rowcount, 0)
        return moved

    def delete_pipeline(self, tenant_id: str, pipeline_id: int) -> None:
        self.db.execute("DELETE FROM pipeline_stages WHERE tenant_id = ? AND pipeline_id = ?", [tenant_id, pipeline_id])
        self.db.execute("DELETE FROM pipelines WHERE tenant_id = ? AND id = ?", [tenant_id, pipeline_id])

    def deals_by_stage(self, tenant_id: str, pipeline_id: int) -> dict[str, int]:
        """Every record in the pipeline (archived and closed ones too), counted by stage."""
        rows = self._all(
            "SELECT stage, count(*) AS n FROM records WHERE tenant_id = ? AND pipeline_id = ? GROUP BY stage",
            [tenant_id, pipeline_id],
        )
        return {r["stage"]: int(r["n"]) for r in rows}

    # --- lost reasons --------------------------------------------------------------------------

    def lost_reasons(self, tenant_id: str) -> str | None:
        row = self._one("SELECT lost_reasons FROM tenants WHERE id = ?", [tenant_id])
        return row["lost_reasons"] if row else None

    def set_lost_reasons(self, tenant_id: str, reasons: str | None) -> None:
        self.db.execute("UPDATE tenants SET lost_reasons = ? WHERE id = ?", [reasons, tenant_id])

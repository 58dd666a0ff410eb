"""Who may see a record, in storage, on both engines (migration 26): the access list a follow adds to, the
restricted part of the pipeline's totals that its triggers keep, and every reader's pipeline equal to the deals
they may see counted one by one."""

from __future__ import annotations

import random

from bot.domain.models import Kind, Visibility
from bot.domain.pipeline import CLOSED_STAGES, OPEN_STAGES
from bot.domain.visibility import Reader
from storage.repository import Repository

NOW = "2026-12-07T08:00:00+00:00"
T = "tenant-v"


def _people(repo: Repository, count: int) -> list[int]:
    with repo.transaction():
        repo.people.ensure_tenant(T, None, NOW)
        return [repo.people.upsert_user(T, f"29:p{i}", None, f"Person {i}", NOW).id for i in range(count)]


def test_a_follower_of_a_restricted_record_is_on_its_access_list_and_everyones_has_none(repo: Repository) -> None:
    owner, follower, later = _people(repo, 3)
    with repo.transaction():
        record = repo.records.insert_record(T, Kind.LEAD, "Deal", "New", owner, NOW)
        repo.follows.add_follower(T, record.id, follower, NOW)
    assert not repo.visibility.may_see(T, record.id, None, 999)
    assert repo.db.execute("SELECT count(*) FROM record_access").fetchone()[0] == 0  # everyone's: no list
    with repo.transaction():
        repo.visibility.set_visibility(T, record.id, Visibility.PRIVATE, None, NOW)
        repo.follows.add_follower(T, record.id, later, NOW)  # the trigger: a follower may see it
    listed = {row[0] for row in repo.db.execute("SELECT user_id FROM record_access").fetchall()}
    assert listed == {owner, follower, later}
    assert repo.visibility.may_see(T, record.id, None, later)
    with repo.transaction():
        repo.visibility.set_visibility(T, record.id, Visibility.EVERYONE, None, NOW)
    assert repo.db.execute("SELECT count(*) FROM record_access").fetchone()[0] == 0


def test_the_organisations_default_visibility_applies_to_new_records(repo: Repository) -> None:
    [owner] = _people(repo, 1)
    with repo.transaction():
        repo.visibility.set_default_visibility(T, Visibility.PRIVATE)
        made = repo.records.insert_record(T, Kind.LEAD, "Quiet", "New", owner, NOW)
        kept = repo.records.insert_record(T, Kind.LEAD, "Open", "New", owner, NOW, visibility=Visibility.EVERYONE)
    assert made.visibility is Visibility.PRIVATE and kept.visibility is Visibility.EVERYONE


def _counted(repo: Repository, restricted_only: bool) -> dict[tuple[object, ...], tuple[int, int]]:
    """The totals as one sum over the records (what the triggers keep, by another road)."""
    where = " AND visibility <> 'everyone'" if restricted_only else ""
    rows = repo.db.execute(
        "SELECT owner_id, stage, COALESCE(currency, ''), close_date, value FROM records"
        f" WHERE tenant_id = ? AND kind = 'opportunity' AND archived_at IS NULL{where}",
        [T],
    ).fetchall()
    found: dict[tuple[object, ...], list[int]] = {}
    for owner, stage, currency, close, value in rows:
        quarter = f"{close[:4]}-Q{(int(close[5:7]) + 2) // 3}" if close else ""
        entry = found.setdefault((owner, stage, currency, quarter), [0, 0])
        entry[0] += 1
        entry[1] += int(value or 0)
    return {key: (d, t) for key, (d, t) in found.items()}


def _stored(repo: Repository, table: str) -> dict[tuple[object, ...], tuple[int, int]]:
    rows = repo.db.execute(
        "SELECT owner_id, stage, currency, close_quarter, sum(deals), sum(total_high) * 1000000000 + sum(total_low)"
        f" FROM {table} WHERE tenant_id = ? AND deals > 0 GROUP BY 1, 2, 3, 4",
        [T],
    ).fetchall()
    return {(r[0], r[1], r[2], r[3]): (int(r[4]), int(r[5])) for r in rows}


def test_the_restricted_totals_follow_every_change_and_each_readers_pipeline_is_what_they_may_see(
    repo: Repository,
) -> None:
    rng = random.Random(26)
    people = _people(repo, 6)
    with repo.transaction():
        team = repo.visibility.learn_team(T, "19:team", "Sales", None, NOW)
        repo.visibility.set_roster(T, team, people[:3], NOW)
    stages = [*OPEN_STAGES, *CLOSED_STAGES]
    ids: list[int] = []
    for step in range(160):
        with repo.transaction():
            if not ids or rng.random() < 0.3:
                record = repo.records.insert_record(
                    T, Kind.OPPORTUNITY, f"Deal {step}", rng.choice(stages), rng.choice(people), NOW,
                    value=rng.randrange(0, 10_000) * 100, currency=rng.choice(["EUR", "USD"]),
                    close_date=f"2026-{rng.randrange(1, 13):02d}-15",
                )  # fmt: skip
                ids.append(record.id)
                continue
            record_id = rng.choice(ids)
            change = rng.randrange(6)
            if change == 0:
                visibility = rng.choice(list(Visibility))
                repo.visibility.set_visibility(
                    T, record_id, visibility, team if visibility is Visibility.TEAM else None, NOW
                )
            elif change == 1:
                repo.records.touch_record(T, record_id, NOW, stage=rng.choice(stages))
            elif change == 2:
                repo.details.update_record_fields(T, record_id, NOW, value=rng.randrange(0, 5000) * 100)
            elif change == 3:
                repo.details.update_record_fields(T, record_id, NOW, owner_id=rng.choice(people))
            elif change == 4:
                repo.details.update_record_fields(T, record_id, NOW, archived_at=rng.choice([None, NOW]))
            else:
                repo.follows.add_follower(T, record_id, rng.choice(people), NOW)
    assert _stored(repo, "pipeline_restricted_totals") == _counted(repo, restricted_only=True)
    assert _stored(repo, "pipeline_totals") == _counted(repo, restricted_only=False)
    for person in people:
        reader = Reader(T, person)
        opened, closed, _reasons = repo.pipeline.pipeline_totals(reader, None, None, "2026-Q4")
        seen = [
            r for r in (repo.records.get_record(T, i) for i in ids)
            if r is not None and not r.archived_at and _may_see(repo, r.id, r.owner_id, r.visibility, r.team_id, person)
        ]  # fmt: skip
        wanted: dict[tuple[str, str], tuple[int, int]] = {}
        for r in seen:
            if r.stage in OPEN_STAGES:
                d, t = wanted.get((r.stage, r.currency or ""), (0, 0))
                wanted[(r.stage, r.currency or "")] = (d + 1, t + (r.value or 0))
        assert {(s.stage, s.currency): (s.deals, s.total) for s in opened} == wanted, person
        assert all(s.stage in CLOSED_STAGES for s in closed)
    everyone = repo.pipeline.pipeline_totals(Reader.everyone(T), None, None, "2026-Q4")[0]
    records = [found for found in (repo.records.get_record(T, i) for i in ids) if found is not None]
    public = sum(1 for record in records if record.is_open and not record.restricted)
    assert sum(s.deals for s in everyone) == public


def _may_see(
    repo: Repository, record_id: int, owner: int, visibility: Visibility, team: int | None, person: int
) -> bool:
    if visibility is Visibility.EVERYONE or owner == person:
        return True
    return repo.visibility.may_see(T, record_id, team if visibility is Visibility.TEAM else None, person)


def test_a_restricted_list_filters_by_the_same_rule_as_one_record(repo: Repository) -> None:
    people = _people(repo, 4)
    with repo.transaction():
        made = [repo.records.insert_record(T, Kind.LEAD, f"Lead {i}", "New", people[i % 2], NOW) for i in range(12)]
        for record in made[::3]:
            repo.visibility.set_visibility(T, record.id, Visibility.PRIVATE, None, NOW)
        repo.visibility.grant(T, made[3].id, people[2], people[1], NOW)
    for person in people:
        listed = {r.id for r in repo.records.list_records(Reader(T, person), Kind.LEAD, 50)}
        one_by_one = {
            r.id
            for r in made
            if _may_see(repo, r.id, r.owner_id, repo.records.get_record(T, r.id).visibility, None, person)  # type: ignore[union-attr]
        }
        assert listed == one_by_one, person
    assert {r.id for r in repo.records.list_records(Reader.everyone(T), Kind.LEAD, 50)} == {
        r.id for r in made if r not in made[::3]
    }

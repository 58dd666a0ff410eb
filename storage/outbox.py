"""The outbox's queries (the one table `notifications`: every message the bot sends later, to a person or
to a team channel; the words are bot/notify/__init__.py's). Each is parameterised and scoped by tenant id,
except the sender's three look-ups across tenants (`due_tenants`, `next_attempt_at`, `stale_in_flight`),
which return only tenant ids, ids, targets and times: the sender serves every tenant and then reads per
tenant."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.domain.delivery import DeliverTo, DeliveryStatus, Notification, Purpose, Target
from bot.domain.models import Event, NotifyChoice
from storage.dialect import SQLITE
from storage.queries import by_value, stored

if TYPE_CHECKING:
    from storage.queries import Database

_COLUMNS = (
    "n.id, n.tenant_id, n.record_id, n.recipient_id, n.actor_id, n.event_ids, n.status, n.attempts, n.due_at,"
    " n.next_attempt_at, n.last_error,"
    " (SELECT CASE r.kind WHEN 'lead' THEN 'L-' ELSE 'O-' END || r.number FROM records r"
    "  WHERE r.tenant_id = n.tenant_id AND r.id = n.record_id) AS record_ref,"
    " (SELECT u.name FROM users u WHERE u.tenant_id = n.tenant_id AND u.id = n.recipient_id) AS recipient_name,"
    " n.purpose, n.target, n.channel_id, n.occasion,"
    " (SELECT u.locale FROM users u WHERE u.tenant_id = n.tenant_id AND u.id = n.recipient_id) AS recipient_locale"
)

FEED = "feed"  # the lane of a change told to a follower who chose the activity feed (alone or with chat)
CHAT = "chat"  # the lane of every other row (notices, digests, followers on chat, posts to team channels)
_ON_FEED = (
    "(n.purpose = 'change' AND EXISTS (SELECT 1 FROM followers f WHERE f.tenant_id = n.tenant_id"
    " AND f.record_id = n.record_id AND f.user_id = n.recipient_id AND f.deliver_to <> 'chat'))"
)


_STATUSES = by_value(DeliveryStatus)
_PURPOSES = by_value(Purpose)
_TARGETS = by_value(Target)


def _notification(row: Any) -> Notification:
    return Notification(
        id=row["id"], tenant_id=row["tenant_id"], record_id=row["record_id"], recipient_id=row["recipient_id"],
        actor_id=row["actor_id"], event_ids=tuple(int(i) for i in row["event_ids"].split(",") if i),
        status=_STATUSES[row["status"]], attempts=row["attempts"], due_at=row["due_at"],
        next_attempt_at=row["next_attempt_at"], last_error=row["last_error"], record_ref=row["record_ref"] or "",
        recipient_name=row["recipient_name"] or "", purpose=_PURPOSES[row["purpose"]], target=_TARGETS[row["target"]],
        channel_id=row["channel_id"], occasion=row["occasion"], recipient_locale=row["recipient_locale"],
    )  # fmt: skip


class OutboxQueries:
    """Writes happen inside the caller's transaction (the change's own, or the sender's short ones)."""

    def __init__(self, db: Database) -> None:
        self.db: Any = db  # sqlite_utils.Database or PostgresDatabase
        self.dialect = getattr(db, "dialect", SQLITE)

    # --- enqueue, in the transaction of the change ---------------------------------------------

    def enqueue(
        self, tenant_id: str, record_id: int, actor_id: int | None, event: Event, batch: str, now: str, due_at: str
    ) -> int:
        """One pending row per follower who wants this kind of event, except the actor. A follower who
        already has an open row from the same actor on this record (same change, or its window still
        open and nothing sent yet) gets the event added to it instead."""
        accepting = NotifyChoice.accepting(event.kind)
        if not accepting:
            return 0
        marks = ", ".join("?" for _ in accepting)
        wanted = (
            f"SELECT f.user_id FROM followers f WHERE f.tenant_id = ? AND f.record_id = ?"
            f" AND f.user_id IS DISTINCT FROM ? AND f.notify IN ({marks})"
        )
        open_row = (
            "n.tenant_id = ? AND n.record_id = ? AND n.actor_id IS NOT DISTINCT FROM ? AND n.status = 'pending' AND n.attempts = 0"
            " AND n.purpose = 'change' AND (n.batch = ? OR n.due_at > ?)"
        )
        if self.db.execute(f"{wanted} LIMIT 1", [tenant_id, record_id, actor_id, *accepting]).fetchone() is None:
            return 0  # nobody but the actor follows (the common case): one read instead of two writes
        scope = [tenant_id, record_id, actor_id, batch, now]
        joined = self.db.execute(
            f"UPDATE notifications AS n SET event_ids = event_ids || ',' || ?, updated_at = ?"
            f" WHERE {open_row} AND n.recipient_id IN ({wanted})",
            [event.id, now, *scope, tenant_id, record_id, actor_id, *accepting],
        )
        opened = self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at)"
            f" SELECT ?, ?, w.user_id, ?, ?, ?, ?, ?, ?, ? FROM ({wanted}) w"
            f" WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE {open_row} AND n.recipient_id = w.user_id)",
            [
                tenant_id, record_id, actor_id, str(event.id), batch, due_at, due_at, now, now,
                tenant_id, record_id, actor_id, *accepting, *scope,
            ],
        )  # fmt: skip
        if self.dialect.postgres:  # every replica's sender wakes when the change commits
            self.db.notify("outbox " + tenant_id)
        return max(joined.rowcount, 0) + max(opened.rowcount, 0)

    def enqueue_to(
        self, tenant_id: str, record_id: int, actor_id: int | None, recipient_id: int, event: Event, batch: str,
        now: str, due_at: str,
    ) -> int:  # fmt: skip
        """A notification for one follower only (a reminder to the owner), even when they acted: joined to
        their open row from the same actor (so it arrives with the change that caused it), else a new row.
        Only when they still follow the record with a choice that wants this kind of event."""
        accepting = NotifyChoice.accepting(event.kind)
        choice = self.follower_choice(tenant_id, record_id, recipient_id)
        if choice is None or choice.value not in accepting:
            return 0
        open_row = (
            "tenant_id = ? AND record_id = ? AND actor_id IS NOT DISTINCT FROM ? AND recipient_id = ? AND status = 'pending'"
            " AND attempts = 0 AND (batch = ? OR due_at > ?)"
        )
        scope = [tenant_id, record_id, actor_id, recipient_id, batch, now]
        joined = self.db.execute(
            f"UPDATE notifications SET event_ids = event_ids || ',' || ?, updated_at = ? WHERE {open_row}",
            [event.id, now, *scope],
        )
        if joined.rowcount > 0:
            return joined.rowcount
        self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [tenant_id, record_id, recipient_id, actor_id, str(event.id), batch, due_at, due_at, now, now],
        )
        return 1

    def enqueue_post(self, tenant_id: str, purpose: Purpose, channel_id: str, occasion: str, now: str) -> bool:
        """A post to a team channel, due now, once per occasion (the unique index notifications_once: of two
        senders opening the same week, one writes the row); False when the occasion has its row already."""
        added = self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at, purpose, target, channel_id, occasion)"
            " VALUES (?, NULL, NULL, NULL, '', '', ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, now, now, now, now, stored(Purpose, purpose), stored(Target, Target.CHANNEL), channel_id,
             occasion],
        )  # fmt: skip
        if added.rowcount == 1 and self.dialect.postgres:  # the replica sending for the tenant wakes
            self.db.notify("outbox " + tenant_id)
        return added.rowcount == 1

    def enqueue_once(
        self, tenant_id: str, purpose: Purpose, recipient_id: int, record_id: int | None, occasion: str, now: str,
        due_at: str,
    ) -> bool:  # fmt: skip
        """A row to one person, once per occasion (the unique index notifications_person_once: a day's card,
        a quiet spell), due at `due_at`; False when the occasion has its row already."""
        added = self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at, purpose, target, occasion)"
            " VALUES (?, ?, ?, NULL, '', '', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [tenant_id, record_id, recipient_id, due_at, due_at, now, now, stored(Purpose, purpose),
             stored(Target, Target.PERSON), occasion],
        )  # fmt: skip
        if added.rowcount == 1 and self.dialect.postgres:
            self.db.notify("outbox " + tenant_id)
        return added.rowcount == 1

    def enqueue_reminder(
        self, tenant_id: str, record_id: int, recipient_id: int, event_id: int, occasion: str, batch: str, now: str,
        due_at: str,
    ) -> None:  # fmt: skip
        """A task's reminder to its assignee, due at `due_at`: one row per task and due time (`occasion`
        "<task id>@<due>"), written in the task's own transaction."""
        self.db.execute(
            "INSERT INTO notifications (tenant_id, record_id, recipient_id, actor_id, event_ids, batch, due_at,"
            " next_attempt_at, created_at, updated_at, purpose, target, occasion)"
            " VALUES (?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [tenant_id, record_id, recipient_id, str(event_id), batch, due_at, due_at, now, now,
             stored(Purpose, Purpose.REMINDER), stored(Target, Target.PERSON), occasion],
        )  # fmt: skip
        if self.dialect.postgres:
            self.db.notify("outbox " + tenant_id)

    def cancel_reminders(self, tenant_id: str, task_id: int) -> int:
        """A task's reminders not yet sent go (it was done, re-dated or reassigned), in the task's transaction."""
        cursor = self.db.execute(
            "DELETE FROM notifications WHERE tenant_id = ? AND purpose = ? AND status = 'pending' AND occasion LIKE ?",
            [tenant_id, stored(Purpose, Purpose.REMINDER), f"{task_id}@%"],
        )
        return max(cursor.rowcount, 0)

    def cancel_posts(self, tenant_id: str, purpose: Purpose, channel_id: str) -> int:
        """A channel's rows of one purpose go (its weekly post was stopped): pending ones are never sent."""
        cursor = self.db.execute(
            "DELETE FROM notifications WHERE tenant_id = ? AND purpose = ? AND channel_id = ? AND occasion IS NOT NULL",
            [tenant_id, stored(Purpose, purpose), channel_id],
        )
        return max(cursor.rowcount, 0)

    def latest_post(self, tenant_id: str, purpose: Purpose, channel_id: str) -> Notification | None:
        """A channel's row of one purpose for its latest occasion."""
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM notifications n WHERE n.tenant_id = ? AND n.purpose = ? AND n.channel_id = ?"
            " AND n.occasion IS NOT NULL ORDER BY n.occasion DESC LIMIT 1",
            [tenant_id, stored(Purpose, purpose), channel_id],
        ).fetchone()
        return _notification(row) if row else None

    # --- the sender ----------------------------------------------------------------------------

    def due_tenants(self, now: str) -> list[str]:
        rows = self.db.execute(
            "SELECT DISTINCT tenant_id FROM notifications WHERE status = 'pending' AND next_attempt_at <= ?", [now]
        ).fetchall()
        return [r[0] for r in rows]

    def next_attempt_at(self) -> str | None:
        row = self.db.execute("SELECT min(next_attempt_at) FROM notifications WHERE status = 'pending'").fetchone()
        return row[0] if row else None

    def due(
        self, tenant_id: str, now: str, limit: int, owner: str = "", lease_until: str = "", take_over: bool = False,
        lane: str | None = None,
    ) -> list[Notification]:  # fmt: skip
        """The tenant's due rows, leased to `owner` until `lease_until`: another sender passes over
        them (and over rows a concurrent lease is taking: SKIP LOCKED) unless it `take_over`s, having
        just become the tenant's sender because the previous one is gone. With a `lane` ("feed" or
        "chat"), only the rows of that lane: the changes told to followers who chose the activity
        feed (alone or with a chat message), or every other row."""
        in_lane = "" if lane is None else (" AND " if lane == FEED else " AND NOT ") + _ON_FEED
        if owner:
            if take_over:  # every lease of the stopped sender goes, not only those of the first rows read
                self.db.execute(
                    "UPDATE notifications SET lease_owner = NULL, lease_until = NULL"
                    " WHERE tenant_id = ? AND status = 'pending' AND lease_owner IS NOT NULL",
                    [tenant_id],
                )
            free = "(n.lease_until IS NULL OR n.lease_until <= ? OR n.lease_owner = ?)"
            self.db.execute(
                "UPDATE notifications SET lease_owner = ?, lease_until = ? WHERE tenant_id = ? AND id IN"
                " (SELECT n.id FROM notifications n WHERE n.tenant_id = ? AND n.status = 'pending'"
                f" AND n.next_attempt_at <= ? AND {free}{in_lane} ORDER BY n.next_attempt_at, n.id LIMIT ?"
                f"{self.dialect.skip_locked()})",
                [owner, lease_until, tenant_id, tenant_id, now, now, owner, limit],
            )
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM notifications n WHERE n.tenant_id = ? AND n.status = 'pending'"
            f" AND n.next_attempt_at <= ? AND (? = '' OR n.lease_owner = ?){in_lane} ORDER BY n.next_attempt_at, n.id"
            " LIMIT ?",
            [tenant_id, now, owner, owner, limit],
        ).fetchall()
        return [_notification(r) for r in rows]

    def recent_sends(self, tenant_id: str, since: str) -> list[tuple[str, str]]:
        """The tenant's notifications that went on the wire from `since` on, whichever replica sent them:
        (the recipient's conversation, when: the answer's time if it came, else the call's)."""
        rows = self.db.execute(
            "SELECT u.conversation_id, coalesce(n.sent_at, n.claimed_at) AS at FROM notifications n"
            " JOIN users u ON u.tenant_id = n.tenant_id AND u.id = n.recipient_id"
            " WHERE n.tenant_id = ? AND n.claimed_at >= ? AND u.conversation_id IS NOT NULL",
            [tenant_id, since],
        ).fetchall()
        return [(row[0], row[1]) for row in rows]

    def get(self, tenant_id: str, notification_id: int) -> Notification | None:
        row = self.db.execute(
            f"SELECT {_COLUMNS} FROM notifications n WHERE n.tenant_id = ? AND n.id = ?", [tenant_id, notification_id]
        ).fetchone()
        return _notification(row) if row else None

    def claim(self, tenant_id: str, notification_id: int, now: str, due_by: str | None = None) -> bool:
        """pending -> sending, committed before the HTTP call; False if someone else took it."""
        cursor = self.db.execute(
            "UPDATE notifications SET status = 'sending', claimed_at = ?, updated_at = ?"
            " WHERE tenant_id = ? AND id = ? AND status = 'pending' AND next_attempt_at <= ?",
            [now, now, tenant_id, notification_id, due_by or now],
        )
        return cursor.rowcount == 1

    def mark_sent(self, tenant_id: str, notification_id: int, activity_id: str | None, now: str) -> None:
        self.db.execute(
            "UPDATE notifications SET status = 'sent', attempts = attempts + 1, activity_id = ?, sent_at = ?,"
            " updated_at = ?, last_error = NULL WHERE tenant_id = ? AND id = ? AND status = 'sending'",
            [activity_id, now, now, tenant_id, notification_id],
        )

    def mark_retry(self, tenant_id: str, notification_id: int, next_attempt_at: str, error: str, now: str) -> None:
        self.db.execute(
            "UPDATE notifications SET status = 'pending', attempts = attempts + 1, next_attempt_at = ?,"
            " last_error = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status IN ('pending', 'sending')",
            [next_attempt_at, error, now, tenant_id, notification_id],
        )

    def mark_failed(
        self, tenant_id: str, notification_id: int, error: str, now: str, count_attempt: bool = True
    ) -> None:
        self.db.execute(
            "UPDATE notifications SET status = 'failed', attempts = attempts + ?, last_error = ?, updated_at = ?"
            " WHERE tenant_id = ? AND id = ? AND status IN ('pending', 'sending')",
            [1 if count_attempt else 0, error, now, tenant_id, notification_id],
        )

    def drop(self, tenant_id: str, notification_id: int) -> None:
        """A notification nobody wants any more (unfollowed or muted before it went out)."""
        self.db.execute(
            "DELETE FROM notifications WHERE tenant_id = ? AND id = ? AND status = 'pending'",
            [tenant_id, notification_id],
        )

    def stale_in_flight(self, claimed_before: str) -> list[tuple[str, int, Target]]:
        rows = self.db.execute(
            "SELECT tenant_id, id, target FROM notifications WHERE status = 'sending' AND claimed_at < ?",
            [claimed_before],
        ).fetchall()
        return [(r["tenant_id"], r["id"], _TARGETS[r["target"]]) for r in rows]

    def follower_choice(self, tenant_id: str, record_id: int, user_id: int) -> NotifyChoice | None:
        row = self.db.execute(
            "SELECT notify FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [tenant_id, record_id, user_id],
        ).fetchone()
        return NotifyChoice(row[0]) if row else None

    def follower_delivery(self, tenant_id: str, record_id: int, user_id: int) -> str | None:
        row = self.db.execute(
            "SELECT deliver_to FROM followers WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [tenant_id, record_id, user_id],
        ).fetchone()
        return row[0] if row else None

    def feed_choices(self, tenant_id: str, record_id: int) -> dict[int, str]:
        """The followers of a record notified elsewhere than by chat message (few: the default is chat)."""
        rows = self.db.execute(
            "SELECT user_id, deliver_to FROM followers WHERE tenant_id = ? AND record_id = ? AND deliver_to <> 'chat'",
            [tenant_id, record_id],
        ).fetchall()
        return {int(r[0]): r[1] for r in rows}

    def set_follower_delivery(self, tenant_id: str, record_id: int, user_id: int, deliver_to: str) -> bool:
        cursor = self.db.execute(
            "UPDATE followers SET deliver_to = ? WHERE tenant_id = ? AND record_id = ? AND user_id = ?",
            [stored(DeliverTo, deliver_to), tenant_id, record_id, user_id],
        )
        return cursor.rowcount == 1

    # --- what people see and do ----------------------------------------------------------------

    def counts(self, tenant_id: str) -> dict[DeliveryStatus, int]:
        rows = self.db.execute(
            "SELECT status, count(*) FROM notifications WHERE tenant_id = ? GROUP BY status", [tenant_id]
        ).fetchall()
        found = {DeliveryStatus(r[0]): int(r[1]) for r in rows}
        return {status: found.get(status, 0) for status in DeliveryStatus}

    def failed_on_records_of(self, tenant_id: str, owner_id: int, limit: int) -> list[Notification]:
        """Failed rows the person may send again: about the records they own, and to the channels whose weekly
        pipeline post they set up."""
        rows = self.db.execute(
            f"SELECT {_COLUMNS} FROM notifications n WHERE n.tenant_id = ? AND n.status = 'failed'"
            " AND (n.record_id IN (SELECT id FROM records WHERE tenant_id = ? AND owner_id = ?)"
            " OR (n.target = 'channel' AND n.purpose = 'weekly' AND n.channel_id IN"
            " (SELECT conversation_id FROM weekly_posts WHERE tenant_id = ? AND set_by = ?)))"
            " ORDER BY n.updated_at DESC, n.id DESC LIMIT ?",
            [tenant_id, tenant_id, owner_id, tenant_id, owner_id, limit],
        ).fetchall()
        return [_notification(r) for r in rows]

    def retry_failed(self, tenant_id: str, notification_id: int, now: str) -> bool:
        cursor = self.db.execute(
            "UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?,"
            " claimed_at = NULL WHERE tenant_id = ? AND id = ? AND status = 'failed'",
            [now, now, tenant_id, notification_id],
        )
        return cursor.rowcount == 1

    def bot_account(self, tenant_id: str) -> tuple[str, str] | None:
        """The bot's id and name as Teams showed them in this tenant's 1:1 chats."""
        row = self.db.execute(
            "SELECT bot_id, bot_name FROM users WHERE tenant_id = ? AND bot_id IS NOT NULL AND bot_id <> ''"
            " ORDER BY updated_at DESC LIMIT 1",
            [tenant_id],
        ).fetchone()
        return (row[0], row[1] or "") if row else None

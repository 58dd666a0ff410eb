"""Background work: the outbox's sender, Teams' and Graph's rate limits, the card updater.

The glossary of this room; the code uses these words.

outbox
    The one table of everything the bot sends later (`notifications`; storage/outbox.py, `repo.outbox`)
    and its use cases (`Deliveries`, bot/services/outbox.py). A row is written in the transaction of
    what caused it, so nothing is sent for a change that did not commit and nothing committed goes untold.
notification
    One row of the outbox, one message to send (`Notification`, bot/domain/delivery.py), whatever its
    purpose and target.
purpose
    What a notification tells (`Purpose`): a change to a followed record, a notice (follows, added,
    mention, lapsed), the daily digest, the weekly pipeline post. Each purpose has a view; a new purpose
    is a value and a view (`Deliveries.views`).
target
    Where a notification goes (`Target`): a person (their 1:1 chat, or their activity feed as their
    follow says) or a team channel (`channel_id`, a new post; no record, no recipient).
occasion
    What a row is sent once for (a weekly post's week): one row per tenant, purpose, channel and occasion
    (the unique index `notifications_once`), so two replicas never send it twice.
view
    What a row shows when it is sent, read then (`NotificationView` for a person, `ChannelPostView` for
    a channel); None when it is no longer to be sent (unfollowed, muted, the weekly post stopped): the row
    is dropped. A row due outside its recipient's working hours is held (moved to their next start) or
    gathered into their digest instead.
status
    pending -> sending (claimed: committed just before the HTTP call) -> sent | failed
    (`DeliveryStatus`). The `notifications` command counts them and offers "Send again" on failed rows
    to the record's owner, or to the person who set a channel's weekly post up (`Deliveries.retry`).
sender
    The loop that reads due rows and sends them (`Sender`, sender.py; `Notifier` is the sender through
    Teams). One per tenant at a time across replicas (ownership); woken after a commit, else on a timer.
sweep
    The sender's periodic pass: rows left 'sending' by a stop become failed ("interrupted while sending"
    or "... posting"), follows that lapsed end.
lane
    A tenant's rows that wait for one budget (`Deliveries.lanes`: chat, Teams' budget, team channels
    included; feed, Graph's), read and capped apart so one never takes the other's places.
read-ahead
    The due rows of a lane read before they are started; renewed only when it runs low.
lease
    A read-ahead row is leased to the sender that read it (`lease_owner`, `lease_until`): another
    sender passes over it until the lease runs out or it takes the tenant over.
fair queue
    Which read-ahead row starts next (`FairQueue`, fair_queue.py): the lane with the fewest under way,
    at most `per_tenant` under way per lane, so one tenant's fan-out holds up no other tenant.
limiter, permit, budget
    Teams' and Graph's rate limits (rate_limits.py): a send acquires a permit on its conversation's and
    its tenant's (or Graph's) windows, the budget it takes its turn from.
transport
    How a person's row is sent (`Transport`: bot/teams/transport.py, bot/teams/feed.py).
poster
    How a channel's row is posted (`ChannelPoster`: a new post in a team channel).
outgoing
    One message addressed and built, not yet sent (`Outgoing`), from a transport or the poster.
retry
    A transient failure (429 after its Retry-After, 412, 5xx, timeouts) tried again with backoff, at
    most `max_attempts`; a short wait for a person's row in its own task, else at its stored time.
card updater
    Not the outbox: keeps record cards already posted up to date (card_updates.py, `CardPost`)."""

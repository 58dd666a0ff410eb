"""The sender's rate limiter on a fake clock: Teams' windows are kept, one busy chat holds up no one."""

from bot.notify.rate_limits import CONVERSATION_LIMITS, TENANT_LIMITS, DeliveryPolicy, RateLimiter, in_tenant


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter(clock: Clock) -> RateLimiter:
    return RateLimiter(slack=0.0, clock=clock, sleep=clock.sleep)


async def send(rate: RateLimiter, conversation: str) -> float:
    permit = await rate.acquire([(("c", conversation), CONVERSATION_LIMITS)], (("t", "tenant"), TENANT_LIMITS))
    permit.finished()
    return rate.clock()


def windows_hold(times: list[float], count: int, window: float) -> bool:
    return all(sum(1 for t in times if start <= t < start + window - 1e-9) <= count for start in times)


async def test_one_conversation_keeps_every_teams_window() -> None:
    clock = Clock()
    rate = limiter(clock)
    times = [await send(rate, "bob") for _ in range(70)]
    for count, window in CONVERSATION_LIMITS:
        assert windows_hold(times, count, window), (count, window)
    assert times[7] >= 1.0 and times[8] >= 2.0 and times[60] >= 30.0


async def test_the_tenant_gets_its_budget_a_second_across_conversations() -> None:
    clock = Clock()
    rate = limiter(clock)
    times = [await send(rate, f"user{i}") for i in range(200)]
    assert TENANT_LIMITS == ((30, 1.0),)  # TEAMS_TENANT_RPS's default
    assert windows_hold(times, 30, 1.0)
    assert times[-1] < 7.5  # paced, but close to the limit: 200 sends in under 7.5 s


async def test_the_configured_tenant_budget_replaces_the_default() -> None:
    clock = Clock()
    rate = RateLimiter(slack=0.0, clock=clock, sleep=clock.sleep, tenant_rps=50)
    times = []
    for i in range(200):
        permit = await rate.acquire([(("c", f"user{i}"), CONVERSATION_LIMITS)], in_tenant("tenant"))
        times.append(clock())
        permit.finished()
    assert windows_hold(times, 50, 1.0) and not windows_hold(times, 30, 1.0)
    assert times[-1] < 4.5


async def test_a_busy_chat_does_not_hold_up_the_others() -> None:
    clock = Clock()
    rate = limiter(clock)
    for _ in range(8):
        await send(rate, "busy")
    assert clock.now >= 1.0  # the 8th waited for the 1 s window
    before = clock.now
    assert await send(rate, "quiet") - before < 0.05


async def test_retry_after_blocks_the_conversation_and_a_refunded_429_does_not_count() -> None:
    clock = Clock()
    rate = limiter(clock)
    rate.block(("c", "bob"), 3.0)
    assert await send(rate, "bob") >= 3.0
    permit = await rate.acquire([(("c", "x"), CONVERSATION_LIMITS)], (("t", "tenant"), TENANT_LIMITS))
    permit.refund()
    assert len(rate._logs[("c", "x")]) == 0


def test_backoff_grows_with_jitter_and_a_cap() -> None:
    policy = DeliveryPolicy(backoff_base=1.0, backoff_cap=10.0)
    for attempt, low, high in ((1, 0.5, 1.0), (2, 1.0, 2.0), (3, 2.0, 4.0), (9, 5.0, 10.0)):
        delays = {round(policy.backoff(attempt), 6) for _ in range(50)}
        assert all(low <= d <= high for d in delays) and len(delays) > 1


async def test_calls_another_replica_made_count_in_the_windows_as_if_this_limiter_had_made_them() -> None:
    """A takeover (bot/notify/takeover.py): the previous sender's sends, read from the outbox, fill Bob's
    windows here, so the first sends after it keep every window across both replicas' calls."""
    clock = Clock()
    clock.now = 100.0
    rate = limiter(clock)
    before = [0.25 * i for i in range(8)]  # the other replica's 8 sends, the latest just now, the first 1.75 s ago
    rate.remember((("c", "bob"), CONVERSATION_LIMITS), before)
    rate.remember((("c", "carol"), CONVERSATION_LIMITS), [3700.0])  # older than any window: forgotten
    times = [await send(rate, "bob") for _ in range(5)]
    everything = sorted([100.0 - ago for ago in before] + times)
    for count, window in CONVERSATION_LIMITS:
        assert windows_hold(everything, count, window), (count, window)
    assert times[0] >= 100.0 - 1.75 + 2.0  # 8 in any 2 s: the next waits for the oldest of them to leave
    assert await send(rate, "carol") == clock.now  # carol's hour-old send holds nothing up

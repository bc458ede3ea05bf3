"""The send schedule that keeps the bot within Telegram's flood limits, on a clock of its own."""

from __future__ import annotations

from bot.telegram_bot.flood_limits import TELEGRAM_LIMITS, FloodLimits, SendSchedule


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def most_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_thirty_answers_in_one_private_chat_go_out_one_a_second():
    schedule = SendSchedule(TELEGRAM_LIMITS, clock=Clock())

    times = [schedule.reserve(1001) for _ in range(30)]

    assert most_in_any_window(times, 1.0) == 1
    assert times == sorted(times) and times[-1] == 29.0


def test_a_group_gets_at_most_twenty_a_minute_and_one_a_second():
    schedule = SendSchedule(TELEGRAM_LIMITS, clock=Clock())

    times = [schedule.reserve(-1001234567890) for _ in range(41)]

    assert most_in_any_window(times, 60.0) == 20
    assert most_in_any_window(times, 1.0) == 1
    assert times[20] == 60.0 and times[40] == 120.0


def test_chats_do_not_wait_for_each_other_but_all_sends_share_the_overall_limit():
    limits = FloodLimits(private=((1, 1.0),), group=(), overall=((3, 1.0),))
    schedule = SendSchedule(limits, clock=Clock())

    times = [schedule.reserve(chat) for chat in (1, 2, 3, 4, 5)]

    assert times == [0.0, 0.0, 0.0, 1.0, 1.0]


def test_a_chat_idle_for_longer_than_its_window_sends_at_once():
    clock = Clock()
    schedule = SendSchedule(TELEGRAM_LIMITS, clock=clock)
    schedule.reserve(7)
    clock.now = 5.0

    assert schedule.reserve(7) == 5.0


def test_no_limits_never_waits():
    schedule = SendSchedule(FloodLimits.none(), clock=Clock())

    assert {schedule.reserve(-5) for _ in range(100)} == {0.0}

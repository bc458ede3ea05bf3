"""The send schedule that keeps the bot within Telegram's flood limits, on a clock of its own."""

from __future__ import annotations

from hypothesis import given, settings, strategies as st

from bot.telegram_bot.flood_limits import TELEGRAM_LIMITS, FloodLimits, SendSchedule


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def most_in_any_window(times: list[float], window: float) -> int:
    return max((sum(1 for t in times if start <= t < start + window) for start in times), default=0)


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


BUSY_GROUP = -1001234567890


def test_a_private_question_is_answered_at_once_while_a_busy_groups_answers_wait_for_its_minute():
    clock = Clock()
    schedule = SendSchedule(TELEGRAM_LIMITS, clock=clock)
    group_answers = [schedule.reserve(BUSY_GROUP) for _ in range(25)]  # 20 this minute, 5 the next
    clock.now = 2.5  # the group's answers still waiting: the next one at 3 s, the last at 64 s

    private_answer = schedule.reserve(1001)

    assert group_answers[-1] == 64.0
    assert private_answer == 2.5


def test_many_private_chats_fill_the_overall_limit_between_a_groups_waiting_answers():
    clock = Clock()
    schedule = SendSchedule(TELEGRAM_LIMITS, clock=clock)
    group_answers = [schedule.reserve(BUSY_GROUP) for _ in range(25)]
    clock.now = 0.5

    private_answers = [schedule.reserve(2000 + user) for user in range(70)]

    # 30 a second in all, the group's sends included: the 70 go out within three seconds.
    assert most_in_any_window(sorted(group_answers + private_answers), 1.0) == 30
    assert max(private_answers) < 3.5
    assert private_answers == sorted(private_answers)


def test_an_answer_held_back_by_the_overall_limit_still_spaces_its_chats_next_one():
    limits = FloodLimits(private=((1, 1.0),), group=(), overall=((2, 1.0),))
    schedule = SendSchedule(limits, clock=Clock())

    first_two = [schedule.reserve(chat) for chat in (1, 2)]
    held_back = schedule.reserve(3)  # the second is full: it goes at 1 s
    next_in_that_chat = schedule.reserve(3)

    assert first_two == [0.0, 0.0] and held_back == 1.0
    assert next_in_that_chat == 2.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1001, 1002, -5, -6, "@channel", None]),
                          st.floats(min_value=0.0, max_value=3.0)), max_size=120))
def test_however_chats_groups_and_pauses_mix_no_limit_is_ever_exceeded_and_each_chat_keeps_its_order(asks):
    limits = FloodLimits(private=((1, 1.0),), group=((1, 1.0), (4, 10.0)), overall=((3, 1.0), (5, 2.5)))
    clock = Clock()
    schedule = SendSchedule(limits, clock=clock)
    booked: dict[object, list[float]] = {}
    for chat_id, pause in asks:
        clock.now += pause
        at = schedule.reserve(chat_id)
        assert at >= clock.now
        booked.setdefault(chat_id, []).append(at)

    for chat_id, times in booked.items():
        rules = () if chat_id is None else limits.private if isinstance(chat_id, int) and chat_id > 0 else limits.group
        assert times == sorted(times)
        for count, window in rules:
            assert most_in_any_window(times, window) <= count
    every_send = sorted(t for times in booked.values() for t in times)
    for count, window in limits.overall:
        assert most_in_any_window(every_send, window) <= count

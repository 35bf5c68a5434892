"""The fixed-window limiter: counting, the look-only check, and a message that names the right period
and wait (the old one said "每 60 分钟" for an hourly limit and "每 1 分钟" for a per-second one)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from lianxin.core.errors import RateLimitedError
from lianxin.core.ratelimit import check_rate, parse_rate


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def refusal(key: str, rate: str, allowed: int) -> RateLimitedError:
    for _ in range(allowed):
        check_rate(key, rate)
    with pytest.raises(RateLimitedError) as info:
        check_rate(key, rate)
    return info.value


def test_parse_rate():
    assert parse_rate("20/h") == (20, 3600)
    assert parse_rate("300/hour") == (300, 3600)
    assert parse_rate("5/m") == (5, 60)
    assert parse_rate("1/d") == (1, 86400)


@pytest.mark.parametrize(
    ("now", "rate", "retry_after", "message"),
    [
        (
            "2026-11-25 10:15:00",
            "2/h",
            2700,
            "提交过于频繁：每小时最多 2 次。请稍后再试（45 分钟后可再提交），或拨打热线。",
        ),
        (
            "2026-11-25 10:15:20",
            "3/m",
            40,
            "提交过于频繁：每分钟最多 3 次。请稍后再试（40 秒后可再提交），或拨打热线。",
        ),
        (
            "2026-11-25 10:15:20",
            "1/s",
            1,
            "提交过于频繁：每秒最多 1 次。请稍后再试（1 秒后可再提交），或拨打热线。",
        ),
        (
            "2026-11-25 20:00:00",
            "4/d",
            14400,
            "提交过于频繁：每天最多 4 次。请稍后再试（4 小时后可再提交），或拨打热线。",
        ),
    ],
)
def test_the_refusal_names_the_period_and_the_wait(now, rate, retry_after, message):
    with time_machine.travel(at(now), tick=False):
        error = refusal("k", rate, parse_rate(rate)[0])
    assert error.status_code == 429
    assert error.retry_after == retry_after
    assert error.message == message


def test_english_and_a_callers_own_message():
    with time_machine.travel(at("2026-11-25 10:59:00"), tick=False):
        with translation.override("en"):
            error = refusal("k", "1/h", 1)
        assert (
            error.message == "Too many submissions: at most 1 per hour. "
            "Please try again later (in 1 minute), or call the hotline."
        )
        with pytest.raises(RateLimitedError) as info:
            check_rate("k", "1/h", message="{period}|{limit}|{wait}")
        assert info.value.message == "每小时|1|1 分钟"


def test_a_new_window_starts_afresh_and_keys_are_separate():
    with time_machine.travel(at("2026-11-25 10:59:59"), tick=False):
        assert refusal("a", "2/h", 2).retry_after == 1
        # "b" is counted apart from "a" (refused now): b's own two pass, its third is refused
        check_rate("b", "2/h")
        check_rate("b", "2/h")
        with pytest.raises(RateLimitedError):
            check_rate("b", "2/h")
        with pytest.raises(RateLimitedError):  # and b's calls did not reset a
            check_rate("a", "2/h")
    with time_machine.travel(at("2026-11-25 11:00:00"), tick=False):
        # the new hour allows exactly the limit again: two pass, the third is refused
        assert refusal("a", "2/h", 2).retry_after == 3600

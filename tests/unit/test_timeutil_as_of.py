"""``as_of``: loading history through the ordinary services, with "now" set back and running on."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from sunshine.timeutil import as_of, utcnow


def test_now_starts_at_the_moment_given_runs_on_and_comes_back() -> None:
    moment = datetime(2026, 3, 3, 15, 20)
    before = utcnow()
    with as_of(moment):
        first = utcnow()
        time.sleep(0.01)
        second = utcnow()
        with as_of(datetime(2025, 1, 1)):
            assert utcnow() - datetime(2025, 1, 1) < timedelta(seconds=1)
        assert utcnow() - moment < timedelta(seconds=1)  # the outer block's time again
    assert timedelta(0) <= first - moment < timedelta(seconds=1) and second > first
    assert utcnow() >= before and utcnow() - before < timedelta(minutes=1)  # the real clock again


def test_another_thread_keeps_the_real_clock() -> None:
    seen = []
    with as_of(datetime(2020, 1, 1)):
        thread = threading.Thread(target=lambda: seen.append(utcnow()))
        thread.start()
        thread.join()
    assert seen[0].year >= 2026

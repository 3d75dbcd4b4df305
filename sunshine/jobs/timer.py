"""Inline mode's stand-in for rq cron: the sweep on a timer thread in the web process."""

from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)


def start_sweep_timer(app: Flask, interval: float) -> threading.Event:
    """Sweep now and then every ``interval`` seconds until the returned event is set."""
    stop = threading.Event()

    def loop() -> None:
        from sunshine.clocks.sweep import run

        while not stop.is_set():
            try:
                with app.app_context():
                    log.info("Sweep: %s", run().summary())
            except Exception:
                log.exception("Sweep failed; trying again in %s s", interval)
            stop.wait(interval)

    threading.Thread(target=loop, name="sweep-timer", daemon=True).start()
    return stop

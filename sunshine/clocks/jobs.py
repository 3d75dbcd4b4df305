"""Queue jobs for deadlines: they carry ids and are safe to run twice."""

from __future__ import annotations

from sunshine.clocks import reminders
from sunshine.clocks import sweep as sweeper
from sunshine.clocks.policies import ReminderKind
from sunshine.jobs.context import with_app_context


@with_app_context
def send_reminder(clock_id: int, kind: str) -> str:
    return reminders.send(clock_id, ReminderKind(kind))


@with_app_context
def send_reminders(clock_ids: list[int], kind: str) -> dict[str, int]:
    """The sweep's catch-up batch: each clock as ``send_reminder`` would do it."""
    outcomes: dict[str, int] = {}
    for clock_id in clock_ids:
        outcome = reminders.send(clock_id, ReminderKind(kind))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@with_app_context
def sweep() -> dict:
    return sweeper.run().summary()

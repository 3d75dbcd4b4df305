"""Kinds of case a clock can belong to, registered by the domains that own them.

The clocks package knows nothing of records requests or amendments; each domain
registers how to link to its cases and what a lapsed requester window does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sunshine.clocks.models import Clock


@dataclass(frozen=True)
class CaseType:
    name: str
    label: str
    # Endpoint and the name of its id argument, for links in queues and reminder emails.
    endpoint: str
    id_arg: str
    # Called by the sweep, inside its transaction, when a requester window lapses:
    # withdraw the case and send its letter.
    on_lapse: Callable[[Clock], None] | None = None
    # Called by each sweep with its time: queue again the follow-up work of this kind of case
    # whose job was lost (Redis restarted empty, a worker killed); returns how much was late.
    requeue_lost: Callable[[datetime], int] | None = None
    # Where the case itself stands, for the queue's filter and column: the id and status
    # columns of the case's table, and a label for each status value an open case can have.
    id_column: Any = None
    status_column: Any = None
    status_labels: Mapping[str, str] = field(default_factory=dict)


_REGISTRY: dict[str, CaseType] = {}


def register_case_type(case_type: CaseType) -> None:
    _REGISTRY[case_type.name] = case_type


def case_type(name: str) -> CaseType | None:
    return _REGISTRY.get(name)


def case_types() -> list[CaseType]:
    return list(_REGISTRY.values())

"""Run job functions inside a Flask application context.

In the web process (inline mode) a job gets a fresh app context, and so a fresh
database session; in an RQ worker it gets the worker's application, built once.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

from flask import Flask, has_app_context

F = TypeVar("F", bound=Callable[..., Any])


@cache
def worker_app() -> Flask:
    from sunshine import create_app

    return create_app()


def with_app_context(func: F) -> F:
    @wraps(func)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return func(*args, **kwargs)
        with worker_app().app_context():
            return func(*args, **kwargs)

    return wrapped  # type: ignore[return-value]

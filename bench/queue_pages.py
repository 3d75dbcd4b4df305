"""The custodian queue as a signed-in custodian sees it, one GET at a time (used by bench/intake.py)."""

from __future__ import annotations

import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

from harness import PASSWORD, Server, p50_p95


class Browser:
    """One connection and a cookie jar: enough to sign in and time pages."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def fetch(self, path: str, form: dict[str, str] | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request("GET" if form is None else "POST", path, body, headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return response.status, data


def sign_in(port: int, email: str) -> Browser:
    """A browser signed in as the staff member ``email`` (password harness.PASSWORD)."""
    browser = Browser(port)
    status, page = browser.fetch("/account/login")
    token = re.search(rb'name="csrf_token"[^>]*?value="([^"]+)"', page)
    if status != 200 or token is None:
        raise RuntimeError(f"GET /account/login answered {status} without a CSRF token")
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1).decode()}
    status, page = browser.fetch("/account/login", form)
    if status != 302:
        raise RuntimeError(f"signing in answered {status}: {page[:500]!r}")
    return browser


def time_pages(browser: Browser, paths: list[str], rounds: int) -> dict[str, list[float]]:
    """Milliseconds per GET, visiting ``paths`` in turn ``rounds`` times (so drift hits all alike)."""
    times: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(rounds):
        for path in paths:
            started = time.perf_counter()
            status, page = browser.fetch(path)
            times[path].append((time.perf_counter() - started) * 1000)
            if status != 200:
                raise RuntimeError(f"GET {path} answered {status}: {page[:300]!r}")
    return times


def measure_queue(
    server: Server, email: str, total: int, samples: int, halfway: str
) -> dict[str, tuple[float, float]]:
    """Sign in as ``email``, check the queue shows ``total`` open requests, print and return page times.

    ``halfway`` is the place (``due_on.id``) of the clock half-way down the queue: the page
    after it is as deep as a queue gets. Returns (p50, p95) milliseconds by path;
    "/staff/queue" and "/healthz" are always there.
    """
    browser = sign_in(server.port, email)
    status, page = browser.fetch("/staff/queue")
    if f"All ({total})".encode() not in page:
        raise RuntimeError(f"the queue (status {status}) does not show {total} open requests")
    main = ["/staff/queue", "/healthz"]
    filters = [f"/staff/queue?status={name}" for name in ("overdue", "due_soon", "paused")]
    filters.append("/staff/queue?case_status=awaiting_clarification")  # joins each clock's request
    middle = f"/staff/queue?after={halfway}"  # half the open clocks before it
    time_pages(browser, [*main, *filters, middle], 5)  # both workers: pools, templates, caches
    times = time_pages(browser, main, samples) | time_pages(browser, [*filters, middle], max(samples // 4, 5))
    figures = {path: p50_p95(ms) for path, ms in times.items()}
    for path, (p50, p95) in figures.items():
        note = "  (half-way down the queue)" if path == middle else ""
        print(f"  GET {path:<48} n={len(times[path]):>4}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms{note}")
    return figures

"""Through what a person acts (经由): the API token a request authenticated with, named in every audit entry.

`app.accounts.acting_through(token)` opens a `through({...})` block around an API write; the audit log
(`app.audit.record` and `record_many`, hence every workflow transition) adds `details()` to each entry written
inside it. It lives here, below both, because the audit log may not import accounts. A context variable, so
concurrent requests (threads) never see each other's token, and the block's end restores what was there before.
"""
from __future__ import annotations

import contextlib
import contextvars
from typing import Iterator

_through: contextvars.ContextVar[dict | None] = contextvars.ContextVar("acting_through", default=None)


@contextlib.contextmanager
def through(details: dict) -> Iterator[None]:
    """Every audit entry written inside the block carries `details` (e.g. ``{"api_token": "采集程序",
    "api_token_id": 3}``) among its own; an inner block replaces an outer one until it ends."""
    token = _through.set(dict(details))
    try:
        yield
    finally:
        _through.reset(token)


def details() -> dict:
    """What the current block adds to audit entries ({} outside any)."""
    return dict(_through.get() or {})

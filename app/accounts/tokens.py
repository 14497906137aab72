"""API tokens (API 令牌) — STUB for the skeleton; the tokens work replaces this module.

Interface the API relies on:
- ``token_user(headers) -> tuple[User, ApiToken] | None``: the user and token a request authenticates with
  (``Authorization: <token>`` or ``Authorization: Bearer <token>``, or ``X-CKAN-API-Key: <token>``); None when the
  request carries no token header; raises ``PermissionDenied`` for an unknown, expired or revoked token.
- ``acting_through(token)``: a context manager; every audit entry written inside it names the token.
"""
from __future__ import annotations

import contextlib


def token_user(headers):
    return None


@contextlib.contextmanager
def acting_through(token):
    yield

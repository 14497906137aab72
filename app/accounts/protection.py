"""Sign-in protection: server-side sessions, rate limits, password policy (filled in by issue 9)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Called by create_app after the blueprints are registered (limits are attached to their endpoints)."""

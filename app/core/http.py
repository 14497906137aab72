"""HTTP hardening shared by every page: security headers, URL converters, safe redirects (filled in by issue 9)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Called by create_app before the blueprints are registered."""

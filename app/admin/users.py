"""Administering users: unlock sign-in, force a password change, end sessions (filled in by issue 9)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/admin/users")

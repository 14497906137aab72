"""/healthz: database, search backend and job queue (filled in by issue 9)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("health", __name__)

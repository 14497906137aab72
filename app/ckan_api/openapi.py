"""Our own endpoints and /api/openapi.json — STUB (the OpenAPI work replaces this module)."""
from flask import Blueprint

bp = Blueprint("own_api", __name__)

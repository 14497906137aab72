"""Change tracking (目录更新): change events, quarterly maintenance, deadlines and dashboards. What others may use."""
from flask import Blueprint

bp = Blueprint("changes", __name__, url_prefix="/changes")

__all__ = ["bp"]

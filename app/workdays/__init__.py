"""The working-day calendar (工作日历) and the deadline policy (期限设置). What other modules may use."""
from flask import Blueprint

bp = Blueprint("workdays", __name__, url_prefix="/admin")

__all__ = ["bp"]

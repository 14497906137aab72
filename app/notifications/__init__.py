"""Notifications (消息通知): in-app notices and e-mail, sent from the outbox. What other modules may use."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

__all__ = ["bp"]

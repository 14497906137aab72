"""通知: the signed-in user's notices, newest first; open one (marks it read and follows its link), mark all read."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import accounts
from app.core.http import parse_id

from . import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@login_required
def index():
    page = parse_id(request.args.get("page", "1")) or 1
    return render_template("notifications/index.html", notices=services.notices_of(current_user, page))


@bp.post("/<id:notification_id>/read")
@login_required
def read(notification_id: int):
    """Mark the notice read and go where it points (a path of this site only; else back to the list)."""
    user = current_user._get_current_object()  # audit entries name the User, not Flask-Login's proxy
    notification = services.get_own_or_404(user, notification_id)
    services.mark_read(user, notification)
    back = url_for(".index")
    return redirect(accounts.safe_next(notification.link, back) if notification.link else back)


@bp.post("/read-all")
@login_required
def read_all():
    count = services.mark_all_read(current_user._get_current_object())
    flash(f"已将 {count} 条通知标为已读" if count else "没有未读通知")
    return redirect(url_for(".index"))

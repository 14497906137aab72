"""Sign-in protection, wired in once: server-side sessions, API tokens' last use, the forced password change, rate
limits.

Every view function is wrapped (after the blueprints are registered), so what runs before a view runs in this
order: the app's before-request hooks (CSRF, the API's rate limit — attached to its blueprints —, the unit of
work's read/write intent), then the session check and, on the API, the token check (their "last seen" / "last
used" writes and the rate-limit counters use connections of their own, before the request's unit of work begins),
then the forced password change, then the other rate limits, then the view.
"""
from __future__ import annotations

import datetime as dt
import functools

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_limiter.errors import RateLimitExceeded

from app.core.db import READ_WRITABLE_TABLES
from app.core.errors import DomainError
from app.extensions import db, login_manager

from . import ratelimits, sessions, tokens
from .models import User

#: what a user who must choose a new password may still open
WHILE_CHANGING_PASSWORD = frozenset({"accounts.change_password", "accounts.logout", "static"})


def _load_user(user_id: str) -> User | None:
    """Flask-Login's loader: a user only with a live server-side session (a cookie alone is not enough)."""
    state = sessions.current()
    if state is None or str(state.user_id) != user_id:
        return None
    user = db.session.get(User, state.user_id)
    return user if user is not None and user.active else None


def _guarded(view):
    @functools.wraps(view)
    def guarded(*args, **kwargs):
        state = sessions.current(touch=True)
        if request.blueprint in tokens.API_BLUEPRINTS:
            tokens.current(request.headers, touch=True)  # a bad token is refused by the view (`token_user`)
        if state is not None and state.must_change_password and request.endpoint not in WHILE_CHANGING_PASSWORD:
            if _json_answer():
                return jsonify({"message": "请先修改密码", "message_en": "change your password first"}), 403
            return redirect(url_for("accounts.change_password"))
        return view(*args, **kwargs)

    return guarded


def _json_answer() -> bool:
    return (request.endpoint in ratelimits.JSON_ENDPOINTS or request.path.endswith(".json")
            or request.path.startswith("/api/"))


def _too_many_requests(error: RateLimitExceeded):
    """429 with Retry-After: the sign-in form, an error page, JSON with a Chinese and an English message, or on the
    API CKAN's error object (what CKAN clients read)."""
    db.session.rollback()
    seconds = ratelimits.retry_after()
    message, message_en = ratelimits.messages(error.description, seconds)
    headers = {"Retry-After": str(seconds)}
    if request.blueprint in tokens.API_BLUEPRINTS:
        return jsonify({"success": False, "error": {"__type": "Rate Limit Error", "message": message,
                                                    "message_en": message_en}}), 429, headers
    if _json_answer():
        return jsonify({"message": message, "message_en": message_en}), 429, headers
    if request.endpoint == "accounts.login":
        return render_template("accounts/login.html", error=message,
                               username=request.form.get("username", "")), 429, headers
    return render_template("error.html", error=DomainError(message, message_en)), 429, headers


def init_app(app: Flask) -> None:
    """Called by create_app after the blueprints are registered (limits are attached to their endpoints)."""
    # a GET may record a session's last-seen time, an API token's last use and count a rate-limited request:
    # nothing of the catalog
    READ_WRITABLE_TABLES.update({sessions.UserSession.__tablename__, ratelimits.RateLimitCounter.__tablename__,
                                 tokens.ApiToken.__tablename__})
    login_manager.user_loader(_load_user)
    # no remember-me is offered; should a remember cookie ever be set it cannot outlive the session record (the
    # loader above wants a live one) nor the longest session
    app.config["REMEMBER_COOKIE_DURATION"] = dt.timedelta(hours=app.config["SESSION_MAX_HOURS"])
    ratelimits.init_app(app)
    app.register_error_handler(RateLimitExceeded, _too_many_requests)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = _guarded(view)

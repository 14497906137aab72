"""Sign in and out."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.extensions import db, login_manager

from . import throttle
from .models import User
from .services import authenticate

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def _load_user(user_id: str):
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("portal.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    error, status = None, 200
    if request.method == "POST":
        username = (request.form.get("username") or "").strip()
        if throttle.is_locked(username):
            error, status = (f"登录失败次数过多，该账号已暂时锁定，请 {current_app.config['LOGIN_LOCK_MINUTES']} 分钟后再试",
                             429)
        else:
            user = authenticate(username, request.form.get("password", ""))
            if user is not None:
                throttle.clear(username)
                session.clear()  # a fresh session on sign-in (no fixation)
                login_user(user)
                db.session.commit()
                return redirect(_safe_next(request.args.get("next")))
            throttle.record_failure(username, request.remote_addr or "")
            # the failure must be remembered although the response is an error
            db.session.commit()
            error, status = "用户名或密码错误", 401
    return render_template("accounts/login.html", error=error,
                           username=request.form.get("username", "")), status


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash("已退出登录")
    return redirect(url_for("portal.home"))

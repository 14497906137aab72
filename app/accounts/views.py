"""Sign in and out, change one's password, see and end one's sessions, make and revoke one's API tokens."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.core.clock import today
from app.core.errors import InvalidInput
from app.core.http import form_text
from app.extensions import db

from . import ratelimits, services, sessions, tokens
from .redirects import safe_next

bp = Blueprint("accounts", __name__)

#: the one answer to a wrong user name, a wrong password and a deactivated account alike
WRONG = "用户名或密码错误"


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("portal.home"))
    if request.method == "GET":
        return render_template("accounts/login.html", error=None, username="")
    try:
        username = form_text("username", "用户名", multiline=False) or ""
    except InvalidInput as error:  # a control character (NUL …) in the user name: no account has one
        return render_template("accounts/login.html", error=error.problems[0].message, username=""), 422
    result = services.sign_in(username, request.form.get("password", ""))
    if result.wait:
        db.session.rollback()
        error = f"该网络地址登录失败次数过多，请 {ratelimits.wait_text(result.wait)}后再试"
        return (render_template("accounts/login.html", error=error, username=username), 429,
                {"Retry-After": str(result.wait)})
    if result.user is None:
        db.session.commit()  # the failure must be remembered although the answer is an error
        return render_template("accounts/login.html", error=WRONG, username=username), 401
    target = request.args.get("next")
    session.clear()  # a fresh cookie session with a new session token (no fixation)
    login_user(result.user)
    sessions.remember(result.token)
    if result.user.must_change_password:
        flash("管理员要求您修改密码后才能继续使用")
        return redirect(url_for(".change_password"))
    return redirect(safe_next(target, url_for("portal.home")))


@bp.post("/logout")
@login_required
def logout():
    services.sign_out(sessions.current())
    logout_user()
    sessions.forget_cookie()
    flash("已退出登录")
    return redirect(url_for("portal.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    if request.method == "POST":
        try:
            token = services.change_password(current_user, current=request.form.get("current", ""),
                                             new=request.form.get("new", ""), repeat=request.form.get("repeat", ""))
        except InvalidInput as error:
            return render_template("accounts/password.html", error=error, errors=error.by_field()), 422
        sessions.remember(token)
        flash("密码已修改；其他浏览器和设备上的登录已全部结束")
        return redirect(url_for("portal.home"))
    return render_template("accounts/password.html", error=None, errors={})


@bp.get("/account/sessions")
@login_required
def my_sessions():
    return render_template("accounts/sessions.html", live=sessions.live_of(current_user.id),
                           current_id=sessions.current().id, email=current_user.email or "", errors={})


@bp.post("/account/email")
@login_required
def change_email():
    """Set or clear one's own e-mail address (电子邮箱), where notifications are sent."""
    user = current_user._get_current_object()  # the audit entry names the User, not Flask-Login's proxy
    try:
        services.set_email(user, form_text("email", "电子邮箱", multiline=False), actor=user)
    except InvalidInput as error:
        return render_template("accounts/sessions.html", live=sessions.live_of(current_user.id),
                               current_id=sessions.current().id, email=request.form.get("email", ""),
                               errors=error.by_field()), 422
    flash("电子邮箱已保存" if current_user.email else "电子邮箱已清除")
    return redirect(url_for(".my_sessions"))


@bp.post("/account/sessions/end")
@login_required
def end_sessions():
    """End one other session (`session_id`) or all the others (`others`)."""
    chosen = None if request.form.get("others") else [
        int(v) for v in request.form.getlist("session_id") if v.isascii() and v.isdigit() and len(v) <= 10]
    ended = services.end_own_sessions(current_user, session_ids=chosen, keep=sessions.current().id)
    flash(f"已结束 {ended} 个会话" if ended else "没有结束任何会话")
    return redirect(url_for(".my_sessions"))


def _expiry_from_form() -> dt.date | None:
    """The form's 有效期至 (a date field: YYYY-MM-DD), None when left empty."""
    value = (request.form.get("expires_on") or "").strip()
    if not value:
        return None
    try:
        if len(value) != 10:
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput.single("expires_on", "有效期至", "「有效期至」须为日期，如 2027-06-30",
                                  "expires_on must be a date (YYYY-MM-DD)") from None


def _tokens_page(*, created=None, raw: str | None = None, errors=None, error=None, form=None):
    first, most = today(), current_app.config["API_TOKEN_MAX_DAYS"]
    return render_template("accounts/tokens.html", tokens=tokens.of_user(current_user.id), created=created, raw=raw,
                           errors=errors or {}, error=error, form=form or {}, today=first, max_days=most,
                           latest=first + dt.timedelta(days=most) if most else None)


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def api_tokens():
    """The user's API tokens (API 令牌): make one (its raw value is in this POST's answer, once), see them all."""
    if request.method == "GET":
        return _tokens_page()
    user = current_user._get_current_object()  # the audit entry names the User, not Flask-Login's proxy
    try:
        token, raw = services.create_token(user, request.form.get("name", ""), expires_on=_expiry_from_form())
    except InvalidInput as error:
        return _tokens_page(errors=error.by_field(), error=error, form=request.form), 422
    # shown once, in this answer only: never in a URL, a flashed message or a cache
    response = make_response(_tokens_page(created=token, raw=raw))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/account/tokens/<id:token_id>/revoke")
@login_required
def revoke_api_token(token_id: int):
    revoked = services.revoke_token(current_user._get_current_object(), token_id)
    flash("API 令牌已撤销，使用它的程序将无法再访问接口" if revoked else "该 API 令牌此前已撤销")
    return redirect(url_for(".api_tokens"))

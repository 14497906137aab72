"""用户管理: every user with roles and department; unlock sign-in, demand a new password, end sessions, deactivate,
set the e-mail address notifications go to.

Admins only; every action is a POST with a CSRF token, audited by the accounts services it calls.
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app import accounts
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import form_text

from . import policy

bp = Blueprint("users", __name__, url_prefix="/admin/users")


@bp.app_context_processor
def _menu():
    """The 用户管理 menu item next to the user's name."""
    return {"can_manage_users": policy.can_manage_users(current_user)}


def _admins_only() -> None:
    if not policy.can_manage_users(current_user):
        raise PermissionDenied("用户管理仅供平台管理员使用", "for admins only")


def _user(user_id: int):
    """The user an action is about: 404 when there is none, then 403 for anyone but an admin."""
    user = accounts.get_user_or_404(user_id)
    _admins_only()
    return user


@bp.get("/")
@login_required
def index():
    _admins_only()
    return render_template("admin/users.html", rows=accounts.users_overview(),
                           addresses=accounts.recent_failing_addresses(), email_errors={})


@bp.post("/<id:user_id>/email")
@login_required
def set_email(user_id: int):
    """Set or clear a user's e-mail address (电子邮箱), where their notifications are sent."""
    user = _user(user_id)
    try:
        accounts.set_email(user, form_text("email", "电子邮箱", multiline=False), actor=current_user)
    except InvalidInput as error:
        return render_template("admin/users.html", rows=accounts.users_overview(),
                               addresses=accounts.recent_failing_addresses(),
                               email_errors={user.id: (request.form.get("email", ""), error.by_field()["email"])}), 422
    flash(f"已{'设置' if user.email else '清除'} {user.username} 的电子邮箱")
    return redirect(url_for(".index"))


@bp.post("/<id:user_id>/unlock")
@login_required
def unlock(user_id: int):
    user = _user(user_id)
    forgotten = accounts.unlock(user=user, actor=current_user)
    flash(f"已解除 {user.username} 的登录限制（清除 {forgotten} 次失败记录）")
    return redirect(url_for(".index"))


@bp.post("/addresses/unlock")
@login_required
def unlock_address():
    _admins_only()
    address = form_text("address", "网络地址", multiline=False) or ""
    forgotten = accounts.unlock(address=address, actor=current_user)
    flash(f"已解除地址 {address.strip()} 的登录限制（清除 {forgotten} 次失败记录）")
    return redirect(url_for(".index"))


@bp.post("/<id:user_id>/require-password-change")
@login_required
def require_password_change(user_id: int):
    user = _user(user_id)
    accounts.require_password_change(user, actor=current_user)
    flash(f"{user.username} 下次操作时须先修改密码")
    return redirect(url_for(".index"))


@bp.post("/<id:user_id>/end-sessions")
@login_required
def end_sessions(user_id: int):
    user = _user(user_id)
    ended = accounts.end_sessions(user, actor=current_user)
    flash(f"已结束 {user.username} 的 {ended} 个会话")
    return redirect(url_for(".index"))


@bp.post("/<id:user_id>/deactivate")
@login_required
def deactivate(user_id: int):
    user = _user(user_id)
    accounts.set_active(user, False, actor=current_user)
    flash(f"已停用 {user.username}，其全部会话已结束")
    return redirect(url_for(".index"))


@bp.post("/<id:user_id>/activate")
@login_required
def activate(user_id: int):
    user = _user(user_id)
    accounts.set_active(user, True, actor=current_user)
    flash(f"已启用 {user.username}")
    return redirect(url_for(".index"))

"""Administration pages: 系统管理 (the index of the admin pages) and 流程说明 (every workflow's diagram and
transition table, from the declarations)."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from markupsafe import Markup

from app import workdays
from app.core.clock import today
from app.core.errors import PermissionDenied

from . import describe, policy

bp = Blueprint("admin", __name__, url_prefix="/admin")


def can_open_index(user) -> bool:
    """系统管理: the index of the admin pages, for admins (the authority's reviewers keep their 流程说明 link)."""
    return policy.can_manage_users(user)


@bp.app_context_processor
def _menu():
    """The header shows admins one 系统管理 link instead of the admin pages one by one."""
    return {"nav_admin_index": can_open_index(current_user)}


@bp.get("/")
@login_required
def index():
    if not can_open_index(current_user):
        raise PermissionDenied("系统管理仅供平台管理员使用", "for admins only")
    next_year = today().year + 1
    calendar_note = "" if workdays.is_covered(next_year) else f"{next_year} 年节假日安排尚未录入"
    return render_template("admin/index.html", calendar_note=calendar_note)


@bp.get("/workflows")
@login_required
def workflows():
    if not policy.can_read_workflows(current_user):
        raise PermissionDenied("流程说明供平台管理员和主管部门审核员查看", "for admins and authority reviewers")
    shown = [{"workflow": w, "rows": describe.rows(w),
              # generated from our own declarations, every label XML-escaped by the renderer
              "svg": Markup(describe.svg(w))} for w in describe.workflows()]
    return render_template("admin/workflows.html", shown=shown)

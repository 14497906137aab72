"""Administration pages: 系统管理 (the index of the admin pages), 流程说明 (every workflow's diagram and
transition table, from the declarations) and 统一社会信用代码待补充 (departments loaded without a credit code)."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from app import org, workdays
from app.core.clock import today
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import form_text

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
    return render_template("admin/index.html", calendar_note=calendar_note,
                           credit_codes_missing=org.count_missing_credit_code())


@bp.get("/workflows")
@login_required
def workflows():
    if not policy.can_read_workflows(current_user):
        raise PermissionDenied("流程说明供平台管理员和主管部门审核员查看", "for admins and authority reviewers")
    shown = [{"workflow": w, "rows": describe.rows(w),
              # generated from our own declarations, every label XML-escaped by the renderer
              "svg": Markup(describe.svg(w))} for w in describe.workflows()]
    return render_template("admin/workflows.html", shown=shown)


def _departments_admin() -> None:
    if not policy.can_complete_departments(current_user):
        raise PermissionDenied("统一社会信用代码待补充仅供平台管理员使用", "for admins only")


@bp.get("/departments/credit-codes")
@login_required
def credit_codes():
    """统一社会信用代码待补充: the departments loaded without a credit code, each with a form to fill it in."""
    _departments_admin()
    return render_template("admin/credit_codes.html", departments=org.departments_missing_credit_code(), errors={})


@bp.post("/departments/<id:department_id>/credit-code")
@login_required
def fill_credit_code(department_id: int):
    department = org.get_department_or_404(department_id)
    _departments_admin()
    try:
        org.fill_credit_code(department, form_text("credit_code", "统一社会信用代码", multiline=False),
                             actor=current_user)
    except InvalidInput as error:
        errors = {department.id: (request.form.get("credit_code", ""), [p.message for p in error.problems])}
        return render_template("admin/credit_codes.html", departments=org.departments_missing_credit_code(),
                               errors=errors), 422
    flash(f"已补充“{department.name}”的统一社会信用代码 {department.credit_code}")
    return redirect(url_for(".credit_codes"))

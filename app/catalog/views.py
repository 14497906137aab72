"""Editors' pages: the department's catalog, the entry form, submit / withdraw / retire, history and comparison."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core.errors import InvalidInput
from app.extensions import db
from app.org.models import Department

from . import permissions, queries, services
from .classification import path_of
from .diff import diff_values
from .forms import FormState, state_from_form, state_from_values

bp = Blueprint("catalog", __name__, url_prefix="/manage")


def _department_name(department_id) -> str:
    department = db.session.get(Department, int(department_id)) if str(department_id).isdigit() else None
    return department.name if department else str(department_id)


def _render_form(state: FormState, entry=None, status: int = 200, conflict=None):
    return render_template(
        "catalog/edit.html", state=state, entry=entry, conflict=conflict,
        categories=queries.category_choices(current_user), departments=queries.department_choices(current_user),
    ), status


def _entry_for_editing(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    permissions.require(permissions.can_compile(current_user, entry.department_id),
                        f"您无权修改“{entry.department.name}”的信息资源", "you may not edit this entry")
    return entry


@bp.get("/")
@login_required
def dashboard():
    department = current_user.department
    if current_user.role.value == "admin" and request.args.get("department", "").isdigit():
        department = db.session.get(Department, int(request.args["department"])) or department
    return render_template("catalog/dashboard.html", department=department,
                           overview=queries.department_overview(department.id),
                           can_compile=permissions.can_compile(current_user, department.id))


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required
def new():
    permissions.require(permissions.can_compile(current_user, current_user.department_id),
                        "只有目录编目员和平台管理员可以登记信息资源", "only editors and admins may compile entries")
    if request.method == "GET":
        return _render_form(state_from_values({"provider": current_user.department_id, "network": "external"}))
    state = state_from_form(request.form)
    if state.action != "save":
        return _render_form(state)
    try:
        entry = services.create_entry(state.values, user=current_user)
    except InvalidInput as error:
        state.problems = error.problems
        return _render_form(state, status=422)
    flash(f"已保存草稿，信息资源代码 {entry.resource_code}")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.get("/entries/<int:entry_id>")
@login_required
def show(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    if not queries.can_read_working_versions(current_user, entry):
        abort(404)
    version = entry.draft_version or entry.published_version or entry.versions[-1]
    published = entry.published_version
    changes = diff_values(services.full_values(entry, published), services.full_values(entry, version),
                          department_name=_department_name) if published and version is not published else None
    return render_template("catalog/show.html", entry=entry, version=version, changes=changes,
                           values=services.full_values(entry, version), category_path=path_of(entry.category_code),
                           can_compile=permissions.can_compile(current_user, entry.department_id),
                           can_retire=permissions.can_retire(current_user, entry.department_id))


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    entry = _entry_for_editing(entry_id)
    base = entry.draft_version or entry.published_version
    if request.method == "GET":
        state = state_from_values(services.full_values(entry, base))
        return _render_form(state, entry)
    state = state_from_form(request.form)
    if state.action != "save":
        return _render_form(state, entry)
    lock = request.form.get("lock_version", "")
    try:
        services.update_draft(entry, state.values, user=current_user,
                              lock_version=int(lock) if lock.isdigit() else None,
                              change_note=(request.form.get("change_note") or "").strip()[:1000] or None)
    except services.EditConflict as conflict:
        current = conflict.current
        mine = {**state.values, "category_code": entry.category_code, "provider": entry.department_id}
        changes = diff_values(mine, services.full_values(entry, current), department_name=_department_name)
        return _render_form(state, entry, 409, conflict={"message": conflict.message, "changes": changes,
                                                         "lock_version": current.lock_version})
    except InvalidInput as error:
        state.problems = error.problems
        return _render_form(state, entry, 422)
    flash("已保存")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.route("/entries/<int:entry_id>/retire", methods=["GET", "POST"])
@login_required
def retire(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    permissions.require(permissions.can_retire(current_user, entry.department_id),
                        f"您无权停用“{entry.department.name}”的信息资源", "you may not retire this entry")
    if request.method == "GET":
        return render_template("catalog/retire.html", entry=entry, problems=[], reason="")
    reason = request.form.get("reason", "")
    try:
        services.retire(entry, user=current_user, reason=reason)
    except InvalidInput as error:
        return render_template("catalog/retire.html", entry=entry, problems=error.problems, reason=reason), 422
    flash(f"已停用 {entry.resource_code}")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.get("/entries/<int:entry_id>/history")
@login_required
def history(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    versions = queries.versions_of(entry)
    if not queries.can_read_working_versions(current_user, entry):
        versions = [v for v in versions if v.state.value in ("published", "superseded")]
        if not versions:
            abort(404)
    return render_template("catalog/history.html", entry=entry, versions=versions,
                           show_reviews=queries.can_read_working_versions(current_user, entry))


@bp.get("/entries/<int:entry_id>/compare")
@login_required
def compare(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    versions = {v.number: v for v in queries.versions_of(entry)
                if queries.can_read_working_versions(current_user, entry)
                or v.state.value in ("published", "superseded")}
    try:
        a, b = versions[int(request.args.get("a", ""))], versions[int(request.args.get("b", ""))]
    except (KeyError, ValueError):
        raise InvalidInput.single("a", "比较版本", "请选择两个要比较的版本（参数 a、b 须为该资源已有的版本号）",
                                  "choose two existing version numbers a and b") from None
    changes = diff_values(services.full_values(entry, a), services.full_values(entry, b),
                          department_name=_department_name)
    return render_template("catalog/compare.html", entry=entry, a=a, b=b, changes=changes)


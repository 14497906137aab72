"""Editors' pages: the department's catalog, the entry form, retire, history and comparison.

Thin: HTTP in, one service call, HTTP out. The policy (policy.py) says which buttons to show; the services
decide what is allowed.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.core.http import form_text, parse_id
from app.extensions import db
from app.org import Department

from . import freshness, pickers, policy, queries, services
from .classification import path_of
from .diff import diff_values
from .forms import FormState, state_from_form, state_from_values
from .models import EntryStatus

bp = Blueprint("catalog", __name__, url_prefix="/manage")
DASHBOARD_PAGE = 20


def _department_name(department_id) -> str:
    number = parse_id(department_id if isinstance(department_id, int) else str(department_id))
    department = db.session.get(Department, number) if number else None
    return department.name if department else str(department_id)


def _render_form(state: FormState, entry=None, status: int = 200, conflict=None, base: str = ""):
    return render_template(
        "catalog/edit.html", state=state, entry=entry, conflict=conflict, base=base,
        categories=queries.category_choices(current_user), departments=queries.department_choices(current_user),
        pickers=pickers.pickers_for(state.values, current_user), revision=_revision(entry),
    ), status


def _revision(entry):
    """(the published version's number, the revision's) while a published entry is revised; None otherwise."""
    if entry is None or entry.published_version is None:
        return None
    working = entry.draft_version
    number = working.number if working is not None else max(v.number for v in entry.versions) + 1
    return entry.published_version.number, number


def _posted_state() -> tuple[FormState, dict]:
    """The posted form, its picked and typed codes read (`pickers.resolve`): the state to show again, and the
    values to save (the state's problems hold what could not be read)."""
    state = state_from_form(request.form)
    checked, state.problems = pickers.resolve(state.values, current_user)
    return state, checked


def _unreadable(state: FormState, check) -> bool:
    """When some picked values could not be read, the other problems too (`check` raises them), to show at once."""
    if not state.problems:
        return False
    try:
        check()
    except InvalidInput as error:
        failed = {p.path for p in state.problems}
        state.problems += [p for p in error.problems if p.path not in failed]
    return True


def _visible_entry(entry_id: int):
    """An entry whose working versions this user may see; anyone else gets the same 404 as a missing id."""
    entry = services.get_entry_or_404(entry_id)
    if not policy.can_see_working(current_user, entry):
        abort(404)
    return entry


def _seen_values(entry, version) -> dict:
    """A version's values as this user may see them: 关联资源代码 only of entries they may see (another department
    comparing published versions must not learn the codes of drafts)."""
    values = services.full_values(entry, version)
    codes = values.get("related_codes") or []
    visible = [c for c in codes if (other := services.get_entry_by_code(c)) is not None
               and policy.can_see_any(current_user, other)]
    return {**values, "related_codes": visible} if visible != codes else values


def _refuse_retired(entry, doing: str = "修改") -> None:
    """A retired entry has nothing left to edit or retire: say so (a save is refused the same way), rather than
    showing a form that cannot be saved or, for one never published, a 404."""
    if entry.status == EntryStatus.retired:
        raise Conflict(f"该信息资源已停用，不能{doing}", "the entry is retired")


@bp.get("/")
@login_required
def dashboard():
    if not policy.may_work_on_catalogs(current_user):
        raise PermissionDenied("本部门目录供目录编目员、审核员和平台管理员使用", "for editors, reviewers and admins")
    department = current_user.department
    chosen = parse_id(request.args.get("department"))  # ids beyond the column's range are no department
    if policy.compile_scope(current_user) == "all" and chosen:
        department = db.session.get(Department, chosen) or department
    overview = queries.department_overview(department.id)
    which = request.args.get("list", "all")
    which = which if which in queries.ENTRY_LISTS else "all"
    counts = {**overview["counts"], "all": queries.department_entries(department.id, "all", 1, 1)[1]}
    pages = max(1, -(-counts.get(which, 0) // DASHBOARD_PAGE))
    page = min(parse_id(request.args.get("page")) or 1, pages)   # no page or one past the end: the nearest
    entries, total = queries.department_entries(department.id, which, page, DASHBOARD_PAGE)
    return render_template("catalog/dashboard.html", department=department, overview=overview,
                           can_compile=policy.can_create(current_user, department.id),
                           lists=queries.ENTRY_LISTS, which=which, counts=counts, entries=entries, total=total,
                           page=page, pages=pages, chosen_department=chosen if department.id == chosen else None)


@bp.get("/pickers/entries")
@login_required
def picker_entries():
    """The related-entries picker's suggestions: [{name, code}] of published entries this user may see (JSON)."""
    return jsonify(pickers.suggestions(request.args.get("q", ""), current_user))


@bp.route("/entries/new", methods=["GET", "POST"])
@login_required
def new():
    if not policy.compile_scope(current_user):
        raise PermissionDenied("只有目录编目员和平台管理员可以登记信息资源", "only editors and admins may compile entries")
    if request.method == "GET":
        return _render_form(state_from_values({"provider": current_user.department_id, "network": "external"}))
    state, checked = _posted_state()
    if state.action != "save":
        state.problems = []
        return _render_form(state)
    if _unreadable(state, lambda: services.check_create(checked, user=current_user)):
        return _render_form(state, status=422)
    try:
        entry = services.create_entry(checked, user=current_user)
    except InvalidInput as error:
        state.problems = error.problems
        return _render_form(state, status=422)
    flash(f"已保存草稿：{entry.draft_version.name}（信息资源代码 {entry.resource_code}）")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.get("/entries/<id:entry_id>")
@login_required
def show(entry_id: int, problems=None, status=200):
    entry = _visible_entry(entry_id)
    version = entry.draft_version or entry.published_version or entry.versions[-1]
    published = entry.published_version
    changes = diff_values(services.full_values(entry, published), services.full_values(entry, version),
                          department_name=_department_name) if published and version is not published else None
    return render_template("catalog/show.html", entry=entry, version=version, changes=changes,
                           values=services.full_values(entry, version), category_path=path_of(entry.category_code),
                           actions=policy.actions(current_user, entry), update_problems=problems or []), status


@bp.app_template_global()
def freshness_of(entry) -> str:
    return freshness.status_of(entry.next_update_on) if entry.published_version else freshness.NONE


@bp.app_template_global()
def entry_updates(entry):
    return freshness.updates_of(entry)


@bp.post("/entries/<id:entry_id>/updates")
@login_required
def report_update(entry_id: int):
    """登记数据更新: the provider states the resource's data was updated (keeps its 更新状态 current)."""
    entry = _visible_entry(entry_id)
    try:
        row = freshness.record_update(entry, user=current_user, updated_on=request.form.get("updated_on", ""),
                                      note=form_text("note", "说明") or "")
    except InvalidInput as error:
        return show(entry_id, problems=error.problems, status=422)
    flash(f"已登记数据更新（{row.updated_on.isoformat()}），预计下次更新："
          f"{entry.next_update_on.isoformat() if entry.next_update_on else '无固定周期'}")
    return redirect(url_for(".show", entry_id=entry.id) + "#freshness")


@bp.route("/entries/<id:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    if not policy.can_see_any(current_user, entry):
        abort(404)  # another department's unpublished entry: the same page as a missing id, not a 403 naming it
    policy.require_edit(current_user, entry)
    _refuse_retired(entry)
    base = entry.base_version
    if request.method == "GET":
        state = state_from_values(services.full_values(entry, base))
        return _render_form(state, entry, base=base.base_token)
    state, checked = _posted_state()
    posted_base = request.form.get("base_version", "")
    if state.action != "save":
        state.problems = []
        return _render_form(state, entry, base=posted_base)
    if _unreadable(state, lambda: services.check_update(entry, checked, user=current_user)):
        return _render_form(state, entry, 422, base=posted_base)
    try:
        change_note = (form_text("change_note", "修改说明", multiline=False) or "").strip()[:1000] or None
        services.update_draft(entry, checked, user=current_user, base=services.BaseRef.parse(posted_base),
                              change_note=change_note)
    except services.EditConflict as conflict:
        return _conflict_page(entry_id, state, conflict)
    except InvalidInput as error:
        state.problems = error.problems
        return _render_form(state, entry, 422, base=posted_base)
    flash("已保存")
    return redirect(url_for(".show", entry_id=entry.id))


def _conflict_page(entry_id: int, state: FormState, conflict):
    """409: what this editor typed (still in the form) beside the version as it is now; saving again wins."""
    db.session.rollback()
    entry = services.get_entry_or_404(entry_id)
    _refuse_retired(entry)  # retired meanwhile: nothing to compare with
    current = entry.base_version
    mine = {**state.values, "category_code": entry.category_code, "provider": entry.department_id}
    changes = diff_values(mine, services.full_values(entry, current), department_name=_department_name)
    return _render_form(state, entry, 409, base=current.base_token,
                        conflict={"message": conflict.message, "changes": changes, "current": current})


@bp.route("/entries/<id:entry_id>/retire", methods=["GET", "POST"])
@login_required
def retire(entry_id: int):
    entry = _visible_entry(entry_id)
    _refuse_retired(entry, "再次停用")
    if not policy.actions(current_user, entry).retire:
        raise PermissionDenied(f"您无权停用“{entry.department.name}”的信息资源", "you may not retire this entry")
    if request.method == "GET":
        return render_template("catalog/retire.html", entry=entry, problems=[], reason="")
    reason = request.form.get("reason", "")
    try:
        services.retire([entry], user=current_user, reason=form_text("reason", "停用原因") or "")
    except InvalidInput as error:
        return render_template("catalog/retire.html", entry=entry, problems=error.problems, reason=reason), 422
    flash(f"已停用：{entry.current.name if entry.current else ''}（{entry.resource_code}）")
    return redirect(url_for(".show", entry_id=entry.id))


@bp.get("/entries/<id:entry_id>/history")
@login_required
def history(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    versions = policy.visible_versions(current_user, entry, queries.versions_of(entry))
    if not versions:
        abort(404)
    return render_template("catalog/history.html", entry=entry, versions=versions,
                           show_reviews=policy.can_see_working(current_user, entry))


@bp.get("/entries/<id:entry_id>/compare")
@login_required
def compare(entry_id: int):
    entry = services.get_entry_or_404(entry_id)
    versions = {v.number: v for v in policy.visible_versions(current_user, entry, queries.versions_of(entry))}
    if not versions:
        abort(404)
    try:
        a, b = versions[int(request.args.get("a", "")[:9])], versions[int(request.args.get("b", "")[:9])]
    except (KeyError, ValueError):
        raise InvalidInput.single("a", "比较版本", "请选择两个要比较的版本（参数 a、b 须为该资源已有的版本号）",
                                  "choose two existing version numbers a and b") from None
    changes = diff_values(_seen_values(entry, a), _seen_values(entry, b), department_name=_department_name)
    return render_template("catalog/compare.html", entry=entry, a=a, b=b, changes=changes)

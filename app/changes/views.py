"""Change-tracking pages: the authority's dashboard, a department's desk, change events, tasks, attestations,
contacts. Thin: each view parses the request, calls one service and renders."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import select

from app import workdays
from app.core.args import load_args
from app.core.clock import today
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import MAX_ID, form_text, parse_id
from app.extensions import db
from app.org import CONTACT_ROLES, Department, contact_history, current_contacts

from . import policy, services
from .models import EVENT_KINDS, STATUS_LABELS

bp = Blueprint("changes", __name__, url_prefix="/changes")


class OverviewArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    sort = fields.String(load_default="overdue", validate=validate.OneOf(list(services.SORTS)),
                         metadata={"label": "排序"})
    order = fields.String(load_default="desc", validate=validate.OneOf(["asc", "desc"]), metadata={"label": "顺序"})


class DeskArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    department = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"label": "部门"})


@bp.app_template_global()
def deadline_status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


@bp.app_template_global()
def working_days_left(due_on) -> int:
    return services.days_left(due_on)


@bp.get("/")
@login_required
def index():
    if not policy.oversees(current_user):
        if policy.has_desk(current_user):
            return redirect(url_for(".desk"))
        raise PermissionDenied("只有主管部门审核员和平台管理员可以查看各部门的期限情况", "only the authority sees this")
    args = load_args(OverviewArgs(), request.args)
    rows = services.overview(sort=args["sort"], descending=args["order"] == "desc")
    events = db.session.scalars(services.events_query().limit(20)).unique().all()
    chart = services.chart(rows)
    return render_template("changes/index.html", rows=rows, events=events, args=args, sorts=services.SORTS,
                           chart=chart, today=today(), can_record=policy.can_record_event(current_user))


@bp.get("/desk")
@login_required
def desk():
    args = load_args(DeskArgs(), request.args)
    department_id = args["department"] or current_user.department_id
    if department_id != current_user.department_id and not policy.oversees(current_user):
        raise PermissionDenied("只能查看本部门的期限", "you may only see your own department's deadlines")
    if department_id == current_user.department_id and not (policy.has_desk(current_user)
                                                            or policy.oversees(current_user)):
        raise PermissionDenied("只有目录编目员、审核员可以查看部门期限", "no deadlines for this user")
    department = db.session.get(Department, department_id) or abort(404)
    desk = services.department_desk(department)
    return render_template("changes/desk.html", desk=desk, today=today(), status_of=services.status_of,
                           attestable=services.attestable_periods(department.id),
                           can_attest=policy.can_attest(current_user, department.id),
                           can_record=policy.can_record_event(current_user),
                           contact_roles=CONTACT_ROLES)


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event():
    if not policy.can_record_event(current_user):
        raise PermissionDenied("您无权登记变更事件", "you may not record change events")
    departments = _departments_for_event()
    values, chosen, problems = {}, [], []
    if request.method == "POST":
        values = {k: form_text(k, label) or "" for k, label in (
            ("kind", "变更类型"), ("title", "变更内容"), ("legal_source", "依据文件"), ("description", "说明"),
            ("effective_on", "生效日期"))}
        chosen = request.form.getlist("departments")
        try:
            event = services.record_event(current_user, values, chosen)
        except InvalidInput as error:
            problems = error.problems
        else:
            flash(f"已登记变更事件“{event.title}”，已为 {len(event.tasks)} 个部门生成目录更新任务")
            return redirect(url_for(".event", event_id=event.id))
    elif not policy.can_record_for_others(current_user):
        chosen = [str(current_user.department_id)]
    return render_template("changes/event_form.html", departments=departments, kinds=EVENT_KINDS, values=values,
                           chosen={str(c) for c in chosen}, problems=problems,
                           days=workdays.setting("change_update_days")), (422 if problems else 200)


def _departments_for_event():
    if policy.can_record_for_others(current_user):
        return db.session.scalars(select(Department).order_by(Department.code)).all()
    return [current_user.department]


@bp.get("/events/<id:event_id>")
@login_required
def event(event_id: int):
    event = services.get_event_or_404(event_id)
    tasks = [t for t in event.tasks if policy.can_see_task(current_user, t)]
    if not tasks:
        abort(404)
    return render_template("changes/event.html", event=event, tasks=tasks, status_of=services.status_of)


def _visible_task(task_id: int):
    task = services.get_task_or_404(task_id)
    if not policy.can_see_task(current_user, task):
        abort(404)
    return task


@bp.get("/tasks/<id:task_id>")
@login_required
def task(task_id: int):
    task = _visible_task(task_id)
    return _task_page(task, [])


def _task_page(task, problems, status=200):
    actions = policy.task_actions(current_user, task)
    return render_template("changes/task.html", task=task, status=services.status_of(task), actions=actions,
                           candidates=services.candidates(task) if actions["link"] else [], problems=problems,
                           note=request.form.get("note", "") if request.method == "POST" else ""), status


@bp.post("/tasks/<id:task_id>/link")
@login_required
def link(task_id: int):
    task = _visible_task(task_id)
    try:
        n = services.link(task, current_user, request.form.getlist("updates"))
    except InvalidInput as error:
        return _task_page(task, error.problems, 422)
    flash(f"已关联 {n} 项目录更新")
    return redirect(url_for(".task", task_id=task.id))


@bp.post("/tasks/<id:task_id>/unlink")
@login_required
def unlink(task_id: int):
    task = _visible_task(task_id)
    link_id = parse_id(request.form.get("link")) or abort(404)
    services.unlink(task, current_user, link_id)
    flash("已取消关联")
    return redirect(url_for(".task", task_id=task.id))


@bp.post("/tasks/<id:task_id>/close")
@login_required
def close(task_id: int):
    task = _visible_task(task_id)
    try:
        services.close(task, current_user, form_text("note", "办结说明") or "")
    except InvalidInput as error:
        return _task_page(task, error.problems, 422)
    flash("任务已办结" + ("（逾期办结）" if task.late else "（按期办结）"))
    return redirect(url_for(".task", task_id=task.id))


@bp.post("/tasks/<id:task_id>/reopen")
@login_required
def reopen(task_id: int):
    task = _visible_task(task_id)
    try:
        services.reopen(task, current_user, form_text("reason", "重新打开原因") or "")
    except InvalidInput as error:
        return _task_page(task, error.problems, 422)
    flash("任务已重新打开")
    return redirect(url_for(".task", task_id=task.id))


@bp.post("/maintenance")
@login_required
def attest():
    department_id = current_user.department_id
    try:
        row = services.attest(department_id, current_user, period_start=request.form.get("period_start", ""),
                              note=form_text("note", "维护说明") or "")
    except InvalidInput as error:
        for problem in error.problems:
            flash(problem.message)
        return redirect(url_for(".desk", _anchor="maintenance"))
    flash(f"已确认{services.period_label(row.period_start, row.period_end)}的目录全面维护"
          + ("（逾期确认）" if row.late else ""))
    return redirect(url_for(".desk", _anchor="maintenance"))


@bp.route("/contacts", methods=["GET", "POST"])
@login_required
def contacts():
    department = current_user.department
    if not policy.can_register_contacts(current_user, department.id):
        raise PermissionDenied("只有本部门的目录编目员、审核员可以登记部门联系人", "you may not register contacts")
    problems, values = [], {}
    if request.method == "POST":
        # the service checks every field (control characters too) and names it in Chinese
        values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
        try:
            rows = services.register_contacts(department.id, current_user, values)
        except InvalidInput as error:
            problems = error.problems
        else:
            late = [r for r in rows if not r.on_time]
            flash(f"已登记 {len(rows)} 位联系人的变更" + (f"：超过 {workdays.setting('contacts_change_days')} 个工作日的期限，记为逾期"
                                                         if late else ""))
            return redirect(url_for(".contacts"))
    current = current_contacts(department.id)
    if not values:
        values = {f"{role}-{k}": getattr(row, k) for role, row in current.items()
                  for k in ("name", "position", "phone", "email")}
    return render_template("changes/contacts.html", department=department, roles=CONTACT_ROLES, values=values,
                           problems=problems, history=contact_history(department.id),
                           days=workdays.setting("contacts_change_days"), today=today()), (422 if problems else 200)

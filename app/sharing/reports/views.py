"""Error report pages: the report form (from the entry page), the queues, one report with its action forms, its
evidence. Thin: each view parses the request, calls one service and renders."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, fields, validate

from app import catalog, workdays
from app.core.args import load_args
from app.core.clock import today
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import parse_id
from app.extensions import db

from ..attachments import size_text
from . import policy, services
from .models import ErrorReport
from .workflows import REPORT

bp = Blueprint("reports", __name__, url_prefix="/reports")


class QueueArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    box = fields.String(load_default="mine", validate=validate.OneOf(list(services.BOXES)), metadata={"label": "队列"})
    overdue = fields.Boolean(load_default=False, metadata={"label": "仅看逾期"})


# ---- reporting --------------------------------------------------------------------------------------------------

@bp.route("/entries/<id:entry_id>/new", methods=["GET", "POST"])
@login_required
def new(entry_id: int):
    entry = catalog.get_entry_or_404(entry_id)
    if not catalog.policy.can_see_published(current_user, entry):
        abort(404)
    why = services.reporting(current_user, entry)
    if not why.allowed:
        raise PermissionDenied(why.reason, "you may not report this entry")
    problems, values, chosen = [], {}, []
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ("kind", "description")}
        chosen = request.form.getlist("items")
        try:
            made = services.report(entry, current_user, values, chosen, request.files.get("evidence"))
        except InvalidInput as error:
            problems = error.problems
        else:
            flash(f"数据疑问已报告（第 {made.id} 号），提供部门应于 {made.due_on} 前核查答复")
            return redirect(url_for(".page", report_id=made.id))
    return render_template("reports/form.html", entry=entry, version=entry.published_version, values=values,
                           chosen=set(chosen), problems=problems, verify_days=workdays.setting("error_verify_days"),
                           max_size=size_text(current_app.config["ATTACHMENT_MAX_BYTES"])), (422 if problems else 200)


# ---- queues -----------------------------------------------------------------------------------------------------

@bp.get("/")
@login_required
def queue():
    args = load_args(QueueArgs(), request.args)
    boxes = policy.boxes(current_user)
    if not boxes:
        raise PermissionDenied("只有政务部门用户可以查看数据疑问", "government users only")
    box = args["box"] if args["box"] in boxes else boxes[0]
    rows = db.session.scalars(services.reports_query(box, current_user, overdue_only=args["overdue"])
                              .limit(500)).unique().all()
    counts = {b: services.overdue_count(b, current_user) for b in boxes}
    return render_template("reports/queue.html", rows=rows, box=box, boxes=boxes, labels=services.BOXES,
                           overdue_counts=counts, overdue=args["overdue"], today=today())


# ---- one report ---------------------------------------------------------------------------------------------------

def _visible(report_id: int) -> ErrorReport:
    row = services.get_report_or_404(report_id)
    if not policy.can_see(current_user, row):
        abort(404)
    return row


@bp.get("/<id:report_id>")
@login_required
def page(report_id: int):
    return _page(_visible(report_id), [])


def _page(row: ErrorReport, problems, status=200, values=None):
    actions = policy.actions(current_user, row)
    day = today()
    return render_template("reports/report.html", row=row, actions=actions, problems=problems, values=values or {},
                           candidates=services.candidates(row) if actions.get("correct") else [],
                           may_escalate=actions.get("escalate") and (row.state.value != "open" or row.overdue(day)),
                           history=services.history_of(row), today=day,
                           provider_side=current_user.department_id == row.provider_department_id), status


ACTIONS = {
    "correct": lambda row, form: services.correct(row, current_user, parse_id(form.get("version")),
                                                  form.get("note", "")),
    "reject": lambda row, form: services.reject(row, current_user, form.get("note", "")),
    "accept": lambda row, form: services.accept(row, current_user),
    "escalate": lambda row, form: services.escalate(row, current_user, form.get("reason", "")),
    "resolve": lambda row, form: services.resolve(row, current_user, form.get("resolution", "")),
}


@bp.post("/<id:report_id>/<action>")
@login_required
def act(report_id: int, action: str):
    row = _visible(report_id)
    if action not in ACTIONS:
        abort(404)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        ACTIONS[action](row, values)
    except InvalidInput as error:
        db.session.rollback()
        return _page(_visible(report_id), error.problems, 422, values={action: values})
    flash(f"{REPORT.transition(action).label}：已完成（{row.state_label}）")
    return redirect(url_for(".page", report_id=row.id))


@bp.get("/<id:report_id>/evidence")
@login_required
def evidence(report_id: int):
    row = _visible(report_id)
    path = services.evidence_file(row)
    if path is None:
        abort(404)
    return send_file(path, mimetype="application/octet-stream", as_attachment=True,
                     download_name=row.evidence_name or path.name, max_age=0)


# ---- the entry page's card ------------------------------------------------------------------------------------------

@bp.app_template_global()
def reports_panel(entry) -> dict:
    """What the entry page's 纠错 card shows: the link to report (or why not); for the provider and the authority,
    the entry's unsettled reports; for a reporting department, its own reports."""
    unsettled = services.unsettled_for_entry(entry) if policy.sees_unsettled(current_user, entry) else None
    mine = []
    if getattr(current_user, "is_authenticated", False) and current_user.department_id != entry.department_id:
        mine = services.reported_by_department(entry, current_user.department_id)
    return {"reporting": services.reporting(current_user, entry), "unsettled": unsettled, "mine": mine,
            "provider": getattr(current_user, "department_id", None) == entry.department_id, "today": today()}

"""Sharing pages: the request form, the three queues, a request and its answers, a grant, providers' adapter
settings, suspensions. Thin: each view parses the request, calls one service and renders."""
from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, fields, validate
from sqlalchemy import select

from app import catalog, workdays
from app.core.args import load_args
from app.core.clock import today
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import form_text, parse_id
from app.extensions import db
from app.org import Department

from . import policy, services
from .models import Grant, Suspension
from .workflows import GRANT, REQUEST

bp = Blueprint("sharing", __name__, url_prefix="/sharing")


class QueueArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    box = fields.String(load_default="mine", validate=validate.OneOf(list(services.BOXES)), metadata={"label": "队列"})
    overdue = fields.Boolean(load_default=False, metadata={"label": "仅看逾期"})


def _values() -> dict:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


# ---- filing ---------------------------------------------------------------------------------------------------

@bp.route("/entries/<id:entry_id>/request", methods=["GET", "POST"])
@login_required
def new_request(entry_id: int):
    entry = catalog.get_entry_or_404(entry_id)
    if not catalog.policy.can_see_published(current_user, entry):
        abort(404)
    why = services.asking(current_user, entry)
    if not why.allowed:
        raise PermissionDenied(why.reason, "you may not request this entry")
    problems, values, chosen = [], {}, []
    if request.method == "POST":
        values, chosen = _values(), request.form.getlist("items")
        try:
            made = services.submit(entry, current_user, values, chosen)
        except InvalidInput as error:
            problems = error.problems
        else:
            flash(f"共享申请已提交（第 {made.id} 号）：{made.state_label}")
            return redirect(url_for(".request_page", request_id=made.id))
    on_platform = entry.published_version.data.get("sharing_method_category") == "platform"
    return render_template("sharing/request_form.html", entry=entry, version=entry.published_version,
                           values=values, chosen=set(chosen), problems=problems,
                           reply_days=workdays.setting("share_reply_days_on_platform" if on_platform
                                                       else "share_reply_days"),
                           contact=services.sharing_contact(entry)), (422 if problems else 200)


# ---- queues ---------------------------------------------------------------------------------------------------

@bp.get("/requests")
@login_required
def queue():
    args = load_args(QueueArgs(), request.args)
    boxes = policy.boxes(current_user)
    if not boxes:
        raise PermissionDenied("只有政务部门用户可以查看共享申请", "government users only")
    box = args["box"] if args["box"] in boxes else boxes[0]
    rows = db.session.scalars(services.requests_query(box, current_user, overdue_only=args["overdue"])
                              .limit(500)).unique().all()
    counts = {b: services.overdue_count(b, current_user) for b in boxes}
    return render_template("sharing/queue.html", rows=rows, box=box, boxes=boxes, labels=services.BOXES,
                           overdue_counts=counts, overdue=args["overdue"])


# ---- one request ----------------------------------------------------------------------------------------------

def _visible_request(request_id: int):
    row = services.get_request_or_404(request_id)
    if not policy.can_see_request(current_user, row):
        abort(404)
    return row


@bp.get("/requests/<id:request_id>")
@login_required
def request_page(request_id: int):
    return _request_page(_visible_request(request_id), [])


def _request_page(row, problems, status=200):
    actions = {key: REQUEST.may(key, row, current_user) for key in (
        "pass_check", "reject_check", "forward", "approve", "refuse", "escalate", "rule_share", "withdraw")}
    actions["pass_check_forward"] = REQUEST.may("pass_check_forward", row, current_user)
    actions["escalate"] = policy.may_escalate(current_user, row)
    return render_template("sharing/request.html", row=row, actions=actions, problems=problems,
                           history=services.history_of("share_request", row.id),
                           grants=[g for g in row.grants if policy.can_see_grant(current_user, g)]), status


ACTIONS = {
    "pass_check": lambda row, form: services.pass_check(row, current_user),
    "reject_check": lambda row, form: services.reject_check(row, current_user, form.get("reason", "")),
    "forward": lambda row, form: services.forward(row, current_user),
    "approve": lambda row, form: services.approve(row, current_user, form, request.form.getlist("items")),
    "refuse": lambda row, form: services.refuse(row, current_user, form.get("reason", "")),
    "escalate": lambda row, form: services.escalate(row, current_user, form.get("reason", "")),
    "rule_share": lambda row, form: services.rule(row, current_user, share=True, ruling=form.get("ruling", ""),
                                                  chosen=request.form.getlist("items")),
    "rule_not_share": lambda row, form: services.rule(row, current_user, share=False, ruling=form.get("ruling", "")),
    "withdraw": lambda row, form: services.withdraw(row, current_user),
}


@bp.post("/requests/<id:request_id>/<action>")
@login_required
def act(request_id: int, action: str):
    row = _visible_request(request_id)
    if action not in ACTIONS:
        abort(404)
    for key in ("reason", "ruling", "note"):
        form_text(key, {"reason": "理由", "ruling": "协调结论", "note": "共享条件"}[key])
    try:
        ACTIONS[action](row, _values())
    except InvalidInput as error:
        return _request_page(row, error.problems, 422)
    flash(f"{REQUEST.transition(action).label}：已完成（{row.state_label}）")
    return redirect(url_for(".request_page", request_id=row.id))


# ---- grants ---------------------------------------------------------------------------------------------------

def _visible_grant(grant_id: int) -> Grant:
    grant = services.get_grant_or_404(grant_id)
    if not policy.can_see_grant(current_user, grant):
        abort(404)
    return grant


@bp.get("/grants/<id:grant_id>")
@login_required
def grant_page(grant_id: int):
    grant = _visible_grant(grant_id)
    return _grant_page(grant, [])


def _grant_page(grant, problems, status=200, results=None):
    actions = {key: GRANT.may(key, grant, current_user) for key in ("retry", "attach", "revoke", "reissue", "compare")}
    return render_template("sharing/grant.html", grant=grant, actions=actions, problems=problems, results=results,
                           history=services.history_of("share_grant", grant.id),
                           consumer=current_user.department_id == grant.consumer_department_id), status


@bp.post("/grants/<id:grant_id>/retry")
@login_required
def retry(grant_id: int):
    grant = _visible_grant(grant_id)
    services.retry(grant, current_user)
    flash("已重新提交开通，稍后刷新查看结果")
    return redirect(url_for(".grant_page", grant_id=grant.id))


@bp.post("/grants/<id:grant_id>/reissue")
@login_required
def reissue(grant_id: int):
    grant = _visible_grant(grant_id)
    services.reissue(grant, current_user)
    flash("正在生成新的下载链接，稍后刷新本页")
    return redirect(url_for(".grant_page", grant_id=grant.id))


@bp.post("/grants/<id:grant_id>/compare")
@login_required
def compare(grant_id: int):
    """数据比对: records as CSV lines (a header of item names, then values); the answer is 一致 / 不一致 per line."""
    import csv
    import io

    grant = _visible_grant(grant_id)
    text = form_text("records", "比对记录") or ""
    reader = csv.reader(io.StringIO(text.strip()))
    lines = [[cell.strip() for cell in line] for line in reader if any(cell.strip() for cell in line)]
    if len(lines) < 2:
        return _grant_page(grant, [InvalidInput.single("records", "比对记录", "请先写一行信息项名称，再逐行写要比对的记录",
                                                       "a header line and at least one record").problems[0]], 422)
    header, rows = lines[0], lines[1:]
    records = [dict(zip(header, row)) for row in rows]
    try:
        results = services.compare(grant, current_user, records)
    except InvalidInput as error:
        return _grant_page(grant, error.problems, 422)
    return _grant_page(grant, [], results=list(zip(rows, results)))


@bp.post("/grants/<id:grant_id>/revoke")
@login_required
def revoke(grant_id: int):
    grant = _visible_grant(grant_id)
    try:
        services.revoke(grant, current_user, form_text("reason", "撤销理由") or "")
    except InvalidInput as error:
        return _grant_page(grant, error.problems, 422)
    flash("授权已撤销")
    return redirect(url_for(".grant_page", grant_id=grant.id))


@bp.post("/grants/<id:grant_id>/attach")
@login_required
def attach(grant_id: int):
    grant = _visible_grant(grant_id)
    try:
        name = services.attach(grant, current_user, request.files.get("file"))
    except InvalidInput as error:
        return _grant_page(grant, error.problems, 422)
    flash(f"已上传“{name}”，正在开通下载")
    return redirect(url_for(".grant_page", grant_id=grant.id))


# ---- adapter settings (the provider, per entry) ---------------------------------------------------------------

@bp.route("/entries/<id:entry_id>/settings", methods=["GET", "POST"])
@login_required
def settings(entry_id: int):
    entry = catalog.get_entry_or_404(entry_id)
    if entry.published_version is None:
        abort(404)  # only a published entry is shared
    if not policy.can_configure(current_user, entry):
        raise PermissionDenied("只有提供部门可以设置该信息资源的共享方式参数", "only the provider configures its entries")
    adapter = services.adapter_for(entry)
    problems = []
    current = services.settings_of(entry.id, adapter)
    if request.method == "POST":
        try:
            services.save_settings(entry, current_user, adapter, _values(), request.form.getlist("keys"))
        except InvalidInput as error:
            problems = error.problems
            current = _values()
        else:
            flash("共享方式参数已保存")
            return redirect(url_for(".settings", entry_id=entry.id))
    return render_template("sharing/settings.html", entry=entry, adapter=adapter, current=current,
                           problems=problems), (422 if problems else 200)


# ---- suspensions (the authority) --------------------------------------------------------------------------------

@bp.route("/suspensions", methods=["GET", "POST"])
@login_required
def suspensions():
    if not policy.can_suspend(current_user):
        raise PermissionDenied("只有主管部门可以限制部门的共享权限", "the authority only")
    problems = []
    if request.method == "POST":
        department_id = parse_id(request.form.get("department"))
        try:
            if department_id is None or db.session.get(Department, department_id) is None:
                raise InvalidInput.single("department", "部门", "请选择部门", "choose a department")
            services.suspend(department_id, current_user, form_text("reason", "限制原因") or "")
        except InvalidInput as error:
            problems = error.problems
        else:
            flash("已限制该部门的共享权限")
            return redirect(url_for(".suspensions"))
    rows = db.session.scalars(select(Suspension).order_by(Suspension.id.desc()).limit(200)).all()
    departments = db.session.scalars(select(Department).order_by(Department.code)).all()
    return render_template("sharing/suspensions.html", rows=rows, departments=departments,
                           problems=problems), (422 if problems else 200)


@bp.post("/suspensions/<id:suspension_id>/lift")
@login_required
def lift(suspension_id: int):
    row = db.session.get(Suspension, suspension_id) or abort(404)
    services.lift(row, current_user, form_text("note", "解除说明") or "")
    flash("已解除限制")
    return redirect(url_for(".suspensions"))


@bp.app_template_global()
def today_date():
    return today()


@bp.app_template_global()
def adapter_label(key: str) -> str:
    adapter = services.installed().get(key)
    return getattr(adapter, "label", key)


HANDLE_LABELS = {"dsn": "连接地址", "role": "数据库账号", "password": "初始密码（请妥善保管）", "view": "视图",
                 "columns": "列", "query": "查询示例", "valid_until": "有效期至", "keys": "比对信息项",
                 "require_all_keys": "须提供全部比对信息项", "max_records": "每次最多比对条数"}


@bp.app_template_global()
def handle_label(key: str) -> str:
    return HANDLE_LABELS.get(key, key)


@bp.app_template_global()
def comparison_sources() -> list[str]:
    return list(services.comparison_sources())


@bp.app_template_global()
def settings_help(key: str) -> str:
    return services.SETTINGS_HELP.get(key, "")


@bp.app_template_global()
def sharing_panel(entry):
    """What the entry page shows of sharing: the button (or why not), the provider's contact, own requests."""
    return {"asking": services.asking(current_user, entry), "contact": services.sharing_contact(entry),
            "mine": services.requests_for_entry(entry, current_user),
            "configure": policy.can_configure(current_user, entry)}



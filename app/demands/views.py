"""The demand catalog's pages: the catalog (search, facets, Excel), filing, a demand with its matches and answers,
and the authority's overview. Thin: parse, call one service, render."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate
from sqlalchemy import select

from app.core.args import load_args
from app.core.clock import today
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import MAX_ID, form_text, parse_id
from app.extensions import db
from app.org import Department

from . import policy, services
from .models import ANSWERS, DEMAND_STATE_LABELS, URGENCY

bp = Blueprint("demands", __name__, url_prefix="/demands")


class CatalogArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(load_default="", validate=validate.Length(max=100), metadata={"label": "关键词"})
    state = fields.String(load_default=None, validate=validate.OneOf(list(DEMAND_STATE_LABELS)),
                          metadata={"label": "状态"})
    requester = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                               metadata={"label": "需求部门"})
    target = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID), metadata={"label": "目标部门"})
    age = fields.String(load_default=None, validate=validate.OneOf(list(services.AGES)), metadata={"label": "提出时间"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000), metadata={"label": "页码"})

    @pre_load
    def _blank_is_none(self, data, **kwargs):
        return {k: v for k, v in data.items() if v not in ("", None)}


def _require_reader():
    if not policy.can_read(current_user):
        raise PermissionDenied("需求目录仅向政务部门用户开放", "the demand catalog is for government users")


@bp.get("/")
@login_required
def index():
    _require_reader()
    args = load_args(CatalogArgs(), request.args)
    page = services.catalog_page(args, page=args["page"])
    return render_template("demands/index.html", page=page, args=args, facets=services.FACETS,
                           can_file=policy.can_file(current_user), oversees=policy.oversees(current_user),
                           query={k: v for k, v in args.items() if v not in (None, "") and k != "page"})


@bp.get("/export.xlsx")
@login_required
def export():
    _require_reader()
    args = load_args(CatalogArgs(), request.args)
    return Response(services.export(args), headers={"Content-Disposition": "attachment; filename=demands.xlsx"},
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    if not policy.can_file(current_user):
        raise PermissionDenied("只有政务部门的使用部门用户、编目员、审核员可以登记需求", "you may not file demands")
    values, problems = {}, []
    if request.method == "POST":
        values = {k: form_text(k, label) or "" for k, label in (
            ("title", "需求名称"), ("description", "需求说明"), ("items", "所需信息项"), ("purpose", "使用用途"),
            ("scenario", "应用场景"), ("legal_basis", "法定职权依据"), ("urgency", "紧急程度"),
            ("target_department", "目标部门"))}
        try:
            demand = services.file(current_user, values)
        except InvalidInput as error:
            problems = error.problems
        else:
            flash(f"需求已登记（第 {demand.id} 号）：{demand.state_label}")
            return redirect(url_for(".show", demand_id=demand.id))
    return render_template("demands/new.html", values=values, problems=problems, urgency=URGENCY,
                           departments=_departments()), (422 if problems else 200)


def _departments():
    return db.session.scalars(select(Department).order_by(Department.code)).all()


@bp.get("/<id:demand_id>")
@login_required
def show(demand_id: int):
    _require_reader()
    return _page(services.get_or_404(demand_id), [])


def _page(demand, problems, status=200):
    actions = policy.actions(current_user, demand)
    return render_template(
        "demands/show.html", demand=demand, actions=actions, problems=problems, answers=ANSWERS,
        proposals=services.proposals(demand) if actions["match"] else [],
        candidates=services.candidates_for_link(demand) if actions["link_entry"] or actions["answer_existing"] else [],
        departments=_departments() if actions["assign"] else [], today=today(),
        posted=request.form if request.method == "POST" else {}, history=_history(demand)), status


def _history(demand):
    from app.audit import AuditEntry

    return db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "demand",
                                                       AuditEntry.object_id == demand.id).order_by(AuditEntry.id)).all()


ACTIONS = {
    "assign": lambda d, f: services.assign(d, current_user, f.get("target_department")),
    "answer_existing": lambda d, f: services.answer_existing(d, current_user, f.get("entry"), f.get("note", "")),
    "answer_register": lambda d, f: services.answer_register(d, current_user, f.get("note", "")),
    "link_entry": lambda d, f: services.link_entry(d, current_user, f.get("entry")),
    "answer_cannot": lambda d, f: services.answer_cannot(d, current_user, f.get("reason", ""), f.get("basis", "")),
    "match": lambda d, f: services.match(d, current_user, parse_id(f.get("entry"))),
    "withdraw": lambda d, f: services.withdraw(d, current_user),
}


FORM_LABELS = {"target_department": "目标部门", "entry": "信息资源", "note": "答复说明", "reason": "无法提供的理由",
               "basis": "依据"}


@bp.post("/<id:demand_id>/<action>")
@login_required
def act(demand_id: int, action: str):
    _require_reader()
    demand = services.get_or_404(demand_id)
    if action not in ACTIONS:
        return redirect(url_for(".show", demand_id=demand.id))
    form = {key: form_text(key, label) or "" for key, label in FORM_LABELS.items()}
    try:
        result = ACTIONS[action](demand, form)
    except InvalidInput as error:
        return _page(demand, error.problems, 422)
    if action == "match":
        flash(f"已转为共享申请（第 {result.id} 号）：{result.state_label}")
        return redirect(url_for("sharing.request_page", request_id=result.id))
    flash(f"已办理：{demand.state_label}")
    return redirect(url_for(".show", demand_id=demand.id))


@bp.get("/overview")
@login_required
def overview():
    if not policy.oversees(current_user):
        raise PermissionDenied("只有主管部门可以查看各部门的需求办理情况", "the authority only")
    return render_template("demands/overview.html", rows=services.overview(), today=today())

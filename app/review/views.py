"""Review pages: the queue, one review with its diff, decisions; and the editor's submit / withdraw."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from app import catalog
from app.catalog import diff_values, path_of
from app.core.args import load_args
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import MAX_ID, form_text, parse_id
from app.core.legal import official
from app.extensions import db
from app.org import Department
from catalog_schema import get_schema

from . import policy, services
from .models import Review

bp = Blueprint("review", __name__, url_prefix="/review")


class QueueArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    department = fields.Integer(load_default=None, validate=validate.Range(min=1, max=MAX_ID),
                                metadata={"label": "部门"})
    sharing_type = fields.String(load_default=None, validate=validate.OneOf(
        [t.code for t in get_schema().vocabulary("sharing_type").terms]), metadata={"label": "共享类型"})
    waiting = fields.Integer(load_default=None, validate=validate.Range(min=1, max=3650),
                             metadata={"label": "等待工作日数"})

    @pre_load
    def _blank_is_none(self, data, **kwargs):
        return {k: v for k, v in data.items() if v not in ("", None)}


@bp.app_template_global()
def pending_review(entry):
    return services.pending_review(entry)


@bp.app_template_global()
def return_comments(entries):
    return services.latest_return_comments([e.id for e in entries])


@bp.app_template_global()
def review_history(entry):
    return services.history_of(entry)


@bp.app_template_global()
def return_notes(entry):
    """The reviewers' return comments on the entry's working version while it waits to be changed (edit form)."""
    return services.returns_of_working_version(entry)


@bp.app_template_filter("official")
def official_text(text):
    """Short legal citations (“（郑州 §15）”, as older review reasons carry them) written as officials write them."""
    return official(text)


def _named(review: Review) -> str:
    """How a message names an entry: 信息资源名称（信息资源代码）."""
    return f"{review.version.name}（{review.entry.resource_code}）"


def _department_name(department_id) -> str:
    department = db.session.get(Department, department_id)
    return department.name if department else str(department_id)


@bp.get("/")
@login_required
def queue():
    if not policy.can_see_queue(current_user):
        raise PermissionDenied("只有审核员和平台管理员可以查看审核队列", "only reviewers may see the queue")
    args = load_args(QueueArgs(), request.args)
    reviews = db.session.scalars(services.queue_query(
        current_user, department_id=args["department"], sharing_type=args["sharing_type"],
        waiting_days=args["waiting"]).limit(500)).unique().all()
    scope = policy.queue_departments(current_user)
    query = db.select(Department).order_by(Department.code)
    if scope is not None:  # a department reviewer: their own department, never the whole list
        query = query.where(Department.id.in_(scope))
    departments = db.session.scalars(query).all()
    return render_template("review/queue.html", reviews=reviews, args=args, departments=departments,
                           safe={r.id for r in reviews if services.is_safe_for_bulk(r)},
                           overdue={r.id for r in reviews if services.is_overdue(r)})


def _visible_review(review_id: int) -> Review:
    """A review this user may see; anyone else gets the same 404 as a missing id (not a 403 saying it exists)."""
    review = services.get_review_or_404(review_id)
    if not policy.can_see(current_user, review):
        abort(404)
    return review


def _visible_entry(entry_id: int):
    """An entry whose working version this user may submit or withdraw; else the same 404 as a missing id."""
    entry = catalog.get_entry_or_404(entry_id)
    if not catalog.policy.can_see_working(current_user, entry):
        abort(404)
    return entry


@bp.get("/<id:review_id>")
@login_required
def show(review_id: int):
    return _render_review(_visible_review(review_id))


def _render_review(review: Review, problems=(), comment: str = "", status: int = 200):
    entry, version = review.entry, review.version
    published = entry.published_version
    values = catalog.full_values(entry, version)
    changes = None
    if published is not None and published.id != version.id:
        changes = diff_values(catalog.full_values(entry, published), values, department_name=_department_name)
    context = services.context_of(review)
    since_return = None
    if context.returned is not None and context.returned.data is not None:
        # the snapshot holds the version's own data; identity fields (code, class, provider) are the entry's
        identity = {k: v for k, v in values.items() if k not in version.data}
        since_return = diff_values({**context.returned.data, **identity}, values, department_name=_department_name)
    return render_template("review/show.html", review=review, entry=entry, version=version, changes=changes,
                           context=context, since_return=since_return,
                           values=values, category_path=path_of(entry.category_code),
                           can_decide=policy.can_decide(current_user, review),
                           problems=list(problems), comment=comment), status


@bp.post("/<id:review_id>/approve")
@login_required
def approve(review_id: int):
    review = _visible_review(review_id)
    try:
        services.approve(review, user=current_user, confirm=bool(request.form.get("confirm")),
                         comment=form_text("comment", "审核意见"))
    except InvalidInput as error:
        return _show_with_problems(review, error)
    flash(f"已通过：{_named(review)}"
          + ("，已发布" if review.stage.value == "authority" else "，已转主管部门审核"))
    return redirect(url_for(".queue"))


@bp.post("/<id:review_id>/return")
@login_required
def return_(review_id: int):
    review = _visible_review(review_id)
    try:
        services.return_(review, user=current_user, comment=form_text("comment", "退回意见") or "")
    except InvalidInput as error:
        return _show_with_problems(review, error)
    flash(f"已退回：{_named(review)}")
    return redirect(url_for(".queue"))


def _show_with_problems(review: Review, error: InvalidInput):
    db.session.rollback()
    return _render_review(review, error.problems, request.form.get("comment", ""), 422)


@bp.post("/bulk")
@login_required
def bulk():
    ids = [i for i in map(parse_id, request.form.getlist("review")[:500]) if i is not None]
    if not ids:
        raise InvalidInput.single("review", "审核条目", "请至少勾选一条待审核资源", "select at least one review")
    approved, skipped = services.bulk_approve(ids, user=current_user)
    # a review this user may not see is left out as a missing id would be: never named, never counted
    skipped = [(r, why) for r, why in skipped if policy.can_see(current_user, r)]
    flash(f"批量通过 {len(approved)} 条" + ("：" + "、".join(_named(r) for r in approved) if approved else "")
          + (f"；{len(skipped)} 条未处理：" + "；".join(
              f"{r.version.name}（{r.entry.resource_code}，{why}）" for r, why in skipped) if skipped else ""))
    return redirect(url_for(".queue"))


@bp.post("/entries/<id:entry_id>/submit")
@login_required
def submit(entry_id: int):
    entry = _visible_entry(entry_id)
    catalog.submit([entry], user=current_user, note=form_text("note", "提交说明", multiline=False))
    flash(f"已提交部门审核：{entry.draft_version.name}（{entry.resource_code}）")
    return redirect(url_for("catalog.show", entry_id=entry.id))


@bp.post("/entries/<id:entry_id>/withdraw")
@login_required
def withdraw(entry_id: int):
    entry = _visible_entry(entry_id)
    catalog.withdraw([entry], user=current_user)
    flash(f"已撤回：{entry.draft_version.name}（{entry.resource_code}），可继续修改")
    return redirect(url_for("catalog.show", entry_id=entry.id))

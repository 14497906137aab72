"""Docking pages: the read-only page of a harvested record (portal), and the admins' 目录对接 pages — sources, a
source with its runs and records, the source form, run now, pause/resume, and a run's report. Thin: parse, call
one service, render."""
from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import func, select

from app.core.errors import Conflict, InvalidInput, PermissionDenied
from app.extensions import db

from . import mapping, policy, services
from .models import SCHEDULES, HarvestedEntry

bp = Blueprint("harvest", __name__)

RECORDS_PER_PAGE = 50


# ---- the harvested record (portal) ----------------------------------------------------------------------------

@bp.get("/harvested/<id:record_id>")
def record(record_id: int):
    """A harvested record, read-only: the source's values with our labels, where it comes from, when it was
    harvested. The public sees open records only; a record the source removed is shown to admins only."""
    record = db.session.get(HarvestedEntry, record_id)
    if record is None or not policy.can_see(current_user, record):
        abort(404)
    package = record.package
    ours = mapping.is_ours(package)
    item_labels, item_rows = mapping.item_rows(package) if ours else ([], [])
    return render_template(
        "harvest/record.html", record=record, source=record.source, ours=ours,
        rows=mapping.schema_rows(package) if ours else mapping.ckan_rows(package),
        item_labels=item_labels, item_rows=item_rows, resources=mapping.resources(package),
        original=mapping.original_url(package, record.source.url), manage=policy.can_manage(current_user))


# ---- administration -------------------------------------------------------------------------------------------

def _require_admin() -> None:
    if not policy.can_manage(current_user):
        raise PermissionDenied("目录对接仅供平台管理员使用", "docking is for admins only")


def _form_values() -> dict:
    return {key: request.form.get(key, "") for key in ("name", "url", "schedule", "api_token", "clear_token")}


@bp.get("/admin/harvest/")
@login_required
def sources():
    _require_admin()
    return render_template("harvest/sources.html", rows=services.overview())


@bp.route("/admin/harvest/new", methods=["GET", "POST"])
@login_required
def new_source():
    _require_admin()
    values, problems = {"schedule": "daily"}, []
    if request.method == "POST":
        values = _form_values()
        try:
            source = services.register_source(values, user=current_user)
        except InvalidInput as error:
            problems = error.problems
        else:
            flash(f"已登记对接来源“{source.name}”。可以立即对接一次，或等待定时对接。")
            return redirect(url_for(".source", source_id=source.id))
    values.pop("api_token", None)  # a secret is never sent back into a page
    return render_template("harvest/source_form.html", source=None, values=values, problems=problems,
                           schedules=SCHEDULES), (422 if problems else 200)


@bp.get("/admin/harvest/<id:source_id>")
@login_required
def source(source_id: int):
    _require_admin()
    source = services.get_source_or_404(source_id)
    page = request.args.get("page", "1")
    page = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1
    query = select(HarvestedEntry).where(HarvestedEntry.source_id == source.id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    records = db.session.scalars(query.order_by(HarvestedEntry.removed_at.is_not(None), HarvestedEntry.title,
                                                HarvestedEntry.id)
                                 .offset((max(page, 1) - 1) * RECORDS_PER_PAGE).limit(RECORDS_PER_PAGE)).all()
    return render_template("harvest/source.html", source=source, runs=services.runs_of(source),
                           running=services.running_run(source.id), records=records, total=total, page=page,
                           pages=max(1, -(-total // RECORDS_PER_PAGE)),
                           stale_minutes=current_app.config["HARVEST_RUN_STALE_MINUTES"])


@bp.route("/admin/harvest/<id:source_id>/edit", methods=["GET", "POST"])
@login_required
def edit_source(source_id: int):
    _require_admin()
    source = services.get_source_or_404(source_id)
    values = {"name": source.name, "url": source.url, "schedule": source.schedule}
    problems = []
    if request.method == "POST":
        values = _form_values()
        try:
            services.update_source(source, values, user=current_user)
        except InvalidInput as error:
            problems = error.problems
        else:
            flash(f"已保存对接来源“{source.name}”。")
            return redirect(url_for(".source", source_id=source.id))
    values.pop("api_token", None)
    return render_template("harvest/source_form.html", source=source, values=values, problems=problems,
                           schedules=SCHEDULES), (422 if problems else 200)


@bp.post("/admin/harvest/<id:source_id>/run")
@login_required
def run_now(source_id: int):
    _require_admin()
    source = services.get_source_or_404(source_id)
    full = request.form.get("full") == "1"
    try:
        services.request_run(source, user=current_user, full=full)
    except Conflict as error:
        flash(error.message)
        return redirect(url_for(".source", source_id=source.id))
    flash(f"已安排{'全量' if full else ''}对接“{source.name}”：后台处理完成后，对接记录会出现在下方（刷新本页查看）。")
    return redirect(url_for(".source", source_id=source.id))


@bp.post("/admin/harvest/<id:source_id>/pause")
@login_required
def pause(source_id: int):
    _require_admin()
    source = services.get_source_or_404(source_id)
    services.pause(source, user=current_user)
    flash(f"已暂停“{source.name}”的定时对接（仍可立即对接）。")
    return redirect(url_for(".source", source_id=source.id))


@bp.post("/admin/harvest/<id:source_id>/resume")
@login_required
def resume(source_id: int):
    _require_admin()
    source = services.get_source_or_404(source_id)
    services.resume(source, user=current_user)
    flash(f"已恢复“{source.name}”的定时对接。")
    return redirect(url_for(".source", source_id=source.id))


@bp.get("/admin/harvest/runs/<id:run_id>")
@login_required
def run(run_id: int):
    """对接报告: the counts, the records added, updated and removed (named and linked), the problems."""
    _require_admin()
    run = services.get_run_or_404(run_id)
    changes = run.changes or {}
    records = services.records_by_id([i for kind in ("added", "updated", "removed") for i in changes.get(kind, [])])
    named = {kind: [records[i] for i in changes.get(kind, []) if i in records]
             for kind in ("added", "updated", "removed")}
    return render_template("harvest/run.html", run=run, source=run.source, named=named)

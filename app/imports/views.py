"""Import page (upload → dry-run report → import, as background jobs with progress) and Excel exports."""
from __future__ import annotations

import os
import tempfile

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from app.catalog import policy
from app.core.errors import InvalidInput, PermissionDenied
from app.core.http import form_text
from catalog_schema import Problem

from . import queue as jobs
from . import services

bp = Blueprint("imports", __name__, url_prefix="/imports")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_compiler():
    if not services.can_import(current_user):
        raise PermissionDenied("只有目录编目员和平台管理员可以导入", "only editors and admins may import")


def _job(job_id: int):
    return services.get_job_or_404(job_id, user=current_user)


@bp.get("/")
@login_required
def index():
    _require_compiler()
    return render_template("imports/index.html", jobs=services.jobs_of(current_user),
                           limit_mb=services.limits().max_bytes // (1024 * 1024))


@bp.post("/")
@login_required
def upload():
    _require_compiler()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput([Problem("file", "文件", "请选择要导入的 .xlsx 文件", "choose an .xlsx file")])
    job = services.start(upload, user=current_user)  # the dry run starts after this request commits
    return redirect(url_for(".show", job_id=job.id))


@bp.get("/<id:job_id>")
@login_required
def show(job_id: int):
    job = _job(job_id)
    return render_template("imports/show.html", job=job, progress=jobs.get_progress(job.id),
                           has_report=services.report_path(job) is not None, summary=services.summary(job.report),
                           can_publish=policy.can_publish_directly(current_user),
                           actions=services.job_actions(current_user, job), silent=services.is_silent(job))


@bp.get("/<id:job_id>/progress.json")
@login_required
def progress(job_id: int):
    job = _job(job_id)
    return jsonify({"state": job.state.value, "label": job.state.label, "running": job.state.running,
                    **jobs.get_progress(job.id)})


@bp.post("/<id:job_id>/commit")
@login_required
def commit(job_id: int):
    job = _job(job_id)
    reason = form_text("publish_reason", "直接发布原因", multiline=False) if request.form.get("publish") else None
    services.queue_commit(job, user=current_user, publish_reason=reason)
    return redirect(url_for(".show", job_id=job.id))


@bp.post("/<id:job_id>/cancel")
@login_required
def cancel(job_id: int):
    services.cancel(_job(job_id), user=current_user)
    flash("已请求取消，已做的修改将全部撤销")
    return redirect(url_for(".show", job_id=job_id))


@bp.post("/<id:job_id>/rerun")
@login_required
def rerun(job_id: int):
    services.rerun(_job(job_id), user=current_user)
    flash("已重新开始校验")
    return redirect(url_for(".show", job_id=job_id))


@bp.post("/<id:job_id>/discard")
@login_required
def discard(job_id: int):
    job = _job(job_id)
    services.discard(job, user=current_user)
    flash(f"已放弃导入“{job.filename}”，上传的文件已删除")
    return redirect(url_for(".index"))


@bp.get("/<id:job_id>/report.xlsx")
@login_required
def report(job_id: int):
    job = _job(job_id)
    path = services.report_path(job)
    if path is None:
        abort(404)
    name = os.path.splitext(job.filename)[0] + "-错误标注.xlsx"
    return send_file(path, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.get("/template.xlsx")
@login_required
def template():
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    services.write_template(path)
    return _send_and_remove(path, "政务信息资源目录导入模板.xlsx")


@bp.get("/export.xlsx")
def export():
    """The current search (same query string as /search) as an Excel file in the template layout."""
    ids = services.matching_export_ids(request.args, user=current_user)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    services.export(path, ids, user=current_user)
    return _send_and_remove(path, "政务信息资源目录导出.xlsx")


def _send_and_remove(path: str, name: str):
    response = send_file(path, mimetype=XLSX, as_attachment=True, download_name=name)
    response.call_on_close(lambda: os.path.exists(path) and os.unlink(path))
    return response

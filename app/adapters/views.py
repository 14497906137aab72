"""The download link (文件下载): ``GET /downloads/<token>``, where a consumer fetches the file of a download grant.

A file is served only when every check passes, in this order:
1. the token is one this registry signed (else the one 404 page: a guessed or tampered link learns nothing);
2. a user is signed in (else the sign-in page, then back here) and belongs to the consumer department (403);
3. the sharing module's grant checker says the grant is still active (410: withdrawn or ended);
4. the link is within its hours and the grant's period (410 "下载链接已过期"; 403 before the grant begins);
5. the attachment is still there (404).
Each download is written to the audit log (``grant.download``) before the file is sent; a download that cannot
be recorded is not served.
"""
from __future__ import annotations

import logging
import mimetypes

from flask import Blueprint, current_app, render_template, request, send_file
from flask_login import current_user, login_required
from sqlalchemy import select

from app import audit
from app.core.db import read_only, transaction
from app.core.http import not_found_page
from app.extensions import db
from app.org import Department

from .base import AdapterError
from .download import DownloadAdapter, InvalidLink, Link
from .hooks import grant_checker

log = logging.getLogger(__name__)

bp = Blueprint("adapters", __name__)


@bp.get("/downloads/<token>")
@login_required
def download(token: str):
    """Send the file of a download grant to a signed-in user of its consumer department."""
    adapter = DownloadAdapter(current_app.config)
    try:
        link = adapter.verify(token)
    except InvalidLink:
        return not_found_page()
    department = current_user.department
    if department is None or department.code != link.consumer_code:
        return _refused(403, "无权下载此文件", "只有申请使用该数据的部门（使用部门）的用户可以通过此链接下载。",
                        "only users of the consumer department may use this link")
    checker = grant_checker()
    if checker is None or not checker(link.grant_id):
        return _refused(410, "共享授权已撤销或已终止", "该授权已被撤销、已到期或尚未生效，下载链接随之失效。"
                        "如仍需使用，请重新提交共享申请。", "the grant was withdrawn or has ended")
    if link.problem == "not_yet_valid":
        return _refused(403, "授权尚未生效", "该授权的有效期尚未开始，请在有效期开始后再下载。",
                        "the grant's period has not begun")
    if link.problem == "expired":
        return _refused(410, "下载链接已过期", "请到本部门的共享申请页面重新获取下载链接；授权到期后不能再下载。",
                        "the download link has expired")
    try:
        path = adapter.attachment(link.file)
    except AdapterError:
        path = None
    if path is None or not path.is_file():
        log.warning("download link of grant %s points at a missing attachment %s", link.grant_id, link.file)
        return _refused(404, "附件文件不存在", "提供部门上传的附件已不在系统中，请联系提供部门重新上传。",
                        "the attached file is missing")
    if request.method == "GET":
        _record_download(link, path.stat().st_size)
    mimetype = mimetypes.guess_type(link.filename)[0] or "application/octet-stream"
    response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=link.filename, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _refused(status: int, title: str, message: str, message_en: str):
    return render_template("adapters/download_error.html", title=title, message=message, message_en=message_en,
                           status=status), status


def _record_download(link: Link, size: int) -> None:
    """The audit entry of one download, committed on its own: the request is a GET (which otherwise never
    writes), and the file goes out only once its download is on record."""
    user = current_user._get_current_object()
    token = read_only.set(False)
    try:
        with transaction():
            provider_id = db.session.scalar(select(Department.id).where(Department.code == link.provider_code))
            entry = audit.record(
                "grant.download", None, actor=user, department_id=provider_id or user.department_id,
                summary=f"下载共享数据文件：{link.filename}（授权 #{link.grant_id}，资源 {link.resource_code}）",
                details={"grant_id": link.grant_id, "file": link.file, "filename": link.filename, "bytes": size,
                         "resource_code": link.resource_code, "provider_code": link.provider_code,
                         "consumer_code": link.consumer_code})
            entry.object_type, entry.object_id = "grant", link.grant_id
    finally:
        read_only.reset(token)

"""/api/3/action/<name> (and /api/action/<name>): CKAN's Action API over the catalog's services.

Read actions answer GET and POST (as CKAN does: ``ckanapi`` posts every call); write actions answer POST only, and
only to a caller with an API token — a browser session's cookie is never enough to write, so no CSRF token is
needed here. A POST body is JSON or a form; a GET's repeated keys become lists. Nothing redirects.
"""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request
from app import accounts
from app.core.errors import DomainError
from app.extensions import db

from . import actions
from .auth import caller
from .envelope import AUTHORIZATION, BAD_REQUEST, ApiError, failure, success

bp = Blueprint("ckan_api", __name__)

MAX_BODY = 1024 * 1024  # a package with its data items is a few kB; a megabyte is plenty


@bp.get("/api/3")
@bp.get("/api")
def version():
    """The API version, as CKAN answers it."""
    return jsonify({"version": 3})


def _arguments() -> dict:
    if request.method == "GET":
        return {key: (values if len(values) > 1 else values[0]) for key, values in request.args.lists()}
    if request.content_length and request.content_length > MAX_BODY:
        raise ApiError(BAD_REQUEST, f"请求内容过大：不能超过 {MAX_BODY // 1024} KB", "request body too large",
                       status=413)
    if request.mimetype == "application/json" or (request.data and not request.form):
        try:
            body = json.loads(request.get_data(as_text=True) or "{}")
        except (ValueError, UnicodeDecodeError):
            raise ApiError(BAD_REQUEST, "请求内容不是有效的 JSON", "the request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(BAD_REQUEST, "请求内容须为 JSON 对象", "the request body must be a JSON object")
        return body
    return {key: (values if len(values) > 1 else values[0]) for key, values in request.form.lists()}


@bp.route("/api/action/<name>", methods=["GET", "POST"])
@bp.route("/api/3/action/<name>", methods=["GET", "POST"])  # registered first: the address url_for builds
def action(name: str):
    """Run one action: the CKAN envelope around its result, or the CKAN error object."""
    try:
        spec = actions.get(name)
        if spec.write and request.method != "POST":
            raise ApiError(BAD_REQUEST, f"操作 {name} 只能用 POST 调用", f"{name} must be called with POST", status=405)
        user, token = caller()
        arguments = _arguments()
        if spec.write:
            if token is None:
                raise ApiError(AUTHORIZATION, "写操作须使用 API 令牌（在“账号安全 › API 令牌”页面 /account/tokens 创建）",
                               "write actions need an API token")
            with accounts.acting_through(token):
                result = spec.run(arguments, user)
        else:
            result = spec.run(arguments, user)
    except DomainError as error:
        db.session.rollback()
        return failure(ApiError.from_domain(error), action=name)
    except ApiError as error:
        db.session.rollback()
        return failure(error, action=name)
    return success(result, action=name)

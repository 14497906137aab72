"""HTTP hardening shared by every page: ids in URLs, one answer for "not found", security headers, form text.

- ``<id:entry_id>``: a database id in a URL is 1 … 2³¹-1 (PostgreSQL's ``integer``); anything else matches no
  route and is a 404, never a database error. `parse_id` does the same for ids in query strings and forms.
- Every "not there, or not yours to see" is the same 404 (status, text, headers), whether a route did not match,
  a view called ``abort(404)`` or a service raised `NotFound`: the public never learns that a hidden entry exists.
- Every response carries a Content-Security-Policy without inline scripts or styles (templates keep theirs in
  ``static/``), refuses framing and MIME sniffing, and sends HSTS when cookies are HTTPS-only.
- Every error page is in Chinese only, whatever raised it (a werkzeug 400, 405, 429 or 500 included), with a
  search box and the way home (templates/error.html); a query-argument problem names the field in Chinese
  (「页码」), where the JSON answer also gives the parameter (``page``) for API clients. JSON answers keep their
  bilingual ``message`` / ``message_en``.
- `form_text`: a comment, reason or note a person typed, refused with a message naming the field when it holds
  control characters (the entry form's fields are checked by the schema, `catalog_schema.validation`).
"""
from __future__ import annotations

import re

from flask import Flask, Response, current_app, jsonify, render_template, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from app.extensions import db
from catalog_schema import control_character, control_character_message

from .errors import DomainError, InvalidInput, NotFound

#: the largest id PostgreSQL's ``integer`` column holds
MAX_ID = 2 ** 31 - 1
_ID = re.compile(r"[0-9]{1,10}")

#: the one answer to "no such page", "no such id" and "not yours to see" alike
NOT_FOUND_MESSAGE = "未找到该信息资源或页面"
NOT_FOUND_MESSAGE_EN = "not found"

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "object-src 'none'",
    "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'",
))
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
STRICT_TRANSPORT_SECURITY = "max-age=31536000"  # this host only: a sibling host may still serve plain HTTP


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive database id that fits PostgreSQL's ``integer``; other values match no route.

    ASCII digits only (``\\d`` would take full-width and other scripts' digits), at most ten of them, so a
    ten-thousand-digit id is not even converted.
    """

    regex = _ID.pattern

    def __init__(self, url_map: Map, *_args, **_kwargs):
        super().__init__(url_map, min=1, max=MAX_ID)


def parse_id(value) -> int | None:
    """An id from a query string or a form (``"12"``, 12), or None when it is not one `IdConverter` accepts."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 1 <= value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ID else None


def not_found_page() -> tuple[str, int]:
    """The one 404 page (what the app's 404 handler renders too)."""
    return render_template("error.html", error=DomainError(NOT_FOUND_MESSAGE, NOT_FOUND_MESSAGE_EN)), 404


#: what an error page says for each HTTP error no domain error explains (Chinese, and English for JSON)
HTTP_MESSAGES = {
    400: ("请求有误，请检查链接或所填内容后重试", "bad request"),
    401: ("请先登录", "sign-in required"),
    403: ("您没有权限访问该页面", "forbidden"),
    404: (NOT_FOUND_MESSAGE, NOT_FOUND_MESSAGE_EN),
    405: ("该页面不支持这种访问方式，请从页面上的链接或按钮进入", "method not allowed"),
    413: ("上传内容过大", "request too large"),
    422: ("提交的内容有误，请修改后重试", "unprocessable request"),
    429: ("请求过于频繁，请稍后再试", "too many requests"),
    500: ("系统出现错误，请稍后重试；如问题持续，请联系主办单位", "internal server error"),
    503: ("系统繁忙，请稍后重试", "the system is busy, please try again shortly"),
}


def wants_json() -> bool:
    """An API client: /api/…, a *.json address, or a request that prefers JSON."""
    return (request.path.startswith("/api/") or request.path.endswith(".json")
            or request.accept_mimetypes.best == "application/json")


def problem_text(problem) -> str:
    """A problem's message as a page shows it: Chinese only. A query parameter's problem names it in Chinese and
    then, for API clients, by its name in brackets (「页码」（page）); the page leaves the bracketed name out."""
    return problem.message.replace(f"（{problem.path}）", "") if problem.path else problem.message


def error_page(error: DomainError, status: int, headers=None, *, minimal: bool = False):
    """The error page (templates/error.html). `minimal`: after an unexpected failure, without the menu's counts;
    if even that cannot be drawn, a plain Chinese page."""
    try:
        return render_template("error.html", error=error, minimal=minimal), status, headers or {}
    except Exception:  # noqa: BLE001 — the last answer must not fail in turn
        if not minimal:
            raise
        db.session.rollback()
        text = (f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>出错了</title>'
                f'<main><h1>{escape(error.message)}</h1><p><a href="/">返回首页</a></p></main></html>')
        return text, status, {**(headers or {}), "Content-Type": "text/html; charset=utf-8"}


def form_text(name: str, label: str, *, multiline: bool = True) -> str | None:
    """The form field `name` as submitted (None when absent); a control character in it is refused with an
    `InvalidInput` naming the field by `label`. Multi-line text (comments, reasons) may hold tab, CR and LF."""
    value = request.form.get(name)
    character = control_character(value, multiline=multiline) if value else None
    if character:
        raise InvalidInput.single(name, label, control_character_message(label, character),
                                  f"{name} contains an invisible control character ({character})")
    return value


def init_app(app: Flask) -> None:
    """Called by create_app before the blueprints are registered."""
    app.url_map.converters["id"] = IdConverter

    @app.errorhandler(NotFound)
    def _not_found(_error: NotFound):
        """A service's "no such object" is the same page as any other 404 (more specific than DomainError's
        handler, so it wins whatever the order of registration)."""
        db.session.rollback()
        if request.path.startswith("/api/") or request.path.endswith(".json"):
            return jsonify({"message": NOT_FOUND_MESSAGE, "message_en": NOT_FOUND_MESSAGE_EN}), 404
        return not_found_page()

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        """Any HTTP error without a handler of its own (400, 405, 429, 500 …): the Chinese error page, or the
        bilingual JSON object for API clients. Redirects raised by routing are not errors."""
        if error.code is None or error.code < 400:
            return error
        db.session.rollback()
        message, message_en = HTTP_MESSAGES.get(error.code, HTTP_MESSAGES[500 if error.code >= 500 else 400])
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        if wants_json():
            return jsonify({"message": message, "message_en": message_en}), error.code, headers
        return error_page(DomainError(message, message_en), error.code, headers, minimal=error.code >= 500)

    app.jinja_env.filters["problem_text"] = problem_text

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if current_app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response

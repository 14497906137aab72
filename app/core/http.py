"""HTTP hardening shared by every page: ids in URLs, one answer for "not found", security headers, form text.

- ``<id:entry_id>``: a database id in a URL is 1 … 2³¹-1 (PostgreSQL's ``integer``); anything else matches no
  route and is a 404, never a database error. `parse_id` does the same for ids in query strings and forms.
- Every "not there, or not yours to see" is the same 404 (status, text, headers), whether a route did not match,
  a view called ``abort(404)`` or a service raised `NotFound`: the public never learns that a hidden entry exists.
- Every response carries a Content-Security-Policy without inline scripts or styles (templates keep theirs in
  ``static/``), refuses framing and MIME sniffing, and sends HSTS when cookies are HTTPS-only.
- `form_text`: a comment, reason or note a person typed, refused with a message naming the field when it holds
  control characters (the entry form's fields are checked by the schema, `catalog_schema.validation`).
"""
from __future__ import annotations

import re

from flask import Flask, Response, current_app, jsonify, render_template, request
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

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if current_app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        return response

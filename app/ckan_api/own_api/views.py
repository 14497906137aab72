"""Our own JSON endpoints under /api/v1 — what CKAN has no words for — in CKAN's envelope, so clients parse one
shape: GET only, read-only, for a caller with an API token or a signed-in session (the public: 403).

Each resource (resources.py) gives a list — ``{"count": n, "results": [...]}``, paged by `limit` and `offset`,
filtered by its declared parameters — and one object by id; an id that does not exist and one the caller may not
see are the same 404. An unknown address under /api/v1 is a 404 in the same envelope, never an HTML page.
"""
from __future__ import annotations

from flask import Blueprint, request

from app.core.errors import DomainError
from app.extensions import db

from ..envelope import NOT_FOUND, ApiError, failure, success
from ..auth import caller
from . import change_events, demands, error_reports, share_requests
from .params import parse_query

bp = Blueprint("own_api", __name__)

PREFIX = "/api/v1"
RESOURCES = (share_requests.RESOURCE, demands.RESOURCE, change_events.RESOURCE, error_reports.RESOURCE)


def answer(run):
    """The envelope around `run()`'s result, or CKAN's error object (and nothing of the unit of work kept)."""
    try:
        return success(run())
    except DomainError as error:
        db.session.rollback()
        return failure(ApiError.from_domain(error))
    except ApiError as error:
        db.session.rollback()
        return failure(error)


def _register(resource) -> None:
    def list_view():
        def run():
            user, _token = caller()
            args = parse_query(resource.filters, request.args)
            page = resource.list(user, args)
            return {"count": page.count, "results": page.results}
        return answer(run)

    def show_view(**ids):
        def run():
            user, _token = caller()
            parse_query((), request.args)
            return resource.show(user, ids[resource.id_name])
        return answer(run)

    list_view.__doc__ = f"{resource.label}列表（GET {PREFIX}/{resource.path}）。"
    show_view.__doc__ = f"一条{resource.label}（GET {PREFIX}/{resource.path}/<id>）。"
    bp.add_url_rule(f"{PREFIX}/{resource.path}", f"{resource.name}_list", list_view, methods=["GET"])
    bp.add_url_rule(f"{PREFIX}/{resource.path}/<id:{resource.id_name}>", f"{resource.name}_show", show_view,
                    methods=["GET"])


for _resource in RESOURCES:
    _register(_resource)


@bp.get(f"{PREFIX}/<path:rest>")
def unknown(rest: str):
    """Nothing at this address (or an id that is no id: letters, eleven digits …): CKAN's Not Found Error, not
    the HTML error page. (An id the `id` converter matches but refuses — 0, or ten digits past 2³¹-1 — ends in the
    app's own 404 handler.)"""
    return failure(ApiError(NOT_FOUND, "未找到该接口或对象", "not found"))

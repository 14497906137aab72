"""The DCAT export's addresses: the open catalog in pages, and each open entry, as Turtle, JSON-LD and RDF/XML.

The export is the public's view whoever asks: a signed-in government user gets the same open catalog as an
anonymous visitor (it is what harvesters and other catalogs copy; the wider catalog is in the CKAN API, where
visibility follows the caller). An entry outside the open catalog is the portal's 404.
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request, url_for

from app.core.errors import InvalidInput, NotFound
from app.core.http import NOT_FOUND_MESSAGE, NOT_FOUND_MESSAGE_EN
from catalog_schema import Problem

from . import graph as rdf
from . import reading

bp = Blueprint("dcat", __name__)

#: address suffix → (rdflib format, media type)
FORMATS = {
    "ttl": ("turtle", "text/turtle"),
    "jsonld": ("json-ld", "application/ld+json"),
    "rdf": ("xml", "application/rdf+xml"),
}
PAGE_LABEL = "页码"


class BadQuery(InvalidInput):
    """A query parameter of the export that cannot be read: a malformed request (400), not a rejected submission."""

    status = 400


@bp.errorhandler(InvalidInput)
def _bad_query(error: InvalidInput):
    """Plain text in Chinese and English, naming the parameter: the export's clients are programs and people
    reading them, not a page."""
    lines = [error.message, *(p.message for p in error.problems), "",
             error.message_en, *(p.message_en for p in error.problems)]
    return Response("\n".join(lines) + "\n", error.status, content_type="text/plain; charset=utf-8")


def _page_number() -> int:
    """`?page=N` (from 1; absent or empty: 1). Not a whole number from 1 → 400; a page past the last → 404."""
    raw = request.args.get("page", "")
    if raw == "":
        return 1
    if not (raw.isascii() and raw.isdigit()) or not raw.strip("0"):
        raise BadQuery([Problem("page", PAGE_LABEL, f"查询参数「{PAGE_LABEL}」（page）的值无效：须为从 1 开始的整数",
                                "query parameter page is invalid: it must be a whole number from 1")],
                       "查询参数有误", "invalid query parameters")
    if len(raw.lstrip("0")) > 10:  # past any catalog's last page (and int() of 5,000 digits is refused)
        raise NotFound(NOT_FOUND_MESSAGE, NOT_FOUND_MESSAGE_EN)
    return int(raw)


def _rdf_response(graph, suffix: str, headers: dict | None = None) -> Response:
    rdflib_format, media_type = FORMATS[suffix]
    options = {"auto_compact": True} if rdflib_format == "json-ld" else {}
    body = graph.serialize(format=rdflib_format, encoding="utf-8", **options)
    return Response(body, content_type=f"{media_type}; charset=utf-8", headers=headers or {})


def _catalog(suffix: str) -> Response:
    number = _page_number()
    total = reading.count_open()
    size = current_app.config["DCAT_PAGE_SIZE"]
    if number > reading.last_page(total, size):
        raise NotFound(NOT_FOUND_MESSAGE, NOT_FOUND_MESSAGE_EN)
    page = reading.open_page(number, size, total)

    def page_url(n: int) -> str:
        return url_for(f"dcat.catalog_{suffix}", page=n, _external=True)

    links = {"previous": "prev"}
    header = ", ".join(f'<{page_url(n)}>; rel="{links.get(rel, rel)}"' for rel, n in rdf.paging_links(page).items())
    return _rdf_response(rdf.catalog_graph(page, page_url), suffix, {"Link": header})


def _entry(entry_id: int, suffix: str) -> Response:
    entry, lookups = reading.open_entry(entry_id)
    return _rdf_response(rdf.entry_graph(entry, lookups), suffix)


@bp.get("/catalog.ttl")
def catalog_ttl():
    """The open catalog as DCAT-AP in Turtle, a page at a time (`?page=N`, DCAT_PAGE_SIZE datasets a page)."""
    return _catalog("ttl")


@bp.get("/catalog.jsonld")
def catalog_jsonld():
    """The open catalog as DCAT-AP in JSON-LD, a page at a time (`?page=N`)."""
    return _catalog("jsonld")


@bp.get("/catalog.rdf")
def catalog_rdf():
    """The open catalog as DCAT-AP in RDF/XML, a page at a time (`?page=N`)."""
    return _catalog("rdf")


@bp.get("/entries/<id:entry_id>.ttl")
def entry_ttl(entry_id: int):
    """One open entry as a DCAT-AP dataset in Turtle (404 for any entry outside the open catalog)."""
    return _entry(entry_id, "ttl")


@bp.get("/entries/<id:entry_id>.jsonld")
def entry_jsonld(entry_id: int):
    """One open entry as a DCAT-AP dataset in JSON-LD."""
    return _entry(entry_id, "jsonld")


@bp.get("/entries/<id:entry_id>.rdf")
def entry_rdf(entry_id: int):
    """One open entry as a DCAT-AP dataset in RDF/XML."""
    return _entry(entry_id, "rdf")

"""GET /api/openapi.json (the document) and GET /api/docs (接口说明: the document read to people, Chinese first,
server-rendered: no script but the copy buttons' own, nothing loaded from elsewhere)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, jsonify, render_template, request, url_for

from ..own_api import PAGING, RESOURCES, bp
from .ckan import CKAN_DOCS
from .document import document
from .schemas import OWN_SECURITY


@bp.get("/api/openapi.json")
def openapi_json():
    """The OpenAPI document of every JSON endpoint."""
    return jsonify(document())


@dataclass(frozen=True)
class Operation:
    """One operation as the docs page lists it."""

    method: str
    path: str
    anchor: str
    spec: dict

    @property
    def parameters(self) -> list[dict]:
        return self.spec.get("parameters", [])

    @property
    def needs_token(self) -> bool:
        return self.spec.get("security") == OWN_SECURITY

    def answers(self, doc: dict) -> list[tuple[str, str]]:
        """(status, what it means, briefly) of each answer."""
        out = []
        for status, response in self.spec["responses"].items():
            if "$ref" in response:
                response = doc["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
            out.append((status, response["description"].split("：")[0]))
        return out


def _operations(doc: dict) -> dict[str, list[Operation]]:
    """The document's operations grouped by tag, in the document's order."""
    groups: dict[str, list[Operation]] = {t["name"]: [] for t in doc["tags"]}
    for path, item in doc["paths"].items():
        for method, spec in item.items():
            groups[spec["tags"][0]].append(Operation(method.upper(), path, spec["operationId"], spec))
    return groups


def schema_text(schema: dict, doc: dict) -> str:
    """A parameter's type and bounds, as the page says them."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = {"integer": "整数", "boolean": "true / false", "string": "文本", "array": "可重复的文本"}.get(
        schema.get("type"), schema.get("type", ""))
    if "enum" in schema:
        return "以下代码之一（见说明）"
    bounds = []
    if "minimum" in schema:
        bounds.append(f"≥ {schema['minimum']}")
    if "maximum" in schema:
        bounds.append(f"≤ {schema['maximum']}")
    if "maxLength" in schema:
        bounds.append(f"至多 {schema['maxLength']} 字")
    if "default" in schema:
        default = schema["default"]
        bounds.append(f"默认 {str(default).lower() if isinstance(default, bool) else default}")
    return kind + (f"（{'，'.join(bounds)}）" if bounds else "")


def curl_example(operation: Operation, base: str) -> str:
    """A curl command that calls the operation (with a token where one is needed or useful)."""
    path = operation.path
    for parameter in operation.parameters:
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", "1")
    token = ' -H "Authorization: $CATALOG_TOKEN"'
    needs_token = operation.spec.get("security") == OWN_SECURITY
    if operation.method == "POST":
        body = '{"id": "101001001-000001"}' if operation.anchor != "package_create" else '{"title": "…", "owner_org": "…"}'
        return f"curl -X POST{token} -H \"Content-Type: application/json\" -d '{body}' \"{base}{path.lstrip('/')}\""
    query = {"package_search": "?q=人口&rows=5&facet.field=organization", "share_request_list": "?limit=20",
             "package_show": "?id=101001001-000001", "package_activity_list": "?id=101001001-000001",
             "organization_show": "?id=1", "group_show": "?id=101"}.get(operation.anchor, "")
    return f"curl{token if needs_token else ''} \"{base}{path.lstrip('/')}{query}\""


#: the DCAT documents of the open catalog (app/ckan_api/dcat.py): address, what it is
DCAT_LINKS = (("/catalog.ttl", "开放目录（DCAT，Turtle）"), ("/catalog.jsonld", "开放目录（DCAT，JSON-LD）"),
              ("/catalog.rdf", "开放目录（DCAT，RDF/XML）"), ("/entries/<编号>.ttl", "一条信息资源（DCAT，Turtle；另有 .jsonld）"))


def _tokens_url() -> str | None:
    for endpoint in ("accounts.api_tokens", "accounts.my_sessions"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return None


@bp.get("/api/docs")
def docs():
    """接口说明: every operation with its parameters, a curl example and its answers, read from the document."""
    doc = document()
    return render_template("ckan_api/docs.html", doc=doc, groups=_operations(doc), schema_text=schema_text,
                           curl=curl_example, base=request.host_url, tokens_url=_tokens_url(),
                           dcat_links=DCAT_LINKS, ckan_docs=CKAN_DOCS, paging=PAGING,
                           rate_limit=current_app.config.get("API_RATE_LIMIT"), resources=RESOURCES)

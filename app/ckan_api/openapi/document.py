"""The OpenAPI document, built from the declarations: our own resources (own_api), the CKAN actions (ckan.py) and
the shared envelope and errors (schemas.py)."""
from __future__ import annotations

import copy

from ..own_api import PREFIX, RESOURCES, Param, Resource
from ..own_api import resources as r
from .ckan import (ACTIONS, ACTIVITY, CKAN_DOCS, CKAN_TAG, GROUP, ORGANIZATION, SEARCH_RESULT, TAG, WRITE_ACTIONS,
                   Action, package_schema)
from .schemas import (ERROR, ERROR_ENVELOPE, JSON, OPTIONAL_SECURITY, OWN_SECURITY, PLAIN_ERROR, RESPONSES, envelope,
                      ref, response_ref)

OPENAPI_VERSION = "3.0.3"
API_VERSION = "1.0.0"
TITLE = "政务信息资源目录 API"


# ---- parameters and operations ------------------------------------------------------------------------------

def query_parameter(param: Param) -> dict:
    description = f"{param.label}：{param.description}"
    if param.choices and next(iter(param.choices)) not in description:
        description += "（" + "；".join(f"{code}：{label}" for code, label in param.choices.items()) + "）"
    out = {"name": param.name, "in": "query", "required": param.required, "description": description,
           "schema": param.schema()}
    if param.example is not None:
        out["example"] = param.example
    if param.kind == "array":
        out.update(style="form", explode=True)
    return out


def _action_operation(action: Action, method: str) -> dict:
    module = action.name.rsplit("_", 1)[-1] if action.write else "get"  # create, update, patch, delete
    common = {"tags": [CKAN_TAG], "summary": f"{action.summary}（{action.name}）",
              "externalDocs": {"description": "CKAN 接口说明", "url": f"{CKAN_DOCS}#ckan.logic.action.{module}."
                               f"{action.name}"}}
    responses = {"200": {"description": "成功", "content": {JSON: {"schema": envelope(action.result, action.summary)}}},
                 "400": response_ref("SearchQueryError"), "403": response_ref("AuthorizationError"),
                 "404": response_ref("NotFound"), "409": response_ref("ValidationError"),
                 "429": response_ref("RateLimited"), "503": response_ref("Busy")}
    if method == "get":
        return {**common, "operationId": f"{action.name}", "description": action.description,
                "parameters": [query_parameter(p) for p in action.params], "security": OPTIONAL_SECURITY,
                "responses": responses}
    body = {"type": "object", "additionalProperties": action.write,
            "properties": {p.name: _json_value(p) for p in action.params}}
    if any(p.required for p in action.params):
        body["required"] = [p.name for p in action.params if p.required]
    if action.write:
        body["description"] = "数据集的字段（见 Package），另可给 submit（true：同时送审）、change_note（修订说明）、reason（停用原因）"
        if action.name != "package_create":
            body["properties"] = {"id": r.text("信息资源的编号、CKAN 名称或信息资源代码")}
            body["required"] = ["id"]
    description = (action.description + ("须使用 API 令牌（写操作不接受浏览器会话）。" if action.write
                                         else "与 GET 相同，参数放在 JSON 请求体中（ckanapi 的做法）。"))
    return {**common, "operationId": f"{action.name}_post", "description": description,
            "security": OWN_SECURITY if action.write else OPTIONAL_SECURITY,
            "requestBody": {"required": action.write, "content": {JSON: {"schema": body}}},
            "responses": {**responses, "400": response_ref("BadRequest"), "413": response_ref("TooLarge")}}


def _json_value(param: Param) -> dict:
    """A parameter's value in a JSON body: as in the query string, with JSON's own numbers and booleans."""
    return {**param.schema(), "description": f"{param.label}：{param.description}"}


# ---- our own endpoints -------------------------------------------------------------------------------------

def _own_paths(resource: Resource) -> dict:
    tag = resource.label
    name = resource.schema_name
    common = {"tags": [tag], "security": OWN_SECURITY}
    errors = {"403": response_ref("AuthorizationError"), "409": response_ref("ValidationError"),
              "429": response_ref("RateLimited"), "503": response_ref("Busy")}
    listing = {**common, "operationId": f"{resource.name}_list", "summary": f"{resource.label}列表",
               "description": resource.description + "新的在前，按 limit、offset 翻页。",
               "parameters": [query_parameter(p) for p in resource.filters],
               "responses": {"200": {"description": "成功：符合条件的总条数和这一页",
                                     "content": {JSON: {"schema": ref(f"{name}List")}}}, **errors}}
    showing = {**common, "operationId": f"{resource.name}_show", "summary": f"一条{resource.label}",
               "description": f"按编号取一条{resource.label}。不存在和无权查看的回答相同（404）。",
               "parameters": [{"name": resource.id_name, "in": "path", "required": True,
                               "description": f"{resource.label}的编号", "example": 1,
                               "schema": Param(resource.id_name, "编号", "", "id").schema()}],
               "responses": {"200": {"description": "成功", "content": {JSON: {"schema": ref(f"{name}Envelope")}}},
                             "404": response_ref("NotFound"), **errors}}
    return {f"{PREFIX}/{resource.path}": {"get": listing},
            f"{PREFIX}/{resource.path}/{{{resource.id_name}}}": {"get": showing}}


# ---- the document --------------------------------------------------------------------------------------------

def document() -> dict:
    """The OpenAPI document (a fresh dict: callers may change it)."""
    schemas = {"Error": ERROR, "ErrorEnvelope": ERROR_ENVELOPE, "PlainError": PLAIN_ERROR, "Package": package_schema(),
               "PackageSearchResult": SEARCH_RESULT, "Organization": ORGANIZATION, "Group": GROUP, "Tag": TAG,
               "Activity": ACTIVITY}
    paths: dict = {"/api/3": {"get": {
        "tags": [CKAN_TAG], "operationId": "api_version", "summary": "接口版本", "description": "CKAN 接口的版本号（3）。",
        "responses": {"200": {"description": "版本号", "content": {JSON: {"schema": {
            "type": "object", "properties": {"version": {"type": "integer", "enum": [3]}},
            "required": ["version"]}}}}, "429": response_ref("RateLimited")}}}}
    for action in ACTIONS:
        paths[f"/api/3/action/{action.name}"] = {"get": _action_operation(action, "get"),
                                                 "post": _action_operation(action, "post")}
    for action in WRITE_ACTIONS:
        paths[f"/api/3/action/{action.name}"] = {"post": _action_operation(action, "post")}
    tags = [{"name": CKAN_TAG, "description": "CKAN 兼容的 Action API（/api/3/action/…）：ckanapi 等 CKAN 客户端可直接使用",
             "externalDocs": {"description": "CKAN API 文档", "url": CKAN_DOCS}}]
    for resource in RESOURCES:
        name = resource.schema_name
        schemas[name] = resource.schema
        schemas[f"{name}List"] = envelope({"type": "object", "properties": {
            "count": r.integer("符合条件的总条数"), "results": {"type": "array", "items": ref(name)}},
            "required": ["count", "results"], "additionalProperties": False}, f"{resource.label}列表")
        schemas[f"{name}Envelope"] = envelope(ref(name), resource.label)
        paths.update(_own_paths(resource))
        tags.append({"name": resource.label, "description": resource.description})
    return copy.deepcopy({
        "openapi": OPENAPI_VERSION,
        "info": {"title": TITLE, "version": API_VERSION,
                 "description": ("政务信息资源目录的机器接口：CKAN 兼容的 Action API（/api/3/action/…），以及 CKAN 没有的"
                                 "共享申请、共享需求、变更事件和数据疑问（/api/v1/…）。回答都用 CKAN 的信封："
                                 "{\"help\", \"success\", \"result\"}，出错时为 {\"success\": false, \"error\": {…}}。"
                                 "认证：在“账号安全 › API 令牌”中创建令牌，放在 Authorization 或 X-CKAN-API-Key 请求头中。"
                                 "\n\nThe registry's machine interface: CKAN's Action API and our own endpoints, "
                                 "in CKAN's response envelope; authenticate with an API token in the Authorization "
                                 "(or X-CKAN-API-Key) header.")},
        "servers": [{"url": "/", "description": "本站"}],
        "tags": tags,
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                             "description": "API 令牌：Authorization: <令牌>，或 Authorization: Bearer <令牌>"},
                "ckanApiKey": {"type": "apiKey", "in": "header", "name": "X-CKAN-API-Key",
                               "description": "API 令牌（ckanapi 等 CKAN 客户端的写法）"}},
            "schemas": schemas,
            "responses": RESPONSES,
        },
    })



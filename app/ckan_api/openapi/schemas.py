"""The pieces every operation of the document shares: references, CKAN's envelope and its error objects, the
error answers by status."""
from __future__ import annotations

from ..envelope import AUTHORIZATION, BAD_REQUEST, NOT_FOUND, SEARCH_QUERY, VALIDATION

JSON = "application/json"
#: our own endpoints and the CKAN writes: a token (or, for reads, a signed-in browser's session)
OWN_SECURITY = [{"apiToken": []}, {"ckanApiKey": []}]
#: the CKAN reads: anybody (the open catalog), more with a token
OPTIONAL_SECURITY = [{}, {"apiToken": []}, {"ckanApiKey": []}]


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def response_ref(name: str) -> dict:
    return {"$ref": f"#/components/responses/{name}"}


ERROR = {
    "type": "object",
    "description": "CKAN 的错误对象：__type 说明错误类型，message 为中文说明，message_en 为英文说明；"
                   "校验错误（Validation Error）另以参数名或字段名为键列出各自的问题，errors 列出每个问题的标签和英文说明",
    "properties": {
        "__type": {"type": "string", "description": "错误类型：Validation Error、Authorization Error、Not Found Error、"
                                                    "Search Query Error、Bad Request、Rate Limit Error"},
        "message": {"type": "string", "description": "中文说明"},
        "message_en": {"type": "string", "description": "英文说明"},
        "errors": {"type": "array", "items": {
            "type": "object", "properties": {"field": {"type": "string"}, "label": {"type": "string"},
                                             "message": {"type": "string"}, "message_en": {"type": "string"}},
            "required": ["field", "message"]}},
    },
    "required": ["__type", "message"],
    "additionalProperties": True,
}
ERROR_ENVELOPE = {
    "type": "object",
    "description": "失败的回答：success 为 false，error 说明原因（help 链接到接口说明；限流的回答没有 help）",
    "properties": {"help": {"type": "string"}, "success": {"type": "boolean", "enum": [False]}, "error": ref("Error")},
    "required": ["success", "error"],
}
PLAIN_ERROR = {
    "type": "object",
    "description": "不经接口本身的错误（该地址不支持这种请求方式、系统繁忙）：中文和英文说明",
    "properties": {"message": {"type": "string"}, "message_en": {"type": "string"}},
    "required": ["message"],
}


def envelope(result: dict, description: str) -> dict:
    return {"type": "object", "description": description,
            "properties": {"help": {"type": "string", "description": "接口说明的地址"},
                           "success": {"type": "boolean", "enum": [True]}, "result": result},
            "required": ["help", "success", "result"]}


def _error_response(description: str, kind: str | None = None) -> dict:
    schema = ref("ErrorEnvelope")
    if kind:
        example = {"help": "/api/3", "success": False,
                   "error": {"__type": kind, "message": "…", "message_en": "…"}}
        return {"description": description, "content": {JSON: {"schema": schema, "example": example}}}
    return {"description": description, "content": {JSON: {"schema": schema}}}


RESPONSES = {
    "ValidationError": _error_response(
        "Validation Error：参数或提交的内容有误（不认识的参数、超出范围的值），message 用中文说明并点名参数", VALIDATION),
    "AuthorizationError": _error_response(
        "Authorization Error：没有提供 API 令牌或令牌无效、已过期、已撤销，或调用者无权查看", AUTHORIZATION),
    "NotFound": _error_response("Not Found Error：不存在，或调用者无权查看（两者的回答相同）", NOT_FOUND),
    "SearchQueryError": _error_response(
        "Search Query Error（检索条件 fq 或排序 sort 有误），或 Bad Request（未知的接口操作）", SEARCH_QUERY),
    "BadRequest": _error_response("Bad Request：请求内容不是 JSON 对象，或未知的接口操作", BAD_REQUEST),
    "RateLimited": _error_response("Rate Limit Error：调用过于频繁（每个令牌或每个地址每分钟有上限），"
                                   "Retry-After 头给出须等待的秒数"),
    "MethodNotAllowed": {"description": "该地址不支持这种请求方式（写操作只接受 POST）",
                         "content": {JSON: {"schema": {"oneOf": [ref("ErrorEnvelope"), ref("PlainError")]}}}},
    "TooLarge": _error_response("请求内容过大"),
    "Busy": {"description": "系统繁忙，请按 Retry-After 稍后重试", "content": {JSON: {"schema": ref("PlainError")}}},
}



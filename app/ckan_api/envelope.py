"""CKAN's response envelope and error objects, shared by the Action API and our own JSON endpoints.

A success is ``{"help": <url>, "success": true, "result": …}``; a failure is ``{"help": …, "success": false,
"error": {"__type": …, "message": <Chinese>, "message_en": <English>, …}}`` with the status CKAN uses for that
type. The ``__type`` strings are the ones CKAN clients map to their exceptions (``ckanapi``: ValidationError,
NotAuthorized, NotFound, SearchQueryError). A validation error also names each bad field CKAN's way —
``{"<field>": ["<message>", …]}`` — beside ``message`` and a list of ``errors`` with labels and English messages.
"""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Response, jsonify, url_for

from app.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied

VALIDATION = "Validation Error"
AUTHORIZATION = "Authorization Error"
NOT_FOUND = "Not Found Error"
SEARCH_QUERY = "Search Query Error"
BAD_REQUEST = "Bad Request"
CONFLICT = "Conflict"

STATUS = {VALIDATION: 409, AUTHORIZATION: 403, NOT_FOUND: 404, SEARCH_QUERY: 400, BAD_REQUEST: 400, CONFLICT: 409}

# CKAN's own error fields that are not field names (a validation error's other keys are fields)
RESERVED_KEYS = ("__type", "message", "message_en", "errors")


class ApiError(Exception):
    """An error answer: its CKAN type, a Chinese and an English message, and for a validation error the fields."""

    def __init__(self, kind: str, message: str, message_en: str, *, fields: dict[str, list[str]] | None = None,
                 problems: list | None = None, status: int | None = None):
        super().__init__(message_en)
        self.kind, self.message, self.message_en = kind, message, message_en
        self.fields = fields or {}
        self.problems = problems or []
        self.status = status or STATUS[kind]

    def error_dict(self) -> dict:
        out: dict = {"__type": self.kind, "message": self.message, "message_en": self.message_en}
        if self.kind == VALIDATION:
            for key, messages in self.fields.items():
                out.setdefault(key if key not in RESERVED_KEYS else f"{key}_", messages)
            if self.problems:
                out["errors"] = [p.as_dict() for p in self.problems]
        return out

    @classmethod
    def from_domain(cls, error: DomainError) -> "ApiError":
        """A service's error in CKAN's words: invalid input → Validation Error (409) naming each field; no
        permission → Authorization Error (403); not found (or not yours to see) → Not Found Error (404); a state
        conflict (in review, retired …) → Validation Error too, as CKAN reports an action it cannot do."""
        if isinstance(error, InvalidInput):
            return cls(VALIDATION, error.message, error.message_en, fields=error.by_field(), problems=error.problems)
        if isinstance(error, PermissionDenied):
            return cls(AUTHORIZATION, error.message, error.message_en)
        if isinstance(error, NotFound):
            return cls(NOT_FOUND, error.message, error.message_en)
        return cls(VALIDATION, error.message, error.message_en, fields={"__state": [error.message]})


def help_url(action: str | None) -> str:
    if not action:
        return url_for("ckan_api.version", _external=True)
    return url_for("ckan_api.action", name="help_show", _external=True) + "?" + urlencode({"name": action[:50]})


def success(result, *, action: str | None = None, status: int = 200) -> Response:
    response = jsonify({"help": help_url(action), "success": True, "result": result})
    response.status_code = status
    return response


def failure(error: ApiError, *, action: str | None = None) -> Response:
    response = jsonify({"help": help_url(action), "success": False, "error": error.error_dict()})
    response.status_code = error.status
    return response

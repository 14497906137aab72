"""What each of our own endpoints' resources declares (its paths, filters, JSON Schema, reading functions), and the
pieces their JSON shares: departments, deadlines, dates and times, the public's and a stranger's refusal."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for

from app import workdays

from ..envelope import AUTHORIZATION, NOT_FOUND, ApiError
from .params import Param


@dataclass(frozen=True)
class Page:
    """One page of a list: how many rows match in all, and this page's rows as JSON."""

    count: int
    results: list[dict]


@dataclass(frozen=True)
class Resource:
    """One kind of object our API lists and shows (a share request, a demand …)."""

    path: str  # under /api/v1: "share-requests"
    name: str  # in endpoint and schema names: "share_request"
    label: str  # 共享申请
    label_en: str  # share request
    id_name: str  # the URL's id argument: "request_id"
    description: str  # Chinese: what it is and who sees which (the docs page and the document)
    filters: tuple[Param, ...]
    schema: dict  # the JSON Schema of one object, as the list and the single view return it
    list: Callable[[object, dict], Page]  # (user, parameters) → the page
    show: Callable[[object, int], dict]  # (user, id) → the object, or ApiError(NOT_FOUND)

    @property
    def schema_name(self) -> str:
        return "".join(part.title() for part in self.name.split("_"))


# ---- refusals -------------------------------------------------------------------------------------------------

def require_caller(user) -> None:
    """The public (no token, no session) sees none of these: they are the government's business."""
    if user is None:
        raise ApiError(AUTHORIZATION, "请使用 API 令牌（在“账号安全 › API 令牌”中创建）或登录后访问",
                       "an API token (or a signed-in session) is required")


@dataclass(frozen=True)
class Queues:
    """Who sees which of a two-department workflow's objects (a share request, an error report), as the domain
    says it: its policy's SQL rule (`visible_*`, beside the per-object `can_see_*`) and its pages' queue queries
    (`box`: the tabs of the queue page), so the API lists exactly what the pages list."""

    policy: object  # the domain's policy module: boxes(user)
    visible: Callable  # (user) → SQL: what the user may see
    queue: Callable  # (box, user) → the queue page's select
    boxes: dict  # box key → its Chinese name
    label: str  # 共享申请, 数据疑问: in the refusal

    def scope(self, user):
        require_caller(user)
        if not self.policy.boxes(user):
            raise forbidden(f"只有政务部门用户可以查看{self.label}", "government users only")
        return self.visible(user)

    def box(self, user, box: str):
        if box not in self.policy.boxes(user):
            raise forbidden(f"您没有“{self.boxes[box]}”队列", f"the {box} queue is not yours")
        return self.queue(box, user).whereclause


def forbidden(message: str, message_en: str) -> ApiError:
    return ApiError(AUTHORIZATION, message, message_en)


def not_found(resource_label: str, resource_label_en: str) -> ApiError:
    """The one answer for "no such id" and "not yours to see": nobody learns that a hidden object exists."""
    return ApiError(NOT_FOUND, f"未找到该{resource_label}", f"{resource_label_en} not found")


# ---- JSON pieces ----------------------------------------------------------------------------------------------

def department(row) -> dict | None:
    return {"id": row.id, "code": row.code, "name": row.name} if row is not None else None


def date(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def timestamp(value: dt.datetime | None) -> str | None:
    """A stored (naive UTC) time in ISO 8601 with its zone."""
    return value.replace(tzinfo=dt.UTC).isoformat() if value is not None else None


def working_days(setting: str | None) -> int | None:
    """The deadline setting's length in working days (the deadline policy's current value)."""
    return workdays.setting(setting) if setting in workdays.SETTING_KEYS else None


def deadline(due_on: dt.date | None, provisional: bool, days: int | None, overdue: bool) -> dict | None:
    """The deadline of the step the object is in: none once it is answered or closed."""
    if due_on is None:
        return None
    return {"due_on": due_on.isoformat(), "working_days": days, "provisional": bool(provisional),
            "overdue": bool(overdue)}


def page_url(endpoint: str, **values) -> str:
    return url_for(endpoint, _external=True, **values)


# ---- JSON Schema pieces (OpenAPI 3.0) -------------------------------------------------------------------------

def text(description: str, *, nullable: bool = False, **extra) -> dict:
    return {"type": "string", "description": description, **({"nullable": True} if nullable else {}), **extra}


def integer(description: str, *, nullable: bool = False) -> dict:
    return {"type": "integer", "description": description, **({"nullable": True} if nullable else {})}


def boolean(description: str) -> dict:
    return {"type": "boolean", "description": description}


def date_schema(description: str, *, nullable: bool = False) -> dict:
    return text(description, nullable=nullable, format="date")


def time_schema(description: str, *, nullable: bool = False) -> dict:
    return text(description, nullable=nullable, format="date-time")


def enum(description: str, codes, *, nullable: bool = False) -> dict:
    values = list(codes) + ([None] if nullable else [])
    return text(description, nullable=nullable, enum=values)


def obj(description: str, properties: dict, *, nullable: bool = False) -> dict:
    return {"type": "object", "description": description, "properties": properties,
            "required": list(properties), "additionalProperties": False,
            **({"nullable": True} if nullable else {})}


def strings(description: str) -> dict:
    return {"type": "array", "description": description, "items": {"type": "string"}}


DEPARTMENT = {"type": "object", "properties": {"id": {"type": "integer"}, "code": {"type": "string"},
                                              "name": {"type": "string"}},
              "required": ["id", "code", "name"], "additionalProperties": False}


def department_schema(description: str, *, nullable: bool = False) -> dict:
    return {**DEPARTMENT, "description": description, **({"nullable": True} if nullable else {})}


def deadline_schema(description: str) -> dict:
    return obj(description, {
        "due_on": date_schema("期限（含当日）"),
        "working_days": integer("期限的长度：多少个工作日（期限设置的现值）", nullable=True),
        "provisional": boolean("是否暂定：期限跨越尚未公布节假日安排的年份"),
        "overdue": boolean("是否已逾期（今天已过期限）"),
    }, nullable=True)

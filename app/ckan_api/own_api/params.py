"""Query parameters of our own endpoints, declared once: read strictly — a bad value, a repeated or an unknown
parameter is CKAN's Validation Error (409) naming the parameter in Chinese and in English — and described in the
OpenAPI document and on the docs page from the same declaration, so the two cannot drift apart."""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app.core.http import MAX_ID
from catalog_schema import Problem, control_character, control_character_message

from ..envelope import VALIDATION, ApiError

_INTEGER = re.compile(r"-?[0-9]{1,10}")
KINDS = ("string", "integer", "boolean", "enum", "id", "array")


@dataclass(frozen=True)
class Param:
    """One query parameter: its name, its Chinese label (what messages call it), what it does, and its values."""

    name: str
    label: str
    description: str
    kind: str = "string"
    default: object = None
    minimum: int | None = None
    maximum: int | None = None
    choices: Mapping[str, str] | None = None  # enum: code → Chinese label
    max_length: int | None = None
    required: bool = False
    example: object = None  # what the document and the docs page show (and schemathesis tries first)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"parameter {self.name}: unknown kind {self.kind!r}")
        if self.kind == "id":
            object.__setattr__(self, "minimum", 1)
            object.__setattr__(self, "maximum", MAX_ID)

    @property
    def rule(self) -> str:
        """What a valid value is, in Chinese (messages and the docs page)."""
        if self.kind in ("integer", "id"):
            if self.maximum is None:
                return f"不小于 {self.minimum} 的整数" if self.minimum is not None else "整数"
            return f"{self.minimum}～{self.maximum} 的整数"
        if self.kind == "array":
            return "可重复给出的文本（每次一个值）"
        if self.kind == "boolean":
            return "true 或 false"
        if self.kind == "enum":
            return "、".join(self.choices)
        return f"至多 {self.max_length} 个字符的文本" if self.max_length else "文本"

    def schema(self) -> dict:
        """The JSON Schema of the value (OpenAPI 3.0)."""
        if self.kind in ("integer", "id"):
            out: dict = {"type": "integer"}
            out.update({k: v for k, v in (("minimum", self.minimum), ("maximum", self.maximum)) if v is not None})
        elif self.kind == "array":
            out = {"type": "array", "items": {"type": "string"}}
        elif self.kind == "boolean":
            out = {"type": "boolean"}
        elif self.kind == "enum":
            out = {"type": "string", "enum": list(self.choices)}
        else:
            out = {"type": "string"}
            if self.max_length:
                out["maxLength"] = self.max_length
        if self.default is not None:
            out["default"] = self.default
        return out

    def parse(self, raw: str):
        """The value of `raw` (one occurrence in the query string); raises ValueError with what is wrong. (Our own
        endpoints take single values: an array parameter is only ever documented, for the CKAN actions.)"""
        if self.kind in ("integer", "id"):
            number = int(raw) if _INTEGER.fullmatch(raw) else None
            if number is None or (self.minimum is not None and number < self.minimum) or (
                    self.maximum is not None and number > self.maximum):
                raise ValueError(f"须为 {self.rule}", f"must be an integer from {self.minimum} to {self.maximum}")
            return number
        if self.kind == "array":
            raise ValueError("只能给出一次", "may be given only once")
        if self.kind == "boolean":
            if raw not in ("true", "false"):
                raise ValueError("须为 true 或 false", "must be true or false")
            return raw == "true"
        if self.kind == "enum":
            if raw not in self.choices:
                raise ValueError(f"须为以下之一：{self.rule}", f"must be one of {', '.join(self.choices)}")
            return raw
        if self.max_length and len(raw) > self.max_length:
            raise ValueError(f"不能超过 {self.max_length} 个字符", f"must be at most {self.max_length} characters")
        character = control_character(raw)
        if character:
            raise ValueError(control_character_message(self.label, character).removeprefix(f"「{self.label}」"),
                             "holds an invisible control character")
        return raw or self.default


LIMIT = Param("limit", "每页条数", "每页返回的条数（默认 20，至多 100）", "integer", default=20, minimum=1, maximum=100)
OFFSET = Param("offset", "起始位置", "跳过前面多少条（从 0 开始），与 limit 一起翻页", "integer", default=0, minimum=0,
               maximum=MAX_ID)
PAGING = (LIMIT, OFFSET)


def _problem(name: str, label: str, detail: str, detail_en: str) -> Problem:
    return Problem(name, label, f"查询参数「{label}」（{name}）{detail}", f"query parameter {name} {detail_en}")


def parse_query(params: tuple[Param, ...], args: MultiDict) -> dict:
    """Every declared parameter's value (its default when absent); every problem at once, as one Validation Error
    whose message names each bad parameter, with CKAN's ``{"<parameter>": ["<message>"]}`` beside it."""
    known = {p.name: p for p in params}
    problems: list[Problem] = []
    for name in args:
        if name not in known:
            shown = name[:40]
            problems.append(Problem(shown, shown, f"不支持查询参数「{shown}」（可用：{'、'.join(known) or '无'}）",
                                    f"unknown query parameter {shown} (known: {', '.join(known) or 'none'})"))
    values: dict = {}
    for param in params:
        given = args.getlist(param.name)
        if len(given) > 1:
            problems.append(_problem(param.name, param.label, "只能给出一次", "may be given only once"))
        elif not given:
            values[param.name] = param.default
        else:
            try:
                values[param.name] = param.parse(given[0])
            except ValueError as error:
                detail, detail_en = error.args
                problems.append(_problem(param.name, param.label, detail, detail_en))
    if problems:
        raise ApiError(VALIDATION, "；".join(p.message for p in problems), "; ".join(p.message_en for p in problems),
                       fields={p.path: [p.message] for p in problems}, problems=problems)
    return values

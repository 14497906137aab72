"""Query-string arguments validated with marshmallow, with a Chinese message naming each bad parameter."""
from __future__ import annotations

from marshmallow import Schema, ValidationError

from catalog_schema import Problem

from .errors import InvalidInput


def load_args(schema: Schema, raw) -> dict:
    try:
        return schema.load(raw)
    except ValidationError as error:
        problems = []
        for key in error.messages:
            label = schema.fields[key].metadata.get("label", key) if key in schema.fields else key
            problems.append(Problem(key, label, f"查询参数「{label}」（{key}）的值无效", f"query parameter {key} is invalid"))
        raise InvalidInput(problems, "查询参数有误", "invalid query parameters") from None

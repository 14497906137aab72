"""Query-string arguments of portal pages, validated with a Chinese message naming the parameter."""
from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from app.core.errors import InvalidInput
from catalog_schema import Problem, get_schema


class EntryListArgs(Schema):
    class Meta:
        unknown = EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100000),
                          error_messages={"invalid": "页码须为正整数"},
                          metadata={"label": "页码"})
    sharing_type = fields.String(load_default=None, validate=validate.OneOf(
        [t.code for t in get_schema().vocabulary("sharing_type").terms]),
        metadata={"label": "共享类型"})
    department = fields.Integer(load_default=None, metadata={"label": "提供方"})
    category = fields.String(load_default=None, validate=validate.Regexp(r"^\d{1,32}$"),
                             metadata={"label": "信息资源分类"})
    q = fields.String(load_default=None, validate=validate.Length(max=100), metadata={"label": "关键词"})

    @pre_load
    def _blank_is_none(self, data, **kwargs):
        return {k: v for k, v in data.items() if v not in ("", None)}


def load_args(schema: Schema, raw) -> dict:
    try:
        return schema.load(raw)
    except ValidationError as error:
        problems = []
        for key in error.messages:
            label = schema.fields[key].metadata.get("label", key) if key in schema.fields else key
            problems.append(Problem(key, label, f"查询参数「{label}」（{key}）的值无效", f"query parameter {key} is invalid"))
        raise InvalidInput(problems, "查询参数有误", "invalid query parameters") from None

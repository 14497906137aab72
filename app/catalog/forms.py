"""The entry form: posted HTML fields ⇄ the values the services take. Generated from the schema, no field list here.

Data items are posted as `items-<row>-<key>`; rows can be added, removed and moved with plain submit buttons,
so the form works without JavaScript. Code lists are posted as several values (the topic checkboxes) or as one
text of several lines (the related-entries box); `pickers.resolve` reads them into codes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from app.core.errors import InvalidInput
from catalog_schema import Problem, get_schema

MAX_ITEMS = 500
ACTIONS = {"save", "add_item"}


@dataclass
class FormState:
    """What the form shows: the values as posted (or loaded), the item rows, and the problems to show."""

    values: dict
    rows: list[dict]
    problems: list[Problem] = field(default_factory=list)
    action: str = "save"
    notice: str | None = None

    def errors_for(self, path: str) -> list[str]:
        return [p.message for p in self.problems if p.path == path]

    def item_errors(self, index: int) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        prefix = f"data_items[{index}]."
        for p in self.problems:
            if p.path.startswith(prefix):
                out.setdefault(p.path[len(prefix):], []).append(p.message)
        return out


def blank_row() -> dict:
    return {spec.key: (False if spec.type == "bool" else None) for spec in get_schema().item_fields}


def _is_blank(row: dict) -> bool:
    return not any(v for k, v in row.items() if k != "basic_item")


def state_from_values(values: dict) -> FormState:
    """A form filled with stored values (editing an entry)."""
    rows = [dict(blank_row(), **item) for item in values.get("data_items") or []]
    return FormState(values=dict(values), rows=rows or [blank_row()])


def state_from_form(form: MultiDict) -> FormState:
    """Read a posted entry form. Row actions (add / remove / move) change only the rows, nothing is saved."""
    schema = get_schema()
    values: dict = {}
    for spec in schema.editable_fields:
        if spec.type in ("multi_enum", "code_list"):
            values[spec.key] = form.getlist(spec.key)
        else:
            values[spec.key] = form.get(spec.key)
    try:
        count = int(form.get("items-count", "0"))
    except ValueError:
        count = 0
    if count > MAX_ITEMS:
        raise InvalidInput([Problem("data_items", schema.items_label,
                                    f"「{schema.items_label}」不能超过 {MAX_ITEMS} 项", "too many data items")])
    rows = []
    for index in range(max(count, 0)):
        if form.get(f"items-{index}-remove"):
            continue
        row = {}
        for spec in schema.item_fields:
            raw = form.get(f"items-{index}-{spec.key}")
            row[spec.key] = bool(raw) if spec.type == "bool" else raw
        rows.append(row)

    action = form.get("action") or "save"
    notice = None
    if action == "add_item":
        rows.append(blank_row())
        notice = "已添加一行信息项（尚未保存）"
    elif action.startswith("remove-"):
        number = action.partition("-")[2]
        if number.isdigit() and int(number) < len(rows):
            del rows[int(number)]
            notice = f"已删除第 {int(number) + 1} 项信息项（尚未保存）"
        action = "remove"
    elif action.startswith(("up-", "down-")):
        direction, _, number = action.partition("-")
        index = int(number) if number.isdigit() else -1
        other = index - 1 if direction == "up" else index + 1
        if 0 <= index < len(rows) and 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
        action, notice = "move", "已调整信息项顺序（尚未保存）"
    elif action not in ACTIONS:
        action = "save"
    if action == "save":
        rows = [r for r in rows if not _is_blank(r)]
    values["data_items"] = [r for r in rows if not _is_blank(r)]
    return FormState(values=values, rows=rows or [blank_row()], action=action, notice=notice)

"""Field-level comparison of two versions of an entry (变更比对), driven by the schema."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from catalog_schema import get_schema


@dataclass(frozen=True)
class FieldChange:
    key: str
    label: str
    old: str
    new: str


@dataclass
class ItemChange:
    """A data item added, removed or changed (matched by name), or the items reordered."""

    kind: str  # added | removed | changed | reordered
    name: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def label(self) -> str:
        return {"added": "新增", "removed": "删除", "changed": "修改", "reordered": "顺序调整"}[self.kind]


@dataclass
class Diff:
    fields: list[FieldChange]
    items: list[ItemChange]

    def __bool__(self) -> bool:
        return bool(self.fields or self.items)

    @property
    def count(self) -> int:
        return len(self.fields) + len(self.items)


def _display(spec, value, department_name: Callable[[int], str] | None) -> str:
    if spec.type == "department" and value is not None and department_name:
        return department_name(value)
    return get_schema().display(spec, value)


def diff_values(old: dict, new: dict, *, department_name: Callable[[int], str] | None = None) -> Diff:
    """What changed from `old` to `new` (two full value dicts as stored in versions)."""
    schema = get_schema()
    fields = []
    for spec in schema.fields:
        if spec.key == "release_date" or spec.import_only:   # dates of a publication, not what was edited
            continue
        before, after = _display(spec, old.get(spec.key), department_name), _display(spec, new.get(spec.key),
                                                                                     department_name)
        if before != after:
            fields.append(FieldChange(spec.key, spec.label, before, after))
    return Diff(fields, diff_items(old.get("data_items") or [], new.get("data_items") or []))


def diff_items(old: list[dict], new: list[dict]) -> list[ItemChange]:
    schema = get_schema()
    old_by_name = {i.get("name"): i for i in old}
    new_by_name = {i.get("name"): i for i in new}
    out = []
    for name, item in new_by_name.items():
        if name not in old_by_name:
            out.append(ItemChange("added", name))
            continue
        changes = []
        for spec in schema.item_fields:
            before, after = schema.display(spec, old_by_name[name].get(spec.key)), schema.display(spec, item.get(spec.key))
            if before != after:
                changes.append(FieldChange(spec.key, spec.label, before, after))
        if changes:
            out.append(ItemChange("changed", name, changes))
    out += [ItemChange("removed", name) for name in old_by_name if name not in new_by_name]
    common_old = [i.get("name") for i in old if i.get("name") in new_by_name]
    common_new = [i.get("name") for i in new if i.get("name") in old_by_name]
    if common_old != common_new:
        out.append(ItemChange("reordered", "、".join(common_new)))
    return out

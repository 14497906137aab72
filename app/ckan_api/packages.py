"""CKAN package dicts ↔ catalog entries (docs/api.md has the whole mapping).

A package is an entry as CKAN clients expect it — `name` a slug of the resource code, `title` the 信息资源名称,
`notes` the summary, `organization` the provider department, `tags` the keywords, `groups` the topics,
`resources` its one distribution — with every field of the catalog schema beside them as top-level keys, the way
ckanext-scheming publishes a custom schema. The schema's own `name` (信息资源名称) is CKAN's `title`: CKAN's
`name` is the slug. Dicts for a page of results are built from a fixed number of queries, never one per entry.
"""
from __future__ import annotations

import re
from typing import Iterable, Mapping

from flask import url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app import catalog
from app.catalog import Category, Entry, EntryStatus, EntryVersion, policy
from app.core.errors import InvalidInput, NotFound
from app.extensions import db
from app.org import Department
from catalog_schema import Problem, get_schema

# CKAN's keys a client may send that mean something here (mapped onto schema fields), and those it may send that
# we accept and leave alone because the registry derives them (name, state, resources …)
MAPPED_KEYS = {"title": "name", "notes": "summary", "owner_org": "provider", "tags": "keywords",
               "groups": "topic_codes"}
IGNORED_KEYS = frozenset({"id", "name", "type", "state", "private", "url", "resources", "extras", "license_id",
                          "author", "author_email", "maintainer", "maintainer_email", "version", "num_tags",
                          "num_resources", "metadata_created", "metadata_modified", "organization",
                          "catalog_status", "version_state", "version_number", "creator_user_id"})
# our own instructions in a write call, never stored as metadata
CONTROL_KEYS = frozenset({"submit", "change_note", "reason"})

_NAME = re.compile(r"^[0-9a-z_-]{2,100}$")


def name_of(resource_code: str) -> str:
    """CKAN's `name` (lower-case letters, digits, - and _) of a resource code: its "/" becomes "-"."""
    return resource_code.replace("/", "-").lower()


def organization_name(department: Department) -> str:
    """An organization's CKAN `name`: the department's code where that is a valid name, else ``dept-<id>``."""
    code = (department.code or "").lower()
    return code if _NAME.match(code) else f"dept-{department.id}"


def find_entry(identifier) -> Entry | None:
    """The entry a package id names: its id (digits), its CKAN name, or its resource code."""
    text = str(identifier or "").strip()
    if not text or len(text) > 100:
        return None
    if text.isdigit() and text.isascii():
        number = int(text)
        return db.session.get(Entry, number) if 0 < number < 2 ** 31 else None
    code = text if "/" in text else text.replace("-", "/").upper()
    return db.session.scalar(select(Entry).where(Entry.resource_code == code))


def find_department(identifier) -> Department | None:
    """The department an organization id or name names (its id, its CKAN name, its code or its full name)."""
    text = str(identifier or "").strip()
    if not text or len(text) > 100:
        return None
    if text.isdigit() and text.isascii() and len(text) < 10:
        found = db.session.get(Department, int(text))
        if found is not None:
            return found
    if text.startswith("dept-") and text[5:].isdigit() and len(text) < 15:
        return db.session.get(Department, int(text[5:]))
    return db.session.scalar(select(Department).where(or_(Department.code == text, Department.name == text,
                                                          Department.code == text.upper())))


def visible_version(user, entry: Entry) -> EntryVersion | None:
    """What package_show shows: the published version to whoever may see it; an entry never published, to those
    who may see its working version, as that draft. None: not this caller's to see (the same as not existing)."""
    if policy.can_see_published(user, entry):
        return entry.published_version
    if entry.status != EntryStatus.retired and entry.published_version is None and policy.can_see_working(user, entry):
        return entry.draft_version
    if entry.status == EntryStatus.retired and policy.can_see_working(user, entry):
        return entry.published_version  # its owners see what it was, marked deleted
    return None


class Lookups:
    """Department and classification names for a batch of package dicts, loaded once."""

    def __init__(self):
        self._departments: dict[int, Department] | None = None
        self._categories: dict[str, str] | None = None

    def department(self, department_id: int) -> Department | None:
        if self._departments is None:
            self._departments = {d.id: d for d in db.session.scalars(select(Department))}
        return self._departments.get(department_id)

    def category(self, code: str) -> str:
        if self._categories is None:
            self._categories = dict(db.session.execute(select(Category.code, Category.name)).all())
        return self._categories.get(code, code)


def organization_dict(department: Department, *, package_count: int | None = None) -> dict:
    out = {"id": str(department.id), "name": organization_name(department), "title": department.name,
           "display_name": department.name, "type": "organization", "is_organization": True, "state": "active",
           "approval_status": "approved", "description": department.short_name or "", "image_url": "",
           "created": department.created_at.isoformat() if department.created_at else None,
           "code": department.code, "credit_code": department.credit_code,
           "region_level": department.region_level.value if department.region_level else None,
           "parent_id": str(department.parent_id) if department.parent_id else None,
           "url": url_for("portal.department", department_id=department.id, _external=True)}
    if package_count is not None:
        out["package_count"] = package_count
    return out


def group_dict(code: str, title: str, *, kind: str, package_count: int | None = None) -> dict:
    out = {"id": code, "name": code, "title": title, "display_name": title, "type": kind, "is_organization": False,
           "state": "active", "description": "", "image_url": ""}
    if package_count is not None:
        out["package_count"] = package_count
    return out


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _state(entry: Entry) -> str:
    """CKAN's state of the dataset (the entry), whichever of its versions a dict shows: `version_state` says that."""
    if entry.status == EntryStatus.retired:
        return "deleted"
    return "active" if entry.published_version is not None else "draft"


def _resource(entry: Entry, values: dict, page_url: str) -> dict:
    schema = get_schema()
    format_type = values.get("format_type")
    format_label = schema.vocabulary("format_type").label_of(format_type) if format_type else ""
    category = values.get("format_category")
    return {
        "id": f"{entry.id}-1", "package_id": str(entry.id), "position": 0,
        "name": f"{values.get('name') or ''}（{format_label or '—'}）",
        "description": values.get("format_note") or "",
        "format": format_label, "format_type": format_type, "format_category": category,
        "url": values.get("service_address") or page_url,
        "url_type": "api" if category == "service_interface" else None,
    }


def package_dicts(entries_and_versions: Iterable[tuple[Entry, EntryVersion]], user,
                  lookups: Lookups | None = None) -> list[dict]:
    """The package dicts of (entry, version) pairs, in order. 关联资源代码 lists only entries this caller may see,
    as the entry page does."""
    pairs = list(entries_and_versions)
    lookups = lookups or Lookups()
    related = {c for _e, v in pairs for c in (v.data.get("related_codes") or [])}
    visible_related = catalog.visible_codes(related, user) if related else set()
    schema = get_schema()
    out = []
    for entry, version in pairs:
        values = catalog.full_values(entry, version)
        values["related_codes"] = [c for c in values.get("related_codes") or [] if c in visible_related]
        department = lookups.department(entry.department_id)
        page_url = url_for("portal.entry", entry_id=entry.id, _external=True)
        keywords = values.get("keywords") or []
        topics = values.get("topic_codes") or []
        package = {
            "id": str(entry.id), "name": name_of(entry.resource_code), "title": version.name,
            "notes": values.get("summary") or "", "type": "dataset", "state": _state(entry),
            "private": not policy.is_open(version), "url": page_url,
            "metadata_created": _iso(entry.created_at),
            "metadata_modified": _iso(catalog.modified_at(entry, version)),
            "owner_org": str(entry.department_id),
            "organization": organization_dict(department) if department else None,
            "tags": [{"name": k, "display_name": k} for k in keywords], "num_tags": len(keywords),
            "groups": [group_dict(code, lookups.category(code), kind="group") for code in topics],
            "resources": [_resource(entry, values, page_url)], "num_resources": 1,
            "license_id": None, "version": str(version.number), "version_number": version.number,
            "catalog_status": entry.status.value, "version_state": version.state.value,
        }
        for spec in schema.fields:
            if spec.key != "name" and spec.key in values:
                package.setdefault(spec.key, values[spec.key])
        for spec in schema.fields:
            if spec.key != "name" and not spec.import_only:
                package.setdefault(spec.key, None)
        package["data_items"] = values.get("data_items") or []
        out.append(package)
    return out


def load(ids: list[int]) -> dict[int, Entry]:
    """Entries by id with their versions and department, in three queries whatever their number."""
    if not ids:
        return {}
    return {e.id: e for e in db.session.scalars(
        select(Entry).where(Entry.id.in_(ids)).options(
            joinedload(Entry.published_version), joinedload(Entry.draft_version))).unique()}


# ---- writing: a package dict → the schema's values ------------------------------------------------------

def _problem(key: str, message: str, message_en: str) -> Problem:
    label = get_schema().field(key).label if key in {f.key for f in get_schema().fields} else key
    return Problem(key, label, message, message_en)


def writable_keys() -> frozenset[str]:
    """The schema's keys a client may write: its editable fields (the identity ones on create), the data items."""
    return frozenset([f.key for f in get_schema().fields if f.editable and not f.import_only]
                     + ["category_code", "provider", "data_items"])


def values_from(data: Mapping, *, base: Mapping | None = None) -> dict:
    """The schema values a package_create / _update / _patch body gives (on top of `base` for a patch).

    CKAN's keys are mapped (title → 信息资源名称, notes → 摘要, owner_org → provider, tags → keywords, groups →
    topics); the schema's keys are taken as they are; keys the registry derives are ignored; any other key is a
    validation error naming it, so a typo never passes silently.
    """
    fields = writable_keys()
    values = dict(base or {})
    problems: list[Problem] = []
    for key, value in data.items():
        if key in CONTROL_KEYS or key in IGNORED_KEYS and key not in MAPPED_KEYS:
            continue
        target = MAPPED_KEYS.get(key, key)
        if target not in fields:
            problems.append(Problem(key, key, f"未知字段“{key[:50]}”（字段名见接口文档 docs/api.md）",
                                    f"unknown field {key[:50]!r}"))
            continue
        if key == "owner_org":
            department = find_department(value)
            if department is None:
                problems.append(_problem("provider", f"「信息资源提供方」“{str(value)[:50]}”不是已登记的部门",
                                         "owner_org is not a registered organization"))
                continue
            value = department.id
        elif key == "tags":
            value = _names(value, key, problems)
        elif key == "groups":
            value = _names(value, key, problems)
        values[target] = value
    if "summary" not in data and "notes" in data:
        values["summary"] = data["notes"]
    if problems:
        raise InvalidInput(problems)
    return values


def _names(value, key: str, problems: list[Problem]) -> list[str] | None:
    """CKAN's tags and groups: a list of {"name": …} dicts (or of plain names)."""
    if value in (None, ""):
        return []
    if not isinstance(value, list):
        problems.append(Problem(key, key, f"“{key}”须为列表，如 [{{\"name\": \"…\"}}]", f"{key} must be a list"))
        return None
    out = []
    for item in value:
        name = item.get("name") if isinstance(item, dict) else item
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(key, key, f"“{key}”的每一项须有名称（name）", f"each of {key} needs a name"))
            return None
        out.append(name.strip())
    return out


def require(identifier, user) -> tuple[Entry, EntryVersion]:
    """The entry a package id names, with the version this caller may see, or Not Found (the same answer for an
    entry that does not exist and one that is not theirs to see)."""
    entry = find_entry(identifier)
    version = visible_version(user, entry) if entry is not None else None
    if version is None:
        raise NotFound("未找到该信息资源", "Not found")
    return entry, version

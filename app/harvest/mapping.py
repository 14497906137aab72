"""A remote package dict → a harvested record's columns, its values under our schema's keys (for the search
document and the record page), and the rows the record page shows.

Two kinds of source answer the same Action API. Our own registry (another instance of this software) puts every
field of the catalog schema at the top level of the package, ckanext-scheming style (`resource_code`,
`sharing_type`, `data_items` …): those are shown with the schema's labels and indexed as ours are. Any other CKAN has
only CKAN's core keys: title, notes, tags, organization, resources, extras — mapped onto 信息资源名称, 摘要, 关键词
and 提供方, the whole dict kept for display.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

from app.core.timefmt import format_datetime
from catalog_schema import get_schema

from .client import parse_time

MAX_TEXT = 20_000  # one harvested value, as indexed and shown (a source is not trusted with our memory)
MAX_LIST = 500


def is_ours(package: dict) -> bool:
    """Whether the package comes from a registry of this kind (it carries the schema's resource code)."""
    return isinstance(package.get("resource_code"), str) and bool(package.get("resource_code"))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return "、".join(_text(v) for v in value[:MAX_LIST])
    if isinstance(value, dict):
        return ""
    return str(value).strip()[:MAX_TEXT]


def _organization(package: dict) -> dict:
    organization = package.get("organization")
    return organization if isinstance(organization, dict) else {}


def record_fields(package: dict, *, anonymous: bool) -> dict:
    """The record's columns from a package (already checked by `client.package_problem`). `anonymous`: fetched
    without a token, so everything fetched is what the source shows the public."""
    name = package["name"].strip()
    organization = _organization(package)
    if is_ours(package):
        public = bool(package.get("open_to_public") is True) and not package.get("secret")
    else:
        public = anonymous or package.get("private") is False
    return {
        "remote_id": (_text(package.get("id")) or name)[:200],
        "remote_name": name,
        "resource_code": _text(package.get("resource_code"))[:64] or None,
        "title": (_text(package.get("title")) or name)[:500],
        "organization_title": _text(organization.get("title") or organization.get("name"))[:200],
        "organization_credit_code": _text(organization.get("credit_code"))[:32] or None,
        "package": package,
        "metadata_modified": parse_time(package.get("metadata_modified")),
        "public": public,
    }


def _tags(package: dict) -> list[str]:
    tags = package.get("tags")
    if not isinstance(tags, list):
        return []
    out = []
    for tag in tags[:MAX_LIST]:
        value = tag.get("display_name") or tag.get("name") if isinstance(tag, dict) else tag
        if isinstance(value, str) and value.strip():
            out.append(value.strip()[:100])
    return list(dict.fromkeys(out))


def _clean(value):
    """A remote value made safe to index and show: texts capped, lists of plain values, no nested objects."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        return value[:MAX_TEXT]
    if isinstance(value, list):
        return [v[:MAX_TEXT] if isinstance(v, str) else v for v in value[:MAX_LIST]
                if isinstance(v, (str, int, float)) and not isinstance(v, bool)]
    return None


def _data_items(package: dict) -> list[dict]:
    items = package.get("data_items")
    if not isinstance(items, list):
        return []
    keys = [f.key for f in get_schema().item_fields]
    out = []
    for item in items[:MAX_LIST]:
        if isinstance(item, dict):
            out.append({key: _clean(item.get(key)) for key in keys if key in item})
    return out


def values_of(package: dict) -> dict:
    """The package's values under the schema's keys (what the search document is built from)."""
    schema = get_schema()
    values: dict = {}
    if is_ours(package):
        for spec in schema.fields:
            if spec.key in ("name", "provider", "data_items"):
                continue
            if spec.key in package:
                values[spec.key] = _clean(package[spec.key])
        values["data_items"] = _data_items(package)
    values["name"] = _text(package.get("title")) or _text(package.get("name"))
    if not values.get("summary"):
        values["summary"] = _text(package.get("notes"))
    if not values.get("keywords"):
        values["keywords"] = _tags(package)
    values.setdefault("data_items", [])
    return values


def safe_link(url) -> str | None:
    """A link from a harvested value, only when it is http(s) (never javascript: and the like)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def original_url(package: dict, source_url: str) -> str | None:
    """The package's own page at the source: our registry says it (`url`); a CKAN's is /dataset/<name>."""
    if is_ours(package):
        return safe_link(package.get("url"))
    return f"{source_url.rstrip('/')}/dataset/{quote(package['name'].strip(), safe='')}"


# ---- the record page ------------------------------------------------------------------------------------------

def schema_rows(package: dict) -> list[tuple[str, str]]:
    """(label, shown value) of every schema field the package has (our registry's packages), in schema order."""
    schema = get_schema()
    values = values_of(package)
    rows = []
    for spec in schema.fields:
        if spec.key in ("provider", "data_items"):
            continue
        if spec.key == "name":
            continue  # the page's heading
        value = values.get(spec.key)
        try:
            shown = schema.display(spec, value)
        except (TypeError, AttributeError):
            shown = _text(value)
        if shown:
            rows.append((spec.label, shown))
    return rows


def item_rows(package: dict) -> tuple[list[str], list[list[str]]]:
    """The data items (信息项) as a table: the schema's item labels, and each item's shown values."""
    schema = get_schema()
    specs = list(schema.item_fields)
    rows = []
    for item in _data_items(package):
        row = []
        for spec in specs:
            try:
                row.append(schema.display(spec, item.get(spec.key)))
            except (TypeError, AttributeError):
                row.append(_text(item.get(spec.key)))
        rows.append(row)
    return [spec.label for spec in specs], rows


CKAN_LABELS = (("notes", "描述"), ("license_title", "许可协议"), ("author", "作者"), ("maintainer", "维护者"),
               ("version", "版本"))


def ckan_rows(package: dict) -> list[tuple[str, str]]:
    """A foreign CKAN package's core fields and extras, labelled in Chinese (what it has; nothing invented). Its
    modification time is shown with the source (来源最近修改)."""
    rows = [(label, _text(package.get(key))) for key, label in CKAN_LABELS if _text(package.get(key))]
    created = parse_time(package.get("metadata_created"))
    if created is not None:
        rows.append(("创建时间", format_datetime(created)))
    tags = _tags(package)
    if tags:
        rows.append(("标签", "、".join(tags)))
    groups = package.get("groups")
    if isinstance(groups, list):
        names = [_text(g.get("title") or g.get("name")) for g in groups if isinstance(g, dict)]
        if any(names):
            rows.append(("分组", "、".join(n for n in names if n)))
    extras = package.get("extras")
    if isinstance(extras, list):
        for extra in extras[:MAX_LIST]:
            if isinstance(extra, dict) and _text(extra.get("key")):
                rows.append((_text(extra.get("key"))[:100], _text(extra.get("value"))))
    return rows


def resources(package: dict) -> list[dict]:
    """The package's resources (distributions): name, format, and a link only when it is http(s)."""
    out = []
    items = package.get("resources")
    if not isinstance(items, list):
        return out
    for resource in items[:MAX_LIST]:
        if not isinstance(resource, dict):
            continue
        out.append({"name": _text(resource.get("name")) or _text(resource.get("id")) or "资源",
                    "format": _text(resource.get("format"))[:50], "url": safe_link(resource.get("url"))})
    return out

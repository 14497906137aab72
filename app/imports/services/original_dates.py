"""The original catalog's dates in an import (首次发布日期、最近更新日期: the schema's import-only fields).

Migrating an existing catalog, an admin keeps each entry's first publication and last update instead of the
import day. The columns are honoured only when the import is published directly, which only admins may do:

* a user who may not publish directly (an editor) gets a problem on every filled cell of these columns — the
  file must leave them blank; nothing is silently dropped;
* an admin's dry run checks the dates (none in the future, no update before the first publication, an update
  date only with a first publication date), each problem naming the cell and repeating the value; the report
  counts the rows that carry dates, and confirming such a dry run without publishing directly is refused;
* an import that is not published directly (the command line without ``--publish-reason``) refuses filled cells.

The dates apply to the rows that are imported (new entries, and changed ones, whose new version is published with
them); a row equal to its entry changes nothing, dates included. Exports leave these columns blank.
"""
from __future__ import annotations

from app.catalog import policy
from app.core.clock import today
from catalog_schema import get_schema, validate_import_only
from importers.problems import CellProblem
from importers.reader import ParsedEntry, problems_for

REPORT_KEY = "original_dates"  # in a dry run's report: how many rows carry original dates


def values_of(parsed: ParsedEntry) -> dict:
    """The row's filled import-only values (ISO dates as the reader parsed them), by schema key."""
    return {spec.key: parsed.values[spec.key] for spec in get_schema().import_only_fields
            if parsed.values.get(spec.key) not in (None, "")}


def labels() -> str:
    """「首次发布日期」「最近更新日期」"""
    return "".join(f"「{spec.label}」" for spec in get_schema().import_only_fields)


def problems(parsed: ParsedEntry, *, user, publish: bool | None) -> list[CellProblem]:
    """The row's problems with its original dates. `publish`: whether the import will be published directly
    (None: not decided yet — the web dry run, before the admin confirms)."""
    given = values_of(parsed)
    if not given:
        return []
    if not policy.can_publish_directly(user):
        why = "只有平台管理员导入并直接发布时可填写，请清空此单元格"
        why_en = "only an admin publishing the import directly may fill it"
    elif publish is False:
        why = "只有直接发布时可填写：请写明直接发布原因，或清空此单元格"
        why_en = "only an import published directly may fill it"
    else:
        _clean, found = validate_import_only(given, today=today())
        return problems_for(parsed, found)
    schema = get_schema()
    out = []
    for key in given:
        if key in parsed.failed:   # the reader refused the cell already (not a date)
            continue
        ref = parsed.source(key)
        out.append(CellProblem.at(ref, parsed.value_at(key), f"「{schema.field(key).label}」{why}",
                                  f"{key}: {why_en}"))
    return out

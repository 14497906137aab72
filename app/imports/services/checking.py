"""The dry run of an Excel import: every row read and checked as the web form would, nothing written."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from flask import current_app
from sqlalchemy import func, select

from app import catalog
from app.catalog import Category, Entry, EntryStatus, EntryVersion, policy
from app.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from app.extensions import db
from app.org import Department
from catalog_schema import validate_entry
from importers.guards import Limits
from importers.problems import CellProblem, WorkbookRejected
from importers.reader import ParsedEntry, problems_for, read_workbook

PROGRESS_EVERY = 50


class Cancelled(Exception):
    """The person who started the job cancelled it; everything it did is rolled back."""


@dataclass
class Report:
    """What a dry run (or an import) found: counts and the problems per cell."""

    entries: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    rejected: str | None = None

    def as_dict(self) -> dict:
        return {"entries": self.entries, "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                "problems": [p.as_dict() for p in self.problems], "rejected": self.rejected}


# ---- reference data --------------------------------------------------------------------------------------

def reference() -> dict:
    """Classification nodes and departments as plain tuples for `importers` (which knows no database)."""
    return {
        "categories": db.session.execute(select(Category.code, Category.name).order_by(Category.code)).all(),
        "departments": [(d.code, d.name, d.id) for d in
                        db.session.scalars(select(Department).order_by(Department.code))],
    }


def limits(max_bytes: int | None = None) -> Limits:
    config = current_app.config
    return Limits(max_bytes=max_bytes or config["IMPORT_MAX_BYTES"],
                  max_uncompressed=max(config["IMPORT_MAX_UNCOMPRESSED"], 10 * (max_bytes or 0)),
                  max_rows=config["IMPORT_MAX_ROWS"])


def write_template(path) -> None:
    from importers.template import write_template as write
    write(path, **reference(), example=None)


# ---- the dry run ------------------------------------------------------------------------------------------

def row_problem(entry: ParsedEntry, path: str, message: str, message_en: str) -> CellProblem:
    return CellProblem.at(entry.source(path), entry.value_at(path) if path else entry.resource_code,
                          message, message_en)


def _code_problem(entry: ParsedEntry, error: DomainError) -> CellProblem:
    """A problem of the whole row, shown on its resource-code cell (or its first cell)."""
    ref = entry.columns.ref(entry.row, None) if entry.columns else None
    code_ref = entry.source("resource_code") if entry.resource_code else ref
    return CellProblem.at(code_ref or entry.source(""), entry.resource_code, error.message, error.message_en)


def check_entries(parsed_entries: list[ParsedEntry], *, user,
                  progress: Callable[[int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> tuple[Report, list[tuple]]:
    """Check every parsed entry as the form would; returns the report and the plan (what to do per entry).

    The report holds the problems the checks find; the caller adds the workbook's reading problems.
    """
    report = Report(entries=len(parsed_entries))
    lookups = catalog.RegistryLookups(user)
    plan = []
    codes = [e.resource_code for e in parsed_entries if e.resource_code]
    # what the user may not see does not exist for them: no message names another department's draft
    existing = {e.resource_code: e for e in db.session.scalars(select(Entry).where(Entry.resource_code.in_(codes)))
                if policy.can_see_any(user, e)}
    by_name = entries_by_name([e for e in parsed_entries if not e.resource_code], user)
    seen_names: set[tuple] = set()
    for number, parsed in enumerate(parsed_entries, start=1):
        if cancelled and number % PROGRESS_EVERY == 0 and cancelled():
            raise Cancelled()
        if not parsed.resource_code:
            key = name_key(parsed.values, user)
            if key in seen_names and key[1]:
                report.problems.append(row_problem(parsed, "name", f"「信息资源名称」“{key[1]}”在文件中重复：同一提供方不宜登记同名资源",
                                                    "the same name appears twice for one provider"))
                continue
            seen_names.add(key)
        try:
            same_name = None if parsed.resource_code else by_name.get(name_key(parsed.values, user))
            if parsed.resource_code or same_name is not None:
                entry = existing.get(parsed.resource_code) if parsed.resource_code else same_name
                if entry is None:
                    report.problems.append(row_problem(
                        parsed, "resource_code", f"信息资源代码“{parsed.resource_code}”未登记：新资源请留空代码",
                        "resource code is not registered; leave it empty for a new entry"))
                    continue
                if _unchanged(entry, parsed, user, lookups):
                    report.unchanged += 1
                    continue
                catalog.check_update(entry, parsed.values, user=user, lookups=lookups)
                report.changed += 1
                plan.append(("update", (entry.id, catalog.BaseRef.of(entry.base_version)), parsed))
            else:
                checked = catalog.check_create(parsed.values, user=user, lookups=lookups)
                report.new += 1
                plan.append(("create", checked, parsed))
        except InvalidInput as error:
            report.problems += problems_for(parsed, error.problems)
        except (PermissionDenied, Conflict) as error:
            report.problems.append(_code_problem(parsed, error))
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
    if progress:
        progress(len(parsed_entries))
    return report, plan


def _unchanged(entry: Entry, parsed: ParsedEntry, user, lookups) -> bool:
    """The row equals the entry's working version or its published one (checked after permission, so another
    department's rows are refused rather than reported unchanged). Rows in review count too: re-importing the
    file that submitted them changes nothing."""
    policy.require_edit(user, entry)
    clean, problems = validate_entry({**parsed.values, "category_code": entry.category_code,
                                      "provider": entry.department_id}, lookups=lookups)
    return not problems and catalog.is_unchanged(entry, clean)


def name_key(values: dict, user) -> tuple:
    provider = values.get("provider") or user.department_id
    return (str(provider), (values.get("name") or "").strip())


def entries_by_name(parsed_entries: list[ParsedEntry], user) -> dict[tuple, Entry]:
    """Registered, not retired entries with the name and provider of a row that has no resource code.

    A provider does not register two resources of the same name (catalog-metadata.md element 2), so such a
    row is that entry: re-importing a file of new rows does not register them twice.
    """
    names = {(e.values.get("name") or "").strip() for e in parsed_entries} - {""}
    if not names:
        return {}
    current = EntryVersion.id == func.coalesce(Entry.draft_version_id, Entry.published_version_id)
    rows = db.session.execute(
        select(Entry, EntryVersion.name).join(EntryVersion, current)
        .where(Entry.status != EntryStatus.retired, EntryVersion.name.in_(names))).all()
    return {(str(entry.department_id), name): entry for entry, name in rows if policy.can_see_any(user, entry)}


def check(path, *, user, progress=None, cancelled=None, max_bytes: int | None = None) -> tuple[Report, list[tuple]]:
    """The dry run of a file: reading problems, then every entry's checks. Writes nothing.

    `max_bytes` raises the upload limit for files an administrator imports from the command line.
    """
    try:
        parsed = read_workbook(path, limits=limits(max_bytes), **reference())
    except WorkbookRejected as error:
        return Report(rejected=error.message), []
    report, plan = check_entries(parsed.entries, user=user, progress=progress, cancelled=cancelled)
    report.problems = parsed.problems + report.problems
    return report, plan



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
from importers.layout import Reference
from importers.problems import CellProblem, WorkbookRejected
from importers.reader import ParsedEntry, problems_for, read_workbook

from . import original_dates

PROGRESS_EVERY = 50


class Cancelled(Exception):
    """The person who started the job cancelled it; everything it did is rolled back."""


NEW, CHANGED, UNCHANGED = "new", "changed", "unchanged"
KINDS = {NEW: "新增", CHANGED: "修改", UNCHANGED: "未变化"}


@dataclass
class Report:
    """What a dry run (or an import) found: counts and the problems per cell.

    Rows are counted by what they are — a row without a resource code (nor a registered entry of its name) is
    new, one naming an entry is changed or unchanged — whether or not they have problems; `*_with_problems`
    say how many of each have.
    """

    entries: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    new_with_problems: int = 0
    changed_with_problems: int = 0
    unchanged_with_problems: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    rejected: str | None = None
    original_dates: int = 0      # rows to import that carry the original catalog's dates (original_dates.py)

    def count(self, kind: str, *, has_problems: bool) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if has_problems:
            setattr(self, f"{kind}_with_problems", getattr(self, f"{kind}_with_problems") + 1)

    @property
    def summary(self) -> str:
        return summary(self.as_dict())

    def as_dict(self) -> dict:
        return {"entries": self.entries, "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
                **{f"{kind}_with_problems": getattr(self, f"{kind}_with_problems") for kind in KINDS},
                "problems": [p.as_dict() for p in self.problems], "rejected": self.rejected,
                original_dates.REPORT_KEY: self.original_dates}


def summary(report: dict) -> str:
    """共 12 条：新增 5（其中 2 条有问题），修改 3，未变化 4。 — what the command line and the import page say of a
    dry run (`report`: `Report.as_dict()`, as a job row keeps it)."""
    parts = []
    for kind, label in KINDS.items():
        bad = report.get(f"{kind}_with_problems") or 0
        parts.append(f"{label} {report.get(kind) or 0}" + (f"（其中 {bad} 条有问题）" if bad else ""))
    return f"共 {report.get('entries') or 0} 条：{'，'.join(parts)}。"


# ---- reference data --------------------------------------------------------------------------------------

def reference() -> dict:
    """Classification nodes and departments as plain tuples for `importers` (which knows no database); each
    department with the other names a cell may give it (short name, aliases)."""
    return {
        "categories": db.session.execute(select(Category.code, Category.name).order_by(Category.code)).all(),
        "departments": [(d.code, d.name, d.id, f"{d.short_name or ''};{d.aliases or ''}") for d in
                        db.session.scalars(select(Department).order_by(Department.code))],
    }


def reading_reference(user) -> Reference:
    """What the cells of an upload are read against: `reference()`, and the names of the entries `user` may
    see, which “code name” in a related-code cell must agree with."""
    return Reference(**reference(), resource_names=lambda codes: catalog.queries.names_of_codes(codes, user))


def limits(max_bytes: int | None = None) -> Limits:
    config = current_app.config
    return Limits(max_bytes=max_bytes or config["IMPORT_MAX_BYTES"],
                  max_uncompressed=max(config["IMPORT_MAX_UNCOMPRESSED"], 10 * (max_bytes or 0)),
                  max_rows=config["IMPORT_MAX_ROWS"])


def write_template(path) -> None:
    from importers.template import write_template as write
    write(path, **reference(), example=None)


def write_report(source, report: Report, target) -> bool:
    """The copy of the uploaded workbook with each problem cell filled light red and commented, and a
    「错误报告」 sheet listing every problem: what the import page offers and `catalog import --report` writes.
    Written only when the report has problems (a rejected file has no cells to mark); returns whether it was."""
    if report.rejected or not report.problems:
        return False
    from importers.annotate import annotate
    annotate(source, report.problems, target)
    return True


# ---- the dry run ------------------------------------------------------------------------------------------

def row_problem(entry: ParsedEntry, path: str, message: str, message_en: str) -> CellProblem:
    return CellProblem.at(entry.source(path), entry.value_at(path) if path else entry.resource_code,
                          message, message_en)


def _code_problem(entry: ParsedEntry, error: DomainError) -> CellProblem:
    """A problem of the whole row, shown on its resource-code cell (or its first cell)."""
    ref = entry.columns.ref(entry.row, None) if entry.columns else None
    code_ref = entry.source("resource_code") if entry.resource_code else ref
    return CellProblem.at(code_ref or entry.source(""), entry.resource_code, error.message, error.message_en)


def check_entries(parsed_entries: list[ParsedEntry], *, user, publish: bool | None = None,
                  progress: Callable[[int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> tuple[Report, list[tuple]]:
    """Check every parsed entry as the form would; returns the report and the plan (what to do per entry).

    The report holds the problems the checks find; the caller adds the workbook's reading problems (a row
    with reading problems is counted as having problems all the same).
    """
    report = Report(entries=len(parsed_entries))
    rows = _Rows(user, parsed_entries)
    for number, parsed in enumerate(parsed_entries, start=1):
        if cancelled and number % PROGRESS_EVERY == 0 and cancelled():
            raise Cancelled()
        kind, found = rows.check(parsed)
        dates = original_dates.problems(parsed, user=user, publish=publish)
        found = found + dates
        if kind != UNCHANGED and not dates and original_dates.values_of(parsed):
            report.original_dates += 1
        report.count(kind, has_problems=bool(found or parsed.problems))
        report.problems += found
        if progress and number % PROGRESS_EVERY == 0:
            progress(number)
    if progress:
        progress(len(parsed_entries))
    return report, rows.plan


class _Rows:
    """The checks of one file's rows, and what they share: the entries the rows name, the names seen so far."""

    def __init__(self, user, parsed_entries: list[ParsedEntry]):
        self.user = user
        self.lookups = catalog.RegistryLookups(user)
        self.plan: list[tuple] = []
        codes = [e.resource_code for e in parsed_entries if e.resource_code]
        # what the user may not see does not exist for them: no message names another department's draft
        self.existing = {e.resource_code: e for e in
                         db.session.scalars(select(Entry).where(Entry.resource_code.in_(codes)))
                         if policy.can_see_any(user, e)}
        self.by_name = entries_by_name([e for e in parsed_entries if not e.resource_code], user)
        self.seen_names: set[tuple] = set()

    def check(self, parsed: ParsedEntry) -> tuple[str, list[CellProblem]]:
        """(what the row is — NEW, CHANGED or UNCHANGED —, its problems); a clean row joins the plan."""
        user = self.user
        if not parsed.resource_code:
            key = name_key(parsed.values, user)
            if key in self.seen_names and key[1]:
                return NEW, [row_problem(parsed, "name", f"「信息资源名称」“{key[1]}”在文件中重复：同一提供方不宜登记同名资源",
                                         "the same name appears twice for one provider")]
            self.seen_names.add(key)
            same_name = self.by_name.get(key)
            if same_name is None:
                return NEW, self._create(parsed)
            return self._update(same_name, parsed)
        entry = self.existing.get(parsed.resource_code)
        if entry is None:
            return CHANGED, [row_problem(parsed, "resource_code",
                                         f"信息资源代码“{parsed.resource_code}”未登记：新资源请留空代码",
                                         "resource code is not registered; leave it empty for a new entry")]
        return self._update(entry, parsed)

    def _create(self, parsed: ParsedEntry) -> list[CellProblem]:
        try:
            checked = catalog.check_create(parsed.values, user=self.user, lookups=self.lookups)
        except InvalidInput as error:
            return problems_for(parsed, error.problems)
        except (PermissionDenied, Conflict) as error:
            return [_provider_problem(parsed, error)]
        self.plan.append(("create", checked, parsed))
        return []

    def _update(self, entry: Entry, parsed: ParsedEntry) -> tuple[str, list[CellProblem]]:
        try:
            if _unchanged(entry, parsed, self.user, self.lookups):
                return UNCHANGED, []
            catalog.check_update(entry, parsed.values, user=self.user, lookups=self.lookups)
        except InvalidInput as error:
            return CHANGED, problems_for(parsed, error.problems)
        except (PermissionDenied, Conflict) as error:
            return CHANGED, [_code_problem(parsed, error)]
        self.plan.append(("update", (entry.id, catalog.BaseRef.of(entry.base_version)), parsed))
        return CHANGED, []


def _provider_problem(entry: ParsedEntry, error: DomainError) -> CellProblem:
    """A new row refused for its provider (“您只能为本部门编目…”): shown on the provider cell when there is one."""
    if entry.values.get("provider") not in (None, "") and entry.columns and "provider" in entry.columns.letters:
        return row_problem(entry, "provider", error.message, error.message_en)
    return _code_problem(entry, error)


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


def check(path, *, user, progress=None, cancelled=None, max_bytes: int | None = None,
          publish: bool | None = None) -> tuple[Report, list[tuple]]:
    """The dry run of a file: reading problems, then every entry's checks. Writes nothing.

    `max_bytes` raises the upload limit for files an administrator imports from the command line. `publish`:
    whether the import will be published directly (None: not decided yet), which decides whether the original
    catalog's dates may be filled in (`original_dates`).
    """
    try:
        parsed = read_workbook(path, limits=limits(max_bytes), reference=reading_reference(user))
    except WorkbookRejected as error:
        return Report(rejected=error.message), []
    report, plan = check_entries(parsed.entries, user=user, progress=progress, cancelled=cancelled, publish=publish)
    report.problems = parsed.problems + report.problems
    return report, plan



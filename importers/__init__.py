"""Excel templates, parsing, validation and exports of catalog entries; knows nothing of app/.

Every column comes from `catalog_schema` (see `layout.py`); reference data (classification nodes,
departments) is passed in as plain (code, name[, id]) tuples.

    write_template(path, categories=..., departments=..., example=...)     # 导入模板
    parsed = read_workbook(path, limits=Limits(), categories=..., departments=...)
    cleans, problems = validate_workbook(parsed, lookups=...)              # or validate_entry + problems_for
    annotate(path, problems, annotated_path)                               # 标注错误的副本
    write_entries(path, entries, categories=..., departments=...)          # 导出（可修改后重新导入）
"""
from .annotate import annotate
from .export import write_entries
from .guards import Limits, check_file
from .layout import Reference, get_layout
from .problems import CellProblem, CellRef, WorkbookRejected
from .reader import ParsedEntry, ParsedWorkbook, problems_for, read_workbook, validate_workbook
from .template import write_template

__all__ = [
    "CellProblem", "CellRef", "Limits", "ParsedEntry", "ParsedWorkbook", "Reference", "WorkbookRejected",
    "annotate", "check_file", "get_layout", "problems_for", "read_workbook", "validate_workbook",
    "write_entries", "write_template",
]
